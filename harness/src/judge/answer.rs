//! The verdict logic: one function decides, for every runtime alike, whether a response meets a
//! case; the universal checks (`universal`) apply to every error whatever the case.

use serde_json::{json, Value};

use super::universal::{truncate, universal_checks};
use super::verdict::{Failure, FailureClass, FailureKind, Misreport, Wrong};
use crate::model::case::{Case, ExpectedOutcome};
use crate::model::protocol::{Outcome, Response, Status, PROTOCOL_VERSION};
use crate::model::vocab;
use crate::runtime::seam::AdapterFailure;

/// Judges a runtime's answer to a case: `Ok` when every call met `[expect]` and every error
/// passed the universal checks.
pub fn judge(case: &Case, response: Result<&Response, &AdapterFailure>) -> Result<(), Failure> {
    let response = response.map_err(|f| Failure::from(f.clone()))?;
    if response.protocol != PROTOCOL_VERSION {
        return Err(AdapterFailure::Protocol {
            found: response.protocol,
        }
        .into());
    }
    let warm_up = case.warm_up_calls();
    let expected = warm_up + case.repeat as usize;
    if response.outcomes.len() != expected {
        return Err(AdapterFailure::WrongCount {
            expected,
            found: response.outcomes.len(),
        }
        .into());
    }
    for (i, outcome) in response.outcomes.iter().enumerate().take(warm_up) {
        // The warm-up must have loaded the untampered package, or the judged calls prove nothing
        // about a warm cache.
        if let Status::Error { error } = &outcome.status {
            if error.phase == "load" {
                return Err(Failure {
                    kind: FailureKind::MissingEvidence,
                    class: FailureClass::Safety,
                    call: Some(i),
                    message: format!(
                        "the warm-up call must load the untampered package, observed {}",
                        describe_status(&outcome.status)
                    ),
                });
            }
        }
    }
    for (i, outcome) in response.outcomes.iter().enumerate().skip(warm_up) {
        judge_outcome(case, outcome).map_err(|(kind, class, message)| Failure {
            kind,
            class,
            call: Some(i),
            message,
        })?;
    }
    Ok(())
}

/// A case with `[expect] guest_stopped = true` fails when guest work of its request was still
/// running after the answer; `leftover` is what the kit saw (see the `liveness` module).
pub fn judge_stopped(case: &Case, leftover: Option<String>) -> Result<(), Failure> {
    match leftover {
        Some(message) if case.expect.guest_stopped => Err(Failure {
            kind: FailureKind::GuestLeftRunning,
            class: FailureClass::Safety,
            call: None,
            message,
        }),
        _ => Ok(()),
    }
}

/// What the judge found wrong with one outcome, before it is placed on a call.
type Found = (FailureKind, FailureClass, String);

fn judge_outcome(case: &Case, outcome: &Outcome) -> Result<(), Found> {
    judge_status(case, outcome).map_err(|(kind, class, mut message)| {
        // A wrong code is the headline, but a broken error shape is worth knowing too.
        if let (FailureKind::CodeMismatch, Status::Error { error }) = (&kind, &outcome.status) {
            if let Err(violation) = universal_checks(error, case.message_bytes()) {
                message.push_str(&format!("; also universal_check: {violation}"));
            }
        }
        // A refusal is only misreported when the guest did reach the misbehaviour the case is
        // about: refused for another reason, it proves nothing about this guarantee.
        match (&class, judge_evidence(case, outcome)) {
            (FailureClass::Reporting(_), Err((_, _, unreached))) => (
                kind,
                FailureClass::Safety,
                format!("{message}; and {unreached}"),
            ),
            _ => (kind, class, message),
        }
    })?;
    judge_evidence(case, outcome)
}

