//! `cargo xtask fuzz`: runs wasm-smith-generated modules through the reference runtime and
//! prints the outcome histogram, the worst latency and every finding with its seed.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use toolcage::fuzz::{self, FuzzConfig};

/// Flags of `cargo xtask fuzz`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Modules to generate and run.
    #[arg(long, default_value_t = 1000)]
    count: u64,
    /// Seed of the first module (module i uses seed + i); rerun one finding with
    /// `--count 1 --seed S`.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Deadline of every call, in milliseconds.
    #[arg(long, default_value_t = 50)]
    deadline_ms: u64,
    /// Run every call with this instruction budget (the runtime's fuel engine).
    #[arg(long, value_name = "N")]
    fuel: Option<u64>,
    /// How late after the deadline an outcome may come, in milliseconds.
    #[arg(long, default_value_t = 250)]
    slack_ms: u64,
    /// Stop after this many findings.
    #[arg(long, value_name = "N")]
    max_findings: Option<usize>,
    /// Write the module of every finding to DIR/seed-<S>.wasm, for shrinking.
    #[arg(long, value_name = "DIR")]
    save: Option<PathBuf>,
}

/// Runs the command; exit 0 when no module produced a finding, 1 otherwise.
pub fn run(args: Args) -> ExitCode {
    let config = FuzzConfig {
        count: args.count,
        seed: args.seed,
        deadline: Duration::from_millis(args.deadline_ms),
        fuel: args.fuel,
        slack: Duration::from_millis(args.slack_ms),
        save_dir: args.save,
        max_findings: args.max_findings,
        ..FuzzConfig::default()
    };
    let report = fuzz::run(&config);
    print!("{report}");
    if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
