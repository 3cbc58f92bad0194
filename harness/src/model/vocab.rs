//! The error-code vocabulary in one table, so the universal checks, the header validation and the
//! docs can never disagree about which codes exist, their phase, or their normative details keys.

/// Expands the single table below into the code list and its lookups (the wasmtime
/// `trap_encoding.rs` pattern: one table, every derived fact generated from it).
macro_rules! vocabulary {
    ($( $code:literal => $phase:literal $( [ $($key:literal),* ] )? ),* $(,)?) => {
        /// Every error code a conforming runtime may report, with its phase and the details keys
        /// a case may pin in `[expect] details`.
        pub const VOCABULARY: &[CodeInfo] = &[
            $( CodeInfo { code: $code, phase: $phase, details_keys: &[$($($key),*)?] } ),*
        ];
    };
}

vocabulary! {
    "manifest_invalid" => "load",
    "path_escape" => "load",
    "package_too_large" => "load",
    "package_unreadable" => "load",
    "package_invalid" => "load",
    "load_timeout" => "load",
    "module_missing" => "load",
    "module_too_large" => "load",
    "module_invalid" => "load",
    "digest_mismatch" => "load",
    "abi_unsupported" => "load",
    "import_denied" => "link" ["imports", "count"],
    "export_missing" => "link" ["export"],
    "export_invalid" => "link" ["export"],
    "tool_unknown" => "input",
    "input_too_large" => "input",
    "input_malformed" => "input",
    "input_schema_mismatch" => "input",
    "timeout" => "run",
    "cancelled" => "run",
    "fuel_exhausted" => "run",
    "memory_limit" => "run",
    "table_limit" => "run",
    "stack_overflow" => "run",
    "trap" => "run" ["trap"],
    "abi_violation" => "run",
    "resource_exhausted" => "run",
    "host_api_denied" => "run" ["interface", "operation", "reason"],
    "host_api_invalid" => "run" ["interface", "operation", "reason"],
    "host_api_failed" => "run" ["interface", "operation", "reason"],
    "output_missing" => "output",
    "output_too_large" => "output",
    "output_malformed" => "output",
    "output_schema_mismatch" => "output",
}

/// The values the normative `trap` details key may take.
pub const TRAP_KINDS: &[&str] = &[
    "unreachable",
    "memory_out_of_bounds",
    "table_out_of_bounds",
    "indirect_call_to_null",
    "bad_signature",
    "integer_overflow",
    "integer_divide_by_zero",
    "bad_conversion_to_integer",
    "null_reference",
    "array_out_of_bounds",
    "other",
];

/// One row of the vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeInfo {
    /// The stable snake_case code.
    pub code: &'static str,
    /// The phase every error with this code must report.
    pub phase: &'static str,
    /// The details keys whose values are normative (a case may compare them).
    pub details_keys: &'static [&'static str],
}

/// Looks a code up; `None` means the code is outside the vocabulary.
pub fn lookup(code: &str) -> Option<&'static CodeInfo> {
    VOCABULARY.iter().find(|info| info.code == code)
}

/// The default `message_bytes` bound, used when a case does not override it.
pub const DEFAULT_MESSAGE_BYTES: u64 = 512;

/// The bound on the JSON text of an error's `details`.
pub const MAX_DETAILS_BYTES: usize = 4096;

/// The bound on every string inside `details` (object keys included), in bytes.
pub const MAX_DETAILS_STRING_BYTES: usize = 256;

/// The bound on the items of every list inside `details`.
pub const MAX_DETAILS_LIST_ITEMS: usize = 16;

/// The bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): text
/// holding them can display differently from what it says, so no message or details string
/// shown to a model may hold one (SPEC section 9).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The default per-call deadline, used to budget a process adapter's run.
pub const DEFAULT_DEADLINE_MS: u64 = 1000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_phases_known() {
        let phases = ["load", "link", "input", "run", "output"];
        for (i, info) in VOCABULARY.iter().enumerate() {
            assert!(
                phases.contains(&info.phase),
                "{} has phase {}",
                info.code,
                info.phase
            );
            assert!(
                VOCABULARY[i + 1..]
                    .iter()
                    .all(|other| other.code != info.code),
                "{} listed twice",
                info.code
            );
        }
        assert_eq!(lookup("trap").map(|i| i.details_keys), Some(&["trap"][..]));
        assert_eq!(lookup("export_missing").map(|i| i.phase), Some("link"));
        assert_eq!(
            lookup("import_denied").map(|i| i.details_keys),
            Some(&["imports", "count"][..])
        );
        assert!(is_bidi_control('\u{202A}') && is_bidi_control('\u{2069}'));
        assert!(!is_bidi_control('\u{2029}') && !is_bidi_control('\u{206A}'));
        assert!(lookup("Trap").is_none());
    }
}
