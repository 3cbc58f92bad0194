//! The output contract (SPEC §7): UTF-8 JSON of exactly `{"summary", "content"?}` within bounds.

use crate::error::{Code, Error};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    summary: String,
    #[serde(default)]
    content: Option<String>,
}

/// Syntax first (so broken JSON is `output_malformed` whatever its shape), then shape.
pub fn parse(bytes: &[u8], summary_bytes: usize) -> Result<serde_json::Value, Error> {
    let malformed = |why: &str| {
        Error::new(
            Code::OutputMalformed,
            format!("the tool output is not JSON: {why}"),
        )
    };
    let text = std::str::from_utf8(bytes).map_err(|_| malformed("it is not valid UTF-8"))?;
    // `Value` enforces serde_json's nesting limit of 128 and refuses a byte order mark.
    let value =
        serde_json::from_str::<serde_json::Value>(text).map_err(|e| malformed(&e.to_string()))?;
    // serde's struct reader would take an array as the fields in order: only an object is one.
    if !value.is_object() {
        return Err(Error::new(
            Code::OutputSchemaMismatch,
            "the tool output must be a JSON object {\"summary\": string, \"content\"?: string|null}",
        ));
    }
    // The struct pass, unlike `Value`, notices a duplicate key.
    let raw: Raw = serde_json::from_str(text).map_err(|e| {
        Error::new(
            Code::OutputSchemaMismatch,
            "the tool output must be {\"summary\": string, \"content\"?: string|null}",
        )
        // serde's text can quote the guest's keys: details only (SPEC §9).
        .with("error", e.to_string())
    })?;
    if raw.summary.is_empty() {
        return Err(Error::new(
            Code::OutputSchemaMismatch,
            "the tool output's summary is empty",
        ));
    }
    if raw.summary.len() > summary_bytes {
        return Err(Error::new(
            Code::OutputSchemaMismatch,
            format!(
                "the summary is {} bytes, over the {summary_bytes}-byte cap",
                raw.summary.len()
            ),
        )
        .with("limit", summary_bytes as u64));
    }
    Ok(serde_json::json!({"summary": raw.summary, "content": raw.content}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(bytes: &[u8]) -> Code {
        parse(bytes, 8).unwrap_err().code
    }

    #[test]
    fn the_contract_by_example() {
        assert!(parse(br#"{"summary":"s","content":null}"#, 8).is_ok());
        assert_eq!(code(b"\xff"), Code::OutputMalformed);
        assert_eq!(
            code(b"\xef\xbb\xbf{\"summary\":\"s\"}"),
            Code::OutputMalformed
        );
        assert_eq!(code(br#"{"summary":"s"} x"#), Code::OutputMalformed);
        assert_eq!(
            code(br#"{"summary":"s","summary":"t"}"#),
            Code::OutputSchemaMismatch
        );
        assert_eq!(
            code(br#"{"summary":"s","x":1}"#),
            Code::OutputSchemaMismatch
        );
        assert_eq!(code(br#"{"summary":""}"#), Code::OutputSchemaMismatch);
        assert_eq!(code(br#"["s",null]"#), Code::OutputSchemaMismatch);
        assert_eq!(
            code(br#"{"summary":"123456789"}"#),
            Code::OutputSchemaMismatch
        );
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert_eq!(code(deep.as_bytes()), Code::OutputMalformed);
    }
}
