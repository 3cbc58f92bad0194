//! The rules every error of every runtime must follow, whatever the case expected (SPEC section
//! 9), and the one truncation helper for quoting what a runtime said.

use serde_json::Value;

use crate::model::protocol::ErrorBody;
use crate::model::vocab;

/// The rules every error of every runtime must follow, whatever the case expected (SPEC section
/// 9): a known code in its own phase, a non-empty message within `message_bytes` and free of
/// control characters and bidirectional overrides, and details that are an object of at most
/// 4096 bytes of JSON whose strings (keys included) are at most 256 bytes without bidirectional
/// overrides and whose lists hold at most 16 items, at any depth.
pub fn universal_checks(error: &ErrorBody, message_bytes: u64) -> Result<(), String> {
    let code = &error.code;
    let Some(info) = vocab::lookup(code) else {
        return Err(format!("code `{code}` is not in the vocabulary"));
    };
    if error.phase != info.phase {
        return Err(format!(
            "code `{code}` has phase `{}`, must be `{}`",
            error.phase, info.phase
        ));
    }
    if error.message.is_empty() {
        return Err(format!("`{code}` has an empty message"));
    }
    if error.message.len() as u64 > message_bytes {
        return Err(format!(
            "`{code}` message is {} bytes, over the {message_bytes}-byte bound",
            error.message.len()
        ));
    }
    if let Some((c, kind)) = unsafe_char(&error.message) {
        return Err(format!("`{code}` message holds {kind} U+{:04X}", c as u32));
    }
    if !error.details.is_object() {
        return Err(format!(
            "`{code}` details is not a JSON object: {}",
            error.details
        ));
    }
    let size = error.details.to_string().len();
    if size > vocab::MAX_DETAILS_BYTES {
        return Err(format!(
            "`{code}` details is {size} bytes of JSON, over the {}-byte bound",
            vocab::MAX_DETAILS_BYTES
        ));
    }
    details_bounds(&error.details, "details").map_err(|why| format!("`{code}` {why}"))
}

/// The per-string and per-list bounds of `details`, at any depth; `at` is the path so far, so
/// the failure names the offending value.
fn details_bounds(value: &Value, at: &str) -> Result<(), String> {
    let string = |text: &str, at: &str| {
        if text.len() > vocab::MAX_DETAILS_STRING_BYTES {
            return Err(format!(
                "{at} is a string of {} bytes, over the {}-byte bound",
                text.len(),
                vocab::MAX_DETAILS_STRING_BYTES
            ));
        }
        match unsafe_char(text) {
            Some((c, kind)) => Err(format!("{at} holds {kind} U+{:04X}", c as u32)),
            None => Ok(()),
        }
    };
    match value {
        Value::String(text) => string(text, at),
        Value::Array(items) => {
            if items.len() > vocab::MAX_DETAILS_LIST_ITEMS {
                return Err(format!(
                    "{at} is a list of {} items, over the {}-item bound",
                    items.len(),
                    vocab::MAX_DETAILS_LIST_ITEMS
                ));
            }
            items
                .iter()
                .enumerate()
                .try_for_each(|(i, item)| details_bounds(item, &format!("{at}[{i}]")))
        }
        Value::Object(map) => map.iter().try_for_each(|(key, item)| {
            string(key, &format!("{at} key {:?}", truncate(key, 40)))?;
            details_bounds(item, &format!("{at}.{key}"))
        }),
        _ => Ok(()),
    }
}

/// The first character of `text` that SPEC section 9 removes from messages and detail strings,
/// named by its kind (overrides and isolates apart, since they are what reverses text).
fn unsafe_char(text: &str) -> Option<(char, &'static str)> {
    text.chars().find(|&c| is_control(c)).map(|c| {
        let kind = if vocab::is_bidi_control(c) {
            "bidirectional override"
        } else {
            "control character"
        };
        (c, kind)
    })
}

/// The characters no message may hold: controls (ERR-01), and the line separators and
/// bidirectional formatting characters (ERR-04).
fn is_control(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{61c}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
    )
}

/// At most `max` bytes of `text`, cut on a character boundary: for quoting what a runtime said
/// in a report line.
pub fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
