//! What every report says about a run: verdict counts by area, the runtime's identity line, the
//! kit's version, a failure's kind and reason, and rerun commands as shell words.

use std::collections::BTreeMap;

use crate::judge::verdict::{Failure, FailureClass, Verdict};
use crate::model::corpus::GuaranteeClass;
use crate::runner::case::CaseResult;
use crate::runner::suite::RunReport;
use crate::runtime::escape::visible;

/// `word` as one POSIX shell word, quoted only when it needs it: rerun lines are pasted into a
/// shell, and case ids and paths of external corpora are data.
pub fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-./=:,+@%".contains(&b));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The kit's version, carried by every report.
pub const KIT_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Verdict counts of one area (or of the whole run).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Passed cases.
    pub pass: usize,
    /// Failed cases.
    pub fail: usize,
    /// Skipped cases.
    pub skip: usize,
    /// Expected failures.
    pub xfail: usize,
    /// Unexpected passes.
    pub xpass: usize,
}

impl Counts {
    fn add(&mut self, verdict: &Verdict) {
        match verdict {
            Verdict::Pass => self.pass += 1,
            Verdict::Fail(_) => self.fail += 1,
            Verdict::Skip { .. } => self.skip += 1,
            Verdict::XFail { .. } => self.xfail += 1,
            Verdict::XPass { .. } => self.xpass += 1,
        }
    }
}

/// Counts by area, and the totals.
pub fn counts(report: &RunReport) -> (BTreeMap<String, Counts>, Counts) {
    let mut areas: BTreeMap<String, Counts> = BTreeMap::new();
    let mut total = Counts::default();
    for result in &report.results {
        areas
            .entry(result.area.clone())
            .or_default()
            .add(&result.verdict);
        total.add(&result.verdict);
    }
    (areas, total)
}

/// Where one safety guarantee stands after a run, from the verdicts of its cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// At least one case ran, and none failed or passed against an xfail entry.
    Held,
    /// A case failed with a safety failure (xfail included: a known breach is still one).
    Broken,
    /// Its cases failed only on how the refusal or stop was reported.
    Misreported,
    /// No case failed, but one passed against an xfail entry: the list is stale, so the run
    /// proves nothing about the entry's reason.
    Stale,
    /// Every case was skipped: nothing was proven either way.
    NotChecked,
}

/// The safety verdict every report leads with: "sandbox: N of M safety guarantees held".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SafetyVerdict {
    /// Every safety guarantee of the cases run, by id, with its standing.
    pub guarantees: BTreeMap<String, Vec<(String, Standing)>>,
    /// Failing cases (xfail included) whose failure is a safety failure.
    pub safety_failures: usize,
    /// Failing cases (xfail included) that were refused or stopped but reported wrongly.
    pub reporting_failures: usize,
}

impl SafetyVerdict {
    /// The ids of the safety guarantees with this standing.
    pub fn with(&self, standing: Standing) -> Vec<&str> {
        self.guarantees
            .values()
            .flatten()
            .filter(|(_, s)| *s == standing)
            .map(|(id, _)| id.as_str())
            .collect()
    }

    /// How many safety guarantees the cases run belong to.
    pub fn total(&self) -> usize {
        self.guarantees.values().map(Vec::len).sum()
    }

    /// The headline: held out of all, what is broken, only misreported, stale or not checked.
    pub fn headline(&self) -> String {
        if self.guarantees.is_empty() {
            return "sandbox: no safety guarantee among the cases run".into();
        }
        let held = self.with(Standing::Held).len();
        let mut line = format!("sandbox: {held} of {} safety guarantees held", self.total());
        let mut parts = Vec::new();
        for (standing, what) in [
            (Standing::Broken, "broken"),
            (Standing::Misreported, "only misreported"),
            (Standing::Stale, "passed against a stale xfail entry"),
            (Standing::NotChecked, "not checked (every case skipped)"),
        ] {
            let ids = self.with(standing);
            if !ids.is_empty() {
                parts.push(format!("{} {what}: {}", ids.len(), ids.join(", ")));
            }
        }
        if !parts.is_empty() {
            line.push_str(&format!(" ({})", parts.join("; ")));
        }
        line
    }

