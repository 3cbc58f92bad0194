//! Why a network host call is refused before any byte leaves the host: one stable code per cause,
//! from one table, so the SPEC's table and the code cannot drift apart.

use std::fmt;

macro_rules! net_codes {
    ($( $(#[doc = $doc:literal])* $variant:ident = $code:literal; )*) => {
        /// A stable code for a refused network call. The string form never changes once released.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum NetErrorCode {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl NetErrorCode {
            /// Every code, in the order of the table.
            pub const ALL: &'static [NetErrorCode] = &[$(NetErrorCode::$variant),*];

            /// The stable snake_case name.
            pub fn as_str(self) -> &'static str {
                match self { $(NetErrorCode::$variant => $code,)* }
            }

            /// The one-line meaning, as written in the SPEC's table.
            pub fn meaning(self) -> &'static str {
                match self { $(NetErrorCode::$variant => concat!($($doc),*).trim_ascii(),)* }
            }
        }
    };
}

net_codes! {
    /// The URL is not an absolute URL, is longer than the URL cap, or has a malformed host.
    UrlInvalid = "url_invalid";
    /// The URL's scheme is not one this interface speaks (http/https for requests, ws/wss for WebSockets).
    SchemeDenied = "scheme_denied";
    /// The URL carries a user name or password.
    UserinfoDenied = "userinfo_denied";
    /// The URL's port is 0.
    PortInvalid = "port_invalid";
    /// The path has a segment a server could read as a different path: an encoded `/` or `\`, a `;`, a control character, or an encoded dot segment.
    PathAmbiguous = "path_ambiguous";
    /// The method is not exactly one of GET POST PUT PATCH DELETE.
    MethodDenied = "method_denied";
    /// No target of the package's manifest matches the URL and method.
    NotInManifest = "not_in_manifest";
    /// No target of the host's grant matches the URL and method.
    NotGranted = "not_granted";
    /// The host name did not resolve, or resolved to no address.
    ResolveFailed = "resolve_failed";
    /// An address the host resolved to (or the literal address) is special-use and no grant names it.
    AddressDenied = "address_denied";
    /// A header the guest may not set: framing, hop-by-hop, credential-like, or `Accept: text/event-stream`.
    HeaderDenied = "header_denied";
    /// A header name or value breaks the bounds or holds CR, LF, NUL or another control character.
    HeaderInvalid = "header_invalid";
    /// More headers than the cap.
    TooManyHeaders = "too_many_headers";
    /// A manifest or grant target is malformed (the host's configuration, not the guest, is wrong).
    TargetInvalid = "target_invalid";
}

/// A refused network call: its code and a short detail that is safe to show a model (it names
/// the offending part, never a header value).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetError {
    code: NetErrorCode,
    detail: String,
}

/// Longest detail kept, in bytes: details name a part of a URL or a header name.
const DETAIL_CAP: usize = 200;

impl NetError {
    pub(crate) fn new(code: NetErrorCode, detail: impl Into<String>) -> NetError {
        let mut detail: String = detail.into().chars().filter(|c| !c.is_control()).collect();
        if detail.len() > DETAIL_CAP {
            let mut end = DETAIL_CAP;
            while !detail.is_char_boundary(end) {
                end -= 1;
            }
            detail.truncate(end);
        }
        NetError { code, detail }
    }

    /// The stable code.
    pub fn code(&self) -> NetErrorCode {
        self.code
    }

    /// What was refused, bounded and free of control characters.
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

impl fmt::Display for NetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.detail)
    }
}

impl std::error::Error for NetError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case_and_documented() {
        let mut seen = std::collections::BTreeSet::new();
        for code in NetErrorCode::ALL {
            let name = code.as_str();
            assert!(seen.insert(name), "{name} twice");
            assert!(name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
            assert!(!code.meaning().is_empty());
        }
    }

    #[test]
    fn details_are_bounded_and_free_of_control_characters() {
        let error = NetError::new(NetErrorCode::UrlInvalid, "a\r\nb".repeat(500));
        assert!(error.detail().len() <= DETAIL_CAP);
        assert!(!error.detail().contains('\r') && !error.detail().contains('\n'));
        assert!(error.to_string().starts_with("url_invalid: ab"));
    }
}
