//! The output contract: what the guest wrote becomes a tool result only if it is UTF-8 JSON of
//! exactly `{"summary": string, "content"?: string|null}` within bounds.
//!
//! Syntax is checked in a first pass over the whole text (with serde_json's nesting limit of
//! 128), and shape in a second, so "not JSON" and "JSON of the wrong shape" get different codes whatever
//! the shape of the broken part.

use crate::error::{Error, ErrorCode};
use serde::Deserialize;

/// A tool result as the guest produced it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolOutput {
    /// One line for the model; non-empty, at most the summary cap.
    pub summary: String,
    /// The body of the result, if any.
    pub content: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutput {
    summary: String,
    #[serde(default)]
    content: Option<String>,
}

pub(crate) fn parse(bytes: &[u8], summary_bytes: usize) -> Result<ToolOutput, Error> {
    let malformed = |why: &str| {
        Error::new(
            ErrorCode::OutputMalformed,
            format!("the tool output is not JSON: {why}"),
        )
    };
    let text = std::str::from_utf8(bytes).map_err(|e| {
        malformed("it is not valid UTF-8").with("valid_up_to", e.valid_up_to() as u64)
    })?;
    // `Value` enforces serde_json's nesting limit (`IgnoredAny` does not); the shape pass below
    // parses again into the struct, which, unlike `Value`, notices a duplicate key.
    serde_json::from_str::<serde_json::Value>(text).map_err(|e| {
        malformed(&e.to_string())
            .with("line", e.line() as u64)
            .with("column", e.column() as u64)
    })?;
    let raw: RawOutput = serde_json::from_str(text).map_err(|e| {
        Error::new(
            ErrorCode::OutputSchemaMismatch,
            format!(
                "the tool output must be {{\"summary\": string, \"content\"?: string|null}}: {e}"
            ),
        )
    })?;
    if raw.summary.is_empty() {
        return Err(Error::new(
            ErrorCode::OutputSchemaMismatch,
            "the tool output's summary is empty",
        ));
    }
    if raw.summary.len() > summary_bytes {
        return Err(Error::new(
            ErrorCode::OutputSchemaMismatch,
            format!(
                "the tool output's summary is {} bytes, over the {summary_bytes}-byte cap",
                raw.summary.len()
            ),
        )
        .with("summary_bytes", raw.summary.len() as u64)
        .with("limit", summary_bytes as u64));
    }
    Ok(ToolOutput {
        summary: raw.summary,
        content: raw.content,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(bytes: &[u8]) -> ErrorCode {
        parse(bytes, 1024).unwrap_err().code()
    }

    #[test]
    fn good_outputs() {
        let o = parse(br#"{"summary":"s","content":"c"}"#, 1024).unwrap();
        assert_eq!((o.summary.as_str(), o.content.as_deref()), ("s", Some("c")));
        assert_eq!(
            parse(br#"{"summary":"s","content":null}"#, 1024)
                .unwrap()
                .content,
            None
        );
        assert_eq!(parse(br#"{"summary":"s"}"#, 1024).unwrap().content, None);
        assert!(parse(
            format!(r#"{{"summary":"{}"}}"#, "x".repeat(1024)).as_bytes(),
            1024
        )
        .is_ok());
    }

    #[test]
    fn each_way_to_break_the_contract() {
        use ErrorCode::*;
        assert_eq!(code(b"\xff"), OutputMalformed);
        assert_eq!(code(b""), OutputMalformed);
        assert_eq!(code(b"{"), OutputMalformed);
        assert_eq!(code(br#"{"summary":"s"} x"#), OutputMalformed);
        assert_eq!(
            code("\u{feff}{\"summary\":\"s\"}".as_bytes()),
            OutputMalformed
        );
        assert_eq!(code("[".repeat(30_000).as_bytes()), OutputMalformed);
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert_eq!(
            code(deep.as_bytes()),
            OutputMalformed,
            "nesting past the limit"
        );
        assert_eq!(code(b"[]"), OutputSchemaMismatch);
        assert_eq!(code(b"null"), OutputSchemaMismatch);
        assert_eq!(code(br#"{"content":"c"}"#), OutputSchemaMismatch);
        assert_eq!(code(br#"{"summary":""}"#), OutputSchemaMismatch);
        assert_eq!(code(br#"{"summary":1}"#), OutputSchemaMismatch);
        assert_eq!(
            code(br#"{"summary":"s","content":{}}"#),
            OutputSchemaMismatch
        );
        assert_eq!(code(br#"{"summary":"s","extra":1}"#), OutputSchemaMismatch);
        assert_eq!(
            code(br#"{"summary":"s","summary":"t"}"#),
            OutputSchemaMismatch
        );
        let long = format!(r#"{{"summary":"{}"}}"#, "x".repeat(1025));
        assert_eq!(code(long.as_bytes()), OutputSchemaMismatch);
    }
}
