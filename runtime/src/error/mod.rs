//! The errors boundary: every failure of a load or a tool call as one value, a stable code,
//! its phase, a bounded message that is safe to show a model, and bounded details.
//!
//! **Trusts nothing** it is given: a message or detail may carry text from the guest, the module
//! or the package. **Guarantees** to every boundary above and to the host: the codes, their
//! phases and their one-line meanings come from one table (`error_codes!`), in the manner of
//! wasmtime's `trap_encoding.rs`, so the enum, `as_str`, `phase` and the spec's table cannot
//! drift apart; every message and detail string passes `sanitize` (control, bidirectional and
//! other unsafe characters removed, cut at the cap) when it is built; details are bounded in
//! count and size.

mod sanitize;

pub(crate) use sanitize::sanitize_lines;
pub use sanitize::{is_unsafe_char, sanitize};
use serde_json::{Map, Value};
use std::fmt;

/// The stage of a call at which a failure belongs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Reading, verifying and compiling the plugin package.
    Load,
    /// Checking the module's imports and exports against ABI v1.
    Link,
    /// Checking the host's tool input before any guest code runs.
    Input,
    /// Instantiating and running the guest.
    Run,
    /// Checking what the guest wrote against the output contract.
    Output,
}

impl Phase {
    /// The stable name used on the wire and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Load => "load",
            Phase::Link => "link",
            Phase::Input => "input",
            Phase::Run => "run",
            Phase::Output => "output",
        }
    }
}

/// How a host's tool-result path presents a failure to the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ToolErrorKind {
    /// The caller (the model) sent something the tool refuses: it can fix its call.
    InvalidArgument,
    /// The tool itself failed: retrying the same call will not help.
    ExecutionFailed,
}

macro_rules! error_codes {
    ($( $(#[doc = $doc:literal])* $variant:ident = $code:literal, $phase:ident; )*) => {
        /// A stable error code. The string form never changes once released; the same cause gets
        /// the same code whatever the engine.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl ErrorCode {
            /// Every code, in the order of the table.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The stable snake_case name.
            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code,)* }
            }

            /// The phase this code belongs to, whatever moment it is detected at.
            pub fn phase(self) -> Phase {
                match self { $(ErrorCode::$variant => Phase::$phase,)* }
            }

            /// The one-line meaning, as written in the spec's table.
            pub fn meaning(self) -> &'static str {
                match self { $(ErrorCode::$variant => concat!($($doc),*).trim_ascii(),)* }
            }

            /// Parses the stable name back; `None` for names not in the table.
            pub fn from_name(name: &str) -> Option<ErrorCode> {
                match name { $($code => Some(ErrorCode::$variant),)* _ => None }
            }
        }
    };
}

