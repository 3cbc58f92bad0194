//! The kit's own loopback servers for the network host-API cases: an HTTP/1.1 server, a
//! WebSocket server and a sentinel, started on ephemeral loopback ports for each run, scripted as
//! data ([`ServerScripts`], from a case's header), and recording everything that reached them so
//! a case can assert "nothing" for every denial.
//!
//! The sentinel is the address no case may ever reach: redirects and address cases point at it,
//! and a rebinding name answers it on the second lookup. It listens on `127.0.0.1:$SENTINEL_PORT`
//! and on [`SENTINEL_HOST`] (`127.0.0.2`) at every server's port, so a runtime that resolves a
//! name again after its check and connects to the new answer lands on it. Any connection to it is
//! a violation ([`Servers::violations`]).
//!
//! Everything is bounded: connections per server, threads per server, each connection's
//! lifetime, every scripted size, delay and count. Dropping [`Servers`] stops every thread and
//! closes every socket before it returns.

mod conn;
mod http;
mod names;
mod record;
mod script;
#[cfg(test)]
mod tests;
mod websocket;

pub use conn::{CONNECTION_CAP, CONNECTION_LIFETIME, LIVE_CAP};
pub use http::{REQUEST_BODY_CAP, REQUEST_HEAD_CAP};
pub use names::{NameAnswer, NameTable};
pub use record::{
    ConnectionRecord, FrameKind, FrameRecord, Recording, RequestRecord, RECORDED_VALUE_CAP,
    RECORD_CAP,
};
pub use script::{
    ContentLength, HeaderLine, HttpResponse, HttpRoute, HttpScript, Placeholders, ServerScripts,
    WsRoute, WsScript, WsStep, SCRIPT_COUNT_CAP, SCRIPT_DELAY_CAP_MS, SCRIPT_SIZE_CAP,
};
pub use websocket::{accept_key, WS_READ_CAP};

use conn::{bind, Server};
use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, ErrorKind};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};
use std::sync::Arc;

/// The second loopback address, where only the sentinel listens.
pub const SENTINEL_HOST: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);

/// Why the servers could not start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerError {
    /// Binding or configuring a socket, or starting a thread, failed.
    Io(String),
    /// A script uses a placeholder no server defines.
    Placeholder(String),
    /// A script breaks a bound or is malformed.
    Script(String),
}

impl ServerError {
    fn io(error: io::Error) -> ServerError {
        ServerError::Io(error.to_string())
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            ServerError::Io(_) => "server_io",
            ServerError::Placeholder(_) => "server_placeholder",
            ServerError::Script(_) => "server_script",
        }
    }
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (ServerError::Io(m) | ServerError::Placeholder(m) | ServerError::Script(m)) = self;
        write!(f, "{}: {m}", self.code())
    }
}

impl std::error::Error for ServerError {}

/// How often binding is retried when a port picked for one address is taken on another.
const BIND_ATTEMPTS: usize = 16;

/// One run's servers. Dropping it stops them all.
pub struct Servers {
    http: Server,
    websocket: Server,
    sentinel: Server,
    placeholders: Placeholders,
    ports: Ports,
}

/// The ports the servers got (each on 127.0.0.1, and on [::1] when IPv6 is available).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ports {
    /// The HTTP server's.
    pub http: u16,
    /// The WebSocket server's.
    pub websocket: u16,
    /// The sentinel's own.
    pub sentinel: u16,
    /// Whether the servers also listen on [::1].
    pub ipv6: bool,
}

struct Bound {
    http: Vec<TcpListener>,
    websocket: Vec<TcpListener>,
    sentinel: Vec<TcpListener>,
    ports: Ports,
}

impl Servers {
    /// Binds every server, expands the scripts' placeholders and starts serving.
    pub fn start(scripts: &ServerScripts) -> Result<Servers, ServerError> {
        let bound = bind_all()?;
        let placeholders = placeholders(&bound.ports);
        let scripts = scripts.expand(&placeholders)?;
        let http_script = Arc::new(scripts.http);
        let ws_script = Arc::new(scripts.websocket);
        let http = Server::start(
            "http",
            bound.http,
            Arc::new(move |conn| http::handle(conn, &http_script)),
        )?;
        let websocket = Server::start(
            "ws",
            bound.websocket,
            Arc::new(move |conn| websocket::handle(conn, &ws_script)),
        )?;
        let sentinel = Server::start(
            "sentinel",
            bound.sentinel,
            Arc::new(|mut conn| {
                // Keep what the intruder sent, for the report; answer nothing.
                if let Some(head) = http::read_head(&mut conn) {
                    conn.shared().recording().push_request(head.record);
                }
            }),
        )?;
        Ok(Servers {
            http,
            websocket,
            sentinel,
            placeholders,
            ports: bound.ports,
        })
    }

