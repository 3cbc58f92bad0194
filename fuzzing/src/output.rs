//! Target `output`: any bytes as a guest's output, read by the runtime's output contract parser
//! (SPEC §7) and by a second, deliberately plain reading of the same rules here. Both must agree
//! on the code (`output_malformed` for text that is not UTF-8 JSON, `output_schema_mismatch` for
//! JSON of another shape) and, when the output is accepted, on its summary and content.
//!
//! The first input byte picks the summary cap (1 to 255 bytes, 0 for the 1 KiB default), so its
//! edge is cheap to reach; the rest is the output.

use crate::oracle::well_formed;
use serde::de::{Deserializer as _, MapAccess, Visitor};
use serde_json::Value;
use toolcage_runtime::fuzzing::parse_output;
use toolcage_runtime::{ErrorCode, Limits, ToolOutput};

/// The oracle of target `output`.
pub fn check(data: &[u8]) {
    let Some((&cap, output)) = data.split_first() else {
        return;
    };
    let summary_bytes = match cap {
        0 => Limits::default().summary_bytes,
        n => usize::from(n),
    };
    let expected = model(output, summary_bytes);
    match (parse_output(output, summary_bytes), expected) {
        (Ok(got), Ok(want)) => assert_eq!(got, want, "the output read differently"),
        (Err(error), Err(want)) => {
            well_formed(&error, Limits::default().message_bytes);
            assert_eq!(
                error.code(),
                want,
                "the runtime says {}: {}",
                error.code().as_str(),
                error.message()
            );
        }
        (Ok(got), Err(want)) => panic!("the runtime accepted {got:?}; the rules say {want:?}"),
        (Err(error), Ok(want)) => panic!(
            "the runtime refused {want:?} with {}: {}",
            error.code().as_str(),
            error.message()
        ),
    }
}

/// SPEC §7 read plainly: UTF-8, JSON, then an object whose keys, in a list that keeps
/// duplicates, are exactly one string `summary` (non-empty, within the cap) and at most one
/// `content` that is a string or null.
fn model(bytes: &[u8], summary_bytes: usize) -> Result<ToolOutput, ErrorCode> {
    let text = std::str::from_utf8(bytes).map_err(|_| ErrorCode::OutputMalformed)?;
    serde_json::from_str::<Value>(text).map_err(|_| ErrorCode::OutputMalformed)?;
    let mismatch = ErrorCode::OutputSchemaMismatch;
    let pairs = serde_json::Deserializer::from_str(text)
        .deserialize_map(Pairs)
        .map_err(|_| mismatch)?;
    let of = |key: &str| pairs.iter().filter(|(k, _)| k == key).collect::<Vec<_>>();
    let (summaries, contents) = (of("summary"), of("content"));
    if summaries.len() != 1 || contents.len() > 1 || summaries.len() + contents.len() != pairs.len()
    {
        return Err(mismatch);
    }
    let summary = match &summaries[0].1 {
        Value::String(s) if !s.is_empty() && s.len() <= summary_bytes => s.clone(),
        _ => return Err(mismatch),
    };
    let content = match contents.first().map(|(_, v)| v) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(mismatch),
    };
    Ok(ToolOutput { summary, content })
}

/// A JSON object as the list of its members, duplicates kept.
struct Pairs;

impl<'de> Visitor<'de> for Pairs {
    type Value = Vec<(String, Value)>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut pairs = Vec::new();
        while let Some(pair) = map.next_entry()? {
            pairs.push(pair);
        }
        Ok(pairs)
    }
}