error_codes! {
    /// `plugin.toml` is missing, too large, not TOML, has unknown keys or invalid values.
    ManifestInvalid = "manifest_invalid", Load;
    /// A package path escapes the package: `..`, absolute, a symlink or a special file.
    PathEscape = "path_escape", Load;
    /// The package holds more files or bytes than the runtime reads.
    PackageTooLarge = "package_too_large", Load;
    /// A package file or directory exists but cannot be read (permission denied, an I/O error).
    PackageUnreadable = "package_unreadable", Load;
    /// The package archive is not a stored zip of the package profile: malformed, compressed, encrypted, its headers disagree, or its entries overlap, leave gaps or collide.
    PackageInvalid = "package_invalid", Load;
    /// Reading the package took longer than the load's time budget.
    LoadTimeout = "load_timeout", Load;
    /// The module named by `runtime.entry` does not exist.
    ModuleMissing = "module_missing", Load;
    /// The module file is larger than the module size cap.
    ModuleTooLarge = "module_too_large", Load;
    /// The module is not a valid WebAssembly 2.0 core module.
    ModuleInvalid = "module_invalid", Load;
    /// The package's bytes do not hash to the pinned digest.
    DigestMismatch = "digest_mismatch", Load;
    /// The manifest asks for a runtime kind or ABI this runtime does not implement.
    AbiUnsupported = "abi_unsupported", Load;
    /// The module imports something outside the ABI's allowlist, or with the wrong type.
    ImportDenied = "import_denied", Link;
    /// The module lacks a required export (`memory` or `yoi_tool_call`).
    ExportMissing = "export_missing", Link;
    /// A required export has the wrong kind or type.
    ExportInvalid = "export_invalid", Link;
    /// The called tool is not declared by the plugin.
    ToolUnknown = "tool_unknown", Input;
    /// The tool input is larger than the input cap.
    InputTooLarge = "input_too_large", Input;
    /// The tool input is not JSON.
    InputMalformed = "input_malformed", Input;
    /// The tool input does not match the tool's `input_schema`.
    InputSchemaMismatch = "input_schema_mismatch", Input;
    /// The call ran past its wall-clock deadline.
    Timeout = "timeout", Run;
    /// The call was cancelled by the host.
    Cancelled = "cancelled", Run;
    /// The call used up its instruction budget.
    FuelExhausted = "fuel_exhausted", Run;
    /// The guest's memory would exceed the memory cap.
    MemoryLimit = "memory_limit", Run;
    /// The guest's tables would exceed the table cap or count.
    TableLimit = "table_limit", Run;
    /// The guest exhausted its call stack.
    StackOverflow = "stack_overflow", Run;
    /// The guest trapped.
    Trap = "trap", Run;
    /// The guest broke the ABI in a way that fails the call (an out-of-bounds output write).
    AbiViolation = "abi_violation", Run;
    /// The runtime has no free instance slot for the call right now.
    ResourceExhausted = "resource_exhausted", Run;
    /// A host API call asked for what the grant does not allow: an operation not granted, a path that leaves the granted root, a symlink, a hard link or a special file.
    HostApiDenied = "host_api_denied", Run;
    /// A host API call's request is malformed or over a bound: not the interface's JSON, an empty path, a NUL, a path over 4096 bytes, content over 64 KiB.
    HostApiInvalid = "host_api_invalid", Run;
    /// A granted host API operation failed in the host: no such file, not a directory, an I/O error.
    HostApiFailed = "host_api_failed", Run;
    /// The guest returned without writing any output.
    OutputMissing = "output_missing", Output;
    /// The guest tried to write more than the output cap.
    OutputTooLarge = "output_too_large", Output;
    /// The output is not UTF-8 JSON.
    OutputMalformed = "output_malformed", Output;
    /// The output is JSON but not `{"summary": string, "content"?: string|null}` within bounds.
    OutputSchemaMismatch = "output_schema_mismatch", Output;
}

