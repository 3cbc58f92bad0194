//! toolcage: the glue between the reference runtime and the conformance kit, and the owner of
//! the workspace's integration tests (`tests/`).
//!
//! [`ReferenceRuntime`] lets the kit judge `toolcage_runtime` in-process, as hosts build it; the
//! same runtime is judged through its process adapter (`toolcage-runtime run`, crate
//! `toolcage-cli`) by `tests/conformance.rs`. [`mutants`] runs the corpus against the runtime's
//! mutants ([`mutant_runtime`], a separate build of the same sources), so the kit proves its own
//! teeth.
#![deny(missing_docs)]

// The runtime the host-side modules are compiled against ([`mutant_runtime`] has its own).
use toolcage_runtime as rt;

#[cfg(feature = "fuzz")]
pub mod abi_family;
#[cfg(feature = "fuzz")]
pub mod differential;
#[cfg(feature = "fuzz")]
pub mod fuzz;
#[cfg(feature = "mutants")]
pub mod mutant_runtime;
#[cfg(feature = "mutants")]
pub mod mutants;
mod reference;

pub use reference::{apply as apply_limit_overrides, ReferenceRuntime};
