//! `cargo xtask bench`: runs the side-by-side benchmarks of the `bench/` crate. That crate is
//! its own workspace (it pulls in Extism and wasmi), so it is built here on demand with its own
//! lock file and never by the main workspace's `cargo test`.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

/// Flags of `cargo xtask bench`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Where to write the JSON report (default: <project root>/target/bench.json).
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// A tenth of the samples: a smoke run whose figures are not worth quoting.
    #[arg(long)]
    quick: bool,
    /// Skip the row that times a full `cargo xtask conformance` run.
    #[arg(long)]
    no_conformance: bool,
    /// Also print the change of every figure against the last run recorded in
    /// bench/results.jsonl (of the same kind: full or --quick).
    #[arg(long)]
    compare: bool,
    /// Do not append this run to bench/results.jsonl.
    #[arg(long)]
    no_history: bool,
}

/// Builds and runs the benchmarks in release mode; the markdown table goes to stdout. Exits
/// with the benchmark's own status (0 once every figure was measured, whether or not it met
/// its target: targets are judged in the table, not by the exit code, because the figures of a
/// shared machine are noisy).
pub fn run(args: Args) -> ExitCode {
    let root = crate::project_root();
    // The benchmark runs from the project root: a relative path means the caller's directory.
    let json = match args.json {
        Some(path) => std::env::current_dir()
            .map(|d| d.join(&path))
            .unwrap_or(path),
        None => root.join("target").join("bench.json"),
    };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(&root)
        .args(["run", "--release", "--quiet", "--manifest-path"])
        .arg(root.join("bench").join("Cargo.toml"))
        .args(["--", "--json"])
        .arg(&json);
    if args.quick {
        command.arg("--quick");
    }
    if args.no_conformance {
        command.arg("--no-conformance");
    }
    if args.compare {
        command.arg("--compare");
    }
    if args.no_history {
        command.arg("--no-history");
    }
    match command.status() {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(status) => {
            eprintln!("the benchmark failed ({status})");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("cargo could not be started: {e}");
            ExitCode::from(2)
        }
    }
}
