//! Layer 4, the judge: verdicts and failures, whether an answer meets its case, the universal
//! checks every error must pass, the time bound of a case that must stop its guest, and what a
//! runtime's `describe` lets a verdict rest on.
//!
//! Pure: it decides from a case and an answer, and runs nothing, so every runtime is judged by
//! the same code. Imports the case model and the runtime seam's types (an answer that is not
//! one is an `AdapterFailure`); never the runner or the reports.

pub mod answer;
pub mod confinement;
pub mod declared;
pub mod network;
pub mod time;
pub mod universal;
pub mod verdict;
