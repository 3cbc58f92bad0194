//! Renders a run for people (a terse table by guarantee area, one rerun command per failure) and
//! for CI (JSON with every case's expected and observed outcome; JUnit XML through quick-junit).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::json;

use crate::judge::{Failure, FailureKind, Verdict};
use crate::runner::{CaseResult, RunReport};

mod markdown;
pub use markdown::markdown;

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

fn runtime_line(report: &RunReport) -> String {
    match &report.runtime {
        Ok(info) => format!(
            "{} {} (capabilities: {})",
            info.name,
            info.version,
            if info.capabilities.is_empty() {
                "none".into()
            } else {
                info.capabilities.join(", ")
            }
        ),
        Err(failure) => format!("unknown ({failure})"),
    }
}

/// The console report. `rerun` is the command prefix that reruns one case when followed by
/// `--filter <id>` (for example `cargo xtask conformance --adapter ./x`).
pub fn console(report: &RunReport, rerun: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "toolcage-kit {KIT_VERSION} against {}",
        runtime_line(report)
    );
    for result in &report.results {
        let line = match &result.verdict {
            Verdict::Fail(failure) => {
                format!("FAIL  {} [{}] {failure}", result.id, result.guarantee)
            }
            Verdict::XPass { reason } => format!(
                "XPASS {} [{}] passed but is listed as xfail ({reason}): remove it from the list",
                result.id, result.guarantee
            ),
            _ => continue,
        };
        let _ = writeln!(out, "{line}");
        if let Verdict::Fail(Failure {
            kind: FailureKind::Adapter(failure),
            ..
        }) = &result.verdict
        {
            // ADAPTER.md: the adapter's stderr (already cut to 4 KiB) is shown when a case fails.
            for stderr_line in failure.stderr().unwrap_or("").lines() {
                let _ = writeln!(out, "      stderr: {stderr_line}");
            }
        }
        let _ = writeln!(out, "      rerun: {rerun} --filter {}", result.id);
    }
    let (areas, total) = counts(report);
    let width = areas.keys().map(String::len).max().unwrap_or(0).max(5);
    let _ = writeln!(
        out,
        "{:width$}  {:>5} {:>5} {:>5} {:>5} {:>5}",
        "area", "pass", "fail", "skip", "xfail", "xpass"
    );
    let row = |out: &mut String, name: &str, c: &Counts| {
        let _ = writeln!(
            out,
            "{name:width$}  {:>5} {:>5} {:>5} {:>5} {:>5}",
            c.pass, c.fail, c.skip, c.xfail, c.xpass
        );
    };
    for (area, c) in &areas {
        row(&mut out, area, c);
    }
    row(&mut out, "total", &total);
    let verdict = if report.failed() { "FAILED" } else { "ok" };
    let _ = writeln!(
        out,
        "{verdict}: {} cases in {:.2} s",
        report.results.len(),
        report.wall.as_secs_f64()
    );
    out
}

fn reason(result: &CaseResult) -> Option<(String, String)> {
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

/// The JSON report: kit and runtime identity, totals, and per case its verdict, expected and
/// observed outcomes, and duration.
pub fn json(report: &RunReport) -> serde_json::Value {
    let (areas, total) = counts(report);
    let counts_json = |c: &Counts| json!({"pass": c.pass, "fail": c.fail, "skip": c.skip, "xfail": c.xfail, "xpass": c.xpass});
    let runtime = match &report.runtime {
        Ok(info) => json!({"name": info.name, "version": info.version,
                           "capabilities": info.capabilities}),
        Err(failure) => json!({"name": null, "version": null, "error": failure.to_string()}),
    };
    let cases: Vec<_> = report
        .results
        .iter()
        .map(|r| {
            let (kind, message) = reason(r).unzip();
            json!({
                "id": r.id,
                "guarantee": r.guarantee,
                "area": r.area,
                "verdict": r.verdict.as_str(),
                "reason": kind,
                "message": message,
                "expected": r.expected,
                "observed": r.observed,
                "duration_ms": r.duration.as_secs_f64() * 1000.0,
            })
        })
        .collect();
    json!({
        "kit": {"name": "toolcage-kit", "version": KIT_VERSION},
        "runtime": runtime,
        "totals": counts_json(&total),
        "areas": areas.iter().map(|(a, c)| (a.clone(), counts_json(c))).collect::<serde_json::Map<_, _>>(),
        "wall_ms": report.wall.as_secs_f64() * 1000.0,
        "failed": report.failed(),
        "cases": cases,
    })
}

/// The JUnit XML report: one test suite per area, one test case per case.
pub fn junit(report: &RunReport) -> String {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut junit = Report::new("toolcage-conformance");
    junit.set_time(report.wall);
    let mut suites: BTreeMap<&str, TestSuite> = BTreeMap::new();
    for result in &report.results {
        let status = match &result.verdict {
            Verdict::Pass => TestCaseStatus::success(),
            Verdict::XFail { .. } => TestCaseStatus::success(),
            Verdict::Skip { .. } => {
                let mut status = TestCaseStatus::skipped();
                status.set_message(reason(result).map(|r| r.1).unwrap_or_default());
                status
            }
            Verdict::Fail(_) | Verdict::XPass { .. } => {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                if let Some((kind, message)) = reason(result) {
                    status.set_type(kind).set_message(message);
                }
                status.set_description(format!(
                    "expected: {}\nobserved: {}",
                    result.expected, result.observed
                ));
                status
            }
        };
        let mut case = TestCase::new(result.id.as_str(), status);
        case.set_classname(format!("{}.{}", result.area, result.guarantee));
        case.set_time(result.duration);
        if let Verdict::XFail { .. } = &result.verdict {
            case.set_system_out(reason(result).map(|r| r.1).unwrap_or_default());
        }
        suites
            .entry(result.area.as_str())
            .or_insert_with(|| TestSuite::new(result.area.as_str()))
            .add_test_case(case);
    }
    junit.add_test_suites(suites.into_values());
    junit
        .to_string()
        .unwrap_or_else(|e| format!("<!-- cannot serialize JUnit: {e} -->"))
}
