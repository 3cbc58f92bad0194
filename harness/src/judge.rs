//! The verdict logic: one function decides, for every runtime alike, whether a response meets a
//! case, and the universal checks every error of every runtime must pass whatever the case.

use std::fmt;
use std::time::Duration;

use serde_json::{json, Value};

use crate::case::{Case, ExpectedOutcome};
use crate::protocol::{ErrorBody, Outcome, Request, Response, Status, PROTOCOL_VERSION};
use crate::runtime::AdapterFailure;
use crate::vocab;

/// The verdict of one case.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Every call met the expectation.
    Pass,
    /// A call did not; the failure says which and how.
    Fail(Failure),
    /// The runtime does not declare capabilities the case requires.
    Skip {
        /// The capabilities missing.
        missing: Vec<String>,
    },
    /// Listed in the expectations file, and failed as announced.
    XFail {
        /// The listed reason.
        reason: String,
        /// The failure observed.
        failure: Failure,
    },
    /// Listed in the expectations file but passed: the list is stale, which fails the run.
    XPass {
        /// The listed reason.
        reason: String,
    },
}

impl Verdict {
    /// The verdict's report name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail(_) => "fail",
            Verdict::Skip { .. } => "skip",
            Verdict::XFail { .. } => "xfail",
            Verdict::XPass { .. } => "xpass",
        }
    }

    /// Whether this verdict fails the run.
    pub fn is_failure(&self) -> bool {
        matches!(self, Verdict::Fail(_) | Verdict::XPass { .. })
    }

    /// Applies the expectations file: a listed case's failure is an xfail, its pass an xpass.
    pub fn with_xfail(self, reason: Option<&str>) -> Verdict {
        match (self, reason) {
            (Verdict::Fail(failure), Some(reason)) => Verdict::XFail {
                reason: reason.to_string(),
                failure,
            },
            (Verdict::Pass, Some(reason)) => Verdict::XPass {
                reason: reason.to_string(),
            },
            (verdict, _) => verdict,
        }
    }
}

/// Why a case failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureKind {
    /// The outcome had the wrong status or error code.
    CodeMismatch,
    /// The tool result differed from the expected one.
    OutputMismatch,
    /// A normative details key differed.
    DetailsMismatch,
    /// The guest did not reach the misbehaviour (too few host calls or failures).
    MissingEvidence,
    /// The operator-sink text differed.
    DiagnosticsMismatch,
    /// An error broke a rule every error must follow.
    UniversalCheck,
    /// A case expecting `timeout` or `cancelled` got its answer later than its time bound (see
    /// [`time_bound`]): the right code, too late to protect a host.
    TooSlow,
    /// The answer came, but guest work of the request was still running after it (see
    /// `[expect] guest_stopped` in docs/CASES.md): the guest was abandoned, not stopped.
    GuestLeftRunning,
    /// A host-API case's runtime reached outside the granted root: a canary's bytes are in its
    /// answer, or something outside the root changed (docs/CASES.md, `[fs]`).
    Confinement,
    /// The runtime gave no judgeable answer.
    Adapter(AdapterFailure),
}

impl FailureKind {
    /// The stable name used in reports.
    pub fn as_str(&self) -> &'static str {
        match self {
            FailureKind::CodeMismatch => "code_mismatch",
            FailureKind::OutputMismatch => "output_mismatch",
            FailureKind::DetailsMismatch => "details_mismatch",
            FailureKind::MissingEvidence => "missing_evidence",
            FailureKind::DiagnosticsMismatch => "diagnostics_mismatch",
            FailureKind::UniversalCheck => "universal_check",
            FailureKind::TooSlow => "too_slow",
            FailureKind::GuestLeftRunning => "guest_left_running",
            FailureKind::Confinement => "confinement",
            FailureKind::Adapter(_) => "adapter_failure",
        }
    }
}

