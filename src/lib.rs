//! toolcage: the glue between the reference runtime and the conformance kit, and the owner of
//! the workspace's integration tests (`tests/`).
//!
//! [`ReferenceRuntime`] lets the kit judge `toolcage_runtime` in-process; the same runtime is
//! judged through its process adapter (`toolcage-runtime run`) by `tests/conformance.rs`.
//! [`mutants`] runs the corpus against the runtime's mutants, so the kit proves its own teeth.
#![deny(missing_docs)]

pub mod fuzz;
pub mod mutants;
mod reference;

pub use reference::{apply as apply_limit_overrides, ReferenceRuntime};
