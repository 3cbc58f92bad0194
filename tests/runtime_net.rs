//! The network host interfaces of the reference runtime against the kit's own loopback servers:
//! what reached the server is the evidence, never only what the runtime reports. The corpus
//! (corpus/net) judges the rules one by one; these tests hold the wire's own promises: an
//! exchange carries exactly what was checked, a denial sends nothing, a deadline or a cancel
//! ends a call stuck on a socket within the stop latency, and many calls across threads leave
//! no socket, thread or memory behind.

mod common;

use common::net_guest::{guest, Step};
use common::{digest_of, Package};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use toolcage_kit::servers::{ServerScripts, Servers};
use toolcage_runtime::net::TableResolver;
use toolcage_runtime::{CallOptions, CancelToken, Config, ErrorCode, Grants, Limits, Runtime};

/// A component package that asks for `api` with `targets` (TOML tables) and runs `steps`.
fn package(api: &str, targets: &str, steps: &[Step]) -> Package {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = format!(
        "schema_version = 1\nid = \"test.net\"\nname = \"net\"\nversion = \"1.0.0\"\n\
         description = \"a network test plugin\"\n\
         permissions = [{{ kind = \"host_api\", api = \"{api}\" }}]\n\n\
         [runtime]\nkind = \"wasm-component\"\ncomponent = \"plugin.component.wasm\"\n\
         world = \"yoi:plugin/tool@1.0.0\"\n\n{targets}\n\
         [[tools]]\nname = \"t\"\ndescription = \"t\"\ninput_schema = {{ type = \"object\" }}\n"
    );
    std::fs::write(dir.path().join("plugin.toml"), manifest).unwrap();
    let wasm = wat::parse_str(guest(steps)).expect("the guest's WAT compiles");
    std::fs::write(dir.path().join("plugin.component.wasm"), wasm).unwrap();
    let digest = digest_of(dir.path());
    Package { dir, digest }
}

/// Grants for `package`: `api` with `targets` (a JSON array), names resolved by `names`.
fn grant_for(
    package: &Package,
    api: &str,
    targets: serde_json::Value,
    names: Vec<(String, Vec<Vec<IpAddr>>)>,
) -> Grants {
    let json = serde_json::json!([{
        "id": "test.net",
        "version": "1.0.0",
        "digest": package.digest.to_string(),
        "permissions": [{ "kind": "host_api", "api": api }],
        api: targets,
    }]);
    Grants::from_json(&json.to_string())
        .expect("the test's grants are valid")
        .with_resolver(Arc::new(TableResolver::new(names).unwrap()))
}

fn runtime() -> Runtime {
    Runtime::new(Config::default()).expect("runtime")
}

fn limits(deadline_ms: u64) -> Limits {
    Limits {
        deadline: Duration::from_millis(deadline_ms),
        ..Limits::default()
    }
}

fn http_target(port: u16) -> String {
    format!(
        "[[request]]\nscheme = \"http\"\nhost = \"127.0.0.1\"\nport = {port}\nmethods = [\"GET\"]\n\
         path_prefixes = [\"/v1\"]\n"
    )
}

fn http_grant(port: u16) -> serde_json::Value {
    serde_json::json!([{ "scheme": "http", "host": "127.0.0.1", "port": port,
                         "methods": ["GET"], "path_prefixes": ["/v1"] }])
}

fn ws_target(port: u16) -> String {
    format!("[[websocket]]\nscheme = \"ws\"\nhost = \"127.0.0.1\"\nport = {port}\n")
}

fn ws_grant(port: u16) -> serde_json::Value {
    serde_json::json!([{ "scheme": "ws", "host": "127.0.0.1", "port": port }])
}

fn scripts(toml: &str) -> ServerScripts {
    toml::from_str(toml).expect("the test's server script is valid")
}

/// The answer the guest returned (the host's JSON), parsed.
fn answer(outcome: &toolcage_runtime::CallOutcome) -> serde_json::Value {
    let output = outcome.result.as_ref().expect("the call succeeds");
    let content = output.content.as_deref().expect("content");
    serde_json::from_str(content).expect("the answer is JSON")
}

