//! Layer 3, the runtimes under test: the one seam a runtime implements (`ConformanceRuntime`) and
//! the ways it fails to answer (`AdapterFailure`), the same seam over a subprocess speaking
//! docs/ADAPTER.md, the watch for guest work left running, and the escaping of whatever text a
//! runtime sends back, which is untrusted.
//!
//! Imports the case model only (the protocol's documents): talking to a runtime needs no package
//! builder and no judge.

pub mod escape;
pub mod liveness;
pub mod process;
pub mod seam;
pub mod serve;
