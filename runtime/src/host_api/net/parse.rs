//! URL parsing and normalisation: a guest's URL becomes one canonical value before anything is
//! matched, and the request that goes out is built from that value, never from the guest's text.
//!
//! Parsing is WHATWG's (the `url` crate), so every spelling a client library or server would read
//! as an IP address (`127.1`, `2130706433`, `0x7f.1`) is read as that address here too. On top of
//! it, whatever a server could read as a different path is refused rather than guessed at.

use super::error::{NetError, NetErrorCode};
use percent_encoding::percent_decode_str;
use std::fmt;
use std::net::IpAddr;
use url::{Position, Url};

/// Longest URL accepted, in bytes.
pub const URL_CAP: usize = 8 * 1024;

/// Which host interface a URL is for: each speaks its own schemes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interface {
    /// `yoi:host/request`: http and https.
    Request,
    /// `yoi:host/websocket`: ws and wss.
    WebSocket,
}

/// The schemes of the network interfaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// `http`, default port 80.
    Http,
    /// `https`, default port 443.
    Https,
    /// `ws`, default port 80.
    Ws,
    /// `wss`, default port 443.
    Wss,
}

impl Scheme {
    fn parse(name: &str, interface: Interface) -> Result<Scheme, NetError> {
        let scheme = match name {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            "ws" => Scheme::Ws,
            "wss" => Scheme::Wss,
            _ => return Err(NetError::new(NetErrorCode::SchemeDenied, name)),
        };
        let allowed = match interface {
            Interface::Request => matches!(scheme, Scheme::Http | Scheme::Https),
            Interface::WebSocket => matches!(scheme, Scheme::Ws | Scheme::Wss),
        };
        if allowed {
            Ok(scheme)
        } else {
            Err(NetError::new(NetErrorCode::SchemeDenied, name))
        }
    }

    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
            Scheme::Ws => "ws",
            Scheme::Wss => "wss",
        }
    }

    /// The port a URL or target without one means, and the only one it means.
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Http | Scheme::Ws => 80,
            Scheme::Https | Scheme::Wss => 443,
        }
    }
}

/// A host in its one canonical form: a name in lower-case ASCII (IDNA applied) without a
/// trailing dot, or an address, an IPv4-mapped IPv6 address written as its IPv4 address.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Host {
    /// A DNS name: labels of `[a-z0-9_-]`, 1-63 bytes each, at most 253 bytes in all.
    Name(String),
    /// An address literal.
    Ip(IpAddr),
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Name(name) => f.write_str(name),
            Host::Ip(IpAddr::V4(ip)) => write!(f, "{ip}"),
            Host::Ip(IpAddr::V6(ip)) => write!(f, "[{ip}]"),
        }
    }
}

/// A guest's URL after parsing and normalisation: what is matched, and what is sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetUrl {
    scheme: Scheme,
    host: Host,
    port: u16,
    segments: Vec<Vec<u8>>,
    request_target: String,
    url: Url,
}

impl NetUrl {
    /// The scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The canonical host.
    pub fn host(&self) -> &Host {
        &self.host
    }

    /// The port: the explicit one, else the scheme's default.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The path's segments, percent-decoded, after dot-segment removal; `/` is one empty segment.
    pub fn segments(&self) -> &[Vec<u8>] {
        &self.segments
    }

    /// The request line's target (normalised path and query, no fragment): exactly what was
    /// matched is what a client sends.
    pub fn request_target(&self) -> &str {
        &self.request_target
    }

    /// The normalised URL, fragment removed.
    pub fn as_str(&self) -> &str {
        self.url.as_str()
    }
}

