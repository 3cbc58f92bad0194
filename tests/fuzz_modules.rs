//! Generated-module fuzzing in CI: a few hundred generated modules (wasm-smith's, and the ABI
//! family's) through the reference runtime, none of which may make the host panic, hang, leak a
//! thread or answer outside the ABI's outcomes, the ABI family reaching every import; and the
//! same oracles against runtimes with one guarantee switched off, which they must catch.
//! `cargo xtask fuzz --count N` runs the first part at scale.

use std::sync::{Mutex, OnceLock};
use std::time::Duration;
use toolcage_selftest::fuzz::{self, Family, FuzzConfig, Report};
use toolcage_selftest::mutant_runtime::{self, Mutant};

/// The runs count this process's threads: one at a time, or each would see the other's.
static SERIAL: Mutex<()> = Mutex::new(());

/// The runtime as hosts build it.
fn config(count: u64) -> FuzzConfig {
    FuzzConfig {
        count,
        seed: 0,
        deadline: Duration::from_millis(50),
        // Generous: CI machines are shared; `cargo xtask fuzz` reports the real worst latency.
        slack: Duration::from_millis(500),
        ..FuzzConfig::default()
    }
}

/// The run of the first 300 seeds, made once for the tests that read it.
fn first_300() -> &'static Report {
    static REPORT: OnceLock<Report> = OnceLock::new();
    REPORT.get_or_init(|| {
        let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
        let report = fuzz::run(&config(300));
        println!("{report}");
        report
    })
}

#[test]
fn generated_modules_get_a_well_formed_outcome_in_time_and_never_panic_the_host() {
    let report = first_300();
    assert!(report.passed(), "{report}");
    assert_eq!(report.panics, 0);
    // The run was not vacuous: most seeds produced a module, and every family reached the
    // outcome its oracle is about.
    assert!(report.not_generated < report.count / 10, "{report}");
    let seen = |family: Family, code: &str| {
        report
            .outcomes
            .get(&(family, code.to_string()))
            .copied()
            .unwrap_or(0)
    };
    assert!(seen(Family::Denied, "import_denied") > 50, "{report}");
    assert!(
        seen(Family::Exports, "export_missing") > 0 && seen(Family::Exports, "export_invalid") > 0,
        "{report}"
    );
    let allowed_ran: u64 = report
        .outcomes
        .iter()
        .filter(|((family, _), _)| *family == Family::Allowed)
        .map(|(_, n)| n)
        .sum();
    assert_eq!(allowed_ran, 75, "{report}");
    assert!(
        seen(Family::Allowed, "timeout") > 0,
        "no module looped: {report}"
    );
}

/// Linking, deadline and isolation bugs, each switched on alone, turn up as findings: the
/// oracles do not simply accept whatever the runtime says.
#[test]
fn the_oracles_catch_runtime_bugs() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    // The same 300 seeds as the test above, which requires a module that loops among them;
    // each mutant's run stops at its first finding.
    for mutant in [
        Mutant::OnlyFirstDeniedImportNamed,
        Mutant::ImportTypesUnchecked,
        Mutant::DeniedImportsLinkedAsTraps,
        Mutant::NoDeadline,
        Mutant::InstanceReused,
    ] {
        let base = config(300);
        let report = mutant_runtime::fuzz::run(&mutant_runtime::fuzz::FuzzConfig {
            count: base.count,
            seed: base.seed,
            deadline: base.deadline,
            slack: base.slack,
            max_findings: Some(1),
            runtime: mutant_runtime::Config {
                mutant: Some(mutant),
                ..mutant_runtime::Config::default()
            },
            ..mutant_runtime::fuzz::FuzzConfig::default()
        });
        assert!(!report.passed(), "{} not caught:\n{report}", mutant.name());
    }
}

/// The ABI family is what makes the fuzzer reach the host functions that take pointers: on these
/// 75 modules every import is called, every pointer-taking one both successfully and with a
/// range it must refuse, and guests write outputs the contract accepts as well as ones it
/// refuses for each of its reasons.
#[test]
fn the_abi_family_calls_every_import_and_writes_outputs() {
    let report = first_300();
    let calls = |name: &str| {
        report
            .host_calls
            .get(&(Family::Abi, name.to_string()))
            .copied()
            .unwrap_or((0, 0))
    };
    for name in ["tool_name_len", "input_len"] {
        assert!(calls(name).0 > 0, "{name} never called: {report}");
    }
    for name in [
        "tool_name_read",
        "input_read",
        "output_write",
        "diagnostic_write",
    ] {
        let (n, failed) = calls(name);
        assert!(
            failed > 0 && n > failed,
            "{name}: {n} calls, {failed} returned -1; both kinds are needed: {report}"
        );
    }
    let seen = |code: &str| {
        report
            .outcomes
            .get(&(Family::Abi, code.to_string()))
            .copied()
            .unwrap_or(0)
    };
    for code in [
        "ok",
        "output_malformed",
        "output_schema_mismatch",
        "abi_violation",
        "output_too_large",
        "output_missing",
    ] {
        assert!(seen(code) > 0, "no ABI module ended {code}: {report}");
    }
}
