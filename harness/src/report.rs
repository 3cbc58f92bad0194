//! Renders a run for people (a terse table by guarantee area, one rerun command per failure) and
//! for CI (JSON with every case's expected and observed outcome; JUnit XML through quick-junit).
//! Every text that came from the runtime under test is passed through [`visible`] first: the
//! reports are read in terminals and CI pages, and the runtime is not trusted.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::json;

use crate::declared::{Evidence, EVIDENCE};
pub use crate::escape::visible;
use crate::escape::visible_in_json;
use crate::judge::{Failure, FailureKind, Verdict};
use crate::runner::{CaseResult, RunReport};

mod markdown;
pub use markdown::markdown;

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

fn runtime_line(report: &RunReport) -> String {
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

/// The lines under a failure that say where to look: the case file, the guarantee's MUST
/// sentence, and what the verdict could not rest on.
fn context_lines(out: &mut String, result: &CaseResult) {
    let _ = writeln!(out, "      file: {}", result.file.display());
    if let Some(must) = &result.must {
        let _ = writeln!(out, "      must: {must}");
    }
    if result.evidence == Evidence::NotChecked {
        let _ = writeln!(
            out,
            "      evidence: not checked (the runtime does not declare `{EVIDENCE}`)"
        );
    }
    for fixed in &result.fixed_limits {
        let _ = writeln!(
            out,
            "      limit: {} judged at the runtime's fixed {} (the case asks for {})",
            fixed.limit, fixed.fixed, fixed.asked
        );
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
        let _ = writeln!(out, "{}", visible(&line, false));
        context_lines(&mut out, result);
        if let Verdict::Fail(Failure {
            kind: FailureKind::Adapter(failure),
            ..
        }) = &result.verdict
        {
            // ADAPTER.md: the adapter's stderr (already cut to 4 KiB) is shown when a case fails.
            for stderr_line in visible(failure.stderr().unwrap_or(""), true).lines() {
                let _ = writeln!(out, "      stderr: {stderr_line}");
            }
        }
        let _ = writeln!(out, "      rerun: {rerun} --filter {}", result.id);
    }
    // Skips and unchecked evidence are not failures, but never silent: one line per reason.
    let mut skips: BTreeMap<String, usize> = BTreeMap::new();
    for result in &report.results {
        if let Verdict::Skip { missing } = &result.verdict {
            *skips.entry(missing.join(", ")).or_default() += 1;
        }
    }
    for (missing, n) in &skips {
        let _ = writeln!(out, "SKIP  {n} case(s): need {}", visible(missing, false));
    }
    let unchecked = report
        .results
        .iter()
        .filter(|r| r.evidence == Evidence::NotChecked)
        .count();
    if unchecked > 0 {
        let _ = writeln!(
            out,
            "NOTE  evidence not checked in {unchecked} case(s): the runtime does not declare \
             `{EVIDENCE}`, so their host-call counters were not compared (judged by outcome alone)"
        );
    }
    let fixed = report
        .results
        .iter()
        .filter(|r| !r.fixed_limits.is_empty())
        .count();
    if fixed > 0 {
        let _ = writeln!(
            out,
            "NOTE  {fixed} case(s) judged at the runtime's fixed limits instead of their \
             [limits] overrides (see the JSON report's `fixed_limits`)"
        );
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

/// The JSON report: kit and runtime identity, totals, and per case its verdict, expected and
/// observed outcomes, and duration.
pub fn json(report: &RunReport) -> serde_json::Value {
    let (areas, total) = counts(report);
    let counts_json = |c: &Counts| json!({"pass": c.pass, "fail": c.fail, "skip": c.skip, "xfail": c.xfail, "xpass": c.xpass});
    let runtime = match &report.runtime {
        Ok(info) => json!({"name": visible(&info.name, false),
                           "version": visible(&info.version, false),
                           "capabilities": info.capabilities.iter()
                               .map(|c| visible(c, false)).collect::<Vec<_>>(),
                           "limits": info.limits}),
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
                "must": r.must,
                "file": r.file.display().to_string(),
                "area": r.area,
                "verdict": r.verdict.as_str(),
                "reason": kind,
                "message": message,
                "evidence": r.evidence.as_str(),
                "fixed_limits": r.fixed_limits,
                "request": r.request,
                "expected": r.expected,
                // Runtime text keeps its JSON meaning; what JSON leaves raw is made visible.
                "observed": json_strings_visible(r.observed.clone()),
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

/// Every string in `value` with what JSON leaves raw made visible ([`visible_in_json`]).
fn json_strings_visible(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(s) => Value::String(visible_in_json(&s)),
        Value::Array(items) => Value::Array(items.into_iter().map(json_strings_visible).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (visible_in_json(&k), json_strings_visible(v)))
                .collect(),
        ),
        other => other,
    }
}

/// Every string in `value` made [`visible`]: what a runtime answered, kept as JSON.
fn escape_strings(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(s) => Value::String(visible(&s, true)),
        Value::Array(items) => Value::Array(items.into_iter().map(escape_strings).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (visible(&k, false), escape_strings(v)))
                .collect(),
        ),
        other => other,
    }
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
                let mut description = format!("file: {}\n", result.file.display());
                if let Some(must) = &result.must {
                    description.push_str(&format!("must: {must}\n"));
                }
                description.push_str(&format!(
                    "expected: {}\nobserved: {}",
                    result.expected,
                    escape_strings(result.observed.clone())
                ));
                status.set_description(visible(&description, true));
                status
            }
        };
        let mut case = TestCase::new(result.id.as_str(), status);
        case.set_classname(format!("{}.{}", result.area, result.guarantee));
        case.set_time(result.duration);
        case.add_property(("file", result.file.display().to_string().as_str()));
        case.add_property(("evidence", result.evidence.as_str()));
        let mut notes = Vec::new();
        if let Verdict::XFail { .. } = &result.verdict {
            notes.extend(reason(result).map(|r| r.1));
        }
        if result.evidence == Evidence::NotChecked {
            notes.push(format!(
                "evidence not checked: the runtime does not declare `{EVIDENCE}`, so this case \
                 was judged by its outcome alone"
            ));
        }
        for fixed in &result.fixed_limits {
            notes.push(format!(
                "limit {} judged at the runtime's fixed {} (the case asks for {})",
                fixed.limit, fixed.fixed, fixed.asked
            ));
        }
        if !notes.is_empty() {
            case.set_system_out(notes.join("\n"));
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
