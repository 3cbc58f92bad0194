//! The kit's WebSocket server: the upgrade is answered by hand (the kit already reads request
//! heads byte for byte), well-formed frames go through tungstenite, and the frames a client
//! must survive (a single oversized frame, a message cut off mid-way, raw bytes) are written raw.

use super::conn::Conn;
use super::http::read_head;
use super::record::{FrameKind, FrameRecord};
use super::script::{WsScript, WsStep};
use sha1::{Digest, Sha1};
use std::io::ErrorKind;
use std::time::{Duration, Instant};
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tungstenite::{Message, WebSocket};

/// Largest message the server reads from a client, in bytes.
pub const WS_READ_CAP: usize = 16 * 1024 * 1024;
/// How long a `close` step waits for the client's close frame.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// The `Sec-WebSocket-Accept` value for a client's key (RFC 6455, section 4.2.2).
pub fn accept_key(key: &str) -> String {
    let mut sha = Sha1::new();
    sha.update(key.trim().as_bytes());
    sha.update(b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    data_encoding::BASE64.encode(&sha.finalize())
}

/// Serves one connection of the WebSocket server.
pub(super) fn handle(mut conn: Conn, script: &WsScript) {
    let Some(head) = read_head(&mut conn) else {
        return;
    };
    let path = head
        .record
        .target
        .split('?')
        .next()
        .unwrap_or_default()
        .to_owned();
    let key = head.record.header("sec-websocket-key").map(str::to_owned);
    let upgrade = head
        .record
        .header("upgrade")
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    conn.shared().recording().push_request(head.record);
    let route = script.routes.iter().find(|r| r.path == path);
    let reject = route.and_then(|r| r.reject_status);
    let (Some(key), true, None) = (key, upgrade, reject) else {
        let status = reject.unwrap_or(400);
        let answer =
            format!("HTTP/1.1 {status} Refused\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        let _ = conn.write_all(answer.as_bytes());
        return;
    };
    let answer = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n",
        accept_key(&key)
    );
    if conn.write_all(answer.as_bytes()).is_err() {
        return;
    }
    let steps = route.map_or(&script.fallback, |r| &r.steps);
    let config = WebSocketConfig::default()
        .max_message_size(Some(WS_READ_CAP))
        .max_frame_size(Some(WS_READ_CAP));
    let mut ws = WebSocket::from_partially_read(conn, head.leftover, Role::Server, Some(config));
    for step in steps {
        if !run_step(&mut ws, step) {
            return;
        }
    }
    // After the script: keep reading (and recording) until the client leaves.
    while receive(&mut ws, None).is_some() {}
}

/// One received data message (pings, pongs and close frames are recorded and skipped); `None`
/// when the connection ended.
fn receive(ws: &mut WebSocket<Conn>, until: Option<Instant>) -> Option<Message> {
    loop {
        match ws.read() {
            Ok(message) => {
                let (kind, len) = match &message {
                    Message::Text(t) => (FrameKind::Text, t.len()),
                    Message::Binary(b) => (FrameKind::Binary, b.len()),
                    Message::Ping(p) => (FrameKind::Ping, p.len()),
                    Message::Pong(p) => (FrameKind::Pong, p.len()),
                    Message::Close(c) => (
                        FrameKind::Close,
                        c.as_ref().map_or(0, |c| c.reason.len() + 2),
                    ),
                    Message::Frame(f) => (FrameKind::Binary, f.payload().len()),
                };
                let connection = ws.get_ref().id;
                ws.get_ref().shared().recording().push_frame(FrameRecord {
                    connection,
                    kind,
                    len: len as u64,
                });
                if matches!(message, Message::Text(_) | Message::Binary(_)) {
                    return Some(message);
                }
                // Pongs to pings and the close reply are queued by tungstenite: flush them.
                let _ = flush(ws);
            }
            Err(tungstenite::Error::Io(e))
                if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut =>
            {
                if !ws.get_ref().alive() || until.is_some_and(|u| Instant::now() >= u) {
                    return None;
                }
            }
            Err(_) => return None,
        }
    }
}

fn send(ws: &mut WebSocket<Conn>, message: Message) -> bool {
    match ws.write(message) {
        Ok(()) => flush(ws),
        Err(tungstenite::Error::Io(e))
            if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut =>
        {
            flush(ws)
        }
        Err(_) => false,
    }
}

fn flush(ws: &mut WebSocket<Conn>) -> bool {
    loop {
        match ws.flush() {
            Ok(()) => return true,
            Err(tungstenite::Error::Io(e))
                if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut =>
            {
                if !ws.get_ref().alive() {
                    return false;
                }
            }
            Err(_) => return false,
        }
    }
}

/// Writes a raw frame header for a server (unmasked) frame.
fn frame_header(fin: bool, opcode: u8, len: u64) -> Vec<u8> {
    let mut header = vec![if fin { 0x80 } else { 0 } | opcode];
    match len {
        0..=125 => header.push(len as u8),
        126..=0xffff => {
            header.push(126);
            header.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            header.push(127);
            header.extend_from_slice(&len.to_be_bytes());
        }
    }
    header
}

/// False when the connection is over (closed, dropped, or the client left).
fn run_step(ws: &mut WebSocket<Conn>, step: &WsStep) -> bool {
    match step {
        WsStep::Echo { count } => {
            let mut left = count.unwrap_or(u32::MAX);
            while left > 0 {
                let Some(message) = receive(ws, None) else {
                    return false;
                };
                if !send(ws, message) {
                    return false;
                }
                left -= 1;
            }
            true
        }
        WsStep::Recv { count } => (0..*count).all(|_| receive(ws, None).is_some()),
        WsStep::SendText { text } => send(ws, Message::text(text.clone())),
        WsStep::SendBinary { size } => {
            let size = usize::try_from(*size).unwrap_or(usize::MAX);
            send(ws, Message::binary(vec![b'b'; size]))
        }
        WsStep::SendOversized { size } => {
            let conn = ws.get_mut();
            if conn.write_all(&frame_header(true, 0x1, *size)).is_err() {
                return false;
            }
            let filler = [b'x'; 16 * 1024];
            let mut left = *size;
            while left > 0 {
                let n = usize::try_from(left)
                    .unwrap_or(usize::MAX)
                    .min(filler.len());
                if conn.write_all(&filler[..n]).is_err() {
                    return false;
                }
                left -= n as u64;
            }
            true
        }
        WsStep::PingFlood { count, interval_ms } => (0..*count).all(|i| {
            send(ws, Message::Ping(i.to_be_bytes().to_vec().into()))
                && ws.get_ref().sleep(Duration::from_millis(*interval_ms))
        }),
        WsStep::Silence { ms } => ws.get_ref().sleep(Duration::from_millis(*ms)),
        WsStep::Close { code, reason } => {
            let frame = CloseFrame {
                code: CloseCode::from(*code),
                reason: reason.clone().into(),
            };
            let _ = ws.close(Some(frame));
            let _ = flush(ws);
            // Wait a little for the client's close frame (recorded), then end the connection.
            let end = Instant::now() + CLOSE_WAIT;
            while receive(ws, Some(end)).is_some() {}
            false
        }
        WsStep::CloseMidMessage { text } => {
            let conn = ws.get_mut();
            let mut frame = frame_header(false, 0x1, text.len() as u64);
            frame.extend_from_slice(text.as_bytes());
            let _ = conn.write_all(&frame);
            false
        }
        WsStep::Drop => false,
        WsStep::Raw { hex } => {
            let compact: String = hex.chars().filter(|c| !c.is_whitespace()).collect();
            match data_encoding::HEXLOWER_PERMISSIVE.decode(compact.as_bytes()) {
                Ok(bytes) => ws.get_mut().write_all(&bytes).is_ok(),
                Err(_) => false,
            }
        }
    }
}
