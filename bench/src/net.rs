//! The network rows (issue 19, item 6): a granted loopback GET made by a component guest through
//! `yoi:host/request`, beside the same GET made with the same client library (ureq 3) directly;
//! and how far past its deadline a call returns when it is stuck on a server that does not
//! answer (an HTTP server that waits 2 s before its head, a WebSocket that stays silent).
//!
//! Every server here is the bench's own, on a loopback ephemeral port, started for the run and
//! stopped when dropped; every connection it serves ends within [`HOLD`].

use crate::guests::{digest_of, Package};
use crate::net_guest::{guest, Step};
use crate::stats::{self, Samples};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use toolcage_runtime::net::TableResolver;
use toolcage_runtime::{CallOptions, ErrorCode, Grants, Limits, Plugin, Runtime};

/// How long the slow server waits before its head, and the longest any connection is served.
const HOLD: Duration = Duration::from_secs(2);
/// Connections served at once beyond which the slow servers drop new ones: the samples run one
/// after another, so more than a few at once means something is wrong, not that work is queued.
const MAX_HELD: usize = 32;
/// Largest request head the servers read.
const HEAD_CAP: usize = 16 * 1024;
/// The fixed answer of the fast server: a small body with its length, and no keep-alive, so
/// every request of either side opens its own connection.
const ANSWER: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\
Connection: close\r\n\r\nok";
/// The request timeout the runtime gives ureq when the call's deadline is further away.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// What a server does with each connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Script {
    /// Reads the request head and answers [`ANSWER`] at once, on the accepting thread.
    Fixed,
    /// Reads the request head, then waits [`HOLD`] (or until the client leaves) before
    /// answering, on a thread of its own.
    Slow,
    /// Answers the WebSocket upgrade, then sends nothing until the client leaves or [`HOLD`]
    /// passed, on a thread of its own.
    Silent,
}

/// A loopback server on an ephemeral port, stopped and joined when dropped.
pub struct Server {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    fn start(script: Script) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().expect("local address").port();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::spawn(move || serve(&listener, script, &stopped));
        Server {
            port,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept; the loop sees the flag and ends.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The accept loop; held connections run on their own threads, which end within [`HOLD`] and
/// are joined before the loop returns.
fn serve(listener: &TcpListener, script: Script, stop: &AtomicBool) {
    let held = Arc::new(AtomicUsize::new(0));
    let mut threads: Vec<JoinHandle<()>> = Vec::new();
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        let _ = stream.set_read_timeout(Some(HOLD));
        let _ = stream.set_write_timeout(Some(HOLD));
        if script == Script::Fixed {
            answer_fixed(stream);
            continue;
        }
        threads.retain(|t| !t.is_finished());
        if held.fetch_add(1, Ordering::SeqCst) >= MAX_HELD {
            held.fetch_sub(1, Ordering::SeqCst);
            continue;
        }
        let held = Arc::clone(&held);
        threads.push(std::thread::spawn(move || {
            match script {
                Script::Slow => answer_slowly(stream),
                _ => stay_silent(stream),
            }
            held.fetch_sub(1, Ordering::SeqCst);
        }));
    }
    for thread in threads {
        let _ = thread.join();
    }
}

/// Reads up to the end of the request head; false if the client left or sent too much first.
fn read_head(stream: &mut TcpStream) -> bool {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return false,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        if head.len() > HEAD_CAP {
            return false;
        }
    }
    true
}

fn answer_fixed(mut stream: TcpStream) {
    if read_head(&mut stream) {
        let _ = stream.write_all(ANSWER);
    }
    let _ = stream.shutdown(Shutdown::Both);
}

