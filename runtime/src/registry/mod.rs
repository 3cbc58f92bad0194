//! The registry boundary: what the host holds and calls. [`Runtime`] (built once from a
//! [`Config`], shared by every load and call), [`Plugin`] (one package loaded with the digest
//! the host pinned), and [`ToolRegistry`] (built-in and plugin tools behind one interface, with
//! one path from any tool's reply into the model's [`History`]).
//!
//! **Trusts** the host: its configuration, its pins, its limits, its cache key. Everything a
//! plugin brings goes through the boundaries below before the registry keeps it.
//!
//! **Guarantees to the host**: a plugin is returned only after its package was read and hashed
//! again (cache hits included) and its digest matched the pin before any of it was compiled
//! (`load`); compiled guests, parsed manifests and tool schemas are kept by the hash of their
//! content, never by path or plugin id (`runtime`, `prepare`); a call's budget starts in
//! [`Plugin::call`] and covers the whole call (`plugin`); every failure comes back as an
//! [`Error`](crate::Error) with a stable code, its message bounded, never as a panic; guest
//! diagnostics go to the operator's sink, never into a tool result; no thread outlives a
//! `Runtime` (the ticker is joined on drop).

mod config;
mod load;
mod plugin;
mod prepare;
mod runtime;
mod tool;

// The registry's joint with the kit's self-test: the real behaviour in a host's build; the
// mutant build compiles the self-test's version of the same items instead.
#[cfg(not(feature = "mutants"))]
mod seam;
#[cfg(feature = "mutants")]
#[path = "../mutants/registry.rs"]
mod seam;

pub use config::{CallOptions, Config, DiagnosticSink};
pub use plugin::Plugin;
pub use runtime::Runtime;
#[cfg(feature = "mutants")]
pub use seam::Mutant;
pub use tool::{History, HistoryEntry, RegistryError, Tool, ToolRegistry, ToolResult};