fn judge_status(case: &Case, outcome: &Outcome) -> Result<(), Found> {
    let misreport = |expected: &str, wrong: Wrong| {
        FailureClass::Reporting(Box::new(Misreport {
            stopped: vocab::lookup(expected).is_some_and(|info| info.phase == "run"),
            expected: expected.to_string(),
            wrong,
        }))
    };
    match (&case.expect.outcome, &outcome.status) {
        (ExpectedOutcome::Error { .. }, Status::Error { error })
            if case.expect.also_stopped_by.contains(&error.code) =>
        {
            // Stopped by another declared limit: its own code's details are not the expected
            // code's, but the error must still be well formed.
            universal_checks(error, case.message_bytes()).map_err(|m| {
                (
                    FailureKind::UniversalCheck,
                    misreport(&error.code, Wrong::Shape),
                    m,
                )
            })?;
        }
        (ExpectedOutcome::Error { code, details }, Status::Error { error }) => {
            if &error.code != code {
                return Err((
                    FailureKind::CodeMismatch,
                    misreport(code, Wrong::Code(error.code.clone())),
                    format!(
                        "expected error `{code}`, observed {}",
                        describe_status(&outcome.status)
                    ),
                ));
            }
            universal_checks(error, case.message_bytes()).map_err(|m| {
                (
                    FailureKind::UniversalCheck,
                    misreport(code, Wrong::Shape),
                    m,
                )
            })?;
            for (key, want) in details {
                let got = error.details.get(key);
                if got != Some(want) {
                    return Err((
                        FailureKind::DetailsMismatch,
                        misreport(code, Wrong::Details(key.clone())),
                        format!(
                            "expected details.{key} = {want}, observed {}",
                            got.map_or("nothing".to_string(), Value::to_string)
                        ),
                    ));
                }
            }
        }
        (ExpectedOutcome::Error { code, .. }, Status::Ok { .. }) => {
            return Err((
                FailureKind::CodeMismatch,
                FailureClass::Safety,
                format!(
                    "expected error `{code}`, observed {}",
                    describe_status(&outcome.status)
                ),
            ))
        }
        (ExpectedOutcome::Output { .. }, Status::Error { .. }) => {
            return Err((
                FailureKind::CodeMismatch,
                FailureClass::Safety,
                format!("expected ok, observed {}", describe_status(&outcome.status)),
            ));
        }
        (ExpectedOutcome::Output { summary, content }, Status::Ok { output }) => {
            let want = expected_output(summary, content.as_deref());
            if !output_matches(output, summary, content.as_deref()) {
                return Err((
                    FailureKind::OutputMismatch,
                    FailureClass::Safety,
                    format!("expected ok {want}, observed ok {output}"),
                ));
            }
        }
    }
    Ok(())
}

fn judge_evidence(case: &Case, outcome: &Outcome) -> Result<(), Found> {
    for (name, min) in &case.expect.min_host_calls {
        let got = outcome.host_calls.get(name).copied().unwrap_or(0);
        if got < *min {
            return Err((
                FailureKind::MissingEvidence,
                FailureClass::Safety,
                format!("expected at least {min} call(s) to `{name}`, observed {got}"),
            ));
        }
    }
    for (name, min) in &case.expect.min_host_call_failures {
        let got = outcome.host_call_failures.get(name).copied().unwrap_or(0);
        if got < *min {
            return Err((
                FailureKind::MissingEvidence,
                FailureClass::Safety,
                format!("expected at least {min} failed call(s) to `{name}`, observed {got}"),
            ));
        }
    }
    if let Some(want) = &case.expect.diagnostics {
        if outcome.diagnostics.as_ref() != Some(want) {
            return Err((
                FailureKind::DiagnosticsMismatch,
                FailureClass::Safety,
                format!(
                    "expected diagnostics {want:?}, observed {:?}",
                    outcome.diagnostics
                ),
            ));
        }
    }
    Ok(())
}

/// `{"summary", "content"?}` with no other key, summary and content equal; absent content and
/// null content are the same.
fn output_matches(output: &Value, summary: &str, content: Option<&str>) -> bool {
    let Some(map) = output.as_object() else {
        return false;
    };
    let observed_content = match map.get("content") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => return false,
    };
    map.keys().all(|k| k == "summary" || k == "content")
        && map.get("summary").and_then(Value::as_str) == Some(summary)
        && observed_content == content
}

