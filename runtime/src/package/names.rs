//! Names a manifest gives: the plugin id and the tool names the model sees and the host routes on.

/// The longest tool name, in bytes (the originating host's rule).
const TOOL_NAME_BYTES: usize = 128;

/// The originating host's tool-name rule, which the model sees and the host routes on: 1 to 128
/// bytes, no whitespace, no control character, and (beyond the host's rule) none of the
/// characters that make text display differently from what it says (`sanitize`), since a tool
/// name is shown to the model verbatim.
pub(crate) fn valid_tool_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= TOOL_NAME_BYTES
        && !name
            .chars()
            .any(|c| c.is_whitespace() || crate::error::is_unsafe_char(c))
}

pub(super) fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_names() {
        let at_cap = format!("{}xx", "ツ".repeat(42));
        for good in [
            "echo_2-x",
            "echo.v2",
            "a/b",
            "ツール",
            &"x".repeat(128),
            &at_cap,
        ] {
            assert!(valid_tool_name(good), "{good}");
        }
        let over = format!("{}x", "ツ".repeat(43 - 1) + "ツ");
        for bad in [
            "",
            "a b",
            "a\tb",
            "ツ\u{3000}ル",
            "a\u{202e}b",
            "a\u{85}b",
            &"x".repeat(129),
            &over,
        ] {
            assert!(!valid_tool_name(bad), "{bad:?}");
        }
    }
}