    /// The headline's numbers alone, for a table cell: "36 of 38 held, 1 broken, 1 not checked".
    pub fn short(&self) -> String {
        let mut cell = format!(
            "{} of {} held",
            self.with(Standing::Held).len(),
            self.total()
        );
        for (standing, what) in [
            (Standing::Broken, "broken"),
            (Standing::Misreported, "only misreported"),
            (Standing::Stale, "stale xfail"),
            (Standing::NotChecked, "not checked"),
        ] {
            let n = self.with(standing).len();
            if n > 0 {
                cell.push_str(&format!(", {n} {what}"));
            }
        }
        cell
    }

    /// The second line: failing cases by what failed, the sandbox or its report.
    pub fn failures_line(&self) -> String {
        format!(
            "failing cases (xfail included): {} safety, {} reporting (refused or stopped, \
             reported wrongly)",
            self.safety_failures, self.reporting_failures
        )
    }
}

/// The class of a verdict's failure, if it has one.
fn failure_of(verdict: &Verdict) -> Option<&Failure> {
    match verdict {
        Verdict::Fail(failure) | Verdict::XFail { failure, .. } => Some(failure),
        _ => None,
    }
}

/// The safety verdict of a run. A guarantee counts by all of its cases: held only when one ran
/// and none failed; skipped cases beside ones that ran do not count against it.
pub fn safety(report: &RunReport) -> SafetyVerdict {
    let mut verdict = SafetyVerdict::default();
    let mut cases: BTreeMap<(String, String), Vec<&Verdict>> = BTreeMap::new();
    for result in &report.results {
        match failure_of(&result.verdict).map(|f| &f.class) {
            Some(FailureClass::Safety) => verdict.safety_failures += 1,
            Some(FailureClass::Reporting(_)) => verdict.reporting_failures += 1,
            None => {}
        }
        if result.class == Some(GuaranteeClass::Safety) {
            cases
                .entry((result.area.clone(), result.guarantee.clone()))
                .or_default()
                .push(&result.verdict);
        }
    }
    for ((area, id), verdicts) in cases {
        let classes: Vec<&FailureClass> = verdicts
            .iter()
            .filter_map(|v| failure_of(v))
            .map(|f| &f.class)
            .collect();
        let standing = if classes.iter().any(|c| **c == FailureClass::Safety) {
            Standing::Broken
        } else if !classes.is_empty() {
            Standing::Misreported
        } else if verdicts.iter().any(|v| matches!(v, Verdict::XPass { .. })) {
            Standing::Stale
        } else if verdicts.iter().all(|v| matches!(v, Verdict::Skip { .. })) {
            Standing::NotChecked
        } else {
            Standing::Held
        };
        verdict
            .guarantees
            .entry(area)
            .or_default()
            .push((id, standing));
    }
    verdict
}

/// The runtime as it described itself, on one line, made visible.
pub(super) fn runtime_line(report: &RunReport) -> String {
    let line = match &report.runtime {
        Ok(info) => {
            let mut line = format!(
                "{} {} (capabilities: {}",
                info.name,
                info.version,
                if info.capabilities.is_empty() {
                    "none".into()
                } else {
                    info.capabilities.join(", ")
                }
            );
            let fixed: Vec<String> = info
                .limits
                .iter()
                .filter_map(|(name, limit)| Some(format!("{name} = {}", limit.fixed()?)))
                .collect();
            if !fixed.is_empty() {
                line.push_str(&format!("; fixed limits: {}", fixed.join(", ")));
            }
            line + ")"
        }
        Err(failure) => format!("unknown ({failure})"),
    };
    visible(&line, false)
}

/// A failure's kind and its reason made visible, for every verdict but a pass.
pub(super) fn reason(result: &CaseResult) -> Option<(String, String)> {
    raw_reason(result).map(|(kind, message)| (kind, visible(&message, false)))
}

