//! The call boundary: one tool call of a loaded guest, from its input to its outcome.
//!
//! **Trusts** the guest as far as the compiled-code boundary checked it (it imports only the
//! `yoi:tool` functions, or nothing for a component) and nothing more: every number the guest
//! passes, every byte it writes, how long it runs and how much it grows are hostile. The input
//! comes from the host's caller (a model) and is untrusted too.
//!
//! **Guarantees** to the registry, which hands the outcome to the host: the call's budget (one
//! deadline and cancel token, `budget`, `cancel`) starts before any work of the call and covers
//! all of it, the input check (`input`, `schema`, `schema_bound`) included; the guest runs in a
//! fresh store (`run`) whose limiter (`host`) holds every memory and table under the call's
//! `limits`, and whose epoch callback stops it at the deadline or on cancel; the imports
//! (`imports`) check sign, bounds and wrap-around before touching memory and the output cap
//! before copying, and never block; a failure is classified by its type, never its text
//! (`classify`); what comes back passed the output contract (`output`, and for components the
//! bounded read of `component`), or is an [`Error`](crate::Error) with a stable code.
//!
//! `granted` is the store-side glue of the host interfaces (`host_api`): each host call inside
//! the call's budget.
//!
//! `seam` is the only place the kit's self-test can reach into a call (see its doc).

mod budget;
mod cancel;
mod classify;
pub(crate) mod component;
mod granted;
mod host;
mod imports;
mod input;
mod limits;
mod output;
mod run;
mod schema;
mod schema_bound;

// The call's joint with the kit's self-test: the real behaviour in a host's build; the mutant
// build compiles the self-test's version of the same items instead.
#[cfg(not(feature = "mutants"))]
pub(crate) mod seam;
#[cfg(feature = "mutants")]
#[path = "../mutants/call.rs"]
pub(crate) mod seam;

pub(crate) use budget::Budget;
pub use cancel::CancelToken;
pub(crate) use classify::over_error;
pub(crate) use granted::linker as host_api_linker;
pub(crate) use host::HostState;
pub(crate) use imports::linker;
pub(crate) use input::LoadedTool;
pub use limits::Limits;
pub(crate) use output::parse as parse_output;
pub use output::ToolOutput;
pub(crate) use run::{run, Call, Guest};
pub use run::{CallOutcome, HostCallCounts};
pub(crate) use schema::{compile_with as compile_schema, Drafts};
pub(crate) use seam::Seam;
