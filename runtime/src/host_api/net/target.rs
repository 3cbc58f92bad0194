//! Targets (the manifest's and the grant's `[[request]]` / `[[websocket]]` entries) and how a
//! parsed URL matches one: scheme, canonical host, port, method, and path prefix on segment
//! boundaries. Each part is compared exactly; nothing is a plain string prefix.

use super::address::IpRange;
use super::error::{NetError, NetErrorCode};
use super::parse::{canonical_name, path_segments, Host, Interface, NetUrl, Scheme};
use serde::Deserialize;
use std::net::IpAddr;
use url::Url;

/// The methods a request may use, compared exactly (upper case, as the original host does).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

impl Method {
    /// Every method, in the SPEC's order.
    pub const ALL: [Method; 5] = [
        Method::Get,
        Method::Post,
        Method::Put,
        Method::Patch,
        Method::Delete,
    ];

    /// Parses a method name exactly: `get`, `Get`, `CONNECT` and `TRACE` are refused.
    pub fn parse(name: &str) -> Result<Method, NetError> {
        Method::ALL
            .into_iter()
            .find(|m| m.as_str() == name)
            .ok_or_else(|| NetError::new(NetErrorCode::MethodDenied, name))
    }

    /// The upper-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// Which side a target comes from. Only the host's grant may name special-use addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The package's manifest: what the plugin asks for.
    Manifest,
    /// The host's grant: what it is given.
    Grant,
}

/// A target as configured, before it is checked.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetSpec {
    /// `http`/`https` for requests, `ws`/`wss` for WebSockets.
    pub scheme: String,
    /// A host name or an address literal (`[::1]` or `::1`), nothing else.
    pub host: String,
    /// Absent: the scheme's default port, and no other.
    #[serde(default)]
    pub port: Option<u16>,
    /// Request targets: a non-empty list of exact method names. WebSocket targets: empty.
    #[serde(default)]
    pub methods: Vec<String>,
    /// Absolute path prefixes, matched on segment boundaries; absent means `["/"]`.
    #[serde(default)]
    pub path_prefixes: Option<Vec<String>>,
    /// Grant only: special-use addresses (`127.0.0.1`, `10.0.0.0/8`) this target's host name may
    /// resolve to.
    #[serde(default)]
    pub addresses: Vec<String>,
}

/// A checked target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    scheme: Scheme,
    host: Host,
    port: u16,
    methods: Vec<Method>,
    prefixes: Vec<Vec<Vec<u8>>>,
    addresses: Vec<IpRange>,
}

impl Target {
    /// Checks a configured target for `interface`, as written on `side`.
    pub fn new(spec: &TargetSpec, interface: Interface, side: Side) -> Result<Target, NetError> {
        let invalid = |why: String| NetError::new(NetErrorCode::TargetInvalid, why);
        let probe = format!("{}://h/", spec.scheme);
        let scheme = super::parse::parse_url(&probe, interface)
            .map_err(|e| invalid(format!("scheme: {}", e.detail())))?
            .scheme();
        let host = target_host(&spec.host, scheme).map_err(|e| invalid(e.detail().to_owned()))?;
        let port = match spec.port {
            Some(0) => return Err(invalid("port 0".into())),
            Some(port) => port,
            None => scheme.default_port(),
        };
        let methods = spec
            .methods
            .iter()
            .map(|m| Method::parse(m))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| invalid(format!("method {}", e.detail())))?;
        match interface {
            Interface::Request if methods.is_empty() => {
                return Err(invalid("a request target lists no method".into()))
            }
            Interface::WebSocket if !methods.is_empty() => {
                return Err(invalid("a WebSocket target lists methods".into()))
            }
            _ => {}
        }
        let prefixes = match &spec.path_prefixes {
            None => vec![Vec::new()],
            Some(list) if list.is_empty() => {
                return Err(invalid(
                    "an empty path_prefixes list matches nothing".into(),
                ))
            }
            Some(list) => list
                .iter()
                .map(|p| prefix_segments(p))
                .collect::<Result<Vec<_>, _>>()?,
        };
        if side == Side::Manifest && !spec.addresses.is_empty() {
            return Err(invalid("only a grant names addresses".into()));
        }
        let addresses = spec
            .addresses
            .iter()
            .map(|a| IpRange::parse(a))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Target {
            scheme,
            host,
            port,
            methods,
            prefixes,
            addresses,
        })
    }

    /// Whether `url` (with `method` for requests, `None` for WebSockets) is inside this target.
    pub fn matches(&self, url: &NetUrl, method: Option<Method>) -> bool {
        self.matches_holed(url, method, MatchHoles::default())
    }

    fn matches_holed(&self, url: &NetUrl, method: Option<Method>, holes: MatchHoles) -> bool {
        if holes.any_port || holes.string_prefix {
            let method_ok = match method {
                Some(method) => self.methods.contains(&method),
                None => self.methods.is_empty(),
            };
            let joined = |segments: &[Vec<u8>]| {
                let mut path = Vec::new();
                for s in segments {
                    path.push(b'/');
                    path.extend_from_slice(s);
                }
                path
            };
            let path_ok = |prefix: &Vec<Vec<u8>>| {
                if holes.string_prefix {
                    joined(url.segments()).starts_with(&joined(prefix))
                } else {
                    is_segment_prefix(prefix, url.segments())
                }
            };
            return method_ok
                && self.scheme == url.scheme()
                && &self.host == url.host()
                && (holes.any_port || self.port == url.port())
                && self.prefixes.iter().any(path_ok);
        }
        let method_ok = match method {
            Some(method) => self.methods.contains(&method),
            None => self.methods.is_empty(),
        };
        method_ok
            && self.scheme == url.scheme()
            && &self.host == url.host()
            && self.port == url.port()
            && self
                .prefixes
                .iter()
                .any(|prefix| is_segment_prefix(prefix, url.segments()))
    }

    /// The canonical host.
    pub fn host(&self) -> &Host {
        &self.host
    }

    /// The special-use address ranges the grant names for this target.
    pub fn addresses(&self) -> &[IpRange] {
        &self.addresses
    }
}