    /// The ports.
    pub fn ports(&self) -> Ports {
        self.ports
    }

    /// `$HTTP_PORT`, `$WS_PORT`, `$SENTINEL_PORT` and `$SENTINEL_HOST` for this run.
    pub fn placeholders(&self) -> &Placeholders {
        &self.placeholders
    }

    /// Expands this run's placeholders in `text` (a URL, a target, a grant).
    pub fn expand(&self, text: &str) -> Result<String, ServerError> {
        self.placeholders.expand(text)
    }

    /// A case's name table with placeholders expanded, ready for the protocol.
    pub fn names(
        &self,
        table: &NameTable,
    ) -> Result<BTreeMap<String, Vec<Vec<IpAddr>>>, ServerError> {
        table.resolve_placeholders(&self.placeholders)
    }

    /// What reached the HTTP server so far.
    pub fn http_recording(&self) -> Recording {
        self.http.shared().recording().clone()
    }

    /// What reached the WebSocket server so far.
    pub fn websocket_recording(&self) -> Recording {
        self.websocket.shared().recording().clone()
    }

    /// What reached the sentinel so far.
    pub fn sentinel_recording(&self) -> Recording {
        self.sentinel.shared().recording().clone()
    }

    /// Every connection that reached the sentinel: each one is a violation.
    pub fn violations(&self) -> Vec<ConnectionRecord> {
        self.sentinel.shared().recording().connections.clone()
    }

    /// Nothing reached any server (what every denial must leave behind).
    pub fn untouched(&self) -> bool {
        self.http_recording().is_empty()
            && self.websocket_recording().is_empty()
            && self.sentinel_recording().is_empty()
    }

    /// Stops every server now (dropping does the same).
    pub fn stop(mut self) {
        self.stop_all();
    }

    fn stop_all(&mut self) {
        self.http.stop();
        self.websocket.stop();
        self.sentinel.stop();
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        self.stop_all();
    }
}

fn placeholders(ports: &Ports) -> Placeholders {
    let mut values = Placeholders::default();
    values.set("HTTP_PORT", ports.http.to_string());
    values.set("WS_PORT", ports.websocket.to_string());
    values.set("SENTINEL_PORT", ports.sentinel.to_string());
    values.set("SENTINEL_HOST", SENTINEL_HOST.to_string());
    values
}

fn bind_all() -> Result<Bound, ServerError> {
    let ipv6 = ipv6_available();
    let mut last = None;
    for _ in 0..BIND_ATTEMPTS {
        match try_bind_all(ipv6) {
            Ok(bound) => return Ok(bound),
            Err(e) if e.kind() == ErrorKind::AddrInUse => last = Some(e),
            Err(e) => return Err(ServerError::io(e)),
        }
    }
    Err(ServerError::io(
        last.unwrap_or_else(|| io::Error::other("no port")),
    ))
}

fn ipv6_available() -> bool {
    TcpListener::bind((Ipv6Addr::LOCALHOST, 0)).is_ok()
}

/// One server's listeners: 127.0.0.1 on a fresh port, and [::1] on the same port.
fn pair(ipv6: bool) -> io::Result<(Vec<TcpListener>, u16)> {
    let v4 = bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))?;
    let port = v4.local_addr()?.port();
    let mut listeners = vec![v4];
    if ipv6 {
        listeners.push(bind(SocketAddr::from((Ipv6Addr::LOCALHOST, port)))?);
    }
    Ok((listeners, port))
}

fn try_bind_all(ipv6: bool) -> io::Result<Bound> {
    let (http, http_port) = pair(ipv6)?;
    let (websocket, ws_port) = pair(ipv6)?;
    let (mut sentinel, sentinel_port) = pair(ipv6)?;
    for port in [sentinel_port, http_port, ws_port] {
        sentinel.push(bind(SocketAddr::from((SENTINEL_HOST, port)))?);
    }
    Ok(Bound {
        http,
        websocket,
        sentinel,
        ports: Ports {
            http: http_port,
            websocket: ws_port,
            sentinel: sentinel_port,
            ipv6,
        },
    })
}