/// Parses a guest's URL for `interface`, refusing what the SPEC refuses.
pub fn parse_url(text: &str, interface: Interface) -> Result<NetUrl, NetError> {
    if text.len() > URL_CAP {
        return Err(NetError::new(
            NetErrorCode::UrlInvalid,
            format!("longer than {URL_CAP} bytes"),
        ));
    }
    let mut url =
        Url::parse(text).map_err(|e| NetError::new(NetErrorCode::UrlInvalid, e.to_string()))?;
    let scheme = Scheme::parse(url.scheme(), interface)?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(NetError::new(
            NetErrorCode::UserinfoDenied,
            "user information in the URL",
        ));
    }
    let host = canonical_host(&url)?;
    // What goes out is what was matched: the URL (and so the `Host` header and the TLS name)
    // carries the canonical host, never the guest's spelling of it (`api.test.`,
    // `[::ffff:127.0.0.1]`).
    let canonical = match &host {
        Host::Ip(ip) => url.set_ip_host(*ip),
        Host::Name(name) => url.set_host(Some(name)).map_err(|_| ()),
    };
    if canonical.is_err() {
        return Err(NetError::new(NetErrorCode::UrlInvalid, "host"));
    }
    let port = match url.port() {
        Some(0) => return Err(NetError::new(NetErrorCode::PortInvalid, "port 0")),
        Some(port) => port,
        None => scheme.default_port(),
    };
    url.set_fragment(None);
    let segments = path_segments(url.path())?;
    let request_target = url[Position::BeforePath..Position::AfterQuery].to_owned();
    Ok(NetUrl {
        scheme,
        host,
        port,
        segments,
        request_target,
        url,
    })
}

fn canonical_host(url: &Url) -> Result<Host, NetError> {
    match url.host() {
        Some(url::Host::Domain(name)) => canonical_name(name).map(Host::Name),
        Some(url::Host::Ipv4(ip)) => Ok(Host::Ip(IpAddr::V4(ip))),
        Some(url::Host::Ipv6(ip)) => Ok(Host::Ip(ip.to_canonical())),
        None => Err(NetError::new(NetErrorCode::UrlInvalid, "no host")),
    }
}

/// One trailing dot is dropped (`a.test.` and `a.test` name the same host for every client a
/// plugin would otherwise use); anything outside letters, digits, `-` and `_` is refused, so no
/// two spellings of a name reach the matcher.
pub(crate) fn canonical_name(name: &str) -> Result<String, NetError> {
    let bad = |why: &str| NetError::new(NetErrorCode::UrlInvalid, format!("host: {why}"));
    let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
    if name.is_empty() || name.len() > 253 {
        return Err(bad("empty or longer than 253 bytes"));
    }
    for label in name.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err(bad("a label is empty or longer than 63 bytes"));
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(bad("a character outside letters, digits, '-' and '_'"));
        }
    }
    Ok(name)
}

/// Splits a normalised path (as `url` serialises it: starting with `/`, percent-encoded, dot
/// segments already removed, `\` already read as `/`) into decoded segments, refusing every
/// segment a server could split, strip or decode into something else.
pub(crate) fn path_segments(path: &str) -> Result<Vec<Vec<u8>>, NetError> {
    let ambiguous = |why: &str| NetError::new(NetErrorCode::PathAmbiguous, why.to_owned());
    let Some(rest) = path.strip_prefix('/') else {
        return Err(NetError::new(
            NetErrorCode::UrlInvalid,
            "path is not absolute",
        ));
    };
    let mut segments = Vec::new();
    for raw in rest.split('/') {
        if raw.contains(';') {
            return Err(ambiguous("';' in a path segment (path parameters)"));
        }
        let decoded: Vec<u8> = percent_decode_str(raw).collect();
        if decoded.iter().any(|&b| b == b'/' || b == b'\\') {
            return Err(ambiguous("an encoded '/' or '\\' in a path segment"));
        }
        if decoded.contains(&b';') {
            return Err(ambiguous("an encoded ';' in a path segment"));
        }
        if decoded.iter().any(|&b| b < 0x20 || b == 0x7f) {
            return Err(ambiguous("a control character in a path segment"));
        }
        if decoded == b"." || decoded == b".." {
            return Err(ambiguous("a dot segment left after normalisation"));
        }
        if still_encoded(&decoded) {
            return Err(ambiguous(
                "a segment that is still percent-encoded once decoded",
            ));
        }
        segments.push(decoded);
    }
    Ok(segments)
}

/// `%HH` left after one decoding: a server that decodes twice would read another path.
fn still_encoded(decoded: &[u8]) -> bool {
    decoded
        .windows(3)
        .any(|w| w[0] == b'%' && w[1].is_ascii_hexdigit() && w[2].is_ascii_hexdigit())
}