fn expected_output(summary: &str, content: Option<&str>) -> Value {
    match content {
        Some(content) => json!({"summary": summary, "content": content}),
        None => json!({"summary": summary}),
    }
}

/// A short rendering of an outcome's status for failure lines.
fn describe_status(status: &Status) -> String {
    match status {
        Status::Ok { output } => format!("ok {output}"),
        Status::Error { error } => {
            let mut text = format!("error `{}` ({})", error.code, error.phase);
            if error.details.as_object().is_some_and(|d| !d.is_empty()) {
                text.push_str(&format!(" details {}", error.details));
            }
            text.push_str(&format!(": {:?}", truncate(&error.message, 160)));
            text
        }
    }
}

/// The case's expectation as JSON, for machine-readable reports.
pub fn expected_json(case: &Case) -> Value {
    let mut value = match &case.expect.outcome {
        ExpectedOutcome::Error { code, details } => json!({"code": code, "details": details}),
        ExpectedOutcome::Output { summary, content } => {
            json!({"output": expected_output(summary, content.as_deref())})
        }
    };
    let map = value.as_object_mut().expect("built as an object");
    if !case.expect.min_host_calls.is_empty() {
        map.insert("min_host_calls".into(), json!(case.expect.min_host_calls));
    }
    if !case.expect.min_host_call_failures.is_empty() {
        map.insert(
            "min_host_call_failures".into(),
            json!(case.expect.min_host_call_failures),
        );
    }
    if let Some(diagnostics) = &case.expect.diagnostics {
        map.insert("diagnostics".into(), json!(diagnostics));
    }
    if case.expect.guest_stopped {
        map.insert("guest_stopped".into(), json!(true));
    }
    value
}