/// `prefix` is a whole-segment prefix of `path`: `/v1` covers `/v1`, `/v1/` and `/v1/x`, never
/// `/v10` or `/v1admin`.
fn is_segment_prefix(prefix: &[Vec<u8>], path: &[Vec<u8>]) -> bool {
    prefix.len() <= path.len() && prefix.iter().zip(path).all(|(a, b)| a == b)
}

fn target_host(host: &str, scheme: Scheme) -> Result<Host, NetError> {
    let bad = || NetError::new(NetErrorCode::TargetInvalid, format!("host {host:?}"));
    if host.is_empty()
        || host
            .bytes()
            .any(|b| b"/?#@\\%".contains(&b) || b.is_ascii_whitespace() || b.is_ascii_control())
    {
        return Err(bad());
    }
    let bracketed = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_owned()
    };
    let url = Url::parse(&format!("{}://{bracketed}/", scheme.as_str())).map_err(|_| bad())?;
    if url.port().is_some() || url.path() != "/" {
        return Err(bad());
    }
    match url.host() {
        Some(url::Host::Domain(name)) => canonical_name(name).map(Host::Name),
        Some(url::Host::Ipv4(ip)) => Ok(Host::Ip(IpAddr::V4(ip))),
        Some(url::Host::Ipv6(ip)) => Ok(Host::Ip(ip.to_canonical())),
        None => Err(bad()),
    }
}

/// A prefix reads like the path of a URL (same normalisation, same refusals); a trailing `/`
/// adds nothing (`/v1/` is `/v1`), and `/` is every path.
fn prefix_segments(prefix: &str) -> Result<Vec<Vec<u8>>, NetError> {
    let invalid = |why: &str| {
        NetError::new(
            NetErrorCode::TargetInvalid,
            format!("path prefix {prefix:?}: {why}"),
        )
    };
    if !prefix.starts_with('/') || prefix.contains(['?', '#']) {
        return Err(invalid("not an absolute path"));
    }
    let url = Url::parse(&format!("http://h{prefix}")).map_err(|_| invalid("not a path"))?;
    let mut segments = path_segments(url.path()).map_err(|e| invalid(e.detail()))?;
    if segments.last().is_some_and(Vec::is_empty) {
        segments.pop();
    }
    Ok(segments)
}

/// What matching found: the grant targets a URL is inside, which decide the addresses it may
/// reach.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Permit {
    host: Host,
    addresses: Vec<IpRange>,
}

impl Permit {
    /// The URL's canonical host, as both sides named it.
    pub fn host(&self) -> &Host {
        &self.host
    }

    /// The special-use ranges named by every matching grant target together.
    pub fn addresses(&self) -> &[IpRange] {
        &self.addresses
    }
}

/// The matching bugs the mutants switch on (none in a host's build).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct MatchHoles {
    pub any_port: bool,
    pub string_prefix: bool,
}

/// The two-sided rule: the URL must be inside a manifest target AND a grant target.
pub fn check_target(
    manifest: &[Target],
    grant: &[Target],
    url: &NetUrl,
    method: Option<Method>,
) -> Result<Permit, NetError> {
    check_target_holed(manifest, grant, url, method, MatchHoles::default())
}

pub(crate) fn check_target_holed(
    manifest: &[Target],
    grant: &[Target],
    url: &NetUrl,
    method: Option<Method>,
    holes: MatchHoles,
) -> Result<Permit, NetError> {
    let what = || match method {
        Some(method) => format!("{} {}", method.as_str(), url.as_str()),
        None => url.as_str().to_owned(),
    };
    if !manifest.iter().any(|t| t.matches_holed(url, method, holes)) {
        return Err(NetError::new(NetErrorCode::NotInManifest, what()));
    }
    let granted: Vec<&Target> = grant
        .iter()
        .filter(|t| t.matches_holed(url, method, holes))
        .collect();
    if granted.is_empty() {
        return Err(NetError::new(NetErrorCode::NotGranted, what()));
    }
    Ok(Permit {
        host: url.host().clone(),
        addresses: granted
            .iter()
            .flat_map(|t| t.addresses.iter().copied())
            .collect(),
    })
}
