//! Layer 5, the runner: runs cases against a runtime and judges each answer. One case (describe,
//! build, send, judge, apply the expectations file), a suite of them in parallel, the same as
//! libtest-mimic trials, the timing of a case that must stop its guest (measured here, bounded by
//! the judge), and the disk-cache cases' attack on a cache directory before the judged request.
//!
//! Imports every layer below (model, package, runtime, judge); only the reports import it.

pub mod case;
pub mod disk_cache;
mod network;
pub mod suite;
pub mod timing;
pub mod trials;
