//! Generated-module fuzzing in CI: a few hundred wasm-smith modules through the reference
//! runtime, none of which may make the host panic, hang, leak a thread or answer outside the
//! ABI's outcomes. `cargo xtask fuzz --count N` runs the same thing at scale.

use std::time::Duration;
use toolcage::fuzz::{self, Family, FuzzConfig};

#[test]
fn generated_modules_get_a_well_formed_outcome_in_time_and_never_panic_the_host() {
    let config = FuzzConfig {
        count: 300,
        seed: 0,
        deadline: Duration::from_millis(50),
        // Generous: CI machines are shared; `cargo xtask fuzz` reports the real worst latency.
        slack: Duration::from_millis(500),
        save_dir: None,
    };
    let report = fuzz::run(&config);
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
    assert!(seen(Family::Denied, "import_denied") > 0, "{report}");
    assert!(
        seen(Family::Exports, "export_missing") + seen(Family::Exports, "export_invalid") > 0,
        "{report}"
    );
    let allowed_ran: u64 = report
        .outcomes
        .iter()
        .filter(|((family, code), _)| *family == Family::Allowed && code != "module_invalid")
        .map(|(_, n)| n)
        .sum();
    assert!(allowed_ran > 0, "{report}");
}
