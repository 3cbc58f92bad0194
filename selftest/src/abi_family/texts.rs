//! The texts an ABI guest writes and is called with: outputs valid and near-valid, diagnostics
//! with everything the operator sink must clean, and inputs of chosen sizes.

/// Outputs a guest may write, valid and near-valid: every way SPEC section 7 can refuse one, and
/// the texts that are valid only by a narrow margin (whitespace around the object, escapes,
/// control characters inside strings). Placeholders: none; lengths are the bytes' own.
pub(super) const PAYLOADS: &[&[u8]] = &[
    br#"{"summary":"ok"}"#,
    br#"{"summary":"ok","content":null}"#,
    br#"{"summary":"ok","content":"text"}"#,
    br#"{"content":"c","summary":"reordered"}"#,
    b" \n{\"summary\" : \"spaced\" , \"content\" : \"c\" }\t\r\n",
    br#"{"summary":"esc \"q\" \\ \/ \b\f\n\r\t \u00e9 \uD83D\uDE00","content":"\u0000nul"}"#,
    "{\"summary\":\"utf8 \u{e9}\u{1f600} \u{202e}bidi\u{2028}\"}".as_bytes(),
    b"{\"summary\":\"raw\x01control\"}",
    b"{\"summary\":\"ok\"}x",
    b"{\"summary\":\"ok\"}{}",
    b"{\"summary\":\"ok\"}\x00",
    b"\xef\xbb\xbf{\"summary\":\"bom\"}",
    b"{\"summary\":\"bad \xff utf8\"}",
    b"{\"summary\":\"surrogate \xed\xa0\x80\"}",
    b"{\"summary\":\"overlong \xc0\xaf\"}",
    br#"{"summary":"lone \ud800 escape"}"#,
    br#"{"summary":"ok","content":NaN}"#,
    br#"{"summary":Infinity}"#,
    br#"{"summary":"ok",}"#,
    br#"{"summary":'single'}"#,
    br#"{"summary":"ok""#,
    b"",
    b"   ",
    br#"{"summary":""}"#,
    br#"{"summary":1}"#,
    br#"{"summary":null}"#,
    br#"{"summary":["a"]}"#,
    br#"{"summary":"ok","content":1}"#,
    br#"{"summary":"ok","content":{"a":"b"}}"#,
    br#"{"summary":"ok","content":false}"#,
    br#"{"summary":"ok","extra":1}"#,
    br#"{"summary":"a","summary":"b"}"#,
    br#"{"summary":"a","summ\u0061ry":"b"}"#,
    br#"{"summary":"a","content":null,"content":"b"}"#,
    br#"{"content":"no summary"}"#,
    br#"{}"#,
    br#"["ok","content"]"#,
    br#""just a string""#,
    b"null",
    b"42",
    br#"{"summary":"n","content":"1e400"}"#,
    br#"{"summary":"n"} "#,
];

/// Diagnostic texts: what the operator sink must clean (controls, escapes, bidirectional
/// formatting, invalid UTF-8) and keep (newline, tab).
pub(super) const DIAGNOSTICS: &[&[u8]] = &[
    b"plain diagnostic",
    b"line one\nline two\ttab\r\n",
    b"\x1b[31mred\x1b[0m \x07bell \x7fdel",
    "bidi \u{202e}olleh\u{202c} \u{2066}iso\u{2069} \u{200f}\u{61c} sep\u{2028}\u{2029} c1 \u{9b}"
        .as_bytes(),
    b"invalid \xff\xfe utf8 \xed\xa0\x80 \xc3",
    b"",
    b"\x00\x00\x00",
];

/// Inputs the call is made with; `{S}` is replaced by a filler of the chosen size.
pub(super) const INPUTS: &[&str] = &[
    "{}",
    r#"{"summary":"echoed input","content":"from the host"}"#,
    r#"{"summary":"echo \u00e9 \"q\" \ud83d\ude00","content":null}"#,
    "{\"summary\":\"utf8 \u{e9}\u{1f600}\",\"content\":\"x\"}",
    r#"{"k":"v","n":[1,2,{"d":null}]}"#,
    " { \"summary\" : \"spaced input\" } ",
    r#"{"summary":"big","content":"{S}"}"#,
    r#"{"k":"{S}"}"#,
];
