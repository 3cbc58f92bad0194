//! The servers against a plain std client on loopback: each scripted behaviour, the recording,
//! the sentinel, placeholders, and the WebSocket steps.

use super::*;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};
use tungstenite::protocol::Role;
use tungstenite::{Message, WebSocket};

const READ_LIMIT: Duration = Duration::from_secs(10);

fn scripts(toml_text: &str) -> ServerScripts {
    toml::from_str(toml_text).expect("a valid script")
}

fn connect(addr: impl std::net::ToSocketAddrs) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(READ_LIMIT)).unwrap();
    stream
}

/// Sends `request` and reads the whole answer (the server closes after one).
fn exchange(port: u16, request: &str) -> Vec<u8> {
    let mut stream = connect(("127.0.0.1", port));
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    answer
}

fn split(answer: &[u8]) -> (String, Vec<u8>) {
    let at = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head");
    (
        String::from_utf8_lossy(&answer[..at]).into_owned(),
        answer[at + 4..].to_vec(),
    )
}

/// The recording once `n` requests arrived (a server records before it answers, but a client
/// may read the answer before the recording thread's lock is released).
fn wait_requests(read: impl Fn() -> Recording, n: usize) -> Recording {
    let end = Instant::now() + READ_LIMIT;
    loop {
        let recording = read();
        if recording.requests.len() >= n || Instant::now() > end {
            return recording;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn routes_answer_and_every_request_is_recorded() {
    let servers = Servers::start(&scripts(
        r#"
        [[http.routes]]
        path = "/ok"
        response = { body = "hello", headers = [{ name = "X-Kit", value = "1" }] }
        "#,
    ))
    .unwrap();
    let port = servers.ports().http;
    let (head, body) = split(&exchange(
        port,
        "GET /ok?q=1 HTTP/1.1\r\nHost: a.test\r\nX-Probe: yes\r\n\r\n",
    ));
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(
        head.contains("Content-Length: 5\r\n") && head.ends_with("\r\nX-Kit: 1"),
        "{head}"
    );
    assert_eq!(body, b"hello");
    let (head, _) = split(&exchange(
        port,
        "POST /other HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc",
    ));
    assert!(head.starts_with("HTTP/1.1 404"), "{head}");
    let (head, _) = split(&exchange(
        port,
        "PUT /ok HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n",
    ));
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");

    let recording = wait_requests(|| servers.http_recording(), 3);
    assert_eq!(recording.connections.len(), 3);
    let [get, post, put] = &recording.requests[..] else {
        panic!("{recording:?}")
    };
    assert_eq!(
        (
            get.method.as_str(),
            get.target.as_str(),
            get.version.as_str()
        ),
        ("GET", "/ok?q=1", "HTTP/1.1")
    );
    assert_eq!(get.header("x-probe"), Some("yes"));
    assert_eq!(get.header("HOST"), Some("a.test"));
    assert_eq!(
        (post.method.as_str(), post.body_len, post.complete),
        ("POST", 3, true)
    );
    assert_eq!((put.body_len, put.complete), (5, true));
    assert!(servers.violations().is_empty());
    assert!(servers.websocket_recording().is_empty());
}

#[test]
fn a_truncated_body_is_recorded_incomplete() {
    let servers = Servers::start(&ServerScripts::default()).unwrap();
    let mut stream = connect(("127.0.0.1", servers.ports().http));
    stream
        .write_all(b"POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc")
        .unwrap();
    stream.shutdown(Shutdown::Write).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let recording = wait_requests(|| servers.http_recording(), 1);
    assert_eq!(
        (
            recording.requests[0].body_len,
            recording.requests[0].complete
        ),
        (3, false)
    );
}

#[test]
fn placeholders_expand_and_unknown_ones_are_refused() {
    let servers = Servers::start(&scripts(
        r#"
        [[http.routes]]
        path = "/redirect"
        response = { redirect = "http://127.0.0.1:$SENTINEL_PORT/x?from=$HTTP_PORT&cost=$$5" }
        "#,
    ))
    .unwrap();
    let ports = servers.ports();
    let (head, _) = split(&exchange(ports.http, "GET /redirect HTTP/1.1\r\n\r\n"));
    assert!(head.starts_with("HTTP/1.1 302 Found"), "{head}");
    let location = format!(
        "Location: http://127.0.0.1:{}/x?from={}&cost=$5\r\n",
        ports.sentinel, ports.http
    );
    assert!(head.contains(&location), "{head}");
    assert_eq!(
        servers.expand("ws://127.0.0.1:$WS_PORT/").unwrap(),
        format!("ws://127.0.0.1:{}/", ports.websocket)
    );
    assert_eq!(servers.expand("$SENTINEL_HOST").unwrap(), "127.0.0.2");
    assert_eq!(
        servers.expand("$HTTP_PORTS").unwrap_err().code(),
        "server_placeholder"
    );
    let typo = scripts("[[http.routes]]\npath = \"/\"\nresponse = { body = \"$HTTP_PROT\" }\n");
    assert_eq!(
        Servers::start(&typo).err().map(|e| e.code()),
        Some("server_placeholder")
    );
}

#[test]
fn scripts_refuse_unknown_keys_and_unbounded_values() {
    assert!(toml::from_str::<ServerScripts>("[http]\nroute = []\n").is_err());
    assert!(toml::from_str::<ServerScripts>("[[websocket.fallback]]\ndo = \"dance\"\n").is_err());
    assert!(toml::from_str::<ServerScripts>(
        "[[websocket.fallback]]\ndo = \"silence\"\nms = 1\nextra = 2\n"
    )
    .is_err());
    for bad in [
        "[http.fallback]\nbody_size = 1073741825\n",
        "[http.fallback]\nbody = \"a\"\nbody_size = 1\n",
        "[http.fallback]\ndelay_before_headers_ms = 60001\n",
        "[[websocket.fallback]]\ndo = \"ping_flood\"\ncount = 100001\n",
        "[[websocket.fallback]]\ndo = \"raw\"\nhex = \"zz\"\n",
    ] {
        let parsed = scripts(bad);
        assert_eq!(
            Servers::start(&parsed).err().map(|e| e.code()),
            Some("server_script"),
            "{bad}"
        );
    }
}

#[test]
fn bodies_come_sized_chunked_or_with_a_lying_length() {
    let servers = Servers::start(&scripts(
        r#"
        [[http.routes]]
        path = "/big"
        response = { body_size = 1048577, chunked = true }
        [[http.routes]]
        path = "/lie"
        response = { body = "abc", content_length = { value = 100 } }
        [[http.routes]]
        path = "/raw"
        response = { raw = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Port: $HTTP_PORT\r\n\r\nhi" }
        "#,
    ))
    .unwrap();
    let port = servers.ports().http;
    let (head, body) = split(&exchange(port, "GET /big HTTP/1.1\r\n\r\n"));
    assert!(
        head.contains("Transfer-Encoding: chunked") && !head.contains("Content-Length"),
        "{head}"
    );
    assert_eq!(dechunk(&body).len(), 1_048_577);
    assert!(dechunk(&body).iter().all(|&b| b == b'x'));
    let (head, body) = split(&exchange(port, "GET /lie HTTP/1.1\r\n\r\n"));
    assert!(head.contains("Content-Length: 100\r\n"), "{head}");
    assert_eq!(body, b"abc");
    let answer = exchange(port, "GET /raw HTTP/1.1\r\n\r\n");
    assert_eq!(
        answer,
        format!("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Port: {port}\r\n\r\nhi").as_bytes()
    );
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = body
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("a size line");
        let size =
            usize::from_str_radix(std::str::from_utf8(&body[..line_end]).unwrap(), 16).unwrap();
        body = &body[line_end + 2..];
        if size == 0 {
            assert_eq!(body, b"\r\n");
            return out;
        }
        out.extend_from_slice(&body[..size]);
        assert_eq!(&body[size..size + 2], b"\r\n");
        body = &body[size + 2..];
    }
}

#[test]
fn slow_stalled_and_silent_answers() {
    let servers = Servers::start(&scripts(
        r#"
        [[http.routes]]
        path = "/loris"
        response = { body = "0123456789", byte_interval_ms = 5 }
        [[http.routes]]
        path = "/stall"
        response = { body = "0123456789", stall_after_bytes = 20 }
        [[http.routes]]
        path = "/silent"
        response = { silent = true }
        [[http.routes]]
        path = "/late"
        response = { delay_before_headers_ms = 60000 }
        "#,
    ))
    .unwrap();
    let port = servers.ports().http;
    // One byte every 5 ms: the whole answer cannot arrive sooner than 5 ms per byte after the
    // first (a lower bound only; the machine may be slower, never faster).
    let started = Instant::now();
    let answer = exchange(port, "GET /loris HTTP/1.1\r\n\r\n");
    let (_, body) = split(&answer);
    assert_eq!(body, b"0123456789");
    assert!(started.elapsed() >= Duration::from_millis(5 * (answer.len() as u64 - 1)));

    // Stalled: exactly 20 bytes, then the connection stays open and silent.
    let mut stream = connect(("127.0.0.1", port));
    stream.write_all(b"GET /stall HTTP/1.1\r\n\r\n").unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 64];
    while got.len() < 20 {
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "closed after {} bytes", got.len());
        got.extend_from_slice(&buf[..n]);
    }
    assert_eq!(got, b"HTTP/1.1 200 OK\r\nCon");
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let more = stream.read(&mut buf).map_err(|e| e.kind());
    assert!(
        matches!(
            more,
            Err(std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut)
        ),
        "{more:?}"
    );

    for path in ["/silent", "/late"] {
        let mut stream = connect(("127.0.0.1", port));
        stream
            .write_all(format!("GET {path} HTTP/1.1\r\n\r\n").as_bytes())
            .unwrap();
        stream
            .set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let nothing = stream.read(&mut buf).map_err(|e| e.kind());
        assert!(
            matches!(
                nothing,
                Err(std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut)
            ),
            "{path}: {nothing:?}"
        );
    }
    // Stopping does not wait for the minute-long delay or the held connections.
    let stopping = Instant::now();
    drop(servers);
    assert!(
        stopping.elapsed() < Duration::from_secs(5),
        "stop took {:?}",
        stopping.elapsed()
    );
}

#[test]
fn the_sentinel_records_every_visitor_as_a_violation() {
    let servers = Servers::start(&ServerScripts::default()).unwrap();
    assert!(servers.untouched());
    let ports = servers.ports();
    for addr in [
        SocketAddr::from((Ipv4Addr::LOCALHOST, ports.sentinel)),
        SocketAddr::from((SENTINEL_HOST, ports.http)),
        SocketAddr::from((SENTINEL_HOST, ports.websocket)),
    ] {
        let mut stream = connect(addr);
        stream.write_all(b"GET /leak HTTP/1.1\r\n\r\n").unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        assert!(answer.is_empty(), "the sentinel answers nothing");
    }
    let violations = servers.violations();
    assert_eq!(violations.len(), 3);
    assert_eq!(
        violations[1].local,
        SocketAddr::from((SENTINEL_HOST, ports.http))
    );
    assert!(servers.http_recording().is_empty() && servers.websocket_recording().is_empty());
    assert!(!servers.untouched());
    let recording = wait_requests(|| servers.sentinel_recording(), 3);
    assert!(recording.requests.iter().all(|r| r.target == "/leak"));
}

#[test]
fn ipv6_loopback_is_served_on_the_same_port_when_available() {
    let servers = Servers::start(&ServerScripts::default()).unwrap();
    let ports = servers.ports();
    if !ports.ipv6 {
        // No IPv6 on this machine: binding [::1] failed, and the servers say so.
        assert!(TcpListener::bind((Ipv6Addr::LOCALHOST, 0)).is_err());
        return;
    }
    let mut stream = connect((Ipv6Addr::LOCALHOST, ports.http));
    stream.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    assert!(answer.starts_with(b"HTTP/1.1 404"));
    let recording = servers.http_recording();
    assert!(recording.connections[0].peer.is_ipv6());
}

#[test]
fn the_name_table_expands_placeholders_and_keeps_to_loopback() {
    let servers = Servers::start(&ServerScripts::default()).unwrap();
    let table: NameTable = toml::from_str(
        "\"Rebind.test\" = [\"127.0.0.1\", \"$SENTINEL_HOST\"]\n\"multi.test\" = [[\"127.0.0.1\", \"::1\"]]\n\"gone.test\" = [[]]\n",
    )
    .unwrap();
    let names = servers.names(&table).unwrap();
    let localhost: IpAddr = Ipv4Addr::LOCALHOST.into();
    assert_eq!(
        names["rebind.test"],
        vec![vec![localhost], vec![IpAddr::from(SENTINEL_HOST)]]
    );
    assert_eq!(
        names["multi.test"],
        vec![vec![localhost, IpAddr::from(Ipv6Addr::LOCALHOST)]]
    );
    assert_eq!(names["gone.test"], vec![Vec::<IpAddr>::new()]);
    for bad in [
        "\"a.test\" = [\"10.0.0.1\"]\n",
        "\"a.test\" = [\"localhost\"]\n",
        "\"a.test\" = []\n",
        "\"a.test\" = [\"$NOPE\"]\n",
    ] {
        let table: NameTable = toml::from_str(bad).unwrap();
        assert!(servers.names(&table).is_err(), "{bad}");
    }
    let json = serde_json::to_string(&table).unwrap();
    assert_eq!(serde_json::from_str::<NameTable>(&json).unwrap(), table);
}

/// A minimal client: the upgrade by hand, then tungstenite in the client role.
fn ws_client(port: u16, path: &str) -> WebSocket<TcpStream> {
    let mut stream = connect(("127.0.0.1", port));
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert_eq!(
            stream.read(&mut byte).unwrap(),
            1,
            "the upgrade answer ended early"
        );
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    assert!(
        head.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
        "{head}"
    );
    WebSocket::from_raw_socket(stream, Role::Client, None)
}

#[test]
fn the_accept_key_is_rfc_6455s() {
    assert_eq!(
        accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
        "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    );
}

#[test]
fn websocket_echo_binary_pings_and_close() {
    let servers = Servers::start(&scripts(
        r#"
        [[websocket.routes]]
        path = "/script"
        steps = [
          { do = "echo", count = 2 },
          { do = "send_text", text = "port $WS_PORT" },
          { do = "send_binary", size = 3 },
          { do = "ping_flood", count = 5 },
          { do = "close", code = 1001, reason = "bye" },
        ]
        [[websocket.routes]]
        path = "/refused"
        reject_status = 403
        "#,
    ))
    .unwrap();
    let port = servers.ports().websocket;
    let mut ws = ws_client(port, "/script");
    ws.send(Message::text("one")).unwrap();
    assert_eq!(ws.read().unwrap(), Message::text("one"));
    ws.send(Message::binary(vec![1u8, 2])).unwrap();
    assert_eq!(ws.read().unwrap(), Message::binary(vec![1u8, 2]));
    assert_eq!(ws.read().unwrap(), Message::text(format!("port {port}")));
    assert_eq!(ws.read().unwrap(), Message::binary(vec![b'b'; 3]));
    let mut pings = 0;
    let close = loop {
        match ws.read().unwrap() {
            Message::Ping(_) => pings += 1,
            Message::Close(frame) => break frame.unwrap(),
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(pings, 5);
    assert_eq!(
        (u16::from(close.code), close.reason.as_str()),
        (1001, "bye")
    );
    // The client answers the close; the server then ends the connection.
    let _ = ws.flush();
    assert!(matches!(
        ws.read(),
        Err(tungstenite::Error::ConnectionClosed)
    ));

    let mut refused = connect(("127.0.0.1", port));
    refused
        .write_all(
            b"GET /refused HTTP/1.1\r\nUpgrade: websocket\r\nSec-WebSocket-Key: a2V5\r\n\r\n",
        )
        .unwrap();
    let mut answer = Vec::new();
    refused.read_to_end(&mut answer).unwrap();
    assert!(answer.starts_with(b"HTTP/1.1 403"));

    let recording = servers.websocket_recording();
    assert_eq!(recording.requests.len(), 2);
    assert_eq!(recording.requests[0].header("upgrade"), Some("websocket"));
    let kinds: Vec<(FrameKind, u64)> = recording.frames.iter().map(|f| (f.kind, f.len)).collect();
    assert_eq!(&kinds[..2], &[(FrameKind::Text, 3), (FrameKind::Binary, 2)]);
    assert!(kinds.contains(&(FrameKind::Close, 5)), "{kinds:?}");
}

#[test]
fn websocket_oversized_mid_message_close_raw_and_silence() {
    let servers = Servers::start(&scripts(
        r#"
        [[websocket.routes]]
        path = "/big"
        steps = [{ do = "send_oversized", size = 70000 }]
        [[websocket.routes]]
        path = "/cut"
        steps = [{ do = "close_mid_message", text = "half" }]
        [[websocket.routes]]
        path = "/raw"
        steps = [{ do = "raw", hex = "81 02 68 69" }]
        [[websocket.routes]]
        path = "/quiet"
        steps = [{ do = "silence", ms = 60000 }]
        [[websocket.routes]]
        path = "/drop"
        steps = [{ do = "drop" }]
        "#,
    ))
    .unwrap();
    let port = servers.ports().websocket;
    let mut big = ws_client(port, "/big");
    assert_eq!(big.read().unwrap(), Message::text("x".repeat(70000)));

    let mut cut = ws_client(port, "/cut");
    let cut_result = cut.read();
    assert!(
        cut_result.is_err(),
        "a message cut off mid-way is an error: {cut_result:?}"
    );

    let mut raw = ws_client(port, "/raw");
    assert_eq!(raw.read().unwrap(), Message::text("hi"));

    let mut dropped = ws_client(port, "/drop");
    assert!(dropped.read().is_err());

    let mut quiet = ws_client(port, "/quiet");
    quiet
        .get_mut()
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    match quiet.read() {
        Err(tungstenite::Error::Io(e)) => assert!(matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        )),
        other => panic!("the silent server said something: {other:?}"),
    }
    let stopping = Instant::now();
    drop(servers);
    assert!(
        stopping.elapsed() < Duration::from_secs(5),
        "stop took {:?}",
        stopping.elapsed()
    );
}

#[test]
fn the_default_websocket_echoes_until_the_client_leaves() {
    let servers = Servers::start(&ServerScripts::default()).unwrap();
    let mut ws = ws_client(servers.ports().websocket, "/anything");
    for n in 0..20 {
        ws.send(Message::text(format!("m{n}"))).unwrap();
        assert_eq!(ws.read().unwrap(), Message::text(format!("m{n}")));
    }
    ws.close(None).unwrap();
    while ws.read().is_ok() {}
    let recording = servers.websocket_recording();
    assert_eq!(
        recording
            .frames
            .iter()
            .filter(|f| f.kind == FrameKind::Text)
            .count(),
        20
    );
}

#[test]
fn a_request_that_is_not_an_upgrade_is_refused() {
    let servers = Servers::start(&ServerScripts::default()).unwrap();
    let answer = exchange(servers.ports().websocket, "GET / HTTP/1.1\r\n\r\n");
    assert!(answer.starts_with(b"HTTP/1.1 400"));
}
