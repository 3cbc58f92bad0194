//! Layer 5, the runner: runs cases against a runtime and judges each answer. One case (describe,
//! build, send, judge, apply the expectations file), a suite of them in parallel, the same as
//! libtest-mimic trials, the timing of a case that must stop its guest (measured here, bounded by
//! the judge), the disk-cache cases' attack on a cache directory before the judged request, and the
//! network cases' servers (started per case, watched for what reached them).
//!
//! Imports every layer below (model, package, runtime, judge); only the reports import it.

pub mod case;
pub mod disk_cache;
pub mod network;
pub mod suite;
pub mod timing;
pub mod trials;
