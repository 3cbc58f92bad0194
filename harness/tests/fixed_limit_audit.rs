//! The fixed-limit audit (issue 20, item 3): a runtime that declares a limit fixed must still be
//! judged on every safety guarantee, or a fixed value hides a defect as a skip. For each
//! declaration a real runtime makes, every safety guarantee that has a runnable case when the
//! same runtime's limits are configurable must keep one at its fixed values. The decision is the
//! run's own (`fit_case`), so the audit cannot drift from what a conformance run skips.
//!
//! `cargo test -p toolcage-kit --test fixed_limit_audit -- --nocapture` prints the table that
//! docs/AUDIT.md ("Fixed limits") records.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde_json::json;
use toolcage_kit::{fit_case, Case, ExpectedOutcome, GuaranteeClass, RuntimeInfo, Suite};

const DEADLINE_1S: u64 = 1000;
/// A budget that ends a runaway loop within tens of milliseconds, as the originating host's is;
/// larger than every `fuel` a case asks for, so no case that asks for one can lean on it.
const FUEL: u64 = 10_000_000;
const MEMORY_64_MIB: u64 = 64 << 20;

/// Outcomes no case can show at a declaration, each with why; the audit fails when one of them
/// is shown after all (a case was added: drop the entry), so the list never goes stale.
const KNOWN_GAPS: [(&str, &str, &str, &str); 2] = [
    (
        "deadline fixed at 1 s",
        "CPU-04",
        "timeout",
        "an input and schema within every bound of SPEC 2.3 take about 0.5 s to validate in an \
         optimised build: no case can outlast a 1 s deadline in host work alone; the cancel half \
         (`cancel.during-input-validation`) is judged at 1 s",
    ),
    (
        "adapters/wasmi's capabilities, deadline, fuel and memory fixed",
        "CPU-04",
        "timeout",
        "the same as for a deadline fixed at 1 s",
    ),
];

/// The capabilities `adapters/wasmi` declares, checked against its source below.
const WASMI_CAPABILITIES: [&str; 2] = ["fuel", "diagnostics"];

fn corpus() -> Suite {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus");
    Suite::load(&[dir]).expect("the corpus loads")
}

fn info(capabilities: &[String], profiles: &[&str], limits: serde_json::Value) -> RuntimeInfo {
    serde_json::from_value(json!({
        "protocol": 1, "name": "audit", "version": "0",
        "capabilities": capabilities, "profiles": profiles, "limits": limits,
    }))
    .expect("a valid declaration")
}

/// The declarations audited, each with its fixed limits; the baseline of each is the same
/// declaration with every limit configurable.
fn declarations(suite: &Suite) -> Vec<(&'static str, RuntimeInfo)> {
    // Every capability some case needs, so that only the fixed limits can hide a case.
    let mut every: BTreeSet<String> = suite
        .cases
        .iter()
        .flat_map(|case| case.capabilities.iter().cloned())
        .collect();
    every.insert("evidence".into());
    let every: Vec<String> = every.into_iter().collect();
    let both = ["core", "component"];
    let wasmi: Vec<String> = WASMI_CAPABILITIES.iter().map(|c| c.to_string()).collect();
    vec![
        (
            "deadline fixed at 1 s",
            info(&every, &both, json!({"deadline_ms": DEADLINE_1S})),
        ),
        ("fuel fixed", info(&every, &both, json!({"fuel": FUEL}))),
        (
            "memory fixed at 64 MiB",
            info(&every, &both, json!({"memory_bytes": MEMORY_64_MIB})),
        ),
        ("adapters/wasmi as declared", info(&wasmi, &[], json!({}))),
        (
            "adapters/wasmi's capabilities, deadline, fuel and memory fixed",
            info(
                &wasmi,
                &[],
                json!({"deadline_ms": DEADLINE_1S, "fuel": FUEL, "memory_bytes": MEMORY_64_MIB}),
            ),
        ),
    ]
}

/// What one case of a guarantee shows: the code it expects, or `output`. A guarantee keeps its
/// teeth at a declaration only if every outcome its cases show at configurable limits is still
/// shown by some case: `MEM-02` keeps `grow-to-cap` at a fixed 64 MiB cap, but without a case
/// that exceeds that cap no grow is ever refused.
fn shows(case: &Case) -> String {
    match &case.expect.outcome {
        ExpectedOutcome::Error { code, .. } => code.clone(),
        ExpectedOutcome::Output { .. } => "output".into(),
    }
}

