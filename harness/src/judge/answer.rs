//! The verdict logic: one function decides, for every runtime alike, whether a response meets a
//! case; the universal checks (`universal`) apply to every error whatever the case.

use serde_json::{json, Value};

use super::universal::{truncate, universal_checks};
use super::verdict::{Failure, FailureKind};
use crate::model::case::{Case, ExpectedOutcome};
use crate::model::protocol::{Outcome, Response, Status, PROTOCOL_VERSION};
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
        judge_outcome(case, outcome).map_err(|(kind, message)| Failure {
            kind,
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
            call: None,
            message,
        }),
        _ => Ok(()),
    }
}

fn judge_outcome(case: &Case, outcome: &Outcome) -> Result<(), (FailureKind, String)> {
    judge_status(case, outcome).map_err(|(kind, mut message)| {
        // A wrong code is the headline, but a broken error shape is worth knowing too.
        if let (FailureKind::CodeMismatch, Status::Error { error }) = (&kind, &outcome.status) {
            if let Err(violation) = universal_checks(error, case.message_bytes()) {
                message.push_str(&format!("; also universal_check: {violation}"));
            }
        }
        (kind, message)
    })?;
    judge_evidence(case, outcome)
}

fn judge_status(case: &Case, outcome: &Outcome) -> Result<(), (FailureKind, String)> {
    match (&case.expect.outcome, &outcome.status) {
        (ExpectedOutcome::Error { .. }, Status::Error { error })
            if case.expect.also_stopped_by.contains(&error.code) =>
        {
            // Stopped by another declared limit: its own code's details are not the expected
            // code's, but the error must still be well formed.
            universal_checks(error, case.message_bytes())
                .map_err(|m| (FailureKind::UniversalCheck, m))?;
        }
        (ExpectedOutcome::Error { code, details }, Status::Error { error }) => {
            if &error.code != code {
                return Err((
                    FailureKind::CodeMismatch,
                    format!(
                        "expected error `{code}`, observed {}",
                        describe_status(&outcome.status)
                    ),
                ));
            }
            universal_checks(error, case.message_bytes())
                .map_err(|m| (FailureKind::UniversalCheck, m))?;
            for (key, want) in details {
                let got = error.details.get(key);
                if got != Some(want) {
                    return Err((
                        FailureKind::DetailsMismatch,
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
                format!(
                    "expected error `{code}`, observed {}",
                    describe_status(&outcome.status)
                ),
            ))
        }
        (ExpectedOutcome::Output { .. }, Status::Error { .. }) => {
            return Err((
                FailureKind::CodeMismatch,
                format!("expected ok, observed {}", describe_status(&outcome.status)),
            ));
        }
        (ExpectedOutcome::Output { summary, content }, Status::Ok { output }) => {
            let want = expected_output(summary, content.as_deref());
            if !output_matches(output, summary, content.as_deref()) {
                return Err((
                    FailureKind::OutputMismatch,
                    format!("expected ok {want}, observed ok {output}"),
                ));
            }
        }
    }
    Ok(())
}

fn judge_evidence(case: &Case, outcome: &Outcome) -> Result<(), (FailureKind, String)> {
    for (name, min) in &case.expect.min_host_calls {
        let got = outcome.host_calls.get(name).copied().unwrap_or(0);
        if got < *min {
            return Err((
                FailureKind::MissingEvidence,
                format!("expected at least {min} call(s) to `{name}`, observed {got}"),
            ));
        }
    }
    for (name, min) in &case.expect.min_host_call_failures {
        let got = outcome.host_call_failures.get(name).copied().unwrap_or(0);
        if got < *min {
            return Err((
                FailureKind::MissingEvidence,
                format!("expected at least {min} failed call(s) to `{name}`, observed {got}"),
            ));
        }
    }
    if let Some(want) = &case.expect.diagnostics {
        if outcome.diagnostics.as_ref() != Some(want) {
            return Err((
                FailureKind::DiagnosticsMismatch,
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
