//! The JUnit XML report (through quick-junit): one test suite per area, one test case per case.

use std::collections::BTreeMap;

use super::summary::{reason, safety};
use crate::judge::declared::{Evidence, EVIDENCE};
use crate::judge::verdict::Verdict;
use crate::runner::suite::RunReport;
use crate::runtime::escape::visible;

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
        if let Some(class) = result.class {
            case.add_property(("class", class.as_str()));
        }
        if let Verdict::Fail(failure) | Verdict::XFail { failure, .. } = &result.verdict {
            case.add_property(("failure_class", failure.class.as_str()));
        }
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
                fixed.limit,
                fixed.fixed,
                fixed.asked_text()
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
    // JUnit has no report-level properties: every suite carries the run's safety verdict, so
    // whichever a CI page shows first leads with it.
    let safety = safety(report);
    for suite in suites.values_mut() {
        suite.add_property(("sandbox", safety.headline().as_str()));
        suite.add_property(("failing_cases", safety.failures_line().as_str()));
    }
    junit.add_test_suites(suites.into_values());
    junit
        .to_string()
        .unwrap_or_else(|e| format!("<!-- cannot serialize JUnit: {e} -->"))
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
