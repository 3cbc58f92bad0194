//! toolcage-kit: the conformance kit for sandboxed WebAssembly plugin-tool runtimes.
//!
//! A corpus of adversarial guests (`corpus/**/*.wat`, each with a `;;!` TOML header naming the
//! guarantee it checks and the outcome a conforming runtime must produce) is run against a
//! runtime under test, and every answer is judged by the same code.
//!
//! - Implement [`ConformanceRuntime`] (two methods) for an in-process Rust runtime, or point
//!   [`ProcessRuntime`] at an adapter executable speaking `docs/ADAPTER.md`.
//! - Run the corpus with [`Harness`] (one `cargo test` trial per case) or [`run_suite`] (what
//!   `cargo xtask conformance` uses), and render the result with [`report`].
//!
//! Verdicts are pass, fail, skip (capability not declared), xfail (listed in an expectations
//! file with a reason) and xpass (listed but passed, which fails the run). A runtime that
//! crashes, hangs or prints garbage fails; it is never skipped. Problems with the corpus itself
//! are [`KitError`]s and fail the run too.
#![deny(missing_docs)]

mod archive;
mod case;
mod corpus;
mod declared;
mod disk_cache;
mod error;
mod escape;
mod fixtures;
mod harness;
mod judge;
mod liveness;
mod package;
mod process;
mod protocol;
pub mod report;
mod runner;
mod runtime;
mod timing;
mod vocab;

pub use archive::{write_case_zip, zip_package, ZipEntrySpec, ZipError, ZipSpec, PACKAGE_ZIP};
pub use case::{header_text, parse_case, Case, Expectation, ExpectedOutcome, PackageSpec};
pub use corpus::{Expectations, Guarantee, Suite};
pub use declared::{Evidence, FixedLimit, EVIDENCE};
pub use disk_cache::{forge_entry, CacheAttack, PLANTED_SUMMARY};
pub use error::{KitError, KitErrors};
pub use fixtures::{attach as attach_fixture, Fixture, FsEntry, FsSpec, GrantSpec, HOST_API_FS};
pub use harness::Harness;
pub use judge::{
    judge, judge_stopped, judge_time, time_bound, truncate, universal_checks, Calibration, Failure,
    FailureKind, Verdict, TIME_SLACK_PER_CALL,
};
pub use package::{build as build_package, package_digest, BuiltPackage};
pub use process::{ProcessRuntime, STDERR_CAP, STDOUT_CAP};
pub use protocol::{
    Call, Configurable, DeclaredLimit, ErrorBody, LimitOverrides, Outcome, Profile, Request,
    Response, RuntimeInfo, Status, PROTOCOL_VERSION,
};
pub use runner::{describe, run_case, run_suite, select, CaseResult, RunOptions, RunReport};
pub use runtime::{AdapterFailure, ConformanceRuntime};
pub use vocab::{lookup as lookup_code, CodeInfo, DEFAULT_MESSAGE_BYTES, TRAP_KINDS, VOCABULARY};
