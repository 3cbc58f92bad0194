//! Text from a runtime under test (its stderr, its name, its error codes and messages) is
//! untrusted: before it reaches a reviewer's terminal or a CI page, every control character is
//! made visible, so an adapter cannot clear the screen, recolour a verdict, rewrite a line with a
//! carriage return or reorder text with a bidirectional override.

/// `text` with every control character written as a visible escape: C0 controls, DEL and C1
/// controls as `\xNN` / `\u{NN}`, and the Unicode bidirectional controls as `\u{NNNN}`. Line
/// feeds are kept when `keep_newlines` (text printed line by line), escaped otherwise. A
/// backslash is left alone, so escaping twice changes nothing.
pub fn visible(text: &str, keep_newlines: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' if keep_newlines => out.push('\n'),
            '\u{0}'..='\u{1f}' | '\u{7f}' => out.push_str(&format!("\\x{:02x}", c as u32)),
            '\u{80}'..='\u{9f}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}' => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// `text` for a JSON string: only what JSON itself leaves raw is escaped, the C1 controls and the
/// bidirectional controls (serde_json already writes C0 controls and DEL as `\u00NN`), so a
/// runtime's output keeps its meaning in the JSON report and still cannot drive a terminal that
/// shows it.
pub fn visible_in_json(text: &str) -> String {
    if !text.chars().any(needs_escape_in_json) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if needs_escape_in_json(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

fn needs_escape_in_json(c: char) -> bool {
    matches!(c, '\u{80}'..='\u{9f}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::visible;

    #[test]
    fn controls_become_visible_and_the_rest_stays() {
        assert_eq!(
            visible("\u{1b}[31mred\u{7}\r\tok\u{9b}2J\u{202e}x\n", true),
            "\\x1b[31mred\\x07\\x0d\\x09ok\\u{9b}2J\\u{202e}x\n"
        );
        assert_eq!(visible("a\nb", false), "a\\x0ab");
        assert_eq!(visible("é \\x1b ∑", false), "é \\x1b ∑");
        let once = visible("\u{1b}]0;title\u{7}", false);
        assert_eq!(visible(&once, false), once);
        assert!(!once.chars().any(char::is_control));
        assert_eq!(
            super::visible_in_json("\u{1b}\tok\u{9b}\u{2067}"),
            "\u{1b}\tok\\u{9b}\\u{2067}"
        );
    }
}
