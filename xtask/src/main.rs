//! `cargo xtask`: the project's automation entry point. This file only dispatches; each command
//! lives in its own module with a `run` function.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bench;
mod conformance;
mod features;
#[cfg(feature = "fuzz")]
mod fuzz;
mod verdicts;

#[derive(Parser)]
#[command(name = "cargo xtask", about = "toolcage project automation")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the conformance corpus against a runtime (default: the reference runtime in-process).
    Conformance(conformance::Args),
    /// Run wasm-smith-generated modules through the reference runtime; report panics, hangs and
    /// outcomes outside the ABI.
    #[cfg(feature = "fuzz")]
    Fuzz(fuzz::Args),
    /// Run wasm-smith-generated modules through the reference runtime (rebuilds the xtask with
    /// the fuzzer first; `cargo xtask fuzz --help` lists the flags).
    #[cfg(not(feature = "fuzz"))]
    #[command(disable_help_flag = true)]
    Fuzz(features::Deferred),
    /// The corpus against the reference, wasmi and Python runtimes: their verdicts side by side
    /// per guarantee area, as a Markdown table (`--readme` writes it into README.md).
    Verdicts(verdicts::Args),
    /// Benchmarks side by side (reference runtime, bare wasmtime, wasmi, Extism); builds the
    /// separate `bench/` workspace in release mode.
    Bench(bench::Args),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Conformance(args) => conformance::run(args),
        #[cfg(feature = "fuzz")]
        Command::Fuzz(args) => fuzz::run(args),
        #[cfg(not(feature = "fuzz"))]
        Command::Fuzz(_) => features::rerun_with(features::Feature::Fuzz),
        Command::Verdicts(args) => verdicts::run(args),
        Command::Bench(args) => bench::run(args),
    }
}

/// The workspace root, whatever directory `cargo xtask` was started from.
pub fn project_root() -> PathBuf {
    let xtask = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    xtask.parent().map(PathBuf::from).unwrap_or(xtask)
}
