//! The output contract: what the guest wrote becomes a tool result only if it is UTF-8 JSON of
//! exactly `{"summary": string, "content"?: string|null}` within bounds.
//!
//! Syntax is checked in a first pass over the whole text (with serde_json's nesting limit of
//! 128), and shape in a second, so "not JSON" and "JSON of the wrong shape" get different codes whatever
//! the shape of the broken part.

use crate::error::{Error, ErrorCode};
use serde::de::{Deserializer as _, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;
use std::fmt;

/// A tool result as the guest produced it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolOutput {
    /// One line for the model; non-empty, at most the summary cap.
    pub summary: String,
    /// The body of the result, if any.
    pub content: Option<String>,
}

/// Why JSON is not the contract's object. Each has a fixed message: nothing of the guest's
/// text (a key, a value) is quoted back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    NotObject,
    MissingSummary,
    SummaryNotString,
    ContentNotString,
    UnknownKey,
    Duplicate(&'static str),
}

impl Shape {
    fn error(self) -> Error {
        let message = match self {
            Shape::NotObject => {
                "the tool output must be a JSON object {\"summary\": string, \"content\"?: string|null}"
            }
            Shape::MissingSummary => "the tool output has no summary",
            Shape::SummaryNotString => "the tool output's summary is not a string",
            Shape::ContentNotString => "the tool output's content is neither a string nor null",
            Shape::UnknownKey => "the tool output has a key other than summary and content",
            Shape::Duplicate("summary") => "the tool output has the key summary more than once",
            Shape::Duplicate(_) => "the tool output has the key content more than once",
        };
        Error::new(ErrorCode::OutputSchemaMismatch, message)
    }
}

/// Reads the output only as a map: serde-derived structs also accept a JSON array and read it
/// by field order (`["hi"]` would become `{"summary": "hi"}`), so the shape is checked here, key
/// by key, instead.
struct ObjectOnly;

impl<'de> Visitor<'de> for ObjectOnly {
    type Value = Result<ToolOutput, Shape>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut summary: Option<Value> = None;
        let mut content: Option<Value> = None;
        let mut shape = None;
        while let Some(key) = map.next_key::<String>()? {
            let slot = match key.as_str() {
                "summary" => Some((&mut summary, "summary")),
                "content" => Some((&mut content, "content")),
                _ => None,
            };
            match slot {
                Some((slot, _)) if slot.is_none() => *slot = Some(map.next_value()?),
                Some((_, name)) => {
                    map.next_value::<IgnoredAny>()?;
                    shape.get_or_insert(Shape::Duplicate(name));
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                    shape.get_or_insert(Shape::UnknownKey);
                }
            }
        }
        if let Some(shape) = shape {
            return Ok(Err(shape));
        }
        let summary = match summary {
            None => return Ok(Err(Shape::MissingSummary)),
            Some(Value::String(s)) => s,
            Some(_) => return Ok(Err(Shape::SummaryNotString)),
        };
        let content = match content {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(_) => return Ok(Err(Shape::ContentNotString)),
        };
        Ok(Ok(ToolOutput { summary, content }))
    }
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
    match conforming(text, summary_bytes) {
        Some(output) => Ok(output),
        None => two_passes(text, summary_bytes),
    }
}

/// The reading that names what is wrong: syntax first, then shape.
fn two_passes(text: &str, summary_bytes: usize) -> Result<ToolOutput, Error> {
    let malformed = |why: &str| {
        Error::new(
            ErrorCode::OutputMalformed,
            format!("the tool output is not JSON: {why}"),
        )
    };
    // `Value` enforces serde_json's nesting limit (`IgnoredAny` does not); the shape pass below
    // reads the text again as a map, which, unlike `Value`, notices a duplicate key. serde_json's
    // syntax errors name a position and what was expected, never the text itself.
    serde_json::from_str::<Value>(text).map_err(|e| {
        malformed(&e.to_string())
            .with("line", e.line() as u64)
            .with("column", e.column() as u64)
    })?;
    let output = serde_json::Deserializer::from_str(text)
        .deserialize_map(ObjectOnly)
        .unwrap_or(Err(Shape::NotObject))
        .map_err(Shape::error)?;
    if output.summary.is_empty() {
        return Err(Error::new(
            ErrorCode::OutputSchemaMismatch,
            "the tool output's summary is empty",
        ));
    }
    if output.summary.len() > summary_bytes {
        return Err(Error::new(
            ErrorCode::OutputSchemaMismatch,
            format!(
                "the tool output's summary is {} bytes, over the {summary_bytes}-byte cap",
                output.summary.len()
            ),
        )
        .with("summary_bytes", output.summary.len() as u64)
        .with("limit", summary_bytes as u64));
    }
    Ok(output)
}

