//! What the kit's servers answer, as data: a case's TOML header carries it, so every field is
//! serde-deserializable with unknown keys refused, and strings may hold placeholders for the
//! ports the servers got (`$HTTP_PORT`, `$WS_PORT`, `$SENTINEL_PORT`, `$SENTINEL_HOST`).

use super::ServerError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Largest scripted body or frame, in bytes: 1 GiB, enough for "a response of 100 MiB" cases.
pub const SCRIPT_SIZE_CAP: u64 = 1 << 30;
/// Longest scripted delay, in milliseconds: a server never waits longer than a minute.
pub const SCRIPT_DELAY_CAP_MS: u64 = 60_000;
/// Most repetitions a step may ask for (pings, echoed messages).
pub const SCRIPT_COUNT_CAP: u32 = 100_000;

/// The scripts of one run's servers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerScripts {
    /// The HTTP server's answers.
    #[serde(default)]
    pub http: HttpScript,
    /// The WebSocket server's behaviour.
    #[serde(default)]
    pub websocket: WsScript,
}

/// The HTTP server: the first route whose `path` equals the request's path (query ignored)
/// answers; otherwise `fallback` does (404 unless scripted).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpScript {
    /// Routes, tried in order.
    #[serde(default)]
    pub routes: Vec<HttpRoute>,
    /// The answer for every other path.
    #[serde(default = "not_found")]
    pub fallback: HttpResponse,
}

impl Default for HttpScript {
    fn default() -> HttpScript {
        HttpScript {
            routes: Vec::new(),
            fallback: not_found(),
        }
    }
}

fn not_found() -> HttpResponse {
    HttpResponse {
        status: Some(404),
        ..HttpResponse::default()
    }
}

/// One path and its answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpRoute {
    /// The request path, compared exactly (no decoding, no query).
    pub path: String,
    /// The answer.
    #[serde(default)]
    pub response: HttpResponse,
}

/// How `Content-Length` is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ContentLength {
    /// The body's real length (not with `chunked`).
    #[default]
    Auto,
    /// No `Content-Length`: the end of the connection ends the body.
    Omit,
    /// This value, whatever the body's length (a server that lies).
    Value(u64),
}

/// One scripted answer, byte for byte: the head is written exactly as listed, in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpResponse {
    /// The status code (200 unless given; 302 when `redirect` is given without one).
    #[serde(default)]
    pub status: Option<u16>,
    /// The reason phrase (a standard one unless given).
    #[serde(default)]
    pub reason: Option<String>,
    /// Extra header lines, written after the kit's own (`Content-Length`, `Connection`).
    #[serde(default)]
    pub headers: Vec<HeaderLine>,
    /// The body as text.
    #[serde(default)]
    pub body: Option<String>,
    /// A body of this many bytes (`x` repeated), generated as it is written, never held.
    #[serde(default)]
    pub body_size: Option<u64>,
    /// Send the body with `Transfer-Encoding: chunked` (16 KiB chunks).
    #[serde(default)]
    pub chunked: bool,
    /// How `Content-Length` is written.
    #[serde(default)]
    pub content_length: ContentLength,
    /// A `Location` header: the kit's redirect cases point it at the sentinel.
    #[serde(default)]
    pub redirect: Option<String>,
    /// Wait this long after reading the request before writing anything.
    #[serde(default)]
    pub delay_before_headers_ms: u64,
    /// Slow-loris: write one byte at a time, this long apart (head and body).
    #[serde(default)]
    pub byte_interval_ms: u64,
    /// Write this many bytes of the answer, then nothing more (the connection stays open).
    #[serde(default)]
    pub stall_after_bytes: Option<u64>,
    /// Read the request and never answer (the connection stays open until the client leaves or
    /// the server stops).
    #[serde(default)]
    pub silent: bool,
    /// Exactly these bytes instead of a built answer (every other field but the delays is
    /// ignored); placeholders are expanded, nothing else is added.
    #[serde(default)]
    pub raw: Option<String>,
}

