//! Network cases end to end against fake runtimes that speak real HTTP to the kit's servers:
//! each case gets fresh servers (listening while the runtime runs, gone once judged), its
//! placeholders expanded into the input and the name table the runtime receives, and the judge
//! catches a runtime that reaches the sentinel, leaves a socket open or reaches a server on a
//! denial. The process's file descriptors and threads return to their baseline afterwards. A
//! binary of its own, so no other test's sockets or threads are counted.

#![cfg(target_os = "linux")]

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{json, Value};
use toolcage_kit::{
    describe, parse_case, run_case, AdapterFailure, Case, ConformanceRuntime, FailureKind, Request,
    Response, RuntimeInfo, Verdict,
};

/// How a fake runtime behaves on a granted GET.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    /// Resolves once, connects, sends the request, reads the answer, closes.
    Correct,
    /// As `Correct`, but keeps the socket open after answering.
    Leaky,
    /// Resolves the name a second time after "checking" the first answer, and connects there.
    Rebinding,
    /// Refuses without any network I/O.
    Denies,
    /// Refuses, but only after sending the request.
    DeniesLate,
}

struct Wire {
    mode: Mode,
    /// Sockets a leaky runtime still holds; released by the test once judged.
    held: Mutex<Vec<TcpStream>>,
    /// The ports the servers listened on while the call ran.
    ports_seen: Mutex<Vec<u16>>,
}

impl Wire {
    fn new(mode: Mode) -> Wire {
        Wire {
            mode,
            held: Mutex::new(Vec::new()),
            ports_seen: Mutex::new(Vec::new()),
        }
    }
}

/// `http://host:port/path` into its parts.
fn split_url(url: &str) -> (String, u16, String) {
    let rest = url.strip_prefix("http://").expect("an http URL");
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let (host, port) = authority.rsplit_once(':').expect("a port");
    (host.to_string(), port.parse().unwrap(), path.to_string())
}

fn denied() -> Value {
    json!({"status": "error", "error": {"code": "host_api_denied", "phase": "run",
        "message": "denied", "details": {"interface": "request", "operation": "request",
        "reason": "not_granted"}}})
}

