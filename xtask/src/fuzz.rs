//! `cargo xtask fuzz`: runs generated modules through the reference runtime and prints the
//! outcome histogram, the per-import call counts, the worst latency and every finding with its
//! seed; with `--differential ADAPTER...`, runs the same modules through other runtimes too and
//! prints every disagreement with a rerun line.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use toolcage_kit::report::shell_word;
use toolcage_selftest::differential::{self, AdapterSpec, DiffConfig};
use toolcage_selftest::fuzz::{self, Family, FuzzConfig};

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
    /// Deadline of every call, in milliseconds (default 50; 100 with --differential, where an
    /// interpreter must finish what a compiler does).
    #[arg(long)]
    deadline_ms: Option<u64>,
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
    /// Compare the reference runtime with these process adapters (docs/ADAPTER.md) on the same
    /// modules; each command is split on whitespace, as `conformance --adapter`.
    #[arg(long, value_name = "ADAPTER", num_args = 1..)]
    differential: Vec<String>,
    /// The expectations file of each --differential adapter, in the same order (`-` for none):
    /// a difference on a code its xfailed cases expect is declared, not a finding.
    #[arg(long, value_name = "FILE", num_args = 1.., requires = "differential")]
    expectations: Vec<String>,
    /// With --differential: write each finding's package, module text, request and answers to
    /// DIR/seed-<S>/ (rerun an adapter with `ADAPTER run < DIR/seed-<S>/request.json`).
    #[arg(long, value_name = "DIR", requires = "differential")]
    dump: Option<PathBuf>,
    /// With --differential: modules per adapter process.
    #[arg(long, default_value_t = 50, requires = "differential")]
    batch: usize,
    /// With --differential: only seeds of this family (allowed, denied, exports, abi).
    #[arg(long, value_name = "FAMILY", requires = "differential")]
    family: Option<String>,
}

/// Runs the command; exit 0 when no module produced a finding, 1 otherwise, 2 when the
/// differential run could not start.
pub fn run(args: Args) -> ExitCode {
    if !args.differential.is_empty() {
        return differential(args);
    }
    let config = FuzzConfig {
        count: args.count,
        seed: args.seed,
        deadline: Duration::from_millis(args.deadline_ms.unwrap_or(50)),
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

fn differential(args: Args) -> ExitCode {
    if args.expectations.len() > args.differential.len() {
        eprintln!("more --expectations than --differential adapters");
        return ExitCode::from(2);
    }
    let deadline_ms = args.deadline_ms.unwrap_or(100);
    let family = match args.family.as_deref() {
        None => None,
        Some(name) => match Family::ALL.into_iter().find(|f| f.as_str() == name) {
            Some(family) => Some(family),
            None => {
                eprintln!("--family {name}: not one of allowed, denied, exports, abi");
                return ExitCode::from(2);
            }
        },
    };
    let adapters: Vec<AdapterSpec> = args
        .differential
        .iter()
        .enumerate()
        .map(|(i, command)| AdapterSpec {
            command: command.clone(),
            expectations: args
                .expectations
                .get(i)
                .filter(|f| f.as_str() != "-")
                .map(PathBuf::from),
        })
        .collect();
    let mut flags = String::from(" --differential");
    for adapter in &adapters {
        flags.push_str(&format!(" {}", shell_word(&adapter.command)));
    }
    if !args.expectations.is_empty() {
        flags.push_str(" --expectations");
        for file in &args.expectations {
            flags.push_str(&format!(" {}", shell_word(file)));
        }
    }
    flags.push_str(&format!(" --deadline-ms {deadline_ms}"));
    if let Some(fuel) = args.fuel {
        flags.push_str(&format!(" --fuel {fuel}"));
    }
    flags.push_str(&format!(
        " --dump {}",
        shell_word(
            &args
                .dump
                .clone()
                .unwrap_or_else(|| PathBuf::from("target/differential"))
                .display()
                .to_string()
        )
    ));
    let config = DiffConfig {
        count: args.count,
        seed: args.seed,
        deadline: Duration::from_millis(deadline_ms),
        fuel: args.fuel,
        adapters,
        corpus: vec![crate::project_root().join("corpus")],
        dump: args.dump,
        batch: args.batch,
        family,
        max_findings: args.max_findings,
        rerun_flags: flags,
    };
    let report = differential::run(&config);
    print!("{report}");
    match (report.errors.is_empty(), report.passed()) {
        (false, _) => ExitCode::from(2),
        (true, true) => ExitCode::SUCCESS,
        (true, false) => ExitCode::from(1),
    }
}
