//! The host's grant-bound interfaces, `yoi:host/{fs,request,websocket}@1.0.0` (docs/SPEC.md
//! section 14): the grant model, the import check, the linker and the fs operations.
//!
//! `grants` is host configuration (what the host gives which exact package), `bind` meets it
//! with a manifest at load, `imports` decides which host imports a component may have and links
//! them, `fs` does the file work beneath one directory handle. Every host call runs inside the
//! call's budget: on a worker the call waits for only until its deadline or a cancel.

mod bind;
mod fs;
mod grants;
mod imports;

pub(crate) use bind::{bind, Granted};
pub use grants::{FsGrant, FsOperation, Grant, Grants, GrantsError, HostApi, Target};
pub(crate) use imports::{allowed, linker, refused_detail};

use crate::error::ErrorCode;

/// Why a host call did not do what it was asked: a code of the host-API family and a stable
/// reason (docs/SPEC.md 14.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub code: ErrorCode,
    pub reason: &'static str,
}

impl Refusal {
    pub(crate) fn denied(reason: &'static str) -> Refusal {
        Refusal {
            code: ErrorCode::HostApiDenied,
            reason,
        }
    }

    pub(crate) fn invalid(reason: &'static str) -> Refusal {
        Refusal {
            code: ErrorCode::HostApiInvalid,
            reason,
        }
    }

    pub(crate) fn failed(reason: &'static str) -> Refusal {
        Refusal {
            code: ErrorCode::HostApiFailed,
            reason,
        }
    }
}