impl Default for HttpResponse {
    fn default() -> HttpResponse {
        HttpResponse {
            status: None,
            reason: None,
            headers: Vec::new(),
            body: None,
            body_size: None,
            chunked: false,
            content_length: ContentLength::Auto,
            redirect: None,
            delay_before_headers_ms: 0,
            byte_interval_ms: 0,
            stall_after_bytes: None,
            silent: false,
            raw: None,
        }
    }
}

/// A header line as written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderLine {
    /// The name, as written.
    pub name: String,
    /// The value, as written (placeholders expanded).
    pub value: String,
}

/// The WebSocket server: the first route whose `path` equals the upgrade request's path runs
/// its steps; otherwise `fallback` does (echo every message unless scripted).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WsScript {
    /// Routes, tried in order.
    #[serde(default)]
    pub routes: Vec<WsRoute>,
    /// The steps for every other path.
    #[serde(default = "echo_all")]
    pub fallback: Vec<WsStep>,
}

impl Default for WsScript {
    fn default() -> WsScript {
        WsScript {
            routes: Vec::new(),
            fallback: echo_all(),
        }
    }
}

fn echo_all() -> Vec<WsStep> {
    vec![WsStep::Echo { count: None }]
}

/// One path and its steps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WsRoute {
    /// The upgrade request's path, compared exactly.
    pub path: String,
    /// Refuse the upgrade with this status instead of 101.
    #[serde(default)]
    pub reject_status: Option<u16>,
    /// What the server does once upgraded, in order. After the last step it keeps reading
    /// (and recording) until the client leaves, without answering.
    #[serde(default)]
    pub steps: Vec<WsStep>,
}

/// One thing the WebSocket server does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case", deny_unknown_fields)]
pub enum WsStep {
    /// Echo the next `count` messages (all of them until the client closes when absent): text
    /// as text, binary as binary.
    Echo {
        /// How many.
        #[serde(default)]
        count: Option<u32>,
    },
    /// Read and record the next `count` messages without answering.
    Recv {
        /// How many.
        count: u32,
    },
    /// Send a text message.
    SendText {
        /// The text (placeholders expanded).
        text: String,
    },
    /// Send a binary message of `size` bytes.
    SendBinary {
        /// Its size.
        size: u64,
    },
    /// Send one text frame of `size` bytes in a single frame, whatever a client accepts.
    SendOversized {
        /// Its size.
        size: u64,
    },
    /// Send `count` pings, `interval_ms` apart.
    PingFlood {
        /// How many.
        count: u32,
        /// The gap between two.
        #[serde(default)]
        interval_ms: u64,
    },
    /// Neither read nor write for this long.
    Silence {
        /// How long.
        ms: u64,
    },
    /// Send a close frame, wait briefly for the client's, then close the connection.
    Close {
        /// The close code.
        #[serde(default = "normal_close")]
        code: u16,
        /// The reason.
        #[serde(default)]
        reason: String,
    },
    /// Send the first fragment of a text message (FIN clear), then close the connection.
    CloseMidMessage {
        /// The fragment's text.
        text: String,
    },
    /// Close the connection without a close frame.
    Drop,
    /// Write these bytes, given in hex, as they are (malformed frames).
    Raw {
        /// The bytes, hex (whitespace ignored).
        hex: String,
    },
}

fn normal_close() -> u16 {
    1000
}

/// The values placeholders stand for in one run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Placeholders(BTreeMap<String, String>);

