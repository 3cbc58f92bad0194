//! `yoi:host/websocket`: at most four text WebSockets per store, numbered from 1, gone with the
//! store (so with the call).
//!
//! The policy decides `open` before any I/O; the dial goes to a checked address only (the name
//! is never resolved again for the connection); tungstenite does the handshake and framing with
//! the message and frame caps set, so an oversized frame is refused from its header, before its
//! payload is buffered. Every read and write blocks for at most [`SLICE`](super::SLICE) and then
//! looks at the call's budget, so a silent server or a server that trickles bytes holds the
//! call no longer than a guest loop would be held.

use super::super::resolve::checked_addresses_holed;
use super::super::target::check_target_holed;
use super::super::{parse_url, CheckedAddrs, Host, Interface, NetUrl, Resolver, Scheme};
use super::{Halt, Holes, Limit, WireError};
use crate::host_api::bind::NetTargets;
use rustix::event::{poll, PollFd, PollFlags, Timespec};
use serde::{Deserialize, Serialize};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tungstenite::handshake::HandshakeError;
use tungstenite::protocol::WebSocketConfig;
use tungstenite::{Message, WebSocket};

/// Most WebSockets open at once in one store.
pub(crate) const OPEN_CAP: usize = 4;
/// Largest text a guest may send, in bytes.
pub(crate) const SEND_CAP: usize = 32 * 1024;
/// Largest message (and frame) received, in bytes.
pub(crate) const RECV_CAP: usize = 64 * 1024;
/// A `recv` timeout of 0 means this.
pub(crate) const RECV_DEFAULT: Duration = Duration::from_secs(5);
/// The longest `recv` timeout; a larger one is this.
pub(crate) const RECV_MAX: Duration = Duration::from_secs(30);
/// Most control frames (pings, pongs) one `recv` reads before it gives up on the server.
pub(crate) const CONTROL_FRAMES_CAP: usize = 256;
/// How long an `open` may take, connect and handshake together, before the call's deadline.
pub(crate) const OPEN_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OpenJson {
    url: String,
    #[serde(default)]
    protocols: Vec<serde_json::Value>,
    #[serde(default)]
    headers: Vec<serde_json::Value>,
}

#[derive(Serialize)]
struct Opened<'a> {
    handle: u32,
    url: &'a str,
}

#[derive(Serialize)]
struct Sent {
    sent: bool,
    bytes: usize,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Received {
    Text { text: String },
    Closed,
}

#[derive(Serialize)]
struct Closed {
    closed: bool,
}

/// The stream under a WebSocket: plain TCP or TLS over it.
enum Stream {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Stream {
    fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(s) => s.get_ref(),
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

struct Socket {
    handle: u32,
    ws: WebSocket<Stream>,
    /// The server closed it (a close frame): later `recv`s answer `closed` again.
    closed: bool,
}

/// One store's WebSockets. Dropping it closes every socket (the call is over, however it
/// ended).
#[derive(Default)]
pub(crate) struct Sockets {
    open: Vec<Socket>,
    next: u32,
}

impl std::fmt::Debug for Sockets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sockets")
            .field("open", &self.open.len())
            .finish()
    }
}

fn answer(value: &impl Serialize) -> Result<String, WireError> {
    serde_json::to_string(value).map_err(|e| WireError::failed("io_error", e.to_string()))
}

fn config() -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(RECV_CAP))
        .max_frame_size(Some(RECV_CAP))
}

impl Sockets {
    /// Closes every socket now (the call is ending).
    pub(crate) fn clear(&mut self) {
        for socket in self.open.drain(..) {
            let _ = socket.ws.get_ref().tcp().shutdown(std::net::Shutdown::Both);
        }
    }

    fn find(&mut self, handle: u32) -> Result<&mut Socket, WireError> {
        self.open
            .iter_mut()
            .find(|s| s.handle == handle)
            .ok_or_else(|| WireError::failed("handle_unknown", format!("handle {handle}")))
    }

    fn remove(&mut self, handle: u32) {
        if let Some(i) = self.open.iter().position(|s| s.handle == handle) {
            let socket = self.open.remove(i);
            let _ = socket.ws.get_ref().tcp().shutdown(std::net::Shutdown::Both);
        }
    }

