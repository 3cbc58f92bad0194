//! The time bound of a case expecting `timeout` or `cancelled`: its deadlines plus slack and a
//! calibration the runner measures, so a slow machine widens the bound and a runtime that stops
//! its guest late does not get away with it. Pure: the measuring is the runner's (`timing`).

use std::time::Duration;

use super::verdict::{Failure, FailureClass, FailureKind};
use crate::model::case::{Case, ExpectedOutcome};
use crate::model::protocol::Request;

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
        class: FailureClass::Safety,
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