/// Waits until the client leaves (a read of 0 bytes or an error) or [`HOLD`] has passed since
/// the head, whichever is first.
fn hold(stream: &mut TcpStream) {
    let until = Instant::now() + HOLD;
    let mut buf = [0u8; 256];
    loop {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return;
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

fn answer_slowly(mut stream: TcpStream) {
    if read_head(&mut stream) {
        hold(&mut stream);
        let _ = stream.write_all(ANSWER);
    }
    let _ = stream.shutdown(Shutdown::Both);
}

fn stay_silent(stream: TcpStream) {
    let Ok(mut socket) = tungstenite::accept(stream) else {
        return;
    };
    hold(socket.get_mut());
}

/// A component package asking for `api` with the TOML `targets`, whose tool `t` makes `steps`.
fn package(api: &str, targets: &str, steps: &[Step]) -> Package {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = format!(
        "schema_version = 1\nid = \"bench.net\"\nname = \"net\"\nversion = \"1.0.0\"\n\
         description = \"a network benchmark plugin\"\n\
         permissions = [{{ kind = \"host_api\", api = \"{api}\" }}]\n\n\
         [runtime]\nkind = \"wasm-component\"\ncomponent = \"plugin.component.wasm\"\n\
         world = \"yoi:plugin/tool@1.0.0\"\n\n{targets}\n\
         [[tools]]\nname = \"t\"\ndescription = \"t\"\ninput_schema = {{ type = \"object\" }}\n"
    );
    std::fs::write(dir.path().join("plugin.toml"), manifest).expect("write manifest");
    let wasm = wat::parse_str(guest(steps)).expect("the guest's WAT compiles");
    std::fs::write(dir.path().join("plugin.component.wasm"), wasm).expect("write component");
    let digest = digest_of(dir.path());
    Package { dir, digest }
}

/// The package loaded under a grant of exactly `targets` (JSON) for `api`; names resolve through
/// an empty table (every URL here is an address literal).
fn granted(
    runtime: &Runtime,
    api: &str,
    targets: &str,
    grant: serde_json::Value,
    steps: &[Step],
) -> (Package, Plugin) {
    let pkg = package(api, targets, steps);
    let json = serde_json::json!([{
        "id": "bench.net",
        "version": "1.0.0",
        "digest": pkg.digest.to_string(),
        "permissions": [{ "kind": "host_api", "api": api }],
        api: grant,
    }]);
    let resolver = TableResolver::new(Vec::new()).expect("an empty name table");
    let grants = Grants::from_json(&json.to_string())
        .expect("the bench's grants are valid")
        .with_resolver(Arc::new(resolver));
    let limits = Limits {
        deadline: Duration::from_secs(5),
        ..Limits::default()
    };
    let plugin = runtime
        .load_with_grants(pkg.path(), Some(&pkg.digest), &limits, &grants)
        .unwrap_or_else(|e| panic!("load {api}: {}: {}", e.code(), e.message()));
    (pkg, plugin)
}

fn http_plugin(runtime: &Runtime, port: u16, path: &str) -> (Package, Plugin) {
    let targets = format!(
        "[[request]]\nscheme = \"http\"\nhost = \"127.0.0.1\"\nport = {port}\n\
         methods = [\"GET\"]\npath_prefixes = [\"/v1\"]\n"
    );
    let grant = serde_json::json!([{ "scheme": "http", "host": "127.0.0.1", "port": port,
                                     "methods": ["GET"], "path_prefixes": ["/v1"] }]);
    let url = format!("http://127.0.0.1:{port}{path}");
    let steps = [Step::Request(format!(
        r#"{{"method":"GET","url":"{url}"}}"#
    ))];
    granted(runtime, "request", &targets, grant, &steps)
}

/// An Agent configured as the runtime configures the one it makes for every request (no proxy,
/// no redirects, no status as error, no idle connections kept, the request timeout).
fn agent() -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .proxy(None)
        .max_redirects(0)
        .save_redirect_history(false)
        .http_status_as_error(false)
        .max_response_header_size(16 * 1024)
        .max_idle_connections(0)
        .max_idle_connections_per_host(0)
        .timeout_global(Some(REQUEST_TIMEOUT))
        .build();
    ureq::Agent::new_with_config(config)
}

/// One GET with `agent`, its body read as the runtime reads one (at most 64 KiB and a byte).
fn get(agent: &ureq::Agent, url: &str) -> (u16, String) {
    let request = ureq::http::Request::builder()
        .method("GET")
        .uri(url)
        .body(())
        .expect("a GET request");
    let response = agent.run(request).expect("the direct GET succeeds");
    let status = response.status().as_u16();
    let mut body = Vec::new();
    response
        .into_body()
        .into_reader()
        .take(64 * 1024 + 1)
        .read_to_end(&mut body)
        .expect("the direct body is read");
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// Timings of the GET rows, taken in interleaved rounds.
pub struct GetTimes {
    /// The whole call of a component guest that makes the GET through `request.request`.
    pub call: Samples,
    /// ureq directly, a fresh Agent per request (as the runtime makes one per request).
    pub direct: Samples,
    /// ureq directly, one Agent for every request (information).
    pub reused: Samples,
}

/// The GET rows: the guest's call and ureq's own, against the fixed server.
pub fn get_times(runtime: &Runtime, rounds: usize, n: usize) -> GetTimes {
    let server = Server::start(Script::Fixed);
    let (_pkg, plugin) = http_plugin(runtime, server.port, "/v1/get");
    let url = format!("http://127.0.0.1:{}/v1/get", server.port);
    let call = || match plugin.call("t", "{}", &CallOptions::default()).result {
        Ok(output) => output,
        Err(e) => panic!("the granted GET failed: {}: {}", e.code(), e.message()),
    };
    // The guest's answer is the server's, exactly; the direct one too.
    let output = call();
    let content = output.content.expect("the guest returns the answer");
    let answer: serde_json::Value = serde_json::from_str(&content).expect("the answer is JSON");
    assert_eq!(
        (&answer["status"], &answer["body"]),
        (&serde_json::json!(200), &serde_json::json!("ok")),
        "{answer}"
    );
    let reused = agent();
    assert_eq!(get(&agent(), &url), (200, "ok".to_owned()));
    assert_eq!(get(&reused, &url), (200, "ok".to_owned()));
    let s = crate::interleaved(
        rounds,
        &[
            (n, &|| drop(call())),
            (n, &|| drop(get(&agent(), &url))),
            (n, &|| drop(get(&reused, &url))),
        ],
    );
    let [call, direct, reused] = <[Samples; 3]>::try_from(s).expect("three workloads");
    GetTimes {
        call,
        direct,
        reused,
    }
}

/// Calls stuck on a server that does not answer, each checked to end with `timeout`.
pub struct Stuck {
    _servers: [Server; 2],
    _packages: [Package; 2],
    request: Plugin,
    websocket: Plugin,
}

impl Stuck {
    pub fn new(runtime: &Runtime) -> Stuck {
        let slow = Server::start(Script::Slow);
        let silent = Server::start(Script::Silent);
        let (request_pkg, request) = http_plugin(runtime, slow.port, "/v1/slow");
        let port = silent.port;
        let targets =
            format!("[[websocket]]\nscheme = \"ws\"\nhost = \"127.0.0.1\"\nport = {port}\n");
        let grant = serde_json::json!([{ "scheme": "ws", "host": "127.0.0.1", "port": port }]);
        let url = format!("ws://127.0.0.1:{port}/silent");
        let steps = [
            Step::Open(format!(r#"{{"url":"{url}"}}"#)),
            Step::Recv(1, 30_000),
        ];
        let (ws_pkg, websocket) = granted(runtime, "websocket", &targets, grant, &steps);
        Stuck {
            _servers: [slow, silent],
            _packages: [request_pkg, ws_pkg],
            request,
            websocket,
        }
    }

    /// Return time minus `deadline` of a GET to the server that waits 2 s before its head.
    pub fn request_overshoot(&self, deadline: Duration, n: usize) -> Samples {
        overshoot(&self.request, deadline, n)
    }

    /// Return time minus `deadline` of a `recv` (30 s timeout) on a silent WebSocket; the
    /// upgrade is inside the deadline too.
    pub fn websocket_overshoot(&self, deadline: Duration, n: usize) -> Samples {
        overshoot(&self.websocket, deadline, n)
    }
}

fn overshoot(plugin: &Plugin, deadline: Duration, n: usize) -> Samples {
    let options = CallOptions {
        limits: Some(Limits {
            deadline,
            ..Limits::default()
        }),
        cancel: None,
    };
    stats::collect(1, n, || {
        let start = Instant::now();
        let outcome = plugin.call("t", "{}", &options);
        let took = start.elapsed();
        let code = outcome.result.err().map(|e| e.code());
        assert_eq!(
            code,
            Some(ErrorCode::Timeout),
            "a call stuck on the network must time out"
        );
        took.saturating_sub(deadline)
    })
}