    /// `open(request-json)`: the policy, one lookup, a dial to a checked address, the
    /// handshake; `{"handle","url"}`.
    pub(crate) fn open(
        &mut self,
        targets: &NetTargets,
        resolver: &dyn Resolver,
        json: &str,
        limit: &Limit<'_>,
        holes: Holes,
    ) -> Result<String, WireError> {
        let request: OpenJson = crate::host_api::request_object(json)
            .map_err(|e| WireError::invalid("request_malformed", e))?;
        if !request.protocols.is_empty() || !request.headers.is_empty() {
            return Err(WireError::denied(
                "websocket_options_denied",
                "protocols and headers must be empty",
            ));
        }
        let url = parse_url(&request.url, Interface::WebSocket)?;
        let permit = check_target_holed(
            &targets.manifest,
            &targets.grant,
            &url,
            None,
            holes.matching(),
        )?;
        if self.open.len() >= OPEN_CAP {
            return Err(WireError::invalid(
                "too_many_handles",
                format!("at most {OPEN_CAP} open WebSockets per call"),
            ));
        }
        let started = Instant::now();
        let give_up = limit.deadline.min(started + OPEN_TIMEOUT);
        let mut checked =
            checked_addresses_holed(&url, &permit, resolver, give_up, holes.no_address_policy)?;
        if let (true, Host::Name(name)) = (holes.resolved_again, url.host()) {
            // The resolved-again mutant: the dial looks the name up again and trusts it.
            let again = resolver.resolve(name, give_up)?;
            checked = CheckedAddrs::unchecked(
                again
                    .into_iter()
                    .map(|ip| SocketAddr::new(ip, url.port()))
                    .collect(),
            );
        }
        limit.check()?;
        let tcp = dial(checked.addrs(), give_up, limit)?;
        let stream = match url.scheme() {
            Scheme::Wss => Stream::Tls(Box::new(tls(&url, tcp)?)),
            _ => Stream::Plain(tcp),
        };
        let ws = handshake(&url, stream, give_up, limit)?;
        self.next = self.next.wrapping_add(1).max(1);
        let handle = self.next;
        self.open.push(Socket {
            handle,
            ws,
            closed: false,
        });
        answer(&Opened {
            handle,
            url: url.as_str(),
        })
    }

    /// `send-text(handle, text)`: `{"sent":true,"bytes"}`.
    pub(crate) fn send_text(
        &mut self,
        handle: u32,
        text: String,
        limit: &Limit<'_>,
    ) -> Result<String, WireError> {
        if text.len() > SEND_CAP {
            return Err(WireError::invalid(
                "message_too_large",
                format!("{} bytes, at most {SEND_CAP}", text.len()),
            ));
        }
        let bytes = text.len();
        let socket = self.find(handle)?;
        let sent = write(&mut socket.ws, Message::text(text), limit);
        if let Err(WireError::Refused { .. }) = &sent {
            self.remove(handle);
        }
        sent?;
        answer(&Sent { sent: true, bytes })
    }

    /// `recv(handle, timeout-ms)`: the next text message, or `closed`. A binary message, an
    /// oversized one, a ping flood or a connection cut without a close frame fails the call and
    /// drops the socket; a timeout fails the call (the originating host's behaviour).
    pub(crate) fn recv(
        &mut self,
        handle: u32,
        timeout_ms: u32,
        limit: &Limit<'_>,
    ) -> Result<String, WireError> {
        let timeout = match timeout_ms {
            0 => RECV_DEFAULT,
            ms => Duration::from_millis(u64::from(ms)).min(RECV_MAX),
        };
        let until = Instant::now() + timeout;
        let socket = self.find(handle)?;
        if socket.closed {
            return answer(&Received::Closed);
        }
        let received = read(&mut socket.ws, until, limit);
        match received {
            Ok(Some(text)) => answer(&Received::Text { text }),
            Ok(None) => {
                socket.closed = true;
                answer(&Received::Closed)
            }
            Err(error @ WireError::Refused { .. }) => {
                self.remove(handle);
                Err(error)
            }
            Err(halted) => Err(halted),
        }
    }

    /// `close(handle)`: `{"closed":true}`, or `{"closed":false}` for a handle this store does
    /// not hold. The close frame is sent without waiting for the server's answer.
    pub(crate) fn close(&mut self, handle: u32) -> Result<String, WireError> {
        let Ok(socket) = self.find(handle) else {
            return answer(&Closed { closed: false });
        };
        if !socket.closed {
            // Non-blocking: a close frame the socket cannot take now is not waited for.
            let _ = socket.ws.close(None);
            let _ = socket.ws.flush();
        }
        self.remove(handle);
        answer(&Closed { closed: true })
    }
}

/// Dials the checked addresses in order, each attempt bounded by the budget's slice loop: a
/// connect that hangs ends at the deadline or a cancel.
fn dial(addrs: &[SocketAddr], give_up: Instant, limit: &Limit<'_>) -> Result<TcpStream, WireError> {
    for addr in addrs {
        loop {
            limit.check()?;
            let now = Instant::now();
            if now >= give_up {
                return Err(past(give_up, limit));
            }
            // A loopback or refused connect answers at once; a silent one is retried in
            // slices so that the budget is looked at between them.
            let wait = (give_up - now).min(Duration::from_millis(20));
            match TcpStream::connect_timeout(addr, wait) {
                Ok(stream) => {
                    let _ = stream.set_nodelay(true);
                    return Ok(stream);
                }
                Err(e) if e.kind() == io::ErrorKind::TimedOut => continue,
                Err(_) => break,
            }
        }
    }
    Err(WireError::failed(
        "connect_failed",
        "no checked address accepted the connection",
    ))
}

/// The failure when `give_up` passed: the call's deadline, or the open's own timeout.
fn past(give_up: Instant, limit: &Limit<'_>) -> WireError {
    if give_up >= limit.deadline {
        WireError::Halted(Halt::Timeout)
    } else {
        WireError::failed("connect_failed", "the open timed out")
    }
}

