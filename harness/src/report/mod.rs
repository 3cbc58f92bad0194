//! Renders a run for people (a terse table by guarantee area, one rerun command per failure) and
//! for CI (JSON with every case's expected and observed outcome; JUnit XML through quick-junit).
//! Every text that came from the runtime under test is passed through [`visible`] first: the
//! reports are read in terminals and CI pages, and the runtime is not trusted.
//!
//! On top of the kit: it reads a run's report (the runner's), its verdicts (the judge's) and the
//! runtime's text (made visible by `runtime::escape`); nothing below imports it.

mod console;
mod json;
mod junit;
mod markdown;
mod repeat;
mod summary;

pub use crate::runtime::escape::visible;
pub use console::console;
pub use json::json;
pub use junit::junit;
pub use markdown::markdown;
pub use repeat::{changed, repeat_console, repeat_json, verdict_key, Changed, RETRIES};
pub use summary::{counts, safety, shell_word, Counts, SafetyVerdict, Standing, KIT_VERSION};