/// A conforming output read in one pass instead of two: the shape pass alone, with the text's
/// end checked. It accepts exactly what the two passes accept: its only values are `Value`s
/// (under the same nesting limit) and any other key, a duplicate or a syntax error makes it
/// give up, so every refusal is still named by [`two_passes`].
fn conforming(text: &str, summary_bytes: usize) -> Option<ToolOutput> {
    let mut de = serde_json::Deserializer::from_str(text);
    let output = de.deserialize_map(ObjectOnly).ok()?.ok()?;
    de.end().ok()?;
    (!output.summary.is_empty() && output.summary.len() <= summary_bytes).then_some(output)
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

    /// The one-pass reading accepts only what the two passes accept, with the same result.
    #[test]
    fn one_pass_agrees_with_two() {
        let deep = format!(
            r#"{{"summary":"s","content":{}1{}}}"#,
            "[".repeat(200),
            "]".repeat(200)
        );
        let texts = [
            r#"{"summary":"s","content":"c"}"#,
            r#" { "summary" : "s\u00e9\n" , "content" : null } "#,
            r#"{"content":"c","summary":"s"}"#,
            r#"{"summary":"s"}"#,
            r#"{"summary":"s"} x"#,
            r#"{"summary":"s","summary":"t"}"#,
            r#"{"summary":"s","extra":[[[]]]}"#,
            r#"{"summary":"\ud800"}"#,
            r#"{"summary":""}"#,
            r#"{"summary":"s","content":1}"#,
            r#"["s"]"#,
            r#"{"summary":"s","#,
            deep.as_str(),
        ];
        for (i, text) in texts.into_iter().enumerate() {
            let two = two_passes(text, 1024).map_err(|e| e.code());
            match conforming(text, 1024) {
                Some(one) => assert_eq!(Ok(one), two, "{text}"),
                None => assert!(two.is_err(), "{text}: {two:?}"),
            }
            assert_eq!(conforming(text, 1024).is_some(), i < 4, "{text}");
        }
        assert!(conforming(r#"{"summary":"ss"}"#, 1).is_none());
        assert!(two_passes(r#"{"summary":"ss"}"#, 1).is_err());
    }

    #[test]
    fn an_array_is_never_read_by_field_order() {
        for array in [&br#"["hi"]"#[..], br#"["hi", null]"#, br#"["hi", "c"]"#] {
            assert_eq!(code(array), ErrorCode::OutputSchemaMismatch, "{array:?}");
        }
    }

    #[test]
    fn messages_never_quote_the_guests_keys_or_values() {
        for text in [
            &br#"{"summary":"s","GUEST-KEY":1}"#[..],
            br#"{"GUEST-KEY":"s"}"#,
            br#"{"summary":"s","content":"GUEST-VALUE","content":"x"}"#,
            br#"{"summary":{"GUEST-KEY":"GUEST-VALUE"}}"#,
            br#"{"summary":"s","content":["GUEST-VALUE"]}"#,
            br#"["GUEST-VALUE", 1]"#,
            br#""GUEST-VALUE""#,
        ] {
            let e = parse(text, 1024).unwrap_err();
            assert_eq!(e.code(), ErrorCode::OutputSchemaMismatch);
            let all = format!(
                "{} {}",
                e.message(),
                serde_json::Value::Object(e.details().clone())
            );
            assert!(!all.contains("GUEST"), "{all}");
        }
    }
}
