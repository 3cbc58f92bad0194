//! The wire of `yoi:host/request` and `yoi:host/websocket` (docs/SPEC.md section 15): the part
//! that sends bytes, after the policy of this folder's parent decided a call may.
//!
//! Two rules shape it. A connection goes only to a [`CheckedAddrs`](super::CheckedAddrs): the
//! name is resolved once, by the host's resolver, and the socket address that passed the
//! address policy is what is dialled (ureq is handed a resolver that answers those addresses and
//! nothing else; the WebSocket is dialled by hand). And every blocking step is inside the
//! call's budget: the HTTP exchange runs on a worker the call waits for only until its deadline
//! or a cancel, and is then shut down from the call thread (`Agent::shutdown` closes its
//! sockets, so the worker ends at once rather than at its own timeout); a WebSocket reads and
//! writes on the call thread in short slices, looking at the budget between them.

pub(crate) mod http;
pub(crate) mod websocket;

use super::error::NetError;
use super::NetErrorCode;
use crate::host_api::Refusal;
use std::time::{Duration, Instant};

/// Longest time a WebSocket read or write blocks before the budget is looked at again: the
/// stop latency of a call waiting on the network, the same order as the epoch tick that stops
/// guest code.
pub(crate) const SLICE: Duration = Duration::from_millis(1);

/// The request timeout of the originating host, kept: a request ends at the earlier of this and
/// the call's deadline.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// Why the call's budget ended a host call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Halt {
    /// The call's deadline passed.
    Timeout,
    /// The host cancelled the call.
    Cancelled,
}

/// The call's budget as the wire sees it: a deadline, and the question "must this call stop
/// now?" (the cancel token and the deadline; the call boundary answers it).
pub(crate) struct Limit<'a> {
    pub deadline: Instant,
    pub halted: &'a dyn Fn() -> Option<Halt>,
}

impl Limit<'_> {
    fn check(&self) -> Result<(), WireError> {
        match (self.halted)() {
            Some(halt) => Err(WireError::Halted(halt)),
            None => Ok(()),
        }
    }

    /// How long one blocking step may wait: a slice, or less when the deadline is nearer.
    fn slice(&self) -> Duration {
        self.deadline
            .saturating_duration_since(Instant::now())
            .clamp(Duration::from_micros(100), SLICE)
    }
}

/// How a network host call failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum WireError {
    /// Refused or failed with a host-API code and reason; `detail` names the refused part (a
    /// sanitized URL, a header name), never a value, a body or a response.
    Refused { refusal: Refusal, detail: String },
    /// The call's budget ended it.
    Halted(Halt),
}

impl WireError {
    pub(crate) fn invalid(reason: &'static str, detail: impl Into<String>) -> WireError {
        WireError::Refused {
            refusal: Refusal::invalid(reason),
            detail: bounded(detail.into()),
        }
    }

    pub(crate) fn denied(reason: &'static str, detail: impl Into<String>) -> WireError {
        WireError::Refused {
            refusal: Refusal::denied(reason),
            detail: bounded(detail.into()),
        }
    }

    pub(crate) fn failed(reason: &'static str, detail: impl Into<String>) -> WireError {
        WireError::Refused {
            refusal: Refusal::failed(reason),
            detail: bounded(detail.into()),
        }
    }
}

/// A refusal of the policy, under the host-API code its cause belongs to: what the grant does
/// not allow is denied, a malformed request is invalid, a lookup that found nothing failed.
impl From<NetError> for WireError {
    fn from(error: NetError) -> WireError {
        let reason = error.code().as_str();
        let detail = error.detail().to_owned();
        match error.code() {
            NetErrorCode::SchemeDenied
            | NetErrorCode::UserinfoDenied
            | NetErrorCode::MethodDenied
            | NetErrorCode::NotInManifest
            | NetErrorCode::NotGranted
            | NetErrorCode::AddressDenied
            | NetErrorCode::HeaderDenied => WireError::denied(reason, detail),
            NetErrorCode::ResolveFailed => WireError::failed(reason, detail),
            _ => WireError::invalid(reason, detail),
        }
    }
}

/// Longest detail kept, in bytes, control characters dropped.
const DETAIL_CAP: usize = 200;

fn bounded(detail: String) -> String {
    let mut detail: String = detail.chars().filter(|c| !c.is_control()).collect();
    if detail.len() > DETAIL_CAP {
        let mut end = DETAIL_CAP;
        while !detail.is_char_boundary(end) {
            end -= 1;
        }
        detail.truncate(end);
    }
    detail
}
