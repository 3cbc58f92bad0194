//! The reference runtime of toolcage: one plugin tool call in a no-authority wasmtime sandbox,
//! speaking guest ABI `yoi-plugin-wasm-1` (core modules) and world `yoi:plugin/tool@1.0.0`
//! (components), chosen by the package's manifest.
//!
//! A host builds one [`Runtime`], loads each plugin package with the digest it pinned when it
//! resolved the plugin, and calls tools. Every call gets a fresh instance in a fresh store, runs
//! under a wall-clock deadline, a cancel token and memory/table/size bounds, and comes back
//! either as a [`ToolOutput`] or as an [`Error`] with a stable code. The guest can import only
//! the five `yoi:tool` functions (plus `diagnostic_write`): no files, environment, network or
//! clock. The normative text is `docs/SPEC.md`.
//!
//! ```no_run
//! use toolcage_runtime::{CallOptions, Runtime, Config};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let runtime = Runtime::new(Config::default())?;
//! let pin = "sha256:0000000000000000000000000000000000000000000000000000000000000000".parse()?;
//! let plugin = runtime.load("plugins/echo".as_ref(), Some(&pin))?;
//! let outcome = plugin.call("echo", r#"{"text":"hi"}"#, &CallOptions::default());
//! match outcome.result {
//!     Ok(output) => println!("{}", output.summary),
//!     Err(error) => println!("{}: {}", error.code(), error.message()),
//! }
//! # Ok(()) }
//! ```
//!
//! Hosts that keep a model-facing history use [`ToolRegistry`]: built-in and plugin tools behind
//! one interface, results appended to a [`History`] by the same code for both.

// One folder per trust boundary, each `mod.rs` saying what it trusts and what it guarantees to
// the next: a package's bytes become a verified package, its module compiled code, a call's
// input an outcome; the registry is what the host holds; every failure is an `error::Error`.
mod call;
mod compiled;
mod error;
mod host_api;
// Doors for the fuzz targets only (`fuzz/`, crate `toolcage-fuzzing`): not API.
#[doc(hidden)]
pub mod fuzzing;
mod package;
mod registry;

// The kit's self-test (mutant build only): the switch, and each boundary's seam in its mutant
// form, mounted by the boundary in place of its own `seam.rs`. Nothing else names it.
#[cfg(feature = "mutants")]
mod mutants;

pub use call::{CallOutcome, CancelToken, HostCallCounts, Limits, ToolOutput};
pub use compiled::{CacheKey, CacheSource, EngineConfig};
pub use error::{is_unsafe_char, sanitize, Error, ErrorCode, Phase, ToolErrorKind};
pub use host_api::{FsGrant, FsOperation, Grant, Grants, GrantsError};
pub use package::{Digest, Manifest, ParseDigestError, Permission, Profile, ToolSpec, ABI, WORLD};
pub use package::{HostApi, Target};
#[cfg(feature = "mutants")]
pub use registry::Mutant;
pub use registry::{
    CallOptions, Config, DiagnosticSink, History, HistoryEntry, Plugin, RegistryError, Runtime,
    Tool, ToolRegistry, ToolResult,
};

/// The policy of the network host APIs (`yoi:host/request`, `yoi:host/websocket`): everything
/// decided before a byte leaves the host. The normative text is docs/SPEC.md section 15.
pub mod net {
    pub use crate::host_api::net::{
        check_address, check_headers, check_target, checked_addresses, classify, parse_url,
        AddressClass, CheckedAddrs, HeaderEntry, Host, Interface, IpRange, Method, NetError,
        NetErrorCode, NetUrl, Permit, Resolver, Scheme, Side, SystemResolver, TableResolver,
        Target, TargetSpec, HEADER_COUNT_CAP, HEADER_NAME_CAP, HEADER_VALUE_CAP, URL_CAP,
    };
}
