//! toolcage-selftest: the kit proving itself against the reference runtime, and the glue that
//! puts the reference runtime under the kit.
//!
//! [`ReferenceRuntime`] lets the kit judge `toolcage_runtime` in-process, as hosts build it; the
//! same runtime is judged through its process adapter (`toolcage-runtime run`, crate
//! `toolcage-cli`) by `tests/conformance.rs`. The kit's own teeth: [`mutants`] runs the corpus
//! against the runtime's mutants ([`mutant_runtime`], a separate build of the same sources), each
//! of which must be caught; [`fuzz`] (with [`abi_family`]'s guests) generates modules and checks
//! every outcome; [`differential`] runs the same modules through other runtimes' process
//! adapters beside the reference and reports every disagreement. The workspace's integration
//! tests that drive all of this live in the root package (`tests/`).
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