#[test]
fn a_granted_get_reaches_the_server_and_returns_its_exact_answer() {
    let servers = Servers::start(&scripts(
        r#"[[http.routes]]
path = "/v1/a"
response = { status = 201, body = "hi", headers = [{ name = "X-Kit", value = "1" }] }"#,
    ))
    .unwrap();
    let port = servers.ports().http;
    let url = format!("http://127.0.0.1:{port}/v1/a");
    let steps = [Step::Request(format!(
        r#"{{"method":"GET","url":"{url}","headers":[{{"name":"X-Plugin","value":"yes"}}]}}"#
    ))];
    let pkg = package("request", &http_target(port), &steps);
    let grants = grant_for(&pkg, "request", http_grant(port), vec![]);
    let rt = runtime();
    let plugin = rt
        .load_with_grants(pkg.path(), Some(&pkg.digest), &limits(5000), &grants)
        .expect("loads");
    let outcome = plugin.call("t", "{}", &CallOptions::default());
    let answer = answer(&outcome);
    assert_eq!(answer["status"], 201);
    assert_eq!(answer["body"], "hi");
    assert_eq!(answer["truncated"], false);
    assert!(answer["headers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h["name"] == "x-kit" && h["value"] == "1"));
    let seen = servers.http_recording();
    assert_eq!(seen.requests.len(), 1, "{seen:?}");
    let head = &seen.requests[0];
    assert_eq!(
        (head.method.as_str(), head.target.as_str()),
        ("GET", "/v1/a")
    );
    assert_eq!(
        head.header("host"),
        Some(format!("127.0.0.1:{port}").as_str())
    );
    assert_eq!(head.header("x-plugin"), Some("yes"));
    assert!(servers.sentinel_recording().is_empty());
}

#[test]
fn a_denied_request_sends_nothing() {
    let servers = Servers::start(&ServerScripts::default()).unwrap();
    let port = servers.ports().http;
    // Outside the prefix on a segment boundary, another port, a guest Host header: each is
    // refused before any I/O.
    for (url, headers, reason) in [
        (
            format!("http://127.0.0.1:{port}/v10"),
            "[]",
            "not_in_manifest",
        ),
        (
            format!("http://127.0.0.1:{}/v1", port + 1),
            "[]",
            "not_in_manifest",
        ),
        (
            format!("http://127.0.0.1:{port}/v1"),
            r#"[{"name":"Host","value":"evil"}]"#,
            "header_denied",
        ),
    ] {
        let steps = [Step::Request(format!(
            r#"{{"method":"GET","url":"{url}","headers":{headers}}}"#
        ))];
        let pkg = package("request", &http_target(port), &steps);
        let grants = grant_for(&pkg, "request", http_grant(port), vec![]);
        let plugin = runtime()
            .load_with_grants(pkg.path(), Some(&pkg.digest), &limits(5000), &grants)
            .expect("loads");
        let outcome = plugin.call("t", "{}", &CallOptions::default());
        let error = outcome.result.expect_err("refused");
        assert_eq!(error.code(), ErrorCode::HostApiDenied, "{url}: {error:?}");
        assert_eq!(error.details()["reason"], reason, "{url}");
    }
    assert!(servers.untouched(), "a denial reached a server");
}

#[test]
fn a_name_resolved_once_cannot_rebind_to_the_sentinel() {
    let servers = Servers::start(&scripts(
        r#"[[http.routes]]
path = "/v1/a"
response = { body = "ok" }"#,
    ))
    .unwrap();
    let port = servers.ports().http;
    let target = format!(
        "[[request]]\nscheme = \"http\"\nhost = \"rebind.test\"\nport = {port}\nmethods = [\"GET\"]\n"
    );
    let grant = serde_json::json!([{ "scheme": "http", "host": "rebind.test", "port": port,
        "methods": ["GET"], "addresses": ["127.0.0.1"] }]);
    let url = format!("http://rebind.test:{port}/v1/a");
    let steps = [
        Step::Request(format!(r#"{{"method":"GET","url":"{url}"}}"#)),
        Step::Request(format!(r#"{{"method":"GET","url":"{url}"}}"#)),
    ];
    let pkg = package("request", &target, &steps);
    let sentinel: IpAddr = "127.0.0.2".parse().unwrap();
    let names = vec![(
        "rebind.test".to_owned(),
        vec![vec!["127.0.0.1".parse().unwrap()], vec![sentinel]],
    )];
    let grants = grant_for(&pkg, "request", grant, names);
    let plugin = runtime()
        .load_with_grants(pkg.path(), Some(&pkg.digest), &limits(5000), &grants)
        .expect("loads");
    let outcome = plugin.call("t", "{}", &CallOptions::default());
    // The second lookup answers the sentinel's address, which the grant does not name.
    let error = outcome.result.expect_err("the rebound lookup is refused");
    assert_eq!(error.details()["reason"], "address_denied", "{error:?}");
    assert_eq!(servers.http_recording().requests.len(), 1);
    assert!(servers.violations().is_empty(), "the sentinel was reached");
}

/// A server that waits 3 s before its head holds a call of 100 ms for about 100 ms, and the
/// connection is closed from the runtime's side soon after.
#[test]
fn a_deadline_and_a_cancel_end_a_call_stuck_on_a_slow_server() {
    let servers = Servers::start(&scripts(
        r#"[[http.routes]]
path = "/v1/slow"
response = { delay_before_headers_ms = 3000, body = "late" }"#,
    ))
    .unwrap();
    let port = servers.ports().http;
    let url = format!("http://127.0.0.1:{port}/v1/slow");
    let steps = [Step::Request(format!(
        r#"{{"method":"GET","url":"{url}"}}"#
    ))];
    let pkg = package("request", &http_target(port), &steps);
    let grants = grant_for(&pkg, "request", http_grant(port), vec![]);
    let rt = runtime();
    let plugin = rt
        .load_with_grants(pkg.path(), Some(&pkg.digest), &limits(100), &grants)
        .expect("loads");
    let started = Instant::now();
    let outcome = plugin.call("t", "{}", &CallOptions::default());
    let took = started.elapsed();
    let error = outcome.result.expect_err("times out");
    assert_eq!(error.code(), ErrorCode::Timeout, "{error:?}");
    assert!(took < Duration::from_millis(1500), "held {took:?}");

    let cancel = CancelToken::new();
    let options = CallOptions {
        limits: Some(limits(10_000)),
        cancel: Some(cancel.clone()),
    };
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        cancel.cancel();
    });
    let started = Instant::now();
    let outcome = plugin.call("t", "{}", &options);
    let took = started.elapsed();
    canceller.join().unwrap();
    let error = outcome.result.expect_err("cancelled");
    assert_eq!(error.code(), ErrorCode::Cancelled, "{error:?}");
    assert!(took < Duration::from_millis(1500), "held {took:?}");
    assert_eq!(servers.http_recording().requests.len(), 2);
}

#[test]
fn a_websocket_echoes_text_and_a_handle_dies_with_its_call() {
    let servers = Servers::start(&ServerScripts::default()).unwrap();
    let port = servers.ports().websocket;
    let target = ws_target(port);
    let grant = ws_grant(port);
    let url = format!("ws://127.0.0.1:{port}/echo");
    let steps = [
        Step::Open(format!(r#"{{"url":"{url}"}}"#)),
        Step::Send(1, "hello".into()),
        Step::Recv(1, 2000),
    ];
    let pkg = package("websocket", &target, &steps);
    let grants = grant_for(&pkg, "websocket", grant, vec![]);
    let plugin = runtime()
        .load_with_grants(pkg.path(), Some(&pkg.digest), &limits(5000), &grants)
        .expect("loads");
    let outcome = plugin.call("t", "{}", &CallOptions::default());
    assert_eq!(
        answer(&outcome),
        serde_json::json!({"type": "text", "text": "hello"})
    );

    // Handle 1 of the call above is gone: a new call's store knows no handle it did not open.
    let steps = [Step::Send(1, "again".into())];
    let pkg2 = package("websocket", &ws_target(port), &steps);
    let grant = ws_grant(port);
    let grants2 = grant_for(&pkg2, "websocket", grant, vec![]);
    let plugin2 = runtime()
        .load_with_grants(pkg2.path(), Some(&pkg2.digest), &limits(5000), &grants2)
        .expect("loads");
    let error = plugin2
        .call("t", "{}", &CallOptions::default())
        .result
        .expect_err("unknown handle");
    assert_eq!(error.details()["reason"], "handle_unknown", "{error:?}");
}

#[test]
fn a_silent_websocket_recv_ends_at_the_deadline() {
    let servers = Servers::start(&scripts(
        r#"[[websocket.routes]]
path = "/silent"
steps = []"#,
    ))
    .unwrap();
    let port = servers.ports().websocket;
    let target = ws_target(port);
    let grant = ws_grant(port);
    let url = format!("ws://127.0.0.1:{port}/silent");
    let steps = [
        Step::Open(format!(r#"{{"url":"{url}"}}"#)),
        Step::Recv(1, 30_000),
    ];
    let pkg = package("websocket", &target, &steps);
    let grants = grant_for(&pkg, "websocket", grant, vec![]);
    let plugin = runtime()
        .load_with_grants(pkg.path(), Some(&pkg.digest), &limits(100), &grants)
        .expect("loads");
    let started = Instant::now();
    let outcome = plugin.call("t", "{}", &CallOptions::default());
    let took = started.elapsed();
    let error = outcome.result.expect_err("times out");
    assert_eq!(error.code(), ErrorCode::Timeout, "{error:?}");
    assert!(took < Duration::from_millis(1500), "held {took:?}");
}

fn fd_count() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// Waits up to 3 s for `now()` to come back to at most `baseline`: abandoned workers end when
/// their sockets are shut down, a little after the call returned.
fn settles(baseline: usize, now: impl Fn() -> usize) -> usize {
    let until = Instant::now() + Duration::from_secs(3);
    loop {
        let value = now();
        if value <= baseline || Instant::now() >= until {
            return value;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Thousands of host-API calls on four threads (granted exchanges, denials, requests ended by
/// their deadline on a slow server, WebSocket round trips) leave file descriptors and threads
/// at their baseline and memory near it: nothing a call opened outlives it.
#[test]
fn thousands_of_calls_across_threads_leave_nothing_behind() {
    let servers = Servers::start(&scripts(
        r#"[[http.routes]]
path = "/v1/fast"
response = { body = "ok" }
[[http.routes]]
path = "/v1/slow"
response = { delay_before_headers_ms = 300, body = "late" }"#,
    ))
    .unwrap();
    let http = servers.ports().http;
    let ws = servers.ports().websocket;
    let request = |path: &str| {
        Step::Request(format!(
            r#"{{"method":"GET","url":"http://127.0.0.1:{http}/{path}"}}"#
        ))
    };
    let rt = Arc::new(runtime());
    let load = |api: &str, targets: &str, grant: serde_json::Value, steps: &[Step], ms: u64| {
        let pkg = package(api, targets, steps);
        let grants = grant_for(&pkg, api, grant, vec![]);
        let plugin = rt
            .load_with_grants(pkg.path(), Some(&pkg.digest), &limits(ms), &grants)
            .expect("loads");
        (pkg, plugin)
    };
    let ws_target = ws_target(ws);
    let ws_grant = ws_grant(ws);
    let plugins = Arc::new(vec![
        load(
            "request",
            &http_target(http),
            http_grant(http),
            &[request("v1/fast")],
            5000,
        ),
        load(
            "request",
            &http_target(http),
            http_grant(http),
            &[request("v2/x")],
            5000,
        ),
        load(
            "request",
            &http_target(http),
            http_grant(http),
            &[request("v1/slow")],
            20,
        ),
        load(
            "websocket",
            &ws_target,
            ws_grant,
            &[
                Step::Open(format!(r#"{{"url":"ws://127.0.0.1:{ws}/e"}}"#)),
                Step::Send(1, "ping".into()),
                Step::Recv(1, 1000),
                Step::Close(1),
            ],
            5000,
        ),
    ]);
    let round = |calls: usize| {
        let workers: Vec<_> = (0..4)
            .map(|t| {
                let plugins = Arc::clone(&plugins);
                std::thread::spawn(move || {
                    let mut codes = std::collections::BTreeMap::<String, usize>::new();
                    for i in 0..calls {
                        // One in ten is a slow request cut at its 20 ms deadline.
                        let which = match (i + t) % 10 {
                            0 => 2,
                            k => [0, 1, 3][k % 3],
                        };
                        let outcome = plugins[which].1.call("t", "{}", &CallOptions::default());
                        let key = match outcome.result {
                            Ok(_) => format!("{which}:ok"),
                            Err(e) => format!("{which}:{}", e.code().as_str()),
                        };
                        *codes.entry(key).or_default() += 1;
                    }
                    codes
                })
            })
            .collect();
        let mut all = std::collections::BTreeMap::<String, usize>::new();
        for worker in workers {
            for (k, n) in worker.join().unwrap() {
                *all.entry(k).or_default() += n;
            }
        }
        all
    };
    // Warm-up: pools, the resolver's and ureq's first allocations.
    round(20);
    let (fds, threads, rss) = (
        settles(0, fd_count).max(fd_count()),
        common::thread_count(),
        rss_bytes(),
    );
    let codes = round(500);
    assert_eq!(codes.values().sum::<usize>(), 2000);
    assert_eq!(
        codes.keys().cloned().collect::<Vec<_>>(),
        ["0:ok", "1:host_api_denied", "2:timeout", "3:ok"],
        "{codes:?}"
    );
    let fds_after = settles(fds, fd_count);
    let threads_after = settles(threads, common::thread_count);
    let rss_after = rss_bytes();
    assert!(
        fds_after <= fds,
        "file descriptors: {fds} before, {fds_after} after"
    );
    assert!(
        threads_after <= threads,
        "threads: {threads} before, {threads_after} after"
    );
    assert!(
        rss_after <= rss + 32 * 1024 * 1024,
        "resident memory grew from {rss} to {rss_after} bytes over 2000 calls"
    );
    assert!(servers.violations().is_empty());
}
