//! Target `differential`: one generated module through the reference runtime and a second
//! runtime in the same process (under cargo-fuzz, the wasmi runtime of `adapters/wasmi`), their
//! answers compared exactly as `cargo xtask fuzz --differential` compares them
//! (`toolcage_selftest::differential`): both calls of the module, status and code, the details
//! SPEC §9 makes normative (`imports`, `count`, `export`, `trap`), the output, the diagnostics,
//! the import counters, and every error against the kit's universal checks.
//!
//! Input: the first 8 bytes are a seed (little-endian), which picks the family of
//! `cargo xtask fuzz` (`allowed`, `denied`, `exports`, `abi`) and its draws (memory type, import
//! pool and order, broken exports, the `abi` guest itself); the rest is what wasm-smith draws
//! the module from (unused by the `abi` family, whose guests come from the seed alone). Every
//! call runs under the differential run's 100 ms deadline.
//!
//! A finding (a panic, which libFuzzer reports) is a real divergence: not a disagreement the
//! second runtime's expectations file declares (a code that an xfailed case expects), and not an
//! engine-bound one (`timeout`, `fuel_exhausted`, `stack_overflow`, `resource_exhausted` on
//! either side); a module importing `diagnostic_write` is not sent to a runtime without
//! `diagnostics`. A crash or panic of either runtime is a finding too, since both run here.
//!
//! The known failures come from `adapters/wasmi/expectations.toml` and the corpus: next to the
//! binary in `differential-data/` (where OSS-Fuzz's build puts them), else in the source tree.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;
use toolcage_kit::{AdapterFailure, ConformanceRuntime, Request, Response, RuntimeInfo};
use toolcage_selftest::differential::{Candidate, DiffConfig, Single};
use toolcage_selftest::{fuzz, ReferenceRuntime};

/// The deadline of `cargo xtask fuzz --differential`.
const DEADLINE: Duration = Duration::from_millis(100);

/// A runtime that answers the adapter protocol's JSON in-process: what a process adapter reads
/// on stdin and prints, without the process.
#[derive(Clone, Copy)]
pub struct InProcess {
    /// What the runtime's `describe` prints.
    pub describe: fn() -> serde_json::Value,
    /// The answer to one `run` request, or why it could not be answered at all.
    pub answer: fn(&str) -> Result<String, String>,
}

impl ConformanceRuntime for InProcess {
    fn describe(&self) -> Result<RuntimeInfo, AdapterFailure> {
        serde_json::from_value((self.describe)()).map_err(|e| AdapterFailure::Garbage {
            reason: format!("`describe` answered a document of the wrong shape ({e})"),
            stderr: String::new(),
        })
    }

    fn run(&self, request: &Request) -> Result<Response, AdapterFailure> {
        let text = serde_json::to_string(request).map_err(|e| AdapterFailure::Unavailable {
            reason: format!("cannot encode the request: {e}"),
        })?;
        let answer = (self.answer)(&text).map_err(|reason| AdapterFailure::Unavailable {
            reason: format!("the request was refused: {reason}"),
        })?;
        serde_json::from_str(&answer).map_err(|e| AdapterFailure::Garbage {
            reason: format!("`run` answered a document of the wrong shape ({e})"),
            stderr: String::new(),
        })
    }
}

/// The corpus and the expectations file: shipped beside the binary, else the source tree's.
fn known_failures() -> (PathBuf, PathBuf) {
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.join("differential-data")));
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let (corpus, expectations) = match beside.filter(|dir| dir.join("corpus").is_dir()) {
        Some(dir) => (dir.join("corpus"), dir.join("expectations.toml")),
        None => (
            source.join("corpus"),
            source.join("adapters/wasmi/expectations.toml"),
        ),
    };
    assert!(
        corpus.join("guarantees.toml").is_file() && expectations.is_file(),
        "the differential target needs the corpus and the wasmi runtime's expectations: \
         neither {} nor the source tree holds them",
        corpus.display()
    );
    (corpus, expectations)
}

fn config(corpus: PathBuf) -> DiffConfig {
    DiffConfig {
        count: 1,
        seed: 0,
        deadline: DEADLINE,
        fuel: None,
        adapters: Vec::new(),
        corpus: vec![corpus],
        dump: None,
        batch: 1,
        family: None,
        max_findings: None,
        rerun_flags: String::new(),
    }
}

/// One comparison per process, made at the first input.
fn compare(cell: &'static OnceLock<Mutex<Single>>, data: &[u8], make: impl FnOnce() -> Single) {
    let Some((seed, rest)) = data.split_first_chunk::<8>() else {
        return;
    };
    let seed = u64::from_le_bytes(*seed);
    let Some(generated) = fuzz::generate_from(seed, Some(rest)) else {
        return;
    };
    let single = cell.get_or_init(|| Mutex::new(make()));
    // A finding panics while the lock is held; the next input (a replay test's) still compares.
    let mut single = single
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Err(finding) = single.compare(seed, generated) {
        panic!("the runtimes disagree (seed {seed}): {finding}");
    }
}

/// The oracle of target `differential`: the reference against `runtime`, judged with the wasmi
/// runtime's expectations file.
pub fn check(data: &[u8], runtime: &'static InProcess) {
    static SINGLE: OnceLock<Mutex<Single>> = OnceLock::new();
    compare(&SINGLE, data, || {
        let (corpus, expectations) = known_failures();
        let candidate = Candidate {
            runtime: Box::new(*runtime),
            label: "in-process".into(),
            expectations: Some(expectations),
        };
        Single::new(config(corpus), candidate).unwrap_or_else(|e| panic!("{e}"))
    });
}

/// The same comparison with a second instance of the reference as the other runtime: on stable,
/// where the wasmi runtime is not built (`tests/replay.rs`), it keeps the target's code and
/// inputs exercised, and the two must agree on every call.
pub fn check_against_reference(data: &[u8]) {
    static SINGLE: OnceLock<Mutex<Single>> = OnceLock::new();
    compare(&SINGLE, data, || {
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus");
        let second = ReferenceRuntime::new()
            .unwrap_or_else(|e| panic!("a second reference runtime: {}", e.message()));
        let candidate = Candidate {
            runtime: Box::new(second),
            label: "reference".into(),
            expectations: None,
        };
        Single::new(config(source), candidate).unwrap_or_else(|e| panic!("{e}"))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The input format reaches every family and the comparison compares their calls: a target
    /// whose inputs never made a module would pass vacuously.
    #[test]
    fn inputs_make_modules_of_every_family_and_calls_are_compared() {
        let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus");
        let second = ReferenceRuntime::new().expect("a second reference runtime");
        let candidate = Candidate {
            runtime: Box::new(second),
            label: "reference".into(),
            expectations: None,
        };
        let mut single = Single::new(config(corpus), candidate).expect("a comparison");
        let bytes: Vec<u8> = (0..2048u32).map(|k| (k * 7 + k / 5) as u8).collect();
        let mut families = std::collections::BTreeSet::new();
        for seed in 0u64..8 {
            let generated = fuzz::generate_from(seed, Some(&bytes)).expect("a module");
            families.insert(generated.family);
            single
                .compare(seed, generated)
                .expect("the reference agrees with itself");
        }
        assert_eq!(families.len(), 4);
        let report = single.report();
        assert_eq!(report.compared, 8);
        assert_eq!(
            report.agreed + report.inconclusive.values().sum::<u64>(),
            16
        );
        assert!(report.findings.is_empty());
    }
}