/// What the runtime answered, as JSON, for machine-readable reports.
pub fn observed_json(response: Result<&Response, &AdapterFailure>) -> Value {
    match response {
        Ok(response) => json!(response.outcomes),
        Err(failure) => json!({"adapter_failure": failure.kind(), "message": failure.to_string(),
                               "stderr": failure.stderr()}),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::judge::verdict::{Misreport, Wrong};
    use crate::model::header::parse_case;

    /// A case expecting `expect` (header lines after `[expect]`), judged on one outcome.
    fn check(expect: &str, outcome: Value) -> Result<(), Failure> {
        let source = format!(
            ";;! id = \"x.y\"\n;;! guarantee = \"G-1\"\n;;! since = \"0.1.0\"\n\
             ;;! summary = \"s\"\n;;! [expect]\n{expect}\n\
             (module (memory (export \"memory\") 1) (func (export \"yoi_tool_call\")))\n"
        );
        let case = parse_case(Path::new("x/y.wat"), &source, None).unwrap();
        let response: Response =
            serde_json::from_value(json!({"protocol": 1, "outcomes": [outcome]})).unwrap();
        judge(&case, Ok(&response))
    }

    fn error(code: &str, phase: &str, message: &str, details: Value) -> Value {
        json!({"status": "error", "error": {"code": code, "phase": phase, "message": message,
               "details": details}})
    }

    fn misreport(stopped: bool, expected: &str, wrong: Wrong) -> FailureClass {
        FailureClass::Reporting(Box::new(Misreport {
            stopped,
            expected: expected.into(),
            wrong,
        }))
    }

    #[test]
    fn a_refusal_with_another_code_is_a_reporting_failure_that_says_so() {
        let failure = check(
            ";;! code = \"import_denied\"",
            error(
                "trap",
                "run",
                "wasi is not linked",
                json!({"trap": "unreachable"}),
            ),
        )
        .unwrap_err();
        assert_eq!(failure.kind, FailureKind::CodeMismatch);
        assert_eq!(
            failure.class,
            misreport(false, "import_denied", Wrong::Code("trap".into()))
        );
        assert!(
            failure.to_string().starts_with(
                "code_mismatch (call 1): refused, reported as `trap` instead of \
                              `import_denied`: expected error `import_denied`"
            ),
            "{failure}"
        );
    }

    #[test]
    fn a_stop_with_another_code_is_a_reporting_failure_of_a_stopped_guest() {
        let failure = check(
            ";;! code = \"timeout\"",
            error("trap", "run", "interrupted", json!({"trap": "unreachable"})),
        )
        .unwrap_err();
        assert_eq!(
            failure.class,
            misreport(true, "timeout", Wrong::Code("trap".into()))
        );
        assert!(failure.to_string().contains("stopped, reported as `trap`"));
    }

    #[test]
    fn wrong_details_or_a_malformed_error_are_reporting_failures() {
        let details = check(
            ";;! code = \"import_denied\"\n;;! details = { count = 1 }",
            error("import_denied", "link", "denied", json!({"count": 2})),
        )
        .unwrap_err();
        assert_eq!(details.kind, FailureKind::DetailsMismatch);
        assert_eq!(
            details.class,
            misreport(false, "import_denied", Wrong::Details("count".into()))
        );
        let shape = check(
            ";;! code = \"import_denied\"",
            error("import_denied", "link", "", json!({})),
        )
        .unwrap_err();
        assert_eq!(shape.kind, FailureKind::UniversalCheck);
        assert_eq!(shape.class, misreport(false, "import_denied", Wrong::Shape));
    }

    #[test]
    fn a_guest_that_ran_or_an_output_that_differs_is_a_safety_failure() {
        let ran = check(
            ";;! code = \"import_denied\"",
            json!({"status": "ok", "output": {"summary": "s"}}),
        )
        .unwrap_err();
        assert_eq!(
            (ran.kind, ran.class),
            (FailureKind::CodeMismatch, FailureClass::Safety)
        );
        let refused = check(
            ";;! output = { summary = \"s\" }",
            error("trap", "run", "t", json!({"trap": "unreachable"})),
        )
        .unwrap_err();
        assert_eq!(refused.class, FailureClass::Safety);
        let leaked = check(
            ";;! output = { summary = \"s\" }",
            json!({"status": "ok", "output": {"summary": "other"}}),
        )
        .unwrap_err();
        assert_eq!(
            (leaked.kind, leaked.class),
            (FailureKind::OutputMismatch, FailureClass::Safety)
        );
    }

    #[test]
    fn a_refusal_before_the_misbehaviour_was_reached_is_a_safety_failure() {
        let failure = check(
            ";;! code = \"cancelled\"\n;;! min_host_calls = { input_len = 100 }",
            json!({"status": "error", "error": {"code": "timeout", "phase": "run",
                   "message": "deadline", "details": {}}, "host_calls": {"input_len": 3}}),
        )
        .unwrap_err();
        assert_eq!(failure.class, FailureClass::Safety);
        assert!(
            failure
                .message
                .contains("and expected at least 100 call(s)"),
            "{failure}"
        );
    }

    #[test]
    fn a_guest_left_running_is_a_safety_failure() {
        let source = ";;! id = \"x.y\"\n;;! guarantee = \"G-1\"\n;;! since = \"0.1.0\"\n\
             ;;! summary = \"s\"\n;;! [limits]\n;;! deadline_ms = 100\n;;! [expect]\n\
             ;;! code = \"timeout\"\n;;! guest_stopped = true\n(module)\n";
        let case = parse_case(Path::new("x/y.wat"), source, None).unwrap();
        let failure = judge_stopped(&case, Some("1 thread still running".into())).unwrap_err();
        assert_eq!(
            (failure.kind, failure.class),
            (FailureKind::GuestLeftRunning, FailureClass::Safety)
        );
        assert_eq!(judge_stopped(&case, None), Ok(()));
    }
}
