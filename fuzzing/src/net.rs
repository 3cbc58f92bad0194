//! Target `net`: the network policy of `yoi:host/request` and `yoi:host/websocket`
//! (`toolcage_runtime::net`) over strings a guest, a package and a host control: the guest's URL,
//! method and headers, the manifest's target and the grant's.
//!
//! Input: the first byte picks the interface (bit 0: request or WebSocket) and the method (bits
//! 1-3: one of the five by index, 5 the text of line 2, 6-7 none, as a WebSocket call has); the
//! rest, read as UTF-8 (lossily), is lines: the URL, a method name, the manifest's target, the
//! grant's target, then headers (`name:value`). A target line is space-separated fields: scheme,
//! host, port (`-` for none), path prefixes (comma-separated, `-` for none), methods
//! (comma-separated, `-` for none) and, for the grant, addresses (comma-separated).
//!
//! Asserted: nothing panics; every refusal is a well-formed [`NetError`] (a known code of the
//! step that refused, a bounded detail without control characters) and the code is the one the
//! step may give; an accepted URL is a fixed point (its canonical form parses to the same value)
//! and is inside a target made from its own canonical parts, and outside one on another port;
//! path prefixes match as a second, plain matcher says (whole segments, compared one by one);
//! the two-sided rule holds (refused as `not_in_manifest` exactly when the manifest's target does
//! not match, as `not_granted` exactly when the grant's does not, the permit naming the URL's host
//! and the grant's addresses); accepted headers satisfy a second, plain reading of the header
//! rules (bounds, token names, no framing or credential names).

use toolcage_runtime::net::{
    check_headers, check_target, parse_url, HeaderEntry, Host, Interface, Method, NetError,
    NetErrorCode, NetUrl, Side, Target, TargetSpec, HEADER_COUNT_CAP, HEADER_NAME_CAP,
    HEADER_VALUE_CAP,
};

/// Longest detail a refusal may carry (the runtime's own cap is 200 bytes).
const DETAIL_CAP: usize = 200;

/// Codes `parse_url` may refuse with.
const URL_CODES: &[NetErrorCode] = &[
    NetErrorCode::UrlInvalid,
    NetErrorCode::SchemeDenied,
    NetErrorCode::UserinfoDenied,
    NetErrorCode::PortInvalid,
    NetErrorCode::PathAmbiguous,
];

/// Codes `check_headers` may refuse with.
const HEADER_CODES: &[NetErrorCode] = &[
    NetErrorCode::HeaderDenied,
    NetErrorCode::HeaderInvalid,
    NetErrorCode::TooManyHeaders,
];

/// Header names the plain reading refuses: framing the client owns, and credentials that belong
/// to the host. A subset of the runtime's list, on purpose: what it accepts must avoid these.
const MODEL_DENIED: &[&str] = &[
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "upgrade",
    "cookie",
    "authorization",
    "proxy-authorization",
];

/// The oracle of target `net`.
pub fn check(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let interface = if mode & 1 == 0 {
        Interface::Request
    } else {
        Interface::WebSocket
    };
    let text = String::from_utf8_lossy(rest);
    let mut lines = text.split('\n');
    let url_text = lines.next().unwrap_or("");
    let method_text = lines.next().unwrap_or("");
    let manifest_line = lines.next().unwrap_or("");
    let grant_line = lines.next().unwrap_or("");
    let headers: Vec<HeaderEntry> = lines
        .map(|line| {
            let (name, value) = line.split_once(':').unwrap_or((line, ""));
            HeaderEntry {
                name: name.to_owned(),
                value: value.to_owned(),
            }
        })
        .collect();

    let method = match (mode >> 1) & 7 {
        index @ 0..=4 => Some(Method::ALL[usize::from(index)]),
        5 => match Method::parse(method_text) {
            Ok(method) => {
                assert_eq!(method.as_str(), method_text, "a method parsed loosely");
                Some(method)
            }
            Err(e) => {
                refusal(&e, &[NetErrorCode::MethodDenied], "Method::parse");
                None
            }
        },
        _ => None,
    };

    headers_hold(&headers);
    let manifest = target(manifest_line, interface, Side::Manifest);
    let grant = target(grant_line, interface, Side::Grant);
    match parse_url(url_text, interface) {
        Err(e) => refusal(&e, URL_CODES, "parse_url"),
        Ok(url) => {
            canonical(&url, interface);
            own_target(&url, interface, method);
            prefixes_match(&url, interface, method, manifest_line);
            if let (Some(manifest), Some(grant)) = (manifest, grant) {
                two_sided(&manifest, &grant, &url, method);
            }
        }
    }
}