impl Placeholders {
    /// Sets `$NAME` (name without the `$`).
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.0.insert(name.to_owned(), value.into());
    }

    /// The value of `$NAME`, if defined.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// Replaces every `$NAME` (upper-case letters, digits, `_`) with its value; `$$` is one `$`.
    /// An undefined name is an error, so a typo never reaches a server as text.
    pub fn expand(&self, text: &str) -> Result<String, ServerError> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(at) = rest.find('$') {
            out.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            if let Some(tail) = after.strip_prefix('$') {
                out.push('$');
                rest = tail;
                continue;
            }
            let len = after
                .bytes()
                .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
                .count();
            let name = &after[..len];
            let value = self
                .get(name)
                .ok_or_else(|| ServerError::Placeholder(format!("${name} in {text:?}")))?;
            out.push_str(value);
            rest = &after[len..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

impl ServerScripts {
    /// Checks bounds and expands every placeholder.
    pub fn expand(&self, values: &Placeholders) -> Result<ServerScripts, ServerError> {
        let mut out = self.clone();
        for route in &mut out.http.routes {
            route.response = expand_response(&route.response, values)?;
        }
        out.http.fallback = expand_response(&out.http.fallback, values)?;
        for route in &mut out.websocket.routes {
            route.steps = expand_steps(&route.steps, values)?;
        }
        out.websocket.fallback = expand_steps(&out.websocket.fallback, values)?;
        Ok(out)
    }
}

fn expand_response(r: &HttpResponse, values: &Placeholders) -> Result<HttpResponse, ServerError> {
    let bad = |why: &str| Err(ServerError::Script(why.to_owned()));
    if r.body.is_some() && r.body_size.is_some() {
        return bad("`body` and `body_size` together");
    }
    if r.body_size.is_some_and(|s| s > SCRIPT_SIZE_CAP) {
        return bad("`body_size` over 1 GiB");
    }
    if r.delay_before_headers_ms > SCRIPT_DELAY_CAP_MS || r.byte_interval_ms > SCRIPT_DELAY_CAP_MS {
        return bad("a delay over a minute");
    }
    let mut out = r.clone();
    let expand = |s: &String| values.expand(s);
    out.reason = r.reason.as_ref().map(expand).transpose()?;
    out.body = r.body.as_ref().map(expand).transpose()?;
    out.redirect = r.redirect.as_ref().map(expand).transpose()?;
    out.raw = r.raw.as_ref().map(expand).transpose()?;
    for header in &mut out.headers {
        header.name = values.expand(&header.name)?;
        header.value = values.expand(&header.value)?;
    }
    Ok(out)
}

fn expand_steps(steps: &[WsStep], values: &Placeholders) -> Result<Vec<WsStep>, ServerError> {
    let bad = |why: &str| Err(ServerError::Script(why.to_owned()));
    let mut out = Vec::with_capacity(steps.len());
    for step in steps {
        out.push(match step {
            WsStep::SendText { text } => WsStep::SendText {
                text: values.expand(text)?,
            },
            WsStep::CloseMidMessage { text } => WsStep::CloseMidMessage {
                text: values.expand(text)?,
            },
            WsStep::SendBinary { size } | WsStep::SendOversized { size }
                if *size > SCRIPT_SIZE_CAP =>
            {
                return bad("a frame over 1 GiB");
            }
            WsStep::Echo { count: Some(count) }
            | WsStep::Recv { count }
            | WsStep::PingFlood { count, .. }
                if *count > SCRIPT_COUNT_CAP =>
            {
                return bad("a count over 100000");
            }
            WsStep::PingFlood {
                interval_ms: ms, ..
            }
            | WsStep::Silence { ms }
                if *ms > SCRIPT_DELAY_CAP_MS =>
            {
                return bad("a delay over a minute");
            }
            WsStep::Raw { hex } => {
                let compact: String = hex.chars().filter(|c| !c.is_whitespace()).collect();
                data_encoding::HEXLOWER_PERMISSIVE
                    .decode(compact.as_bytes())
                    .map_err(|e| ServerError::Script(format!("raw hex: {e}")))?;
                step.clone()
            }
            other => other.clone(),
        });
    }
    Ok(out)
}
