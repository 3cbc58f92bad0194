//! Verdicts and failures: what the judge decides and what the runner and the reports carry.

use std::fmt;

use crate::runtime::seam::AdapterFailure;

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
    /// The runtime wrote compiled code into a cache directory someone else could write (see
    /// `[disk_cache]` in docs/CASES.md): code another user can swap would run in the host.
    UntrustedCacheUsed,
    /// A host-API case's runtime reached outside the granted root: a canary's bytes are in its
    /// answer, or something outside the root changed (docs/CASES.md, `[fs]`).
    Confinement,
    /// A network case's runtime reached the sentinel, left a connection to a kit server open
    /// after the call, or reached the servers otherwise than `[expect.net]` says (docs/CASES.md,
    /// "Network cases").
    Network,
    /// The runtime declared a limit fixed that SPEC §8 says the host sets per call: whatever
    /// the host asks for is ignored (one finding per limit, made from `describe`, not a case).
    FixedLimit,
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
            FailureKind::UntrustedCacheUsed => "untrusted_cache_used",
            FailureKind::Confinement => "confinement",
            FailureKind::Network => "network",
            FailureKind::FixedLimit => "fixed_limit",
            FailureKind::Adapter(_) => "adapter_failure",
        }
    }
}

/// Whether a failure is the sandbox broken or only the sandbox's answer misreported: a runtime
/// that refused a WASI import but said so with the wrong code must not fail like one that let it
/// run. Decided by the judge from the expected and the observed outcome alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureClass {
    /// The runtime did what the case forbids, or the kit could not see that it did not: the
    /// guest ran where it had to be refused, an output leaked, the stop came late or never, the
    /// guest was left running, the answer was no answer, the guest never reached the
    /// misbehaviour the case is about, or an observable result differed.
    Safety,
    /// The guest was refused or stopped as the case expects, but the error said so wrongly.
    /// Boxed: a failure travels in every `Result` of the judge, and is rarely this one.
    Reporting(Box<Misreport>),
}

impl FailureClass {
    /// The stable name used in reports.
    pub fn as_str(&self) -> &'static str {
        match self {
            FailureClass::Safety => "safety",
            FailureClass::Reporting(_) => "reporting",
        }
    }
}

/// What a runtime that refused or stopped its guest got wrong in saying so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Misreport {
    /// Whether the guest was stopped while it ran (an expected error of phase `run`) rather
    /// than refused before or after it.
    pub stopped: bool,
    /// The code the case expects.
    pub expected: String,
    /// What was wrong with the error.
    pub wrong: Wrong,
}

/// The part of an error a [`Misreport`] got wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wrong {
    /// Another code (as the runtime spelled it).
    Code(String),
    /// The right code, a normative details key missing or different.
    Details(String),
    /// The right code, and an error that breaks a rule every error must follow (SPEC section 9).
    Shape,
}

impl fmt::Display for Misreport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let done = if self.stopped { "stopped" } else { "refused" };
        let expected = &self.expected;
        match &self.wrong {
            Wrong::Code(observed) => {
                write!(
                    f,
                    "{done}, reported as `{observed}` instead of `{expected}`"
                )
            }
            Wrong::Details(key) => {
                write!(
                    f,
                    "{done} with `{expected}`, details.{key} reported wrongly"
                )
            }
            Wrong::Shape => write!(f, "{done} with `{expected}`, the error itself malformed"),
        }
    }
}

/// One failure: its kind, the call it concerns, and a one-line explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// What kind of failure.
    pub kind: FailureKind,
    /// Whether the sandbox broke or only its report of a refusal or a stop.
    pub class: FailureClass,
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
        if let FailureClass::Reporting(misreport) = &self.class {
            write!(f, ": {misreport}")?;
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
            class: FailureClass::Safety,
            call: None,
            message,
        }
    }
}
