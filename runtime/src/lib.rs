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

mod archive;
mod budget;
mod cache;
mod cancel;
mod component;
mod digest;
mod engine;
mod error;
#[doc(hidden)]
pub mod fuzzing;
mod host;
mod limits;
mod link;
mod mutants;
mod output;
mod package;
mod runtime;
mod sanitize;
mod schema;
mod schema_bound;
mod tool;
mod trust;
mod walk;

pub use cache::{CacheKey, CacheSource};
pub use cancel::CancelToken;
pub use digest::{Digest, ParseDigestError};
pub use engine::EngineConfig;
pub use error::{sanitize, Error, ErrorCode, Phase, ToolErrorKind};
pub use limits::Limits;
#[cfg(feature = "mutants")]
pub use mutants::Mutant;
pub use output::ToolOutput;
pub use package::{Manifest, Permission, Profile, ToolSpec, ABI, WORLD};
pub use runtime::{
    CallOptions, CallOutcome, Config, DiagnosticSink, HostCallCounts, Plugin, Runtime,
};
pub use sanitize::is_unsafe_char;
pub use tool::{History, HistoryEntry, RegistryError, Tool, ToolRegistry, ToolResult};
