//! The seed ticket's acceptance items against the reference runtime's library API, one test
//! each, every one written to fail if its guarantee is taken out of the runtime.

mod common;

use common::*;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use toolcage_runtime::{
    CallOptions, CancelToken, Config, ErrorCode, Limits, Runtime, ToolErrorKind,
};

fn runtime() -> Runtime {
    Runtime::new(Config::default()).expect("runtime")
}

fn with_deadline(ms: u64) -> CallOptions {
    CallOptions {
        limits: Some(Limits {
            deadline: Duration::from_millis(ms),
            ..Limits::default()
        }),
        cancel: None,
    }
}

fn code_of(outcome: &toolcage_runtime::CallOutcome) -> ErrorCode {
    match &outcome.result {
        Ok(o) => panic!("expected an error, got output {o:?}"),
        Err(e) => e.code(),
    }
}

#[test]
fn success_returns_the_guest_output_as_a_tool_output() {
    let pkg = package(ECHO, &["echo"]);
    let plugin = runtime().load(pkg.path(), Some(&pkg.digest)).unwrap();
    let input = r#"{"summary":"héllo ✓","content":"body"}"#;
    let out = plugin.call("echo", input, &CallOptions::default());
    let out = out.result.unwrap();
    assert_eq!(out.summary, "héllo ✓");
    assert_eq!(out.content.as_deref(), Some("body"));
}

#[test]
fn malformed_output_is_a_safe_error() {
    let rt = runtime();
    for (text, code) in [
        ("not json", ErrorCode::OutputMalformed),
        (
            r#"{"summary":"s","extra":1}"#,
            ErrorCode::OutputSchemaMismatch,
        ),
    ] {
        let pkg = package(&constant(text), &["t"]);
        let plugin = rt.load(pkg.path(), Some(&pkg.digest)).unwrap();
        let outcome = plugin.call("t", "{}", &CallOptions::default());
        assert_eq!(code_of(&outcome), code, "{text}");
    }
}

#[test]
fn oversize_output_fails_closed_at_the_write() {
    let pkg = package(ECHO, &["echo"]);
    let plugin = runtime().load(pkg.path(), Some(&pkg.digest)).unwrap();
    let cap = 100;
    let options = CallOptions {
        limits: Some(Limits {
            output_bytes: cap,
            ..Limits::default()
        }),
        cancel: None,
    };
    let at_cap = format!(r#"{{"summary":"{}"}}"#, "x".repeat(cap - 14));
    assert_eq!(at_cap.len(), cap);
    assert!(plugin.call("echo", &at_cap, &options).result.is_ok());
    let over = format!(r#"{{"summary":"{}"}}"#, "x".repeat(cap - 13));
    let outcome = plugin.call("echo", &over, &options);
    assert_eq!(code_of(&outcome), ErrorCode::OutputTooLarge);
    assert_eq!(outcome.host_calls.failures.get("output_write"), Some(&1));
}

#[test]
fn an_infinite_loop_times_out_at_the_deadline() {
    let rt = runtime();
    for wat in [LOOP, LOOP_IN_START] {
        let pkg = package(wat, &["t"]);
        let plugin = rt.load(pkg.path(), Some(&pkg.digest)).unwrap();
        let start = Instant::now();
        let outcome = plugin.call("t", "{}", &with_deadline(50));
        let took = start.elapsed();
        assert_eq!(code_of(&outcome), ErrorCode::Timeout);
        assert!(took >= Duration::from_millis(50), "{took:?}");
        assert!(took < Duration::from_millis(1000), "{took:?}");
    }
}

#[test]
fn cancellation_from_another_thread_is_distinct_from_timeout() {
    let pkg = package(LOOP, &["t"]);
    let plugin = runtime().load(pkg.path(), Some(&pkg.digest)).unwrap();
    let token = CancelToken::new();
    let options = CallOptions {
        limits: Some(Limits {
            deadline: Duration::from_secs(10),
            ..Limits::default()
        }),
        cancel: Some(token.clone()),
    };
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(30));
        token.cancel();
    });
    let start = Instant::now();
    let outcome = plugin.call("t", "{}", &options);
    canceller.join().unwrap();
    assert_eq!(code_of(&outcome), ErrorCode::Cancelled);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    // A token cancelled before the call stops it before any guest code runs.
    let outcome = plugin.call("t", "{}", &options);
    assert_eq!(code_of(&outcome), ErrorCode::Cancelled);
}