/// One failure: its kind, the call it concerns, and a one-line explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// What kind of failure.
    pub kind: FailureKind,
    /// The 0-based call index, or `None` for the whole request.
    pub call: Option<usize>,
    /// Expected versus observed, in one line.
    pub message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind.as_str())?;
        if let Some(call) = self.call {
            write!(f, " (call {})", call + 1)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl From<AdapterFailure> for Failure {
    fn from(failure: AdapterFailure) -> Self {
        // The stderr stays in the failure itself: reports print it on lines of their own.
        let message = failure.to_string();
        Failure {
            kind: FailureKind::Adapter(failure),
            call: None,
            message,
        }
    }
}

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

/// Slack per call of a case expecting `timeout` or `cancelled`, on top of its deadlines (or cancel
/// times) and the measured [`Calibration`]: room for the stop itself, and well under the 250 ms
/// by which a runtime that enforces a deadline late (or only through some backstop) overshoots.
pub const TIME_SLACK_PER_CALL: Duration = Duration::from_millis(150);

/// How slow this runtime and this machine are right now, measured by the kit in the same run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Calibration {
    /// The time the runtime took for a trivial request of as many calls (process start,
    /// loading, compiling: what it spends whatever the guest does).
    pub baseline: Duration,
    /// How long a spinning kit thread takes to notice a flag set from another thread (median of
    /// five tries): the
    /// scheduler's latency for a CPU-bound thread on this machine now. Stopping a guest takes a
    /// wake-up or two (a ticker, a canceller, the guest's own thread), each that late.
    pub wakeup: Duration,
}

/// The time bound of a request: its deadlines or cancel times ([`Request::budget_ms`]), plus,
/// per call, [`TIME_SLACK_PER_CALL`] and twice the calibration's wake-up latency, plus one and
/// a half times its baseline.
pub fn time_bound(request: &Request, calibration: &Calibration) -> Duration {
    let calls = u32::try_from(request.calls.len()).unwrap_or(u32::MAX);
    Duration::from_millis(request.budget_ms())
        + (TIME_SLACK_PER_CALL + calibration.wakeup.saturating_mul(2)).saturating_mul(calls)
        + calibration.baseline.saturating_mul(3) / 2
}

