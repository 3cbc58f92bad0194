//! The one seam between the kit and a runtime under test: implementers answer two questions,
//! and everything that judges the answers lives in the kit, so every runtime meets the same code.

use std::fmt;

use crate::model::protocol::{Request, Response, RuntimeInfo};

/// A runtime under test.
///
/// Implement [`describe`](Self::describe) and [`run`](Self::run); the kit builds the package,
/// sends the request, and judges the response (see [`crate::judge`]). The reference runtime
/// implements it in-process; [`crate::ProcessRuntime`] implements it over the process protocol of
/// `docs/ADAPTER.md` for runtimes in any language.
pub trait ConformanceRuntime: Send + Sync {
    /// Who the runtime is and which optional capabilities it declares. Called once per run.
    fn describe(&self) -> Result<RuntimeInfo, AdapterFailure>;

    /// Loads `request.package` with `request.digest` pinned and makes `request.calls` in order
    /// against the one loaded plugin. Guest failures are outcomes inside the response; `Err` is
    /// for the runtime itself failing (crash, hang, garbage), which fails the case.
    fn run(&self, request: &Request) -> Result<Response, AdapterFailure>;
}

impl<T: ConformanceRuntime + ?Sized> ConformanceRuntime for Box<T> {
    fn describe(&self) -> Result<RuntimeInfo, AdapterFailure> {
        (**self).describe()
    }
    fn run(&self, request: &Request) -> Result<Response, AdapterFailure> {
        (**self).run(request)
    }
}

impl<T: ConformanceRuntime + ?Sized> ConformanceRuntime for std::sync::Arc<T> {
    fn describe(&self) -> Result<RuntimeInfo, AdapterFailure> {
        (**self).describe()
    }
    fn run(&self, request: &Request) -> Result<Response, AdapterFailure> {
        (**self).run(request)
    }
}

/// Why a runtime gave no judgeable answer. Always a failure of the case, never a pass or a skip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdapterFailure {
    /// The runtime speaks another protocol version.
    Protocol {
        /// The version it announced.
        found: u32,
    },
    /// The adapter exited non-zero or died by a signal.
    Crashed {
        /// Exit status as printed by the OS.
        status: String,
        /// Its stderr, truncated to 4 KiB.
        stderr: String,
    },
    /// The adapter did not exit within its budget and was killed.
    Hung {
        /// The budget it overran.
        budget_ms: u64,
        /// Its stderr, truncated to 4 KiB.
        stderr: String,
    },
    /// The kit had to stop the adapter (over its budget or an output cap) or what it left running
    /// when it exited, and could not: the signal failed, or the process outlived it.
    Unkillable {
        /// The budget of the invocation.
        budget_ms: u64,
        /// What failed, with the OS error.
        error: String,
        /// Its stderr, truncated to 4 KiB.
        stderr: String,
    },
    /// The adapter's stdout was not exactly one JSON document of the right shape, or it wrote
    /// more than [`crate::STDOUT_CAP`] / [`crate::STDERR_CAP`] bytes.
    Garbage {
        /// What was wrong with it.
        reason: String,
        /// Its stderr, truncated to 4 KiB.
        stderr: String,
    },
    /// The response did not carry exactly one outcome per call.
    WrongCount {
        /// Calls in the request.
        expected: usize,
        /// Outcomes in the response.
        found: usize,
    },
    /// The adapter could not be started, or an in-process runtime could not serve the request.
    Unavailable {
        /// What went wrong.
        reason: String,
    },
}

impl AdapterFailure {
    /// The stable name of the failure, as in `docs/ADAPTER.md`.
    pub fn kind(&self) -> &'static str {
        match self {
            AdapterFailure::Protocol { .. } => "adapter_protocol",
            AdapterFailure::Crashed { .. } => "adapter_crashed",
            AdapterFailure::Hung { .. } | AdapterFailure::Unkillable { .. } => "adapter_hung",
            AdapterFailure::Garbage { .. } | AdapterFailure::WrongCount { .. } => "adapter_garbage",
            AdapterFailure::Unavailable { .. } => "adapter_unavailable",
        }
    }

    /// The adapter's stderr, when it had one worth showing. [`crate::ProcessRuntime`] stores it
    /// with control characters already made visible; reports escape it again, which changes
    /// nothing for such text and protects them from an in-process runtime's raw text.
    pub fn stderr(&self) -> Option<&str> {
        match self {
            AdapterFailure::Crashed { stderr, .. }
            | AdapterFailure::Hung { stderr, .. }
            | AdapterFailure::Unkillable { stderr, .. }
            | AdapterFailure::Garbage { stderr, .. }
                if !stderr.is_empty() =>
            {
                Some(stderr)
            }
            _ => None,
        }
    }
}

impl fmt::Display for AdapterFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.kind())?;
        match self {
            AdapterFailure::Protocol { found } => {
                write!(f, "runtime speaks protocol {found}, the kit speaks 1")
            }
            AdapterFailure::Crashed { status, .. } => write!(f, "adapter exited with {status}"),
            AdapterFailure::Hung { budget_ms, .. } => {
                write!(f, "adapter still running after {budget_ms} ms; killed")
            }
            AdapterFailure::Unkillable {
                budget_ms, error, ..
            } => write!(
                f,
                "the kit could not stop the adapter (budget {budget_ms} ms): {error}"
            ),
            AdapterFailure::Garbage { reason, .. } => write!(f, "{reason}"),
            AdapterFailure::WrongCount { expected, found } => {
                write!(f, "{found} outcomes for {expected} calls")
            }
            AdapterFailure::Unavailable { reason } => write!(f, "{reason}"),
        }
    }
}

impl std::error::Error for AdapterFailure {}

/// A panic of an in-process runtime, as the crash it is: a failed case, never a dead kit.
pub(crate) fn panicked(panic: Box<dyn std::any::Any + Send>) -> AdapterFailure {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string payload".into());
    AdapterFailure::Crashed {
        status: format!("panic: {message}"),
        stderr: String::new(),
    }
}
