//! The differential fuzzer judged on runtimes whose answers are known: the reference runtime
//! compared with a second instance of itself must agree on every module, and compared with a
//! mutant that breaks one ABI rule it must report findings, on the ABI family alone. A comparison
//! that could not fail would pass the first and miss the second.

use std::time::Duration;

use toolcage_selftest::differential::{self, Candidate, DiffConfig};
use toolcage_selftest::fuzz::Family;
use toolcage_selftest::mutant_runtime::{self, Mutant};
use toolcage_selftest::ReferenceRuntime;

fn config(count: u64, family: Option<Family>) -> DiffConfig {
    DiffConfig {
        count,
        seed: 0,
        deadline: Duration::from_millis(50),
        fuel: None,
        adapters: Vec::new(),
        corpus: vec![concat!(env!("CARGO_MANIFEST_DIR"), "/corpus").into()],
        dump: None,
        batch: 25,
        family,
        max_findings: None,
        rerun_flags: String::new(),
    }
}

#[test]
fn the_reference_runtime_agrees_with_itself_on_every_family() {
    let reference = ReferenceRuntime::new().expect("the reference runtime");
    let report = differential::run_against(
        &config(80, None),
        vec![Candidate {
            runtime: Box::new(reference),
            label: "in-process".into(),
            expectations: None,
        }],
    );
    println!("{report}");
    assert!(report.passed(), "{report}");
    let adapter = &report.adapters[0];
    assert_eq!(
        adapter.compared,
        report.count - report.not_generated,
        "{report}"
    );
    assert_eq!(adapter.skipped, 0, "{report}");
    // Agreement was checked, not assumed: most calls were compared in full.
    assert!(adapter.agreed > adapter.compared, "{report}");
    for family in Family::ALL {
        assert!(
            adapter.reference.outcomes.keys().any(|(f, _)| *f == family),
            "no {} module compared: {report}",
            family.as_str()
        );
    }
}

/// Each mutant breaks one rule of SPEC section 4 or 7 that only a guest calling the imports with
/// edge arguments, or writing near-valid outputs, can observe.
#[test]
fn the_comparison_catches_a_runtime_breaking_one_abi_rule() {
    for mutant in [
        Mutant::NoWrapCheck,
        Mutant::NoOutputCap,
        Mutant::OutputRangeCheckedBeforeCap,
        Mutant::OutputArrayAccepted,
        Mutant::FirstOutputFailureIsLast,
        Mutant::TrapAfterOutputIsSuccess,
        Mutant::DiagnosticsInResult,
    ] {
        let runtime =
            mutant_runtime::ReferenceRuntime::with_mutant(mutant).expect("the mutant runtime");
        let mut config = config(2000, Some(Family::Abi));
        config.max_findings = Some(1);
        let report = differential::run_against(
            &config,
            vec![Candidate {
                runtime: Box::new(runtime),
                label: mutant.name().into(),
                expectations: None,
            }],
        );
        assert!(report.errors.is_empty(), "{report}");
        assert!(!report.passed(), "{} not caught:\n{report}", mutant.name());
    }
}
