//! The oracles behind the cargo-fuzz targets of `fuzz/`: one function per attack surface, each
//! taking the fuzzer's bytes, calling the runtime's own code, and panicking on any broken
//! invariant (libFuzzer reports a panic as a crash). A target in `fuzz/fuzz_targets/` is one line
//! calling one of these; `tests/replay.rs` calls the same functions on the seed corpora and the
//! checked-in regressions, so `cargo test` keeps every oracle compiling and green on stable.
//!
//! The runtime's private parsers are reached through `toolcage_runtime::fuzzing`, a hidden door
//! that exists for this crate only; whole loads and calls go through the public API.
#![deny(missing_docs)]

pub mod archive;
pub mod call;
pub mod differential;
pub mod manifest;
pub mod net;
pub mod oracle;
pub mod output;
pub mod package_dir;
pub mod seeds;

/// A target's oracle: panics on any broken invariant.
pub type Oracle = fn(&[u8]);

/// Every target: its name (the file under `fuzz/fuzz_targets/` and the corpus directory) and
/// its oracle.
pub const TARGETS: &[(&str, Oracle)] = &[
    ("archive", archive::check),
    ("package_dir", package_dir::check),
    ("manifest", manifest::check),
    ("output", output::check),
    ("core_call", call::core),
    ("component_call", call::component),
    ("net", net::check),
    ("differential", differential::check_against_reference),
];
