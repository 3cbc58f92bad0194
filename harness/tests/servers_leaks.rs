//! The kit's loopback servers leave nothing behind: after a run with finished, held-open, slow
//! and silent connections on every server, dropping them returns the process's open file
//! descriptors and threads to what they were. A binary of its own, so no other test's sockets or
//! threads are counted.

#![cfg(target_os = "linux")]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;
use toolcage_kit::servers::{ServerScripts, Servers, SENTINEL_HOST};

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .count()
}

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task")
        .count()
}

#[test]
fn servers_stop_leaving_no_thread_or_socket() {
    let scripts: ServerScripts = toml::from_str(
        r#"
        [[http.routes]]
        path = "/slow"
        response = { body = "abcdef", byte_interval_ms = 1000 }
        [[http.routes]]
        path = "/silent"
        response = { silent = true }
        [[http.routes]]
        path = "/big"
        response = { body_size = 104857600 }
        [[websocket.routes]]
        path = "/quiet"
        steps = [{ do = "silence", ms = 60000 }]
        "#,
    )
    .unwrap();
    let (fds_before, threads_before) = (open_fds(), threads());
    for _round in 0..3 {
        let servers = Servers::start(&scripts).unwrap();
        let ports = servers.ports();
        let mut clients = Vec::new();
        for n in 0..20 {
            let mut stream = TcpStream::connect(("127.0.0.1", ports.http)).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            stream
                .write_all(format!("GET /done{n} HTTP/1.1\r\n\r\n").as_bytes())
                .unwrap();
            let mut answer = Vec::new();
            stream.read_to_end(&mut answer).unwrap();
            assert!(answer.starts_with(b"HTTP/1.1 404"));
        }
        // Held open while the servers stop: a slow answer, a silent one, a 100 MiB body nobody
        // reads, a silent WebSocket, a sentinel visit and a bare connection that sends nothing.
        for path in ["/slow", "/silent", "/big"] {
            let mut stream = TcpStream::connect(("127.0.0.1", ports.http)).unwrap();
            stream
                .write_all(format!("GET {path} HTTP/1.1\r\n\r\n").as_bytes())
                .unwrap();
            clients.push(stream);
        }
        let mut ws = TcpStream::connect(("127.0.0.1", ports.websocket)).unwrap();
        ws.write_all(b"GET /quiet HTTP/1.1\r\nUpgrade: websocket\r\nSec-WebSocket-Key: a2V5a2V5a2V5a2V5a2V5aw==\r\n\r\n").unwrap();
        clients.push(ws);
        clients.push(TcpStream::connect((SENTINEL_HOST, ports.http)).unwrap());
        clients.push(TcpStream::connect(("127.0.0.1", ports.websocket)).unwrap());
        // Let the servers pick every connection up before stopping them.
        let end = std::time::Instant::now() + Duration::from_secs(10);
        while servers.http_recording().connections.len() < 23
            || servers.websocket_recording().connections.len() < 2
            || servers.violations().is_empty()
        {
            assert!(
                std::time::Instant::now() < end,
                "the servers did not accept in time"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(
            threads() > threads_before,
            "connections are served by threads of their own"
        );
        drop(servers);
        drop(clients);
    }
    assert_eq!(open_fds(), fds_before, "file descriptors left open");
    assert_eq!(threads(), threads_before, "threads left running");
}
