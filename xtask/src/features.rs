//! The `cargo xtask` alias builds the xtask without the runtime's mutant build and without the
//! fuzzer, so the README's first command compiles only what a conformance run executes (the
//! mutant build is the runtime's sources compiled a second time; the fuzzer brings wasm-smith).
//! A command that needs one of them reruns itself through cargo with that feature on: the
//! first such run compiles it, later ones start at once.

// A build with either feature on leaves that part of this module unused.
#![cfg_attr(any(feature = "mutants", feature = "fuzz"), allow(dead_code))]

use std::ffi::OsString;
use std::process::{Command, ExitCode};

/// A part of the xtask that the lean build leaves out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feature {
    /// `cargo xtask conformance --mutants`.
    Mutants,
    /// `cargo xtask fuzz`.
    Fuzz,
}

impl Feature {
    /// The cargo feature of the `xtask` package.
    fn cargo_name(self) -> &'static str {
        match self {
            Feature::Mutants => "mutants",
            Feature::Fuzz => "fuzz",
        }
    }
}

/// The arguments of a command the lean build cannot run, kept only to be handed on.
#[derive(clap::Args, Debug)]
pub struct Deferred {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    _args: Vec<OsString>,
}

/// Set in the rerun's environment: a build that still lacks the feature stops instead of
/// rerunning itself forever.
const RERUN_GUARD: &str = "TOOLCAGE_XTASK_RERUN";

/// Reruns this very invocation (same arguments, same working directory) from an xtask built
/// with `feature`, and exits with its status.
pub fn rerun_with(feature: Feature) -> ExitCode {
    if std::env::var_os(RERUN_GUARD).is_some() {
        eprintln!(
            "cargo xtask: this build lacks the `{}` feature even after a rebuild with it",
            feature.cargo_name()
        );
        return ExitCode::from(2);
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!(
        "cargo xtask: this command needs the xtask's `{0}` feature; running it through \
         `cargo run --package xtask --no-default-features --features {0}`",
        feature.cargo_name()
    );
    let status = Command::new(cargo)
        .args(["run", "--package", "xtask", "--no-default-features"])
        .args(["--features", feature.cargo_name(), "--"])
        .args(std::env::args_os().skip(1))
        .env(RERUN_GUARD, "1")
        .status();
    match status {
        Ok(status) => match status.code() {
            Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(2)),
            None => ExitCode::from(2),
        },
        Err(error) => {
            eprintln!("cargo xtask: cannot run cargo: {error}");
            ExitCode::from(2)
        }
    }
}