/// A refusal names one of `codes` and carries a bounded, printable detail.
fn refusal(error: &NetError, codes: &[NetErrorCode], step: &str) {
    let code = error.code();
    assert!(
        codes.contains(&code),
        "{step} refused with {}, not one of its codes: {error}",
        code.as_str()
    );
    assert!(NetErrorCode::ALL.contains(&code));
    let detail = error.detail();
    assert!(
        detail.len() <= DETAIL_CAP,
        "a detail of {} bytes",
        detail.len()
    );
    assert!(
        !detail.chars().any(char::is_control),
        "a control character in the detail {detail:?}"
    );
    assert_eq!(error.to_string(), format!("{}: {detail}", code.as_str()));
}

/// An accepted URL is canonical: parsing its normalised form gives the same value, and it has
/// the properties the SPEC promises (a port, no user information, no fragment, the interface's
/// schemes only, a lower-case name without a trailing dot).
fn canonical(url: &NetUrl, interface: Interface) {
    let again = parse_url(url.as_str(), interface)
        .unwrap_or_else(|e| panic!("the canonical form {:?} is refused: {e}", url.as_str()));
    assert_eq!(&again, url, "the canonical form parses to another URL");
    assert_ne!(url.port(), 0);
    let schemes: &[&str] = match interface {
        Interface::Request => &["http", "https"],
        Interface::WebSocket => &["ws", "wss"],
    };
    assert!(schemes.contains(&url.scheme().as_str()));
    assert!(
        !url.as_str().contains('#'),
        "a fragment kept: {}",
        url.as_str()
    );
    assert!(url.request_target().starts_with('/'));
    if let Host::Name(name) = url.host() {
        assert!(
            !name.ends_with('.') && !name.bytes().any(|b| b.is_ascii_uppercase()),
            "a host name not in its canonical form: {name:?}"
        );
    }
}

/// The host as a target names it.
fn host_text(host: &Host) -> String {
    match host {
        Host::Name(name) => name.clone(),
        Host::Ip(ip) => ip.to_string(),
    }
}

/// Every accepted URL is inside the target made from its own scheme, host, port and path, and
/// outside the same target on another port.
fn own_target(url: &NetUrl, interface: Interface, method: Option<Method>) {
    let (methods, method) = match interface {
        Interface::Request => {
            let method = method.unwrap_or(Method::Get);
            (vec![method.as_str().to_owned()], Some(method))
        }
        Interface::WebSocket => (Vec::new(), None),
    };
    let path = url.request_target().split('?').next().unwrap_or("/");
    let spec = TargetSpec {
        scheme: url.scheme().as_str().to_owned(),
        host: host_text(url.host()),
        port: Some(url.port()),
        methods,
        path_prefixes: Some(vec![path.to_owned()]),
        addresses: Vec::new(),
    };
    let own = Target::new(&spec, interface, Side::Manifest)
        .unwrap_or_else(|e| panic!("a target from {}'s own parts is refused: {e}", url.as_str()));
    let own = [own];
    let permit = check_target(&own, &own, url, method)
        .unwrap_or_else(|e| panic!("{} is outside its own target: {e}", url.as_str()));
    assert_eq!(permit.host(), url.host());
    let other_port = TargetSpec {
        port: Some(if url.port() == u16::MAX {
            1
        } else {
            url.port() + 1
        }),
        ..spec
    };
    let other = [Target::new(&other_port, interface, Side::Manifest)
        .unwrap_or_else(|e| panic!("a target on another port is refused: {e}"))];
    let refused = check_target(&other, &other, url, method)
        .expect_err("a URL matched a target on another port");
    assert_eq!(refused.code(), NetErrorCode::NotInManifest);
}

