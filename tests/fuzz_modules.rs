//! Generated-module fuzzing in CI: a few hundred wasm-smith modules through the reference
//! runtime, none of which may make the host panic, hang, leak a thread or answer outside the
//! ABI's outcomes; and the same oracles against runtimes with one guarantee switched off, which
//! they must catch. `cargo xtask fuzz --count N` runs the first part at scale.

use std::sync::Mutex;
use std::time::Duration;
use toolcage::fuzz::{self, Family, FuzzConfig};
use toolcage::mutant_runtime::{self, Mutant};

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

#[test]
fn generated_modules_get_a_well_formed_outcome_in_time_and_never_panic_the_host() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let report = fuzz::run(&config(300));
    println!("{report}");
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
    assert_eq!(allowed_ran, 100, "{report}");
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
