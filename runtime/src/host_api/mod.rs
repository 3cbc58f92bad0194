//! The host's grant-bound interfaces, `yoi:host/{fs,request,websocket}@1.0.0` (docs/SPEC.md
//! section 14): the grant model, the import check, the linker and the fs operations.
//!
//! **Trusts** the host's grants (host configuration) and the package as the package boundary
//! verified it; every request a guest sends through these interfaces is hostile.
//!
//! **Guarantees** to the compiled-code and call boundaries: `grants` is host configuration
//! (what the host gives which exact package), `bind` meets it with a manifest at load (a grant
//! for another id, version or digest gives nothing), `imports` decides which host imports a
//! component may have (exactly the granted instances at their exact types), `fs` does the file
//! work beneath one directory handle opened at load, never by checking a name and opening it
//! later; `net` is the network policy (URL matching, address policy, resolver, headers) the
//! request and websocket interfaces will use. The store-side glue (the linker's functions, each
//! run inside the call's budget) is the call boundary's `call::granted`. This folder imports
//! only `package` and `error`.

pub(crate) mod bind;
pub(crate) mod fs;
mod grants;
pub(crate) mod imports;
pub(crate) mod net;

pub(crate) use crate::package::HostApi;
pub(crate) use bind::{bind, Granted};
pub use grants::{FsGrant, FsOperation, Grant, Grants, GrantsError};
pub(crate) use imports::{allowed, refused_detail};

use crate::error::ErrorCode;

/// Reads a request's JSON as the object `T` describes, and only as an object: serde's derived
/// structs also accept an array read by field position (`["GET","http://..."]`), which is not
/// the interface's JSON and would let a request through that no one wrote as one.
pub(crate) fn request_object<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if !value.is_object() {
        return Err("the request is not a JSON object".into());
    }
    serde_json::from_value(value).map_err(|e| e.to_string())
}

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