fn tls(
    url: &NetUrl,
    tcp: TcpStream,
) -> Result<rustls::StreamOwned<rustls::ClientConnection, TcpStream>, WireError> {
    let failed = |why: &str| WireError::failed("connect_failed", format!("TLS: {why}"));
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    // ring, the provider ureq uses for https: aws-lc-rs would bring a C toolchain with cmake.
    // It is deprecated in 0.23.48 for lacking post-quantum key exchange, not for a flaw.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|_| failed("no protocol version"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from(url.host().to_string())
        .map_err(|_| failed("the host is not a server name"))?;
    let connection = rustls::ClientConnection::new(Arc::new(config), name)
        .map_err(|_| failed("no connection"))?;
    Ok(rustls::StreamOwned::new(connection, tcp))
}

fn handshake(
    url: &NetUrl,
    stream: Stream,
    give_up: Instant,
    limit: &Limit<'_>,
) -> Result<WebSocket<Stream>, WireError> {
    if stream.tcp().set_nonblocking(true).is_err() {
        return Err(WireError::failed(
            "io_error",
            "the socket cannot be made non-blocking",
        ));
    }
    let mut attempt = tungstenite::client::client_with_config(url.as_str(), stream, Some(config()));
    loop {
        match attempt {
            Ok((ws, _response)) => return Ok(ws),
            Err(HandshakeError::Interrupted(mid)) => {
                limit.check()?;
                if Instant::now() >= give_up {
                    return Err(past(give_up, limit));
                }
                wait(mid.get_ref().get_ref().tcp(), PollFlags::IN, limit);
                attempt = mid.handshake();
            }
            Err(HandshakeError::Failure(tungstenite::Error::Http(_))) => {
                return Err(WireError::failed(
                    "connect_failed",
                    "the server refused the upgrade",
                ))
            }
            Err(HandshakeError::Failure(_)) => {
                return Err(WireError::failed(
                    "connect_failed",
                    "the WebSocket handshake failed",
                ))
            }
        }
    }
}

fn would_block(error: &tungstenite::Error) -> bool {
    matches!(error, tungstenite::Error::Io(e)
        if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut))
}

/// Waits until the socket is ready for `flags`, for at most one slice. `poll(2)` sleeps on a
/// high-resolution timer; a 1 ms `SO_RCVTIMEO` is rounded up to whole jiffies (4 ms at
/// `HZ=250`, about 8 ms measured), which would be the stop latency of a call on a silent
/// WebSocket. Called only after the stream said `WouldBlock`, so nothing tungstenite or rustls
/// already buffered is waited on.
fn wait(tcp: &TcpStream, flags: PollFlags, limit: &Limit<'_>) {
    let slice = limit.slice();
    let timeout = Timespec {
        tv_sec: 0,
        tv_nsec: i64::from(slice.subsec_nanos()),
    };
    let mut fds = [PollFd::new(tcp, flags)];
    let _ = poll(&mut fds, Some(&timeout));
}

fn write(ws: &mut WebSocket<Stream>, message: Message, limit: &Limit<'_>) -> Result<(), WireError> {
    let mut pending = ws.send(message);
    loop {
        match pending {
            Ok(()) => return Ok(()),
            Err(e) if would_block(&e) => {
                limit.check()?;
                wait(ws.get_ref().tcp(), PollFlags::OUT, limit);
                pending = ws.flush();
            }
            Err(_) => {
                return Err(WireError::failed(
                    "websocket_protocol",
                    "the connection failed while sending",
                ))
            }
        }
    }
}

/// The next text message (`None`: the server closed), within `until` and the budget.
fn read(
    ws: &mut WebSocket<Stream>,
    until: Instant,
    limit: &Limit<'_>,
) -> Result<Option<String>, WireError> {
    let mut control = 0usize;
    loop {
        limit.check()?;
        if Instant::now() >= until {
            return Err(WireError::failed(
                "recv_timeout",
                "no message before the recv timeout",
            ));
        }
        match ws.read() {
            Ok(Message::Text(text)) => return Ok(Some(text.as_str().to_owned())),
            Ok(Message::Binary(_)) => {
                return Err(WireError::failed(
                    "websocket_protocol",
                    "a binary message (text only)",
                ))
            }
            Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => {
                control += 1;
                if control > CONTROL_FRAMES_CAP {
                    return Err(WireError::failed(
                        "websocket_protocol",
                        format!("more than {CONTROL_FRAMES_CAP} control frames in one recv"),
                    ));
                }
            }
            Ok(Message::Close(_)) => return Ok(None),
            Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                return Ok(None)
            }
            Err(e) if would_block(&e) => wait(ws.get_ref().tcp(), PollFlags::IN, limit),
            Err(tungstenite::Error::Capacity(_)) => {
                return Err(WireError::failed(
                    "message_too_large",
                    format!("a message or frame over {RECV_CAP} bytes"),
                ))
            }
            Err(_) => {
                return Err(WireError::failed(
                    "websocket_protocol",
                    "the connection ended without a close frame, or broke the protocol",
                ))
            }
        }
    }
}
