//! The kit's HTTP/1.1 server: a small hand-written responder, because the cases need byte-level
//! control of what goes out (a lying `Content-Length`, a stalled head, one byte every 100 ms)
//! that a server library exists to prevent. One request per connection, answered with
//! `Connection: close` unless the script writes its own bytes.

use super::conn::Conn;
use super::record::{recorded_value, RequestRecord};
use super::script::{ContentLength, HttpResponse, HttpScript};
use std::time::Duration;

/// Longest request head read, in bytes; a longer one is answered 431 and recorded incomplete.
pub const REQUEST_HEAD_CAP: usize = 16 * 1024;
/// Most request body bytes read (and counted); past that the request is recorded incomplete.
pub const REQUEST_BODY_CAP: u64 = 64 * 1024 * 1024;
/// The chunk size of scripted chunked bodies.
const CHUNK: usize = 16 * 1024;

/// A request head as read, with whatever body bytes came in the same reads.
pub(super) struct Head {
    pub(super) record: RequestRecord,
    pub(super) leftover: Vec<u8>,
}

/// Reads one request head. `None` when the client left or sent nothing that parses (what did
/// arrive is recorded all the same, incomplete).
pub(super) fn read_head(conn: &mut Conn) -> Option<Head> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(at) = find(&buf, b"\r\n\r\n") {
            break Some(at);
        }
        if buf.len() > REQUEST_HEAD_CAP {
            break None;
        }
        match conn.read_some(&mut chunk) {
            Ok(0) | Err(_) => break None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head_len = end.unwrap_or(buf.len().min(REQUEST_HEAD_CAP));
    let mut record = parse_head(&buf[..head_len], conn.id);
    match end {
        Some(at) => Some(Head {
            record,
            leftover: buf[at + 4..].to_vec(),
        }),
        None => {
            if !buf.is_empty() {
                record.complete = false;
                conn.shared().recording().push_request(record);
                if buf.len() > REQUEST_HEAD_CAP {
                    let _ = conn.write_all(
                        b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    );
                }
            }
            None
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn parse_head(head: &[u8], connection: u64) -> RequestRecord {
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.splitn(3, |&b| b == b' ');
    let mut next = || String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let (method, target, version) = (next(), next(), next());
    let mut headers = Vec::new();
    let mut well_formed = !method.is_empty() && !target.is_empty() && version.starts_with("HTTP/");
    for line in lines {
        match line.iter().position(|&b| b == b':') {
            Some(colon) => headers.push((
                String::from_utf8_lossy(&line[..colon]).into_owned(),
                recorded_value(line[colon + 1..].trim_ascii()),
            )),
            None => well_formed = false,
        }
    }
    RequestRecord {
        connection,
        method,
        target,
        version,
        headers,
        body_len: 0,
        complete: well_formed,
    }
}

/// Reads the body the head announces (Content-Length or chunked), counting it; false when it
/// did not arrive whole.
fn read_body(conn: &mut Conn, head: &mut Head) -> bool {
    let chunked = head
        .record
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let mut reader = BodyReader {
        buf: std::mem::take(&mut head.leftover),
        pos: 0,
        body: 0,
    };
    let result = if chunked {
        read_chunked(conn, &mut reader)
    } else {
        match head.record.header("content-length") {
            None => Some(0),
            Some(text) => match text.trim().parse::<u64>() {
                Ok(len) if len <= REQUEST_BODY_CAP => reader.skip(conn, len).then_some(len),
                _ => None,
            },
        }
    };
    match result {
        Some(len) => {
            head.record.body_len = len;
            true
        }
        None => {
            head.record.body_len = reader.body;
            false
        }
    }
}

struct BodyReader {
    buf: Vec<u8>,
    pos: usize,
    /// Body bytes consumed so far (chunk framing not counted).
    body: u64,
}

impl BodyReader {
    fn fill(&mut self, conn: &mut Conn) -> bool {
        if self.pos < self.buf.len() {
            return true;
        }
        self.buf.clear();
        self.pos = 0;
        let mut chunk = [0u8; 16 * 1024];
        match conn.read_some(&mut chunk) {
            Ok(n) if n > 0 => {
                self.buf.extend_from_slice(&chunk[..n]);
                true
            }
            _ => false,
        }
    }

    fn skip(&mut self, conn: &mut Conn, mut len: u64) -> bool {
        while len > 0 {
            if !self.fill(conn) {
                return false;
            }
            let take = (self.buf.len() - self.pos).min(usize::try_from(len).unwrap_or(usize::MAX));
            self.pos += take;
            self.body += take as u64;
            len -= take as u64;
        }
        true
    }

    fn line(&mut self, conn: &mut Conn) -> Option<Vec<u8>> {
        let mut line = Vec::new();
        loop {
            if !self.fill(conn) || line.len() > 1024 {
                return None;
            }
            let byte = self.buf[self.pos];
            self.pos += 1;
            if byte == b'\n' {
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Some(line);
            }
            line.push(byte);
        }
    }
}

fn read_chunked(conn: &mut Conn, reader: &mut BodyReader) -> Option<u64> {
    let mut total = 0u64;
    loop {
        let line = reader.line(conn)?;
        let size_text = String::from_utf8_lossy(&line);
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = u64::from_str_radix(size_text, 16).ok()?;
        if size == 0 {
            // Trailers, up to the empty line.
            while !reader.line(conn)?.is_empty() {}
            return Some(total);
        }
        total = total.checked_add(size).filter(|t| *t <= REQUEST_BODY_CAP)?;
        if !reader.skip(conn, size) || !reader.line(conn)?.is_empty() {
            return None;
        }
    }
}

/// Serves one connection of the HTTP server.
pub(super) fn handle(mut conn: Conn, script: &HttpScript) {
    let conn = &mut conn;
    let Some(mut head) = read_head(conn) else {
        return;
    };
    let body_ok = read_body(conn, &mut head);
    head.record.complete &= body_ok;
    let path = head
        .record
        .target
        .split('?')
        .next()
        .unwrap_or_default()
        .to_owned();
    conn.shared().recording().push_request(head.record);
    let response = script
        .routes
        .iter()
        .find(|route| route.path == path)
        .map_or(&script.fallback, |route| &route.response);
    respond(conn, response);
}

fn respond(conn: &mut Conn, response: &HttpResponse) {
    if !conn.sleep(Duration::from_millis(response.delay_before_headers_ms)) {
        return;
    }
    if response.silent {
        conn.drain_until_closed();
        return;
    }
    let mut out = Paced {
        interval: Duration::from_millis(response.byte_interval_ms),
        budget: response.stall_after_bytes,
    };
    let complete = match &response.raw {
        Some(raw) => out.write(conn, raw.as_bytes()),
        None => write_built(conn, &mut out, response),
    };
    if complete {
        // Let the client read to the end before the close.
        let _ = conn.stream.shutdown(std::net::Shutdown::Write);
        conn.drain_until_closed();
    } else if out.budget == Some(0) {
        // Stalled on purpose: hold the connection open, silent.
        conn.drain_until_closed();
    }
}

fn write_built(conn: &mut Conn, out: &mut Paced, response: &HttpResponse) -> bool {
    let status = response.status.unwrap_or(if response.redirect.is_some() {
        302
    } else {
        200
    });
    let reason = response
        .reason
        .clone()
        .unwrap_or_else(|| reason(status).to_owned());
    let body_len = match (&response.body, response.body_size) {
        (Some(text), _) => text.len() as u64,
        (None, Some(size)) => size,
        (None, None) => 0,
    };
    let mut head = format!("HTTP/1.1 {status} {reason}\r\n");
    match response.content_length {
        ContentLength::Auto if !response.chunked => {
            head.push_str(&format!("Content-Length: {body_len}\r\n"));
        }
        ContentLength::Value(value) => head.push_str(&format!("Content-Length: {value}\r\n")),
        ContentLength::Auto | ContentLength::Omit => {}
    }
    if response.chunked {
        head.push_str("Transfer-Encoding: chunked\r\n");
    }
    if let Some(location) = &response.redirect {
        head.push_str(&format!("Location: {location}\r\n"));
    }
    head.push_str("Connection: close\r\n");
    for line in &response.headers {
        head.push_str(&format!("{}: {}\r\n", line.name, line.value));
    }
    head.push_str("\r\n");
    if !out.write(conn, head.as_bytes()) {
        return false;
    }
    let filler = [b'x'; CHUNK];
    let mut left = body_len;
    let text = response.body.as_deref().map(str::as_bytes);
    let mut offset = 0usize;
    while left > 0 {
        let n = usize::try_from(left).unwrap_or(usize::MAX).min(CHUNK);
        let piece = match text {
            Some(text) => &text[offset..offset + n],
            None => &filler[..n],
        };
        offset += n;
        left -= n as u64;
        let ok = if response.chunked {
            out.write(conn, format!("{n:x}\r\n").as_bytes())
                && out.write(conn, piece)
                && out.write(conn, b"\r\n")
        } else {
            out.write(conn, piece)
        };
        if !ok {
            return false;
        }
    }
    !response.chunked || out.write(conn, b"0\r\n\r\n")
}

/// Writes at the scripted pace and stops at the scripted byte budget.
struct Paced {
    interval: Duration,
    budget: Option<u64>,
}

impl Paced {
    /// False when the budget ran out, the client left or the server stopped.
    fn write(&mut self, conn: &mut Conn, bytes: &[u8]) -> bool {
        let allowed = match self.budget {
            Some(budget) => bytes
                .len()
                .min(usize::try_from(budget).unwrap_or(usize::MAX)),
            None => bytes.len(),
        };
        let ok = if self.interval.is_zero() {
            conn.write_all(&bytes[..allowed]).is_ok()
        } else {
            bytes[..allowed].iter().all(|b| {
                conn.write_all(std::slice::from_ref(b)).is_ok() && conn.sleep(self.interval)
            })
        };
        if let Some(budget) = &mut self.budget {
            *budget -= allowed as u64;
        }
        ok && allowed == bytes.len()
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