/// Per safety guarantee and outcome shown, the cases a runtime declaring `info` is judged on.
fn runnable(suite: &Suite, info: &RuntimeInfo) -> BTreeMap<(String, String), Vec<String>> {
    let safety: BTreeSet<&str> = suite
        .guarantees
        .iter()
        .filter(|g| g.class == GuaranteeClass::Safety)
        .map(|g| g.id.as_str())
        .collect();
    let mut runs: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for case in &suite.cases {
        if safety.contains(case.guarantee.as_str()) && fit_case(case, info).is_ok() {
            runs.entry((case.guarantee.clone(), shows(case)))
                .or_default()
                .push(case.id.clone());
        }
    }
    runs
}

#[test]
fn every_safety_guarantee_keeps_a_case_at_declared_fixed_limits() {
    let suite = corpus();
    let mut lost = Vec::new();
    println!("| declaration | safety guarantee outcomes judged | at configurable limits | lost |");
    println!("|---|---|---|---|");
    for (name, fixed) in declarations(&suite) {
        let mut baseline = fixed.clone();
        baseline.limits.clear();
        let at_fixed = runnable(&suite, &fixed);
        let at_baseline = runnable(&suite, &baseline);
        let gone: Vec<&(String, String)> = at_baseline
            .keys()
            .filter(|key| !at_fixed.contains_key(*key))
            .collect();
        println!(
            "| {name} | {} | {} | {} |",
            at_fixed.len(),
            at_baseline.len(),
            if gone.is_empty() {
                "none".to_string()
            } else {
                gone.iter()
                    .map(|(g, shown)| format!("{g} `{shown}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        );
        for known in KNOWN_GAPS.iter().filter(|gap| gap.0 == name) {
            let key = (known.1.to_string(), known.2.to_string());
            if !gone.contains(&&key) {
                lost.push(format!(
                    "{name}: {} `{}` is listed as a known gap but is judged: drop it from KNOWN_GAPS",
                    known.1, known.2
                ));
            }
        }
        let known = |key: &(String, String)| {
            KNOWN_GAPS
                .iter()
                .any(|gap| gap.0 == name && gap.1 == key.0 && gap.2 == key.1)
        };
        for key in gone.iter().copied().filter(|key| !known(key)) {
            lost.push(format!(
                "{name}: no case of {} shows `{}` (at configurable limits: {})",
                key.0,
                key.1,
                at_baseline[key].join(", ")
            ));
        }
    }
    assert!(
        lost.is_empty(),
        "safety guarantees a fixed limit leaves unjudged:\n{}",
        lost.join("\n")
    );
}

/// At configurable limits with every capability, every safety guarantee has a case: otherwise
/// the audit above would compare against a baseline that already lost one.
#[test]
fn every_safety_guarantee_runs_with_every_capability() {
    let suite = corpus();
    let (_, every) = declarations(&suite).swap_remove(0);
    let mut all = every.clone();
    all.limits.clear();
    let runs = runnable(&suite, &all);
    let missing: Vec<&str> = suite
        .guarantees
        .iter()
        .filter(|g| g.class == GuaranteeClass::Safety && !runs.keys().any(|(id, _)| *id == g.id))
        .map(|g| g.id.as_str())
        .collect();
    assert!(missing.is_empty(), "{missing:?}");
}

/// The wasmi declaration audited is the one its adapter prints.
#[test]
fn the_audited_wasmi_declaration_is_the_adapters() {
    // `describe` lives in the adapter's library since the in-process differential fuzz target
    // calls it (adapters/wasmi/src/lib.rs); its binary only reads and writes lines.
    let lib = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../adapters/wasmi/src/lib.rs");
    let source = std::fs::read_to_string(lib).expect("adapters/wasmi/src/lib.rs");
    let declared = format!("\"capabilities\": {WASMI_CAPABILITIES:?},");
    assert!(source.contains(&declared), "{declared} not in lib.rs");
    assert!(
        !source.contains("\"limits\""),
        "adapters/wasmi declares limits now: audit them"
    );
    assert!(
        !source.contains("\"profiles\""),
        "adapters/wasmi declares profiles now: audit them"
    );
}