/// The time bound of a case: a case expecting `timeout` or `cancelled` must have its answer
/// within [`time_bound`]. `elapsed` is the time spent in the runtime's `run` only (not in
/// building the package). The bound is first tried with a zero calibration; only a case over it
/// calls `calibrate` (which measures the runtime on a trivial request of as many calls, and the
/// machine's wake-up latency), so a slow machine widens the bound only when the case needs it.
/// Other cases have no bound here (the process adapter's kill budget still applies to them).
pub fn judge_time(
    case: &Case,
    request: &Request,
    elapsed: Duration,
    calibrate: impl FnOnce() -> Calibration,
) -> Result<(), Failure> {
    let ExpectedOutcome::Error { code, .. } = &case.expect.outcome else {
        return Ok(());
    };
    if code != "timeout" && code != "cancelled" {
        return Ok(());
    }
    if elapsed <= time_bound(request, &Calibration::default()) {
        return Ok(());
    }
    let calibration = calibrate();
    let bound = time_bound(request, &calibration);
    if elapsed <= bound {
        return Ok(());
    }
    let calls = request.calls.len();
    Err(Failure {
        kind: FailureKind::TooSlow,
        call: None,
        message: format!(
            "`{code}` was answered after {} ms, over the {} ms bound: {} ms of deadlines or \
             cancel times over {calls} call(s); per call {} ms of slack and 2 x the {} ms \
             stop latency measured just after; and 1.5 x the {} ms this runtime took for a \
             trivial request of {calls} call(s) just after",
            elapsed.as_millis(),
            bound.as_millis(),
            request.budget_ms(),
            TIME_SLACK_PER_CALL.as_millis(),
            calibration.wakeup.as_millis(),
            calibration.baseline.as_millis()
        ),
    })
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

/// The rules every error of every runtime must follow, whatever the case expected (SPEC section
/// 9): a known code in its own phase, a non-empty message within `message_bytes` and free of
/// control characters and bidirectional overrides, and details that are an object of at most
/// 4096 bytes of JSON whose strings (keys included) are at most 256 bytes without bidirectional
/// overrides and whose lists hold at most 16 items, at any depth.
pub fn universal_checks(error: &ErrorBody, message_bytes: u64) -> Result<(), String> {
    let code = &error.code;
    let Some(info) = vocab::lookup(code) else {
        return Err(format!("code `{code}` is not in the vocabulary"));
    };
    if error.phase != info.phase {
        return Err(format!(
            "code `{code}` has phase `{}`, must be `{}`",
            error.phase, info.phase
        ));
    }
    if error.message.is_empty() {
        return Err(format!("`{code}` has an empty message"));
    }
    if error.message.len() as u64 > message_bytes {
        return Err(format!(
            "`{code}` message is {} bytes, over the {message_bytes}-byte bound",
            error.message.len()
        ));
    }
    if let Some((c, kind)) = unsafe_char(&error.message) {
        return Err(format!("`{code}` message holds {kind} U+{:04X}", c as u32));
    }
    if !error.details.is_object() {
        return Err(format!(
            "`{code}` details is not a JSON object: {}",
            error.details
        ));
    }
    let size = error.details.to_string().len();
    if size > vocab::MAX_DETAILS_BYTES {
        return Err(format!(
            "`{code}` details is {size} bytes of JSON, over the {}-byte bound",
            vocab::MAX_DETAILS_BYTES
        ));
    }
    details_bounds(&error.details, "details").map_err(|why| format!("`{code}` {why}"))
}

/// The per-string and per-list bounds of `details`, at any depth; `at` is the path so far, so
/// the failure names the offending value.
fn details_bounds(value: &Value, at: &str) -> Result<(), String> {
    let string = |text: &str, at: &str| {
        if text.len() > vocab::MAX_DETAILS_STRING_BYTES {
            return Err(format!(
                "{at} is a string of {} bytes, over the {}-byte bound",
                text.len(),
                vocab::MAX_DETAILS_STRING_BYTES
            ));
        }
        match unsafe_char(text) {
            Some((c, kind)) => Err(format!("{at} holds {kind} U+{:04X}", c as u32)),
            None => Ok(()),
        }
    };
    match value {
        Value::String(text) => string(text, at),
        Value::Array(items) => {
            if items.len() > vocab::MAX_DETAILS_LIST_ITEMS {
                return Err(format!(
                    "{at} is a list of {} items, over the {}-item bound",
                    items.len(),
                    vocab::MAX_DETAILS_LIST_ITEMS
                ));
            }
            items
                .iter()
                .enumerate()
                .try_for_each(|(i, item)| details_bounds(item, &format!("{at}[{i}]")))
        }
        Value::Object(map) => map.iter().try_for_each(|(key, item)| {
            string(key, &format!("{at} key {:?}", truncate(key, 40)))?;
            details_bounds(item, &format!("{at}.{key}"))
        }),
        _ => Ok(()),
    }
}

/// The first character of `text` that SPEC section 9 removes from messages and detail strings,
/// named by its kind (overrides and isolates apart, since they are what reverses text).
fn unsafe_char(text: &str) -> Option<(char, &'static str)> {
    text.chars().find(|&c| is_control(c)).map(|c| {
        let kind = if vocab::is_bidi_control(c) {
            "bidirectional override"
        } else {
            "control character"
        };
        (c, kind)
    })
}

/// The characters no message may hold: controls (ERR-01), and the line separators and
/// bidirectional formatting characters (ERR-04).
fn is_control(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{61c}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
    )
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

/// At most `max` bytes of `text`, cut on a character boundary: for quoting what a runtime said
/// in a report line.
pub fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
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
