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

// The kit is a stack without circles; each layer imports only the layers below it, and its
// `mod.rs` says what it owns: `model` (1, the case model) < `package` (2, a case's package on
// disk) < `runtime` (3, the runtimes under test) < `judge` (4, verdicts) < `runner` (5) <
// `report` (6). The public API is the re-exports below, wherever a name lives.
mod judge;
mod model;
mod package;
pub mod report;
mod runner;
mod runtime;
pub mod servers;

pub use judge::answer::{judge, judge_stopped};
pub use judge::declared::{Evidence, FixedLimit, EVIDENCE};
pub use judge::time::{judge_time, time_bound, Calibration, TIME_SLACK_PER_CALL};
pub use judge::universal::{truncate, universal_checks};
pub use judge::verdict::{Failure, FailureClass, FailureKind, Misreport, Verdict, Wrong};
pub use model::case::{Case, Expectation, ExpectedOutcome};
pub use model::corpus::{Expectations, Guarantee, GuaranteeClass, Suite};
pub use model::error::{KitError, KitErrors};
pub use model::fixture::{FsEntry, FsSpec, GrantSpec, HOST_API_FS};
pub use model::header::{header_text, parse_case};
pub use model::net::{
    ExpectNet, HeaderExpectation, NetSpec, NetTargetSpec, PortSpec, HOST_API_NET,
};
pub use model::protocol::{
    Call, Configurable, DeclaredLimit, ErrorBody, LimitOverrides, Outcome, Profile, Request,
    Response, RuntimeInfo, Status, PROTOCOL_VERSION,
};
pub use model::spec::{CacheAttack, PackageSpec, ZipEntrySpec, ZipSpec, PACKAGE_ZIP};
pub use model::vocab::{
    lookup as lookup_code, CodeInfo, DEFAULT_MESSAGE_BYTES, TRAP_KINDS, VOCABULARY,
};
pub use package::archive::{write_case_zip, zip_package, ZipError};
pub use package::build::{build as build_package, BuiltPackage};
pub use package::digest::package_digest;
pub use package::fixture::{attach as attach_fixture, Fixture};
pub use runner::case::{describe, fit_case, run_case, CaseResult};
pub use runner::disk_cache::{forge_entry, PLANTED_SUMMARY};
pub use runner::network::{start as start_network, NetRun};
pub use runner::suite::{run_suite, select, RunOptions, RunReport};
pub use runner::trials::Harness;
pub use runtime::process::{ProcessRuntime, STDERR_CAP, STDOUT_CAP};
pub use runtime::seam::{AdapterFailure, ConformanceRuntime};
pub use runtime::serve::SERVE;
