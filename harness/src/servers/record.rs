//! What reached a server: every connection, every request head, every WebSocket message. A case
//! asserts on it ("nothing" for every denial), so recording is bounded but never silent: what
//! does not fit is counted in `dropped`.

use serde::Serialize;
use std::net::SocketAddr;

/// Most records of each kind one server keeps.
pub const RECORD_CAP: usize = 10_000;
/// Longest header value kept in a record, in bytes (the rest is cut, marked with `...`).
pub const RECORDED_VALUE_CAP: usize = 1024;

/// One accepted connection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConnectionRecord {
    /// The server's own number for it, starting at 1.
    pub id: u64,
    /// The address it was accepted on.
    pub local: SocketAddr,
    /// The client's address.
    pub peer: SocketAddr,
}

/// One request head (and how much body followed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RequestRecord {
    /// The connection it came on.
    pub connection: u64,
    /// The method, as sent.
    pub method: String,
    /// The request target, as sent.
    pub target: String,
    /// The protocol version, as sent.
    pub version: String,
    /// The header lines in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// Body bytes read (after chunked decoding).
    pub body_len: u64,
    /// Whether the head and the whole body arrived and parsed.
    pub complete: bool,
}

impl RequestRecord {
    /// The first value of header `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The kind of a WebSocket message or control frame received.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FrameKind {
    /// A text message.
    Text,
    /// A binary message.
    Binary,
    /// A ping.
    Ping,
    /// A pong.
    Pong,
    /// A close frame.
    Close,
}

/// One WebSocket message received from a client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FrameRecord {
    /// The connection it came on.
    pub connection: u64,
    /// Its kind.
    pub kind: FrameKind,
    /// Its payload length.
    pub len: u64,
}

/// Everything one server saw.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Recording {
    /// Accepted connections, in order.
    pub connections: Vec<ConnectionRecord>,
    /// Request heads, in order (for the WebSocket server: the upgrade requests).
    pub requests: Vec<RequestRecord>,
    /// WebSocket messages received, in order.
    pub frames: Vec<FrameRecord>,
    /// Records not kept because a list was full.
    pub dropped: u64,
}

impl Recording {
    /// Nothing reached the server: no connection at all.
    pub fn is_empty(&self) -> bool {
        self.connections.is_empty() && self.dropped == 0
    }

    pub(super) fn push_connection(&mut self, record: ConnectionRecord) {
        push_bounded(&mut self.connections, record, &mut self.dropped);
    }

    pub(super) fn push_request(&mut self, record: RequestRecord) {
        push_bounded(&mut self.requests, record, &mut self.dropped);
    }

    pub(super) fn push_frame(&mut self, record: FrameRecord) {
        push_bounded(&mut self.frames, record, &mut self.dropped);
    }
}

fn push_bounded<T>(list: &mut Vec<T>, item: T, dropped: &mut u64) {
    if list.len() < RECORD_CAP {
        list.push(item);
    } else {
        *dropped += 1;
    }
}

/// A header value as kept: lossy UTF-8, cut at [`RECORDED_VALUE_CAP`].
pub(super) fn recorded_value(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    if text.len() <= RECORDED_VALUE_CAP {
        return text.into_owned();
    }
    let mut end = RECORDED_VALUE_CAP;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}
