//! The one sanitizer: which characters never reach a model or an operator's terminal, and how
//! text is cut to a byte bound.
//!
//! Error messages, every string inside error details and guest diagnostics all pass through
//! here, so "clean" means the same everywhere (docs/SPEC.md §9). Diagnostics keep their line
//! structure (`\n` and `\t`); nothing else that moves the cursor, rings a bell, starts a terminal
//! escape or reorders displayed text survives.

/// The mark that ends text cut at a bound (3 bytes, counted in the bound).
pub(crate) const CUT_MARK: &str = "…";

/// Whether a character may not be shown: C0 and C1 controls and DEL (terminal escapes, bells,
/// carriage returns), the line and paragraph separators (a line break by another name), and every
/// bidirectional formatting character: the embeddings, overrides and isolates (U+202A–U+202E,
/// U+2066–U+2069) and the implicit marks (U+200E, U+200F, U+061C), any of which can make text
/// display in another order than it reads.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// Removes unsafe characters and cuts the text to at most `max_bytes` on a character boundary,
/// marking a cut with `…` when the mark fits in the bound (below 3 bytes the text is cut
/// without it).
pub fn sanitize(text: &str, max_bytes: usize) -> String {
    let clean: String = text.chars().filter(|c| !is_unsafe_char(*c)).collect();
    cut(clean, max_bytes)
}

/// [`sanitize`] for operator text made of lines: keeps `\n` and `\t`, removes everything else
/// [`is_unsafe_char`] names, and does not cut.
pub(crate) fn sanitize_lines(text: &str) -> String {
    text.chars()
        .filter(|c| matches!(c, '\n' | '\t') || !is_unsafe_char(*c))
        .collect()
}

fn cut(mut text: String, max_bytes: usize) -> String {
    if text.len() <= max_bytes {
        return text;
    }
    let mark = if max_bytes >= CUT_MARK.len() {
        CUT_MARK
    } else {
        ""
    };
    let mut end = max_bytes - mark.len();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push_str(mark);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_controls_and_every_bidi_formatting_character() {
        assert_eq!(sanitize("a\u{1b}[31mb\nc\u{202E}d", 100), "a[31mbcd");
        let bidi = "\u{061C}\u{200E}\u{200F}\u{202A}\u{202B}\u{202C}\u{202D}\u{202E}\
                    \u{2066}\u{2067}\u{2068}\u{2069}\u{2028}\u{2029}";
        assert_eq!(sanitize(&format!("x{bidi}y"), 100), "xy");
        assert_eq!(sanitize("\u{0}\u{7f}\u{85}\u{9b}\r\t", 100), "");
        // Ordinary non-ASCII text, zero-width joiners included, is kept.
        assert_eq!(
            sanitize("ünï 日本 👩\u{200D}💻", 100),
            "ünï 日本 👩\u{200D}💻"
        );
    }

    #[test]
    fn bounds_bytes_on_a_character_boundary() {
        let long = "é".repeat(400);
        let cut = sanitize(&long, 512);
        assert!(cut.len() <= 512, "{}", cut.len());
        assert!(cut.ends_with(CUT_MARK));
        assert_eq!(sanitize("abcdef", 5), "ab…");
        assert_eq!(sanitize("abc", 3), "abc");
    }

    #[test]
    fn a_bound_below_the_mark_cuts_without_it() {
        assert_eq!(sanitize("abcdef", 2), "ab");
        assert_eq!(sanitize("abcdef", 1), "a");
        assert_eq!(sanitize("éa", 1), "");
        assert_eq!(sanitize("abcdef", 0), "");
    }

    #[test]
    fn lines_keep_newline_and_tab_only() {
        assert_eq!(
            sanitize_lines("a\nb\tc\r\u{1b}[2J\u{202E}d\u{2028}"),
            "a\nb\tc[2Jd"
        );
    }
}
