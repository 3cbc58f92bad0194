//! The libtest-mimic front end: each case becomes one named trial, so an implementer gets
//! `cargo test` filtering, parallelism and output for free and writes no runner of their own.

use std::path::PathBuf;
use std::sync::Arc;

use libtest_mimic::{Arguments, Completion, Failed, Trial};

use super::case::{describe, run_case};
use crate::judge::verdict::Verdict;
use crate::model::corpus::{Expectations, Suite};
use crate::model::error::{KitError, KitErrors};
use crate::runtime::seam::ConformanceRuntime;

/// Runs the conformance corpus against a runtime as `cargo test` trials named by case id.
///
/// A new implementer copies this into `tests/conformance.rs` and adds to `Cargo.toml`:
///
/// ```toml
/// [[test]]
/// name = "conformance"
/// harness = false
///
/// [dev-dependencies]
/// toolcage-kit = "0.1"
/// ```
///
/// ```no_run
/// //! Runs the toolcage conformance corpus against my runtime.
/// use toolcage_kit::{AdapterFailure, ConformanceRuntime, Harness, Request, Response, RuntimeInfo};
///
/// struct MyRuntime;
///
/// impl ConformanceRuntime for MyRuntime {
///     fn describe(&self) -> Result<RuntimeInfo, AdapterFailure> {
///         Ok(RuntimeInfo {
///             protocol: 1,
///             name: "my-runtime".into(),
///             version: "0.1.0".into(),
///             capabilities: vec!["fuel".into(), "evidence".into()],
///             limits: Default::default(),
///             profiles: vec![],
///         })
///     }
///
///     fn run(&self, request: &Request) -> Result<Response, AdapterFailure> {
///         // Load `request.package` with `request.digest` pinned, apply `request.limits`,
///         // make each of `request.calls` in order, and report one outcome per call.
///         # let _ = request;
///         unimplemented!()
///     }
/// }
///
/// fn main() {
///     Harness::new(MyRuntime)
///         .corpus("corpus")                 // repeatable: external corpora beside ours
///         .expectations("xfail.toml")       // optional: known failures, with reasons
///         .test()
/// }
/// ```
///
/// `cargo test --test conformance cpu.` then runs the cases whose id contains `cpu.`. A
/// runtime that is not written in Rust uses [`crate::ProcessRuntime`] in the same place.
pub struct Harness {
    runtime: Arc<dyn ConformanceRuntime>,
    corpora: Vec<PathBuf>,
    expectations: Option<PathBuf>,
    prefix: String,
}

impl Harness {
    /// A harness over `runtime`, with no corpus yet.
    pub fn new(runtime: impl ConformanceRuntime + 'static) -> Harness {
        Harness {
            runtime: Arc::new(runtime),
            corpora: Vec::new(),
            expectations: None,
            prefix: String::new(),
        }
    }

    /// Adds a corpus directory (a `guarantees.toml` and `**/*.wat` cases).
    pub fn corpus(mut self, dir: impl Into<PathBuf>) -> Harness {
        self.corpora.push(dir.into());
        self
    }

    /// Uses an expectations file (`[[xfail]] id, reason`).
    pub fn expectations(mut self, file: impl Into<PathBuf>) -> Harness {
        self.expectations = Some(file.into());
        self
    }

    /// Prefixes every trial name (to run several runtimes in one test binary).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Harness {
        self.prefix = prefix.into();
        self
    }

    /// The trials, one per case. A kit error (broken corpus, no corpus) becomes a single failing
    /// trial named `<prefix>kit`, so it can never pass unnoticed.
    pub fn trials(self) -> Vec<Trial> {
        match self.build() {
            Ok(trials) => trials,
            Err(errors) => {
                let message = errors.to_string();
                vec![Trial::test(format!("{}kit", self.prefix), move || {
                    Err(message.into())
                })]
            }
        }
    }

    fn build(&self) -> Result<Vec<Trial>, KitErrors> {
        if self.corpora.is_empty() {
            return Err(KitError::NoCases { filter: None }.into());
        }
        let suite = Suite::load(&self.corpora)?;
        if suite.cases.is_empty() {
            return Err(KitError::NoCases { filter: None }.into());
        }
        let expectations = match &self.expectations {
            Some(file) => Expectations::load(file, &suite)?,
            None => Expectations::default(),
        };
        let info = Arc::new(describe(&*self.runtime));
        Ok(suite
            .cases
            .into_iter()
            .map(|case| {
                let runtime = Arc::clone(&self.runtime);
                let info = Arc::clone(&info);
                let xfail = expectations.xfail.get(&case.id).cloned();
                Trial::ignorable_test(format!("{}{}", self.prefix, case.id), move || {
                    let result = run_case(&*runtime, &info, &case, xfail.as_deref())
                        .map_err(|e| Failed::from(format!("kit error: {e}")))?;
                    match result.verdict {
                        Verdict::Pass | Verdict::XFail { .. } => Ok(Completion::Completed),
                        Verdict::Skip { missing } => Ok(Completion::ignored_with(format!(
                            "runtime lacks capability {}",
                            missing.join(", ")
                        ))),
                        Verdict::Fail(failure) => Err(format!(
                            "{} [{}] {failure}\n  expected: {}\n  observed: {}",
                            result.id, result.guarantee, result.expected, result.observed
                        )
                        .into()),
                        Verdict::XPass { reason } => Err(format!(
                            "{} passed but is listed as xfail ({reason}): remove it from the list",
                            result.id
                        )
                        .into()),
                    }
                })
            })
            .collect())
    }

    /// Parses the test binary's arguments, runs the trials and exits with libtest's status.
    pub fn test(self) -> ! {
        let args = Arguments::from_args();
        libtest_mimic::run(&args, self.trials()).exit()
    }
}