#[test]
fn input_at_the_cap_is_accepted_and_one_byte_more_refused() {
    let pkg = package(ECHO, &["echo"]);
    let plugin = runtime().load(pkg.path(), Some(&pkg.digest)).unwrap();
    let cap = Limits::default().input_bytes;
    let make = |len: usize| format!(r#"{{"summary":"s","content":"{}"}}"#, "a".repeat(len - 28));
    assert_eq!(make(cap).len(), cap);
    let at = plugin.call("echo", &make(cap), &CallOptions::default());
    assert_eq!(at.result.unwrap().content.unwrap().len(), cap - 28);
    let over = plugin.call("echo", &make(cap + 1), &CallOptions::default());
    assert_eq!(code_of(&over), ErrorCode::InputTooLarge);
    assert!(
        over.host_calls.calls.is_empty(),
        "refused before instantiation"
    );
    assert_eq!(
        code_of(&plugin.call("echo", "{", &CallOptions::default())),
        ErrorCode::InputMalformed
    );
}

#[test]
fn a_missing_module_is_a_load_error() {
    let pkg = package(ECHO, &["echo"]);
    std::fs::remove_file(pkg.path().join("plugin.wasm")).unwrap();
    let digest = digest_of(pkg.path());
    let err = runtime().load(pkg.path(), Some(&digest)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::ModuleMissing);
    assert_eq!(err.tool_error_kind(), ToolErrorKind::ExecutionFailed);
}

#[test]
fn a_digest_mismatch_is_refused_before_compiling() {
    let pkg = package(ECHO, &["echo"]);
    let rt = runtime();
    assert_eq!(rt.load(pkg.path(), None).unwrap().digest(), &pkg.digest);
    let mut wasm = std::fs::read(pkg.path().join("plugin.wasm")).unwrap();
    wasm.extend_from_slice(&[0, 1, b'x']); // a custom section named "" of one byte
    std::fs::write(pkg.path().join("plugin.wasm"), wasm).unwrap();
    let err = rt.load(pkg.path(), Some(&pkg.digest)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::DigestMismatch);
    assert_eq!(err.details()["expected"], pkg.digest.to_string());
}

#[test]
fn wasi_fs_env_network_and_clock_imports_are_refused_all_named() {
    let wat = r#"(module
      (import "wasi_snapshot_preview1" "path_open" (func (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
      (import "yoi:tool" "input_len" (func (result i32)))
      (import "wasi_snapshot_preview1" "environ_get" (func (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "sock_accept" (func (param i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "clock_time_get" (func (param i32 i64 i32) (result i32)))
      (import "env" "now" (func (result f64)))
      (import "yoi:tool" "output_write" (func (param i64 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "yoi_tool_call")))"#;
    let pkg = package(wat, &["t"]);
    let err = runtime().load(pkg.path(), Some(&pkg.digest)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::ImportDenied);
    assert_eq!(
        err.details()["imports"],
        serde_json::json!([
            "wasi_snapshot_preview1::path_open",
            "wasi_snapshot_preview1::environ_get",
            "wasi_snapshot_preview1::sock_accept",
            "wasi_snapshot_preview1::clock_time_get",
            "env::now",
            "yoi:tool::output_write",
        ])
    );
}

#[test]
fn a_trapped_or_timed_out_call_leaves_the_runtime_healthy() {
    let rt = runtime();
    let trap = package(
        r#"(module (memory (export "memory") 1) (func (export "yoi_tool_call") unreachable))"#,
        &["t"],
    );
    let looping = package(LOOP, &["t"]);
    let echo = package(ECHO, &["echo"]);
    let trap = rt.load(trap.path(), Some(&trap.digest)).unwrap();
    let looping = rt.load(looping.path(), Some(&looping.digest)).unwrap();
    let echo = rt.load(echo.path(), Some(&echo.digest)).unwrap();
    for _ in 0..3 {
        let t = trap.call("t", "{}", &CallOptions::default());
        assert_eq!(code_of(&t), ErrorCode::Trap);
        assert_eq!(t.result.unwrap_err().details()["trap"], "unreachable");
        assert_eq!(
            code_of(&looping.call("t", "{}", &with_deadline(20))),
            ErrorCode::Timeout
        );
        let ok = echo.call(
            "echo",
            r#"{"summary":"still fine"}"#,
            &CallOptions::default(),
        );
        assert_eq!(ok.result.unwrap().summary, "still fine");
    }
}

#[test]
fn concurrent_calls_with_different_deadlines_do_not_interrupt_each_other() {
    let rt = runtime();
    let pkg = package(LOOP, &["t"]);
    let plugin = rt.load(pkg.path(), Some(&pkg.digest)).unwrap();
    let long = {
        let plugin = plugin.clone();
        std::thread::spawn(move || {
            let start = Instant::now();
            let outcome = plugin.call("t", "{}", &with_deadline(400));
            (code_of(&outcome), start.elapsed())
        })
    };
    std::thread::sleep(Duration::from_millis(20));
    let start = Instant::now();
    let short = plugin.call("t", "{}", &with_deadline(30));
    let short_took = start.elapsed();
    let (long_code, long_took) = long.join().unwrap();
    assert_eq!(code_of(&short), ErrorCode::Timeout);
    assert!(
        short_took < Duration::from_millis(350),
        "short call ran {short_took:?}"
    );
    assert_eq!(long_code, ErrorCode::Timeout);
    assert!(
        long_took >= Duration::from_millis(400),
        "long call cut short at {long_took:?}"
    );
}

#[test]
fn the_tool_history_path_is_the_same_for_builtin_and_plugin_tools() {
    use toolcage_runtime::{DiagnosticSink, History, HistoryEntry, Tool, ToolOutput, ToolRegistry};

    struct Builtin(serde_json::Value);
    impl Tool for Builtin {
        fn name(&self) -> &str {
            "clock"
        }
        fn description(&self) -> &str {
            "a built-in tool"
        }
        fn input_schema(&self) -> &serde_json::Value {
            &self.0
        }
        fn call(
            &self,
            _: &str,
            _: Option<&CancelToken>,
        ) -> Result<ToolOutput, toolcage_runtime::Error> {
            Ok(ToolOutput {
                summary: "noon".into(),
                content: None,
            })
        }
    }
    #[derive(Default)]
    struct Sink(Mutex<Vec<String>>);
    impl DiagnosticSink for Sink {
        fn receive(&self, plugin: &str, tool: &str, text: &str) {
            self.0
                .lock()
                .unwrap()
                .push(format!("{plugin}/{tool}: {text}"));
        }
    }

    let sink = Arc::new(Sink::default());
    let rt = Runtime::new(Config {
        diagnostics: Some(sink.clone()),
        ..Config::default()
    })
    .unwrap();
    let chatty = r#"(module
      (import "yoi:tool" "diagnostic_write" (func $d (param i32 i32) (result i32)))
      (import "yoi:tool" "output_write" (func $w (param i32 i32) (result i32)))
      (memory (export "memory") 1)
      (data (i32.const 0) "{\"summary\":\"done\"}")
      (data (i32.const 100) "secret operator note")
      (func (export "yoi_tool_call")
        (drop (call $d (i32.const 100) (i32.const 20)))
        (drop (call $w (i32.const 0) (i32.const 18)))))"#;
    let pkg = package(chatty, &["chatty"]);
    let plugin = rt.load(pkg.path(), Some(&pkg.digest)).unwrap();
    let mut registry = ToolRegistry::new();
    registry
        .register(Arc::new(Builtin(serde_json::json!({"type":"object"}))))
        .unwrap();
    registry.register_plugin(&plugin).unwrap();
    assert!(
        registry.register_plugin(&plugin).is_err(),
        "duplicate names are refused"
    );

    let mut history = History::new();
    let ok = registry
        .invoke(&mut history, "1", "chatty", "{}", None)
        .clone();
    assert!(!ok.is_error);
    assert_eq!((ok.summary.as_str(), ok.content.as_deref()), ("done", None));
    let builtin = registry
        .invoke(&mut history, "2", "clock", "{}", None)
        .clone();
    assert!(!builtin.is_error);
    let bad = registry
        .invoke(&mut history, "3", "chatty", "[1]", None)
        .clone();
    assert!(bad.is_error);
    assert_eq!(bad.error_kind, Some(ToolErrorKind::InvalidArgument));
    assert_eq!(bad.error_code.as_deref(), Some("input_schema_mismatch"));
    let unknown = registry
        .invoke(&mut history, "4", "nope", "{}", None)
        .clone();
    assert_eq!(unknown.error_code.as_deref(), Some("tool_unknown"));

    assert_eq!(
        history.entries().len(),
        8,
        "a call and a result per invocation"
    );
    let text = format!("{:?}", history.entries());
    assert!(
        !text.contains("secret operator note"),
        "diagnostics leaked into history"
    );
    assert!(matches!(&history.entries()[1], HistoryEntry::ToolResult(r) if r == &ok));
    assert_eq!(
        sink.0.lock().unwrap().as_slice(),
        ["test.plugin/chatty: secret operator note"]
    );
}

#[test]
fn error_messages_are_bounded_and_free_of_control_characters() {
    let pkg = package(ECHO, &["echo"]);
    let plugin = runtime().load(pkg.path(), Some(&pkg.digest)).unwrap();
    let evil = format!("\u{1b}[31m{}\u{7}\n", "x".repeat(5000));
    let outcome = plugin.call(&evil, "{}", &CallOptions::default());
    let err = outcome.result.unwrap_err();
    assert_eq!(err.code(), ErrorCode::ToolUnknown);
    assert!(err.message().len() <= 512, "{}", err.message().len());
    assert!(!err.message().chars().any(char::is_control));
    assert!(err.details()["tool"].as_str().unwrap().len() <= 256);
}
