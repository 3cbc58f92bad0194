//! `yoi:host/request`: one HTTP exchange, decided on the call thread ([`prepare`]: JSON, method,
//! URL, targets, headers, body; no I/O) and carried out on a worker ([`Prepared::send`]: one
//! lookup, the address policy, the exchange) that the call can shut down ([`Shutdown`]).
//!
//! ureq carries the bytes, configured so that nothing the guest or the server says widens what
//! was checked: no redirect is followed (a 3xx comes back as it is), no proxy is used whatever
//! the environment says, nothing is decompressed, the response head is capped, and the only
//! addresses ureq can dial are the ones the policy checked (its resolver is [`Checked`]).

use super::super::resolve::checked_addresses_holed;
use super::super::target::check_target_holed;
use super::super::{
    check_headers, parse_url, CheckedAddrs, HeaderEntry, Host, Interface, Method, NetUrl, Permit,
    Resolver,
};
use super::{Halt, Holes, WireError, REQUEST_TIMEOUT};
use crate::host_api::bind::NetTargets;
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Instant;
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver as UreqResolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

/// Largest request body, in bytes.
pub(crate) const BODY_CAP: usize = 32 * 1024;
/// Most response body bytes returned; more sets `truncated`.
pub(crate) const RESPONSE_BODY_CAP: usize = 64 * 1024;
/// Largest response head (status line and headers), in bytes.
pub(crate) const RESPONSE_HEAD_CAP: usize = 16 * 1024;
/// Most response headers returned.
pub(crate) const RESPONSE_HEADER_COUNT_CAP: usize = 64;

/// The request a guest hands over, exactly: unknown keys are refused.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestJson {
    method: String,
    url: String,
    #[serde(default)]
    headers: Vec<HeaderEntry>,
    #[serde(default)]
    body: Option<String>,
}

/// The answer, keys in the originating host's order.
#[derive(Serialize)]
struct ResponseJson<'a> {
    status: u16,
    headers: Vec<HeaderJson>,
    body: &'a str,
    truncated: bool,
}

#[derive(Serialize)]
struct HeaderJson {
    name: String,
    value: String,
}

/// A request the policy allowed, ready to go out.
pub(crate) struct Prepared {
    method: Method,
    url: NetUrl,
    permit: Permit,
    headers: Vec<HeaderEntry>,
    body: Vec<u8>,
    agent: ureq::Agent,
    addrs: Arc<OnceLock<CheckedAddrs>>,
    started: Instant,
    deadline: Instant,
    holes: Holes,
}

/// Ends a request from another thread: its sockets are shut down, so the worker blocked on one
/// returns at once.
pub(crate) struct Shutdown(ureq::Agent);

impl Shutdown {
    pub(crate) fn shutdown(self) {
        self.0.shutdown();
    }
}

/// Judges a guest's request without any I/O: everything that can be refused before a name is
/// looked up is refused here, in the SPEC's order.
pub(crate) fn prepare(
    targets: &NetTargets,
    json: &str,
    deadline: Instant,
    holes: Holes,
) -> Result<Prepared, WireError> {
    let request: RequestJson = crate::host_api::request_object(json)
        .map_err(|e| WireError::invalid("request_malformed", e))?;
    let method = Method::parse(&request.method)?;
    let url = parse_url(&request.url, Interface::Request)?;
    let permit = check_target_holed(
        &targets.manifest,
        &targets.grant,
        &url,
        Some(method),
        holes.matching(),
    )?;
    if !holes.headers_unchecked {
        check_headers(&request.headers)?;
    }
    let body = request.body.unwrap_or_default().into_bytes();
    if body.len() > BODY_CAP {
        return Err(WireError::invalid(
            "body_too_large",
            format!("{} bytes, at most {BODY_CAP}", body.len()),
        ));
    }
    let started = Instant::now();
    let timeout = if holes.outside_budget {
        REQUEST_TIMEOUT
    } else {
        REQUEST_TIMEOUT.min(deadline.saturating_duration_since(started))
    };
    let addrs = Arc::new(OnceLock::new());
    let config = ureq::Agent::config_builder()
        .proxy(None)
        .max_redirects(if holes.redirects_followed { 5 } else { 0 })
        .save_redirect_history(false)
        .http_status_as_error(false)
        .max_response_header_size(RESPONSE_HEAD_CAP)
        .max_idle_connections(0)
        .max_idle_connections_per_host(0)
        .timeout_global(Some(timeout))
        .build();
    let resolver = Checked {
        addrs: Arc::clone(&addrs),
        host: url.host().clone(),
        follow: holes.redirects_followed,
    };
    let agent = ureq::Agent::with_parts(config, DefaultConnector::new(), resolver);
    Ok(Prepared {
        method,
        url,
        permit,
        headers: request.headers,
        body,
        agent,
        addrs,
        started,
        deadline,
        holes,
    })
}

impl Prepared {
    /// What ends this request from the call thread.
    pub(crate) fn shutdown_handle(&self) -> Shutdown {
        Shutdown(self.agent.clone())
    }

    /// The URL as it will be sent, for details.
    pub(crate) fn url(&self) -> &str {
        self.url.as_str()
    }