impl Wire {
    fn get(&self, request: &Request, url: &str) -> (TcpStream, Vec<u8>) {
        let (host, port, path) = split_url(url);
        self.ports_seen.lock().unwrap().push(port);
        let ip: IpAddr = match host.parse() {
            Ok(ip) => ip,
            Err(_) => {
                let answers = &request.names.as_ref().expect("the request's names")[&host];
                let lookup = if self.mode == Mode::Rebinding { 1 } else { 0 };
                answers[lookup.min(answers.len() - 1)][0]
            }
        };
        let mut stream = TcpStream::connect(SocketAddr::new(ip, port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        stream
            .write_all(format!("GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n").as_bytes())
            .unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        (stream, answer)
    }
}

impl ConformanceRuntime for Wire {
    fn describe(&self) -> Result<RuntimeInfo, AdapterFailure> {
        Ok(RuntimeInfo {
            protocol: 1,
            name: format!("wire-{:?}", self.mode),
            version: "0".into(),
            capabilities: vec!["host_api_net".into()],
            limits: Default::default(),
            profiles: vec!["core".into(), "component".into()],
        })
    }

    fn run(&self, request: &Request) -> Result<Response, AdapterFailure> {
        let mut outcomes = Vec::new();
        for call in &request.calls {
            let input: Value = serde_json::from_str(&call.input).unwrap();
            let url = input["url"].as_str().unwrap();
            let outcome = match self.mode {
                Mode::Denies => denied(),
                Mode::DeniesLate => {
                    drop(self.get(request, url));
                    denied()
                }
                _ => {
                    let (stream, answer) = self.get(request, url);
                    if self.mode == Mode::Leaky {
                        self.held.lock().unwrap().push(stream);
                    }
                    let text = String::from_utf8_lossy(&answer).into_owned();
                    let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
                    json!({"status": "ok", "output": {"summary": body.len().to_string(),
                        "content": body}})
                }
            };
            outcomes.push(outcome);
        }
        Ok(serde_json::from_value(json!({"protocol": 1, "outcomes": outcomes})).unwrap())
    }
}

fn case(header: &str) -> Case {
    let source: String = header
        .lines()
        .map(|l| format!(";;! {}\n", l.trim()))
        .collect::<String>()
        + "(component)\n";
    parse_case(Path::new("corpus/net/case.wat"), &source, None).unwrap()
}

const GRANTED_GET: &str = r#"id = "net.granted-get"
guarantee = "GRANT-01"
since = "0.3.0"
summary = "a granted GET reaches the server"
profile = "component"
capabilities = ["host_api_net"]
input = "{\"method\":\"GET\",\"url\":\"http://127.0.0.1:$HTTP_PORT/v1/a\"}"
[net]
[[net.http.routes]]
path = "/v1/a"
response = { status = 200, body = "hi" }
[expect]
output = { summary = "2", content = "hi" }
[expect.net]
http_requests = 1
http_connections = 1
websocket_connections = 0
request_header = { name = "host", value = "127.0.0.1:$HTTP_PORT" }"#;

const REBIND: &str = r#"id = "net.rebind"
guarantee = "GRANT-01"
since = "0.3.0"
summary = "a name answering loopback first and the sentinel next"
profile = "component"
capabilities = ["host_api_net"]
input = "{\"method\":\"GET\",\"url\":\"http://rebind.test:$HTTP_PORT/v1/a\"}"
[net]
[[net.http.routes]]
path = "/v1/a"
response = { body = "hi" }
[net.names]
"rebind.test" = ["127.0.0.1", "$SENTINEL_HOST"]
[expect]
output = { summary = "2", content = "hi" }"#;

const DENIAL: &str = r#"id = "net.denied"
guarantee = "GRANT-01"
since = "0.3.0"
summary = "a denied GET reaches nothing"
profile = "component"
capabilities = ["host_api_net"]
input = "{\"method\":\"GET\",\"url\":\"http://127.0.0.1:$HTTP_PORT/v1/a\"}"
[expect]
code = "host_api_denied"
details = { reason = "not_granted" }
[expect.net]
http_requests = 0"#;

fn verdict(runtime: &Wire, header: &str) -> Verdict {
    let info = describe(runtime);
    let result = run_case(runtime, &info, &case(header), None).unwrap();
    // The servers of the case are gone once it is judged.
    for port in runtime.ports_seen.lock().unwrap().drain(..) {
        assert!(
            TcpStream::connect(("127.0.0.1", port)).is_err(),
            "port {port} still listens after the case"
        );
    }
    result.verdict
}

fn network_failure(verdict: Verdict) -> String {
    match verdict {
        Verdict::Fail(failure) if failure.kind == FailureKind::Network => failure.message,
        other => panic!("expected a network failure, got {other:?}"),
    }
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

#[test]
fn network_cases_run_against_fresh_servers_and_catch_what_they_must() {
    let (fds_before, threads_before) = (open_fds(), threads());

    let correct = Wire::new(Mode::Correct);
    for header in [GRANTED_GET, REBIND] {
        assert_eq!(verdict(&correct, header), Verdict::Pass, "{header}");
    }
    let denies = Wire::new(Mode::Denies);
    assert_eq!(verdict(&denies, DENIAL), Verdict::Pass);

    let leaky = Wire::new(Mode::Leaky);
    let message = network_failure(verdict(&leaky, GRANTED_GET));
    assert!(message.contains("left a socket behind"), "{message}");
    leaky.held.lock().unwrap().clear();

    let rebinding = Wire::new(Mode::Rebinding);
    let message = network_failure(verdict(&rebinding, REBIND));
    assert!(message.contains("reached the sentinel"), "{message}");

    let late = Wire::new(Mode::DeniesLate);
    let message = network_failure(verdict(&late, DENIAL));
    assert_eq!(
        message,
        "[expect.net] http_requests = 0, the kit's servers recorded 1"
    );

    // Every server thread joined, every socket and temporary file closed.
    let settled = (0..100).any(|_| {
        std::thread::sleep(Duration::from_millis(20));
        open_fds() == fds_before && threads() == threads_before
    });
    assert!(
        settled,
        "fds {fds_before} -> {}, threads {threads_before} -> {}",
        open_fds(),
        threads()
    );
}
