//! A case rescaled to a runtime's fixed limit must still separate what it was written to
//! separate, or be skipped with that reason (issue 20, item 4). The corpus marks every case whose
//! meaning rests on a limit's value with `separates_up_to` / `separates_from`; these tests hold
//! the marks to the corpus and the run to the marks, through the run's own decision
//! (`fit_case`).

use std::path::PathBuf;

use serde_json::json;
use toolcage_kit::{fit_case, Case, ExpectedOutcome, LimitOverrides, RuntimeInfo, Suite};

fn corpus() -> Suite {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus");
    Suite::load(&[dir]).expect("the corpus loads")
}

/// A runtime with every capability and both profiles, `limit` fixed at `value`.
fn fixed(limit: &str, value: u64) -> RuntimeInfo {
    serde_json::from_value(json!({
        "protocol": 1, "name": "rescaled", "version": "0",
        "capabilities": ["fuel", "diagnostics", "evidence", "package_zip", "host_manifest",
                         "disk_cache", "host_api_fs"],
        "profiles": ["core", "component"],
        "limits": { limit: value },
    }))
    .expect("a valid declaration")
}

fn case<'a>(suite: &'a Suite, id: &str) -> &'a Case {
    suite.cases.iter().find(|c| c.id == id).expect(id)
}

fn skip_reason(case: &Case, info: &RuntimeInfo) -> String {
    match fit_case(case, info) {
        Ok(_) => panic!("{} was judged, not skipped", case.id),
        Err(reasons) => reasons.join("; "),
    }
}

/// Every mark is kept: just outside a case's range the run skips it and says why (`no longer
/// separates`, or the soundness rule's `the runtime's is fixed at`, which comes first); at the
/// edge of the range it is not skipped for that reason.
#[test]
fn a_rescaled_run_skips_every_marked_case_outside_its_range() {
    let suite = corpus();
    let mut checked = 0;
    for case in &suite.cases {
        for (bound, outside) in [
            (case.separates_up_to.set(), 1i64),
            (case.separates_from.set(), -1i64),
        ] {
            for (limit, edge) in bound {
                checked += 1;
                let beyond = edge
                    .checked_add_signed(outside)
                    .expect("a value beside the edge");
                let why = skip_reason(case, &fixed(limit, beyond));
                assert!(
                    why.contains(&format!("{limit} fixed at {beyond} no longer separates"))
                        || why.contains(&format!("the runtime's is fixed at {beyond})")),
                    "{}: {why}",
                    case.id
                );
                if let Err(why) = fit_case(case, &fixed(limit, edge)) {
                    assert!(
                        !why.iter().any(|w| w.contains("no longer separates")),
                        "{} at its own edge {limit} = {edge}: {why:?}",
                        case.id
                    );
                }
            }
        }
    }
    assert!(
        checked >= 40,
        "only {checked} marks: the corpus lost its marks"
    );
}

/// A case that exceeds a default cap asks for that default: judged at a smaller fixed cap (the
/// request carries it, the verdict says so), skipped at a larger one with the default named.
#[test]
fn a_case_relying_on_a_default_cap_is_rescaled_from_the_default() {
    let suite = corpus();
    let grow = case(&suite, "memory.grow-past-cap");
    assert_eq!(
        skip_reason(grow, &fixed("memory_bytes", 64 << 20)),
        "memory_bytes = 2097152 (the default; the runtime's is fixed at 67108864)"
    );
    let (judged, _, substituted) =
        fit_case(grow, &fixed("memory_bytes", 1 << 20)).expect("judged at 1 MiB");
    assert_eq!(judged.limits.memory_bytes, Some(1 << 20));
    assert_eq!(substituted.len(), 1);
    assert_eq!(
        (substituted[0].asked, substituted[0].fixed),
        (Some(2 << 20), 1 << 20)
    );
    // One page past exactly 32: at a smaller cap the grow to 32 pages fails first.
    assert_eq!(
        skip_reason(
            case(&suite, "memory.grow-one-page-past-cap"),
            &fixed("memory_bytes", 1 << 20)
        ),
        "memory_bytes fixed at 1048576 no longer separates what the case was written to \
         separate (it does for memory_bytes >= 2097152)"
    );
    // Three 40-byte writes prove the cap is per write only while 120 bytes exceed it.
    assert_eq!(
        skip_reason(
            case(&suite, "output.many-writes-under-cap"),
            &fixed("output_bytes", 64 << 10)
        ),
        "output_bytes fixed at 65536 no longer separates what the case was written to \
         separate (it does for output_bytes <= 119)"
    );
    // An endless guest exceeds any cap: it runs as written, and meets the fixed one.
    assert!(fit_case(
        case(&suite, "memory.grow-until-refused"),
        &fixed("memory_bytes", 64 << 20)
    )
    .is_ok());
}

/// The codes only a limit's value produces: a case expecting one without overriding the limit
/// exceeds a default cap, so its meaning rests on that value.
const LIMIT_CODES: [(&str, &str); 7] = [
    ("input_too_large", "input_bytes"),
    ("output_too_large", "output_bytes"),
    ("memory_limit", "memory_bytes"),
    ("table_limit", "table_elements"),
    ("module_too_large", "module_bytes"),
    ("timeout", "deadline_ms"),
    ("fuel_exhausted", "fuel"),
];

/// Cases that expect such a code for another cause than the limit's value.
const OTHER_CAUSE: [(&str, &str); 3] = [
    ("memory.second-table", "a second table, whatever its size"),
    (
        "memory.imported-and-defined-table",
        "two tables, whatever their size",
    ),
    (
        "component.too-many-memories",
        "one core memory more than the profile allows, whatever their size",
    ),
];

/// Found systematically: a case that relies on a default cap (expects the limit's code without
/// overriding it) is marked, or its guest is `endless` (it exceeds any value), or the code has
/// another cause there. A new case that forgets its mark fails here, not silently at some
/// runtime's fixed value.
#[test]
fn every_case_relying_on_a_default_cap_is_marked() {
    let suite = corpus();
    let mut unmarked = Vec::new();
    for case in &suite.cases {
        let ExpectedOutcome::Error { code, .. } = &case.expect.outcome else {
            continue;
        };
        let Some((_, limit)) = LIMIT_CODES.iter().find(|(c, _)| c == code) else {
            continue;
        };
        let named = |limits: &LimitOverrides| limits.set().iter().any(|(l, _)| l == limit);
        let overridden = named(&case.limits);
        let marked = named(&case.separates_up_to) || named(&case.separates_from);
        let other = OTHER_CAUSE.iter().any(|(id, _)| *id == case.id);
        if !overridden && !marked && !case.endless && !other {
            unmarked.push(format!(
                "{} ({code}, relies on the default {limit})",
                case.id
            ));
        }
    }
    assert!(unmarked.is_empty(), "unmarked: {unmarked:#?}");
}