    /// Looks the host up once, checks every address, and makes the exchange with the addresses
    /// that passed. Blocking: runs on a worker inside the call's budget.
    pub(crate) fn send(self, resolver: &dyn Resolver) -> Result<String, WireError> {
        let mut checked = checked_addresses_holed(
            &self.url,
            &self.permit,
            resolver,
            self.deadline,
            self.holes.no_address_policy,
        )?;
        if let (true, Host::Name(name)) = (self.holes.resolved_again, self.url.host()) {
            let again = resolver.resolve(name, self.deadline)?;
            let port = self.url.port();
            checked = CheckedAddrs::unchecked(
                again
                    .into_iter()
                    .map(|ip| SocketAddr::new(ip, port))
                    .collect(),
            );
        }
        // Set once, before ureq asks: the only answer its resolver can give.
        let _ = self.addrs.set(checked);
        let mut builder = ureq::http::Request::builder()
            .method(self.method.as_str())
            .uri(self.url.as_str());
        for header in &self.headers {
            builder = builder.header(header.name.as_str(), header.value.as_str());
        }
        let request = builder
            .body(self.body)
            .map_err(|e| WireError::invalid("request_malformed", e.to_string()))?;
        let response = self
            .agent
            .run(request)
            .map_err(|e| failure(&e, self.started, self.deadline))?;
        let status = response.status().as_u16();
        let mut headers = Vec::new();
        for (name, value) in response.headers() {
            if headers.len() == RESPONSE_HEADER_COUNT_CAP {
                return Err(WireError::failed(
                    "response_invalid",
                    format!("more than {RESPONSE_HEADER_COUNT_CAP} response headers"),
                ));
            }
            headers.push(HeaderJson {
                name: name.as_str().to_owned(),
                value: String::from_utf8_lossy(value.as_bytes()).into_owned(),
            });
        }
        // At most the cap and one byte more is read, whatever the server sends or says its
        // length is: a 100 MiB body costs 64 KiB. Dropping the reader closes the connection.
        let mut body = Vec::with_capacity(RESPONSE_BODY_CAP + 1);
        let cap = if self.holes.body_unbounded {
            u64::MAX
        } else {
            RESPONSE_BODY_CAP as u64 + 1
        };
        response
            .into_body()
            .into_reader()
            .take(cap)
            .read_to_end(&mut body)
            .map_err(|e| io_failure(&e, self.started, self.deadline))?;
        let truncated = !self.holes.body_unbounded && body.len() > RESPONSE_BODY_CAP;
        if !self.holes.body_unbounded {
            body.truncate(RESPONSE_BODY_CAP);
        }
        let text = String::from_utf8_lossy(&body);
        serde_json::to_string(&ResponseJson {
            status,
            headers,
            body: &text,
            truncated,
        })
        .map_err(|e| WireError::failed("io_error", e.to_string()))
    }
}

/// ureq's resolver for one request: the addresses the policy checked, and nothing else. The URL
/// ureq holds is never looked up again.
#[derive(Debug)]
struct Checked {
    addrs: Arc<OnceLock<CheckedAddrs>>,
    host: Host,
    /// The redirects-followed mutant: a redirect to an address literal dials it.
    follow: bool,
}

impl UreqResolver for Checked {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        _config: &ureq::config::Config,
        _timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let mut out = self.empty();
        if self.follow {
            let elsewhere = uri
                .host()
                .and_then(|h| h.trim_matches(['[', ']']).parse::<std::net::IpAddr>().ok())
                .filter(|ip| Host::Ip(*ip) != self.host);
            if let Some(ip) = elsewhere {
                out.push(SocketAddr::new(ip, uri.port_u16().unwrap_or(80)));
                return Ok(out);
            }
        }
        let checked = self.addrs.get().ok_or(ureq::Error::HostNotFound)?;
        // ureq keeps at most 16 addresses; more would not fit its array.
        for addr in checked.addrs().iter().take(16) {
            out.push(SocketAddr::clone(addr));
        }
        if out.is_empty() {
            return Err(ureq::Error::HostNotFound);
        }
        Ok(out)
    }
}

/// A ureq failure as the guest's call sees it: the deadline's passing is the call's timeout,
/// the request's own 5 s are the host call's failure.
fn failure(error: &ureq::Error, started: Instant, deadline: Instant) -> WireError {
    if Instant::now() >= deadline {
        return WireError::Halted(Halt::Timeout);
    }
    match error {
        ureq::Error::Timeout(_) => timed_out(started),
        ureq::Error::Io(e) => io_failure(e, started, deadline),
        ureq::Error::ConnectionFailed | ureq::Error::HostNotFound => {
            WireError::failed("connect_failed", "the connection could not be made")
        }
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => {
            WireError::failed("connect_failed", "the TLS handshake failed")
        }
        ureq::Error::LargeResponseHeader(..) => WireError::failed(
            "response_invalid",
            format!("a response head over {RESPONSE_HEAD_CAP} bytes"),
        ),
        ureq::Error::Protocol(_) | ureq::Error::BadUri(_) | ureq::Error::Http(_) => {
            WireError::failed("response_invalid", "the server's answer is not valid HTTP")
        }
        _ => WireError::failed("io_error", "the exchange failed"),
    }
}

fn io_failure(error: &std::io::Error, started: Instant, deadline: Instant) -> WireError {
    use std::io::ErrorKind;
    if Instant::now() >= deadline {
        return WireError::Halted(Halt::Timeout);
    }
    match error.kind() {
        ErrorKind::TimedOut | ErrorKind::WouldBlock => timed_out(started),
        ErrorKind::ConnectionRefused | ErrorKind::NotConnected => {
            WireError::failed("connect_failed", "the connection was refused")
        }
        ErrorKind::UnexpectedEof | ErrorKind::ConnectionReset | ErrorKind::BrokenPipe => {
            WireError::failed(
                "response_invalid",
                "the server closed the connection before its answer was complete",
            )
        }
        _ => WireError::failed("io_error", "the exchange failed"),
    }
}

fn timed_out(started: Instant) -> WireError {
    WireError::failed(
        "request_timeout",
        format!(
            "no answer within {} ms",
            started
                .elapsed()
                .as_millis()
                .min(REQUEST_TIMEOUT.as_millis())
        ),
    )
}
