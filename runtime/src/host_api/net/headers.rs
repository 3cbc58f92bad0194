//! Which request headers a guest may set. The client owns framing (`Host`, `Content-Length`,
//! `Transfer-Encoding`, `Connection`, `Upgrade`, ...): a guest that sets them can smuggle a
//! second request or reach another virtual host. Credentials belong to the host, never to a
//! plugin, so credential-like names are refused too, and so is `Accept: text/event-stream` (a
//! stream that never ends is not a request).

use super::error::{NetError, NetErrorCode};
use serde::Deserialize;

/// Most headers a request may carry.
pub const HEADER_COUNT_CAP: usize = 16;
/// Longest header name, in bytes (at least 1).
pub const HEADER_NAME_CAP: usize = 64;
/// Longest header value, in bytes.
pub const HEADER_VALUE_CAP: usize = 1024;

/// One header as the guest's JSON gives it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderEntry {
    /// The name, a token of 1-64 bytes.
    pub name: String,
    /// The value, at most 1 KiB, no control characters but tab.
    pub value: String,
}

/// Names refused exactly (compared in ASCII lower case): framing and hop-by-hop headers, and
/// headers that speak for the host or a proxy.
const DENIED_NAMES: &[&str] = &[
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "upgrade",
    "keep-alive",
    "te",
    "trailer",
    "expect",
    "proxy-connection",
    "forwarded",
    "via",
    "x-real-ip",
    "cookie",
    "set-cookie",
];

/// Name prefixes refused: proxy, forwarding and WebSocket handshake headers.
const DENIED_PREFIXES: &[&str] = &["proxy-", "x-forwarded-", "sec-websocket-"];

/// Fragments that make a name credential-like (`authorization`, `x-api-key`, `x-auth-token`,
/// `x-amz-security-token`, `x-session-id`, ...): refused wherever they appear in the name.
const CREDENTIAL_FRAGMENTS: &[&str] = &[
    "auth",
    "cookie",
    "token",
    "secret",
    "password",
    "passwd",
    "credential",
    "api-key",
    "apikey",
    "api_key",
    "session",
    "signature",
];

/// Checks a guest's request headers against the bounds and the denied names.
pub fn check_headers(headers: &[HeaderEntry]) -> Result<(), NetError> {
    if headers.len() > HEADER_COUNT_CAP {
        return Err(NetError::new(
            NetErrorCode::TooManyHeaders,
            format!("{} headers, at most {HEADER_COUNT_CAP}", headers.len()),
        ));
    }
    headers.iter().try_for_each(check_header)
}

fn check_header(header: &HeaderEntry) -> Result<(), NetError> {
    let name = &header.name;
    let invalid = |why: &str| NetError::new(NetErrorCode::HeaderInvalid, why.to_owned());
    if name.is_empty() || name.len() > HEADER_NAME_CAP {
        return Err(invalid("a header name is empty or longer than 64 bytes"));
    }
    if !name.bytes().all(is_token_byte) {
        return Err(invalid(
            "a header name holds a character outside the token set",
        ));
    }
    let shown = name.to_ascii_lowercase();
    if header.value.len() > HEADER_VALUE_CAP {
        return Err(NetError::new(
            NetErrorCode::HeaderInvalid,
            format!("{shown}: value longer than {HEADER_VALUE_CAP} bytes"),
        ));
    }
    if header
        .value
        .bytes()
        .any(|b| (b < 0x20 && b != b'\t') || b == 0x7f)
    {
        return Err(NetError::new(
            NetErrorCode::HeaderInvalid,
            format!("{shown}: a control character (CR, LF, NUL, ...) in the value"),
        ));
    }
    let denied = DENIED_NAMES.contains(&shown.as_str())
        || DENIED_PREFIXES.iter().any(|p| shown.starts_with(p))
        || CREDENTIAL_FRAGMENTS.iter().any(|f| shown.contains(f));
    if denied {
        return Err(NetError::new(NetErrorCode::HeaderDenied, shown));
    }
    if shown == "accept"
        && header
            .value
            .to_ascii_lowercase()
            .contains("text/event-stream")
    {
        return Err(NetError::new(
            NetErrorCode::HeaderDenied,
            "accept: text/event-stream",
        ));
    }
    Ok(())
}

/// RFC 9110 `tchar`.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}