impl ErrorCode {
    /// How the host presents this code: input errors are the caller's to fix.
    pub fn tool_error_kind(self) -> ToolErrorKind {
        match self.phase() {
            Phase::Input => ToolErrorKind::InvalidArgument,
            _ => ToolErrorKind::ExecutionFailed,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The most a message keeps before the per-call `message_bytes` bound is applied.
const MESSAGE_HARD_CAP: usize = 4096;
/// The most a single string inside `details` keeps.
const DETAIL_STRING_CAP: usize = 256;
/// The most items a list inside `details` keeps.
pub(crate) const DETAIL_LIST_CAP: usize = 16;
/// The most bytes `details` takes serialized as compact JSON.
pub(crate) const DETAILS_BYTES: usize = 4096;

/// A failure of a load or a call.
///
/// Messages and detail strings pass through [`sanitize`] when they are built, so no control
/// character and no unbounded text coming from a guest, a package or the host's input reaches
/// a model.
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    code: ErrorCode,
    message: String,
    details: Map<String, Value>,
}

impl Error {
    /// An error with `code` and `message`. The runtime builds its own failures so; hosts build
    /// the failures of their built-in [`Tool`](crate::Tool)s so, and the registry presents
    /// them to the model exactly as a plugin's.
    ///
    /// The code comes from the table (`docs/SPEC.md` §9), so what reaches a model's history is
    /// always a known, stable code, and its phase decides the presentation: `input_malformed`
    /// or `input_schema_mismatch` for arguments the model can fix (invalid argument), or a code
    /// whose meaning fits what happened (`timeout`, `cancelled`, `resource_exhausted`, ...) for
    /// an execution failure. The message is sanitized and bounded as every message is (no
    /// control characters, at most 4 KiB).
    ///
    /// ```
    /// use toolcage_runtime::{Error, ErrorCode, ToolErrorKind};
    /// let error = Error::new(ErrorCode::InputSchemaMismatch, "`q` must not be empty")
    ///     .with("field", "q");
    /// assert_eq!(error.tool_error_kind(), ToolErrorKind::InvalidArgument);
    /// assert_eq!(error.to_json()["details"]["field"], "q");
    /// ```
    pub fn new(code: ErrorCode, message: impl AsRef<str>) -> Error {
        Error {
            code,
            message: sanitize(message.as_ref(), MESSAGE_HARD_CAP),
            details: Map::new(),
        }
    }

    /// Adds a detail through the one details builder: strings sanitized and cut to 256 bytes,
    /// lists to 16 items, and the whole object kept within 4096 bytes of JSON by dropping the
    /// new value's trailing list items (then shortening its strings) until it fits.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Error {
        insert_bounded(
            &mut self.details,
            sanitize(key, DETAIL_STRING_CAP),
            bound_value(value.into()),
        );
        self
    }

    /// Applies the per-call message bound.
    pub(crate) fn bounded(mut self, message_bytes: usize) -> Error {
        self.message = sanitize(&self.message, message_bytes.max(1));
        self
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The phase of the code.
    pub fn phase(&self) -> Phase {
        self.code.phase()
    }

    /// A message safe to show a model: bounded, no control characters, no raw guest bytes.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Structured details; which keys are normative is written in `docs/SPEC.md`.
    pub fn details(&self) -> &Map<String, Value> {
        &self.details
    }

    /// How a host presents this error to the model.
    pub fn tool_error_kind(&self) -> ToolErrorKind {
        self.code.tool_error_kind()
    }

    /// The wire form: `{"code", "phase", "message", "details"}`.
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "code": self.code.as_str(),
            "phase": self.phase().as_str(),
            "message": self.message,
            "details": self.details,
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}

fn bound_value(value: Value) -> Value {
    match value {
        Value::String(s) => Value::String(sanitize(&s, DETAIL_STRING_CAP)),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .take(DETAIL_LIST_CAP)
                .map(bound_value)
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .take(DETAIL_LIST_CAP)
                .map(|(k, v)| (sanitize(&k, DETAIL_STRING_CAP), bound_value(v)))
                .collect(),
        ),
        other => other,
    }
}

fn json_len(details: &Map<String, Value>) -> usize {
    serde_json::to_string(details).map_or(usize::MAX, |s| s.len())
}

/// Inserts `value` under `key`, shrinking it until the details fit their total bound; a value
/// that cannot shrink enough is left out.
fn insert_bounded(details: &mut Map<String, Value>, key: String, value: Value) {
    details.insert(key.clone(), value);
    while json_len(details) > DETAILS_BYTES {
        let Some(value) = details.get_mut(&key) else {
            return;
        };
        if !shrink(value) {
            details.remove(&key);
            return;
        }
    }
}

/// Makes a value smaller by one step: a list loses its last item, an object its last key, a
/// string half its bytes. `false` when nothing is left to take.
fn shrink(value: &mut Value) -> bool {
    match value {
        Value::Array(items) => items.pop().is_some(),
        Value::Object(map) => {
            let last = map.keys().next_back().cloned();
            last.is_some_and(|k| map.remove(&k).is_some())
        }
        Value::String(s) if !s.is_empty() => {
            let half = s.len() / 2;
            *s = if half >= sanitize::CUT_MARK.len() {
                sanitize(s, half)
            } else {
                String::new()
            };
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "duplicate code {code}");
            assert_eq!(ErrorCode::from_name(code.as_str()), Some(*code));
            assert!(!code.meaning().is_empty());
        }
    }

    #[test]
    fn details_are_bounded() {
        let e = Error::new(ErrorCode::ImportDenied, "x").with(
            "imports",
            (0..40).map(|i| format!("m::{i}\u{7}")).collect::<Vec<_>>(),
        );
        let list = e.details()["imports"].as_array().unwrap();
        assert_eq!(list.len(), DETAIL_LIST_CAP);
        assert_eq!(list[0], "m::0");
    }

    #[test]
    fn details_stay_within_their_total_bound() {
        // Sixteen names of 300 double quotes: 256 bytes each after the cut, twice that once
        // escaped, so the list alone would be about 8 KiB of JSON.
        let names: Vec<String> = (0..20).map(|_| "\"".repeat(300)).collect();
        let e = Error::new(ErrorCode::ImportDenied, "x")
            .with("count", 20u64)
            .with("imports", names);
        let size = serde_json::to_string(e.details()).unwrap().len();
        assert!(size <= DETAILS_BYTES, "{size} bytes");
        assert_eq!(e.details()["count"], 20);
        let list = e.details()["imports"].as_array().unwrap();
        assert!(
            !list.is_empty() && list.len() < DETAIL_LIST_CAP,
            "{}",
            list.len()
        );
        assert!(list
            .iter()
            .all(|s| s.as_str().unwrap().len() <= DETAIL_STRING_CAP));
    }

    #[test]
    fn a_long_string_is_shortened_to_fit() {
        let mut e = Error::new(ErrorCode::Trap, "x");
        for key in [
            "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o",
        ] {
            e = e.with(key, "\\".repeat(200));
        }
        let size = serde_json::to_string(e.details()).unwrap().len();
        assert!(size <= DETAILS_BYTES, "{size} bytes");
        assert!(e.details().contains_key("a"));
    }
}
