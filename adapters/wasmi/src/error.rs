//! Structured errors: the SPEC's stable codes and phases, and messages made safe to show a model.

use serde_json::{Map, Value};

/// The most a single string inside `details` keeps (SPEC §9).
const DETAIL_STRING_CAP: usize = 256;
/// The most items a list inside `details` keeps (SPEC §9).
pub const DETAIL_LIST_CAP: usize = 16;
/// The most a message keeps before the per-request `message_bytes` bound applies.
const MESSAGE_HARD_CAP: usize = 4096;
/// The most `details` may take serialized as compact JSON (SPEC §9).
const DETAILS_BYTES: usize = 4096;

macro_rules! codes {
    ($($variant:ident => $name:literal, $phase:literal;)*) => {
        /// A stable error code of SPEC §9.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Code { $($variant),* }

        impl Code {
            /// The wire name.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $name),* }
            }

            /// The phase SPEC §9 gives the code.
            pub fn phase(self) -> &'static str {
                match self { $(Code::$variant => $phase),* }
            }
        }
    };
}

codes! {
    ManifestInvalid => "manifest_invalid", "load";
    PathEscape => "path_escape", "load";
    PackageTooLarge => "package_too_large", "load";
    ModuleMissing => "module_missing", "load";
    ModuleTooLarge => "module_too_large", "load";
    ModuleInvalid => "module_invalid", "load";
    DigestMismatch => "digest_mismatch", "load";
    AbiUnsupported => "abi_unsupported", "load";
    ImportDenied => "import_denied", "link";
    ExportMissing => "export_missing", "link";
    ExportInvalid => "export_invalid", "link";
    ToolUnknown => "tool_unknown", "input";
    InputTooLarge => "input_too_large", "input";
    InputMalformed => "input_malformed", "input";
    InputSchemaMismatch => "input_schema_mismatch", "input";
    Timeout => "timeout", "run";
    Cancelled => "cancelled", "run";
    FuelExhausted => "fuel_exhausted", "run";
    MemoryLimit => "memory_limit", "run";
    TableLimit => "table_limit", "run";
    StackOverflow => "stack_overflow", "run";
    Trap => "trap", "run";
    AbiViolation => "abi_violation", "run";
    ResourceExhausted => "resource_exhausted", "run";
    OutputMissing => "output_missing", "output";
    OutputTooLarge => "output_too_large", "output";
    OutputMalformed => "output_malformed", "output";
    OutputSchemaMismatch => "output_schema_mismatch", "output";
}

/// A failure of a load or a call: `{code, phase, message, details}` on the wire.
#[derive(Clone, Debug)]
pub struct Error {
    pub code: Code,
    message: String,
    details: Map<String, Value>,
}

impl Error {
    pub fn new(code: Code, message: impl AsRef<str>) -> Error {
        Error {
            code,
            message: sanitize(message.as_ref(), MESSAGE_HARD_CAP),
            details: Map::new(),
        }
    }

    /// Adds a detail, bounded as SPEC §9 requires whatever its origin.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Error {
        self.details.insert(key.to_owned(), bound(value.into()));
        self
    }

    /// The wire form, with the message cut to `message_bytes`.
    pub fn to_json(&self, message_bytes: usize) -> Value {
        serde_json::json!({
            "code": self.code.as_str(),
            "phase": self.code.phase(),
            "message": sanitize(&self.message, message_bytes.max(1)),
            "details": fit_details(self.details.clone()),
        })
    }
}

fn json_len(details: &Map<String, Value>) -> usize {
    serde_json::to_string(details).map_or(usize::MAX, |s| s.len())
}

/// Drops the last item of the last non-empty list (depth first); false when there is none.
fn drop_trailing_item(value: &mut Value) -> bool {
    match value {
        Value::Array(items) => {
            if items.iter_mut().rev().any(drop_trailing_item) {
                return true;
            }
            items.pop().is_some()
        }
        Value::Object(map) => map.values_mut().rev().any(drop_trailing_item),
        _ => false,
    }
}

fn shorten_strings(value: &mut Value, cap: usize) {
    match value {
        Value::String(s) => *s = sanitize(s, cap),
        Value::Array(items) => items.iter_mut().for_each(|v| shorten_strings(v, cap)),
        Value::Object(map) => map.values_mut().for_each(|v| shorten_strings(v, cap)),
        _ => {}
    }
}

/// Escaping can make 256-byte strings far longer as JSON, so a detail that would pass 4 KiB
/// loses trailing list items first (a normative list then names its first entries, in order),
/// then has its strings shortened, until it fits (SPEC §9).
fn fit_details(details: Map<String, Value>) -> Map<String, Value> {
    let mut value = Value::Object(details);
    let fits = |v: &Value| match v {
        Value::Object(map) => json_len(map) <= DETAILS_BYTES,
        _ => true,
    };
    while !fits(&value) && drop_trailing_item(&mut value) {}
    let mut cap = DETAIL_STRING_CAP;
    while !fits(&value) && cap > 1 {
        cap /= 2;
        shorten_strings(&mut value, cap);
    }
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn bound(value: Value) -> Value {
    match value {
        Value::String(s) => Value::String(sanitize(&s, DETAIL_STRING_CAP)),
        Value::Array(items) => {
            Value::Array(items.into_iter().take(DETAIL_LIST_CAP).map(bound).collect())
        }
        Value::Object(map) => Value::Object(
            map.into_iter()
                .take(DETAIL_LIST_CAP)
                .map(|(k, v)| (sanitize(&k, DETAIL_STRING_CAP), bound(v)))
                .collect(),
        ),
        other => other,
    }
}

/// Controls (C0, DEL, C1), line and paragraph separators and bidirectional formatting
/// characters could make text read differently to a model or an operator than what it says, so
/// no message or detail carries them (SPEC §9 lists the set).
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// Removes unsafe characters and cuts to at most `max_bytes` on a character boundary, marking
/// a cut with `…` (which counts toward the bound) when the bound has room for it.
pub fn sanitize(text: &str, max_bytes: usize) -> String {
    const MARK: &str = "…";
    let clean: String = text.chars().filter(|c| !is_unsafe(*c)).collect();
    if clean.len() <= max_bytes {
        return clean;
    }
    let marked = max_bytes >= MARK.len();
    let mut cut = if marked {
        max_bytes - MARK.len()
    } else {
        max_bytes
    };
    while !clean.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut out = clean[..cut].to_owned();
    if marked {
        out.push_str(MARK);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_strips_controls_and_bidi_and_cuts_on_a_boundary() {
        assert_eq!(sanitize("a\u{7}b\u{202E}c\u{85}", 100), "abc");
        assert_eq!(sanitize("a\u{200F}b\u{2028}c\u{61C}d\u{2069}", 100), "abcd");
        let cut = sanitize(&"é".repeat(100), 10);
        assert!(cut.len() <= 10 && cut.ends_with('…'), "{cut}");
        assert_eq!(
            sanitize("abcdef", 2),
            "ab",
            "too small for the mark: cut without it"
        );
    }

    #[test]
    fn details_fit_four_kib_by_dropping_trailing_items_first() {
        let names: Vec<String> = (0..16).map(|_| "\"".repeat(300)).collect();
        let error = Error::new(Code::ImportDenied, "denied")
            .with("imports", names)
            .with("count", 17u64);
        let json = error.to_json(100);
        let details = json["details"].as_object().unwrap();
        assert!(json_len(details) <= DETAILS_BYTES);
        let kept = details["imports"].as_array().unwrap().len();
        assert!((1..16).contains(&kept), "{kept}");
        assert_eq!(details["count"], 17);
    }
}
