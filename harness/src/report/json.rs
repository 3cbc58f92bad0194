//! The JSON report: every case's expected and observed outcome, for CI and for tools.

use serde_json::json;

use super::summary::{counts, reason, safety, Counts, Standing, KIT_VERSION};
use crate::judge::verdict::{FailureClass, Verdict};
use crate::runner::suite::RunReport;
use crate::runtime::escape::{visible, visible_in_json};

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
            let failure = match &r.verdict {
                Verdict::Fail(failure) | Verdict::XFail { failure, .. } => Some(failure),
                _ => None,
            };
            let misreport = failure.and_then(|f| match &f.class {
                FailureClass::Reporting(misreport) => Some(misreport.to_string()),
                FailureClass::Safety => None,
            });
            json!({
                "id": r.id,
                "guarantee": r.guarantee,
                "must": r.must,
                "file": r.file.display().to_string(),
                "area": r.area,
                "class": r.class.map(|c| c.as_str()),
                "verdict": r.verdict.as_str(),
                "reason": kind,
                "message": message,
                "failure_class": failure.map(|f| f.class.as_str()),
                "misreport": misreport,
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
    let safety = safety(report);
    let ids = |standing| safety.with(standing);
    json!({
        "safety": {
            "headline": safety.headline(),
            "held": ids(Standing::Held).len(),
            "total": safety.total(),
            "broken": ids(Standing::Broken),
            "misreported": ids(Standing::Misreported),
            "stale": ids(Standing::Stale),
            "not_checked": ids(Standing::NotChecked),
            "failing_cases": {"safety": safety.safety_failures,
                              "reporting": safety.reporting_failures},
        },
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