fn raw_reason(result: &CaseResult) -> Option<(String, String)> {
    match &result.verdict {
        Verdict::Fail(f) => Some((f.kind.as_str().into(), f.to_string())),
        Verdict::XFail { reason, failure } => Some((
            failure.kind.as_str().into(),
            format!("{failure} (xfail: {reason})"),
        )),
        Verdict::XPass { reason } => Some(("xpass".into(), format!("listed as xfail: {reason}"))),
        Verdict::Skip { missing } => {
            Some(("capability".into(), format!("needs {}", missing.join(", "))))
        }
        Verdict::Pass => None,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::Value;

    use super::*;
    use crate::judge::declared::Evidence;
    use crate::judge::verdict::{FailureKind, Misreport, Wrong};

    fn result(guarantee: &str, class: GuaranteeClass, verdict: Verdict) -> CaseResult {
        CaseResult {
            id: format!("{guarantee}.{}", verdict.as_str()),
            guarantee: guarantee.into(),
            area: "a".into(),
            file: "a.wat".into(),
            must: None,
            class: Some(class),
            verdict,
            expected: Value::Null,
            observed: Value::Null,
            request: Value::Null,
            evidence: Evidence::None,
            fixed_limits: Vec::new(),
            duration: Duration::ZERO,
        }
    }

    fn fail(class: FailureClass) -> Verdict {
        Verdict::Fail(Failure {
            kind: FailureKind::CodeMismatch,
            class,
            call: Some(0),
            message: "m".into(),
        })
    }

    fn skip() -> Verdict {
        Verdict::Skip {
            missing: vec!["fuel".into()],
        }
    }

    #[test]
    fn the_safety_verdict_counts_guarantees_by_all_their_cases() {
        let misreport = FailureClass::Reporting(Box::new(Misreport {
            stopped: false,
            expected: "import_denied".into(),
            wrong: Wrong::Code("trap".into()),
        }));
        let safety_class = GuaranteeClass::Safety;
        let report = RunReport {
            runtime: Err(crate::runtime::seam::AdapterFailure::Protocol { found: 0 }),
            results: vec![
                // Held: one pass beside a skip.
                result("S-1", safety_class, Verdict::Pass),
                result("S-1", safety_class, skip()),
                // Broken: one safety failure beside a misreport.
                result("S-2", safety_class, fail(misreport.clone())),
                result("S-2", safety_class, fail(FailureClass::Safety)),
                // Only misreported.
                result("S-3", safety_class, fail(misreport.clone())),
                // Not checked: every case skipped.
                result("S-4", safety_class, skip()),
                // Stale: passed against an xfail entry.
                result("S-5", safety_class, Verdict::XPass { reason: "r".into() }),
                // A contract guarantee broken counts in the failures, not in the sandbox line.
                result("C-1", GuaranteeClass::Contract, fail(FailureClass::Safety)),
            ],
            wall: Duration::ZERO,
        };
        let verdict = safety(&report);
        assert_eq!(verdict.total(), 5);
        assert_eq!(verdict.with(Standing::Held), ["S-1"]);
        assert_eq!(verdict.with(Standing::Broken), ["S-2"]);
        assert_eq!(verdict.with(Standing::Misreported), ["S-3"]);
        assert_eq!(verdict.with(Standing::NotChecked), ["S-4"]);
        assert_eq!(verdict.with(Standing::Stale), ["S-5"]);
        assert_eq!(
            (verdict.safety_failures, verdict.reporting_failures),
            (2, 2)
        );
        assert_eq!(
            verdict.headline(),
            "sandbox: 1 of 5 safety guarantees held (1 broken: S-2; 1 only misreported: S-3; \
             1 passed against a stale xfail entry: S-5; 1 not checked (every case skipped): S-4)"
        );
        assert_eq!(
            verdict.short(),
            "1 of 5 held, 1 broken, 1 only misreported, 1 stale xfail, 1 not checked"
        );
        let none = RunReport {
            results: vec![result("C-1", GuaranteeClass::Contract, Verdict::Pass)],
            ..report
        };
        assert_eq!(
            safety(&none).headline(),
            "sandbox: no safety guarantee among the cases run"
        );
    }
}
