//! The same corpus run several times against the same runtime: every case whose verdict changed
//! between runs. A verdict a reviewer cannot reproduce is one they cannot act on, so a change
//! is a finding of its own, whichever run passed.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::judge::verdict::Verdict;
use crate::runner::suite::RunReport;
use crate::runtime::escape::visible;

/// What the kit already does inside one run so that timing does not decide a verdict by
/// chance; a change between runs is what is left after it.
pub const RETRIES: &str = "within each run the kit already retries what timing decides: a case \
     over its time bound is made again and calibrated again, and is `too_slow` only when both \
     tries miss; a guest seen running after its answer is watched again on a second request, \
     and is `guest_left_running` only when both show it";

/// One case whose verdict was not the same in every run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    /// The case id.
    pub id: String,
    /// The guarantee it checks.
    pub guarantee: String,
    /// Its verdict in each run, in run order, as [`verdict_key`] names it (`None`: the case was
    /// not in that run).
    pub verdicts: Vec<Option<String>>,
}

/// What a verdict is, for comparing runs: its name, and for a failure its kind and class. The
/// message is left out: it quotes times and thread counts that differ in every run.
pub fn verdict_key(verdict: &Verdict) -> String {
    match verdict {
        Verdict::Fail(failure) | Verdict::XFail { failure, .. } => format!(
            "{} {} ({})",
            verdict.as_str(),
            failure.kind.as_str(),
            failure.class.as_str()
        ),
        other => other.as_str().to_string(),
    }
}

/// Every case whose verdict differs between `runs`, in id order.
pub fn changed(runs: &[RunReport]) -> Vec<Changed> {
    let mut cases: BTreeMap<&str, (&str, Vec<Option<String>>)> = BTreeMap::new();
    for (i, run) in runs.iter().enumerate() {
        for result in &run.results {
            let entry = cases
                .entry(&result.id)
                .or_insert_with(|| (&result.guarantee, vec![None; runs.len()]));
            entry.1[i] = Some(verdict_key(&result.verdict));
        }
    }
    cases
        .into_iter()
        .filter(|(_, (_, verdicts))| verdicts.windows(2).any(|w| w[0] != w[1]))
        .map(|(id, (guarantee, verdicts))| Changed {
            id: id.to_string(),
            guarantee: guarantee.to_string(),
            verdicts,
        })
        .collect()
}

/// The console section of a repeated run: a line per changed case, then the verdict on the
/// repetition and what the kit already retries.
pub fn repeat_console(runs: &[RunReport]) -> String {
    let mut out = String::new();
    let changed = changed(runs);
    for case in &changed {
        let verdicts: Vec<String> = case
            .verdicts
            .iter()
            .enumerate()
            .map(|(i, v)| format!("run {}: {}", i + 1, v.as_deref().unwrap_or("not run")))
            .collect();
        let line = format!(
            "CHANGED {} [{}] {}",
            case.id,
            case.guarantee,
            verdicts.join(", ")
        );
        let _ = writeln!(out, "{}", visible(&line, false));
    }
    let cases = runs.iter().map(|r| r.results.len()).max().unwrap_or(0);
    if changed.is_empty() {
        let _ = writeln!(
            out,
            "repeat: {} runs of {cases} cases, every verdict the same in every run",
            runs.len()
        );
    } else {
        let _ = writeln!(
            out,
            "repeat: {} runs of {cases} cases, {} case(s) changed verdict between runs: \
             FAILED (the same runtime must get the same verdict)",
            runs.len(),
            changed.len()
        );
    }
    let _ = writeln!(out, "NOTE  {RETRIES}");
    out
}

/// The repetition as JSON, for the machine-readable report of the last run.
pub fn repeat_json(runs: &[RunReport]) -> Value {
    let changed: Vec<Value> = changed(runs)
        .into_iter()
        .map(|c| json!({"id": c.id, "guarantee": c.guarantee, "verdicts": c.verdicts}))
        .collect();
    json!({
        "runs": runs.len(),
        "failed_runs": runs.iter().filter(|r| r.failed()).count(),
        "changed": changed,
        "retries": RETRIES,
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::judge::declared::Evidence;
    use crate::judge::verdict::{Failure, FailureClass, FailureKind};
    use crate::runner::case::CaseResult;

    fn result(id: &str, verdict: Verdict) -> CaseResult {
        CaseResult {
            id: id.into(),
            guarantee: "CXL-01".into(),
            area: "cancel".into(),
            file: "c.wat".into(),
            must: None,
            class: None,
            verdict,
            expected: Value::Null,
            observed: Value::Null,
            request: Value::Null,
            evidence: Evidence::None,
            fixed_limits: Vec::new(),
            duration: Duration::ZERO,
        }
    }

    fn run(results: Vec<CaseResult>) -> RunReport {
        RunReport {
            runtime: Err(crate::runtime::seam::AdapterFailure::Protocol { found: 0 }),
            results,
            wall: Duration::ZERO,
        }
    }

    fn too_slow(message: &str) -> Verdict {
        Verdict::Fail(Failure {
            kind: FailureKind::TooSlow,
            class: FailureClass::Safety,
            call: None,
            message: message.into(),
        })
    }

    #[test]
    fn a_verdict_that_flips_is_reported_and_one_that_does_not_is_not() {
        let runs = [
            run(vec![
                result("a", Verdict::Pass),
                result("b", too_slow("after 180 ms")),
            ]),
            run(vec![
                result("a", too_slow("after 400 ms")),
                result("b", too_slow("after 190 ms")),
            ]),
            run(vec![
                result("a", Verdict::Pass),
                result("b", too_slow("after 170 ms")),
            ]),
        ];
        let changed = changed(&runs);
        assert_eq!(
            changed,
            [Changed {
                id: "a".into(),
                guarantee: "CXL-01".into(),
                verdicts: vec![
                    Some("pass".into()),
                    Some("fail too_slow (safety)".into()),
                    Some("pass".into())
                ],
            }]
        );
        let console = repeat_console(&runs);
        assert!(
            console.starts_with(
                "CHANGED a [CXL-01] run 1: pass, run 2: fail too_slow (safety), run 3: pass\n"
            ),
            "{console}"
        );
        assert!(console.contains("1 case(s) changed verdict"), "{console}");
        assert_eq!(repeat_json(&runs)["changed"][0]["id"], "a");
        assert_eq!(repeat_json(&runs)["failed_runs"], 3);
    }

    #[test]
    fn same_verdicts_with_other_messages_are_the_same() {
        let runs = [
            run(vec![result("b", too_slow("after 180 ms"))]),
            run(vec![result("b", too_slow("after 999 ms"))]),
        ];
        assert!(changed(&runs).is_empty());
        assert!(repeat_console(&runs).contains("every verdict the same"));
    }

    #[test]
    fn a_case_missing_from_one_run_is_a_change() {
        let runs = [run(vec![result("a", Verdict::Pass)]), run(vec![])];
        assert_eq!(changed(&runs)[0].verdicts, [Some("pass".into()), None]);
    }
}