/// The path prefixes of a target line (its fourth field) on a target otherwise made from the
/// URL's own parts: it matches exactly when a second, plain matcher says so (the prefix's
/// segments equal the URL's first segments, one by one; a trailing `/` adds nothing).
fn prefixes_match(url: &NetUrl, interface: Interface, method: Option<Method>, line: &str) {
    let field = line.split(' ').nth(3).unwrap_or("");
    if field.is_empty() || field == "-" {
        return;
    }
    let prefixes: Vec<String> = field.split(',').map(str::to_owned).collect();
    let method = match interface {
        Interface::Request => Some(method.unwrap_or(Method::Get)),
        Interface::WebSocket => None,
    };
    let spec = TargetSpec {
        scheme: url.scheme().as_str().to_owned(),
        host: host_text(url.host()),
        port: Some(url.port()),
        methods: method.iter().map(|m| m.as_str().to_owned()).collect(),
        path_prefixes: Some(prefixes.clone()),
        addresses: Vec::new(),
    };
    let target = match Target::new(&spec, interface, Side::Manifest) {
        Ok(target) => [target],
        Err(e) => return refusal(&e, &[NetErrorCode::TargetInvalid], "Target::new"),
    };
    // The plain matcher reads each prefix as the path of a URL (the same parser: what is
    // modelled is the matching, not the parsing); a prefix it cannot read decides nothing.
    let mut segments = Vec::new();
    for prefix in &prefixes {
        let Ok(parsed) = parse_url(&format!("http://h.test{prefix}"), Interface::Request) else {
            return;
        };
        let mut own = parsed.segments().to_vec();
        if own.last().is_some_and(Vec::is_empty) {
            own.pop();
        }
        segments.push(own);
    }
    let path = url.segments();
    let model = segments
        .iter()
        .any(|p| p.len() <= path.len() && p.iter().zip(path).all(|(a, b)| a == b));
    let runtime = check_target(&target, &target, url, method).is_ok();
    assert_eq!(
        runtime,
        model,
        "path prefixes {prefixes:?} against {}: the runtime says {runtime}, the plain matcher {model}",
        url.as_str()
    );
}

/// A target line checked for `side`: `None` when refused (with the one code a target may get).
fn target(line: &str, interface: Interface, side: Side) -> Option<Target> {
    let mut fields = line.split(' ');
    let mut next = || fields.next().unwrap_or("");
    let list = |field: &str| -> Vec<String> {
        if field == "-" || field.is_empty() {
            Vec::new()
        } else {
            field.split(',').map(str::to_owned).collect()
        }
    };
    let scheme = next().to_owned();
    let host = next().to_owned();
    let port = next().parse().ok();
    let prefixes = next();
    let path_prefixes = (prefixes != "-").then(|| list(prefixes));
    let methods = list(next());
    let addresses = list(next());
    let spec = TargetSpec {
        scheme,
        host,
        port,
        methods,
        path_prefixes,
        addresses,
    };
    match Target::new(&spec, interface, side) {
        Ok(target) => Some(target),
        Err(e) => {
            refusal(&e, &[NetErrorCode::TargetInvalid], "Target::new");
            None
        }
    }
}

/// The manifest AND the grant: the refusal names the side that does not match.
fn two_sided(manifest: &Target, grant: &Target, url: &NetUrl, method: Option<Method>) {
    let (in_manifest, granted) = (manifest.matches(url, method), grant.matches(url, method));
    let manifest = std::slice::from_ref(manifest);
    let grants = std::slice::from_ref(grant);
    match check_target(manifest, grants, url, method) {
        Ok(permit) => {
            assert!(
                in_manifest && granted,
                "{} permitted without both targets matching",
                url.as_str()
            );
            assert_eq!(permit.host(), url.host());
            assert_eq!(permit.addresses(), grant.addresses());
        }
        Err(e) => {
            refusal(
                &e,
                &[NetErrorCode::NotInManifest, NetErrorCode::NotGranted],
                "check_target",
            );
            let expected = if in_manifest {
                NetErrorCode::NotGranted
            } else {
                NetErrorCode::NotInManifest
            };
            assert!(
                !(in_manifest && granted),
                "{} refused although both targets match: {e}",
                url.as_str()
            );
            assert_eq!(e.code(), expected, "{e}");
        }
    }
}

/// `check_headers` against a plain reading of the rules.
fn headers_hold(headers: &[HeaderEntry]) {
    match check_headers(headers) {
        Err(e) => {
            refusal(&e, HEADER_CODES, "check_headers");
            assert_eq!(
                e.code() == NetErrorCode::TooManyHeaders,
                headers.len() > HEADER_COUNT_CAP,
                "{e} for {} headers",
                headers.len()
            );
        }
        Ok(()) => {
            assert!(headers.len() <= HEADER_COUNT_CAP);
            for header in headers {
                let name = &header.name;
                let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
                assert!(
                    (1..=HEADER_NAME_CAP).contains(&name.len()) && name.bytes().all(token),
                    "a header name outside the token rule accepted: {name:?}"
                );
                assert!(
                    header.value.len() <= HEADER_VALUE_CAP
                        && !header
                            .value
                            .bytes()
                            .any(|b| (b < 0x20 && b != b'\t') || b == 0x7f),
                    "a header value over the cap or with a control character accepted"
                );
                let lower = name.to_ascii_lowercase();
                assert!(
                    !MODEL_DENIED.contains(&lower.as_str())
                        && !lower.contains("auth")
                        && !lower.contains("token")
                        && !lower.starts_with("proxy-"),
                    "a framing or credential header accepted: {name:?}"
                );
            }
        }
    }
}
