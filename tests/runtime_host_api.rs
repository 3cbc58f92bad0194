//! What a host gets from the library beyond one call: built-in tools that fail like plugins,
//! deadlines that cannot overflow, loads whose limits hold for the plugin's calls, a runtime
//! that starts under `RLIMIT_AS`, and a ticker that costs nothing while no call runs.

mod common;

use common::{package, ECHO, LOOP};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use toolcage_runtime::{
    CallOptions, CancelToken, Config, EngineConfig, Error, ErrorCode, History, Limits, Runtime,
    Tool, ToolErrorKind, ToolOutput, ToolRegistry,
};

/// Tests here count threads and their CPU: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

/// A guest that grows its memory from one page to `pages` and reports success.
fn grower(pages: u32) -> String {
    format!(
        r#"(module
  (import "yoi:tool" "output_write" (func $w (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{{\"summary\":\"grown\"}}")
  (func (export "yoi_tool_call")
    (if (i32.eq (memory.grow (i32.const {})) (i32.const -1)) (then unreachable))
    (drop (call $w (i32.const 0) (i32.const 19)))))"#,
        pages - 1
    )
}

#[test]
fn a_builtin_tool_fails_through_the_registry_like_a_plugin() {
    struct Search;
    impl Tool for Search {
        fn name(&self) -> &str {
            "search"
        }
        fn description(&self) -> &str {
            "a built-in tool that refuses empty queries and has no backend"
        }
        fn input_schema(&self) -> &serde_json::Value {
            static SCHEMA: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
            SCHEMA.get_or_init(|| serde_json::json!({"type": "object"}))
        }
        fn call(&self, input: &str, _: Option<&CancelToken>) -> Result<ToolOutput, Error> {
            if input == "{}" {
                return Err(Error::new(
                    ErrorCode::InputSchemaMismatch,
                    "`q` is required\u{1b}[31m",
                )
                .with("field", "q"));
            }
            Err(Error::new(
                ErrorCode::ResourceExhausted,
                "the search backend is busy; try again later",
            ))
        }
    }

    let mut registry = ToolRegistry::new();
    registry.register(Arc::new(Search)).unwrap();
    let mut history = History::new();

    let invalid = registry
        .invoke(&mut history, "1", "search", "{}", None)
        .clone();
    assert!(invalid.is_error);
    assert_eq!(invalid.error_kind, Some(ToolErrorKind::InvalidArgument));
    assert_eq!(invalid.error_code.as_deref(), Some("input_schema_mismatch"));
    assert_eq!(invalid.summary, "invalid argument: `q` is required[31m");
    let body: serde_json::Value =
        serde_json::from_str(invalid.content.as_deref().unwrap()).unwrap();
    assert_eq!(body["phase"], "input");
    assert_eq!(body["details"]["field"], "q");

    let failed = registry
        .invoke(&mut history, "2", "search", r#"{"q":"x"}"#, None)
        .clone();
    assert_eq!(failed.error_kind, Some(ToolErrorKind::ExecutionFailed));
    assert_eq!(failed.error_code.as_deref(), Some("resource_exhausted"));
    assert_eq!(history.entries().len(), 4);
}

#[test]
fn a_deadline_of_duration_max_is_no_deadline_not_a_panic() {
    let _serial = serial();
    let rt = Runtime::new(Config::default()).unwrap();
    let unbounded = Limits {
        deadline: Duration::MAX,
        ..Limits::default()
    };
    let echo = package(ECHO, &["echo"]);
    let plugin = rt
        .load_with_limits(echo.path(), Some(&echo.digest), &unbounded)
        .unwrap();
    let outcome = plugin.call("echo", r#"{"summary":"hi"}"#, &CallOptions::default());
    assert_eq!(outcome.result.unwrap().summary, "hi");

    // A looping guest under it runs until cancelled: no deadline fired, nothing overflowed.
    let looping = package(LOOP, &["spin"]);
    let plugin = rt.load(looping.path(), Some(&looping.digest)).unwrap();
    let token = CancelToken::new();
    let canceller = {
        let token = token.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            token.cancel();
        })
    };
    let outcome = plugin.call(
        "spin",
        "{}",
        &CallOptions {
            limits: Some(unbounded),
            cancel: Some(token),
        },
    );
    canceller.join().unwrap();
    assert_eq!(outcome.result.unwrap_err().code(), ErrorCode::Cancelled);
}

#[test]
fn the_limits_a_plugin_was_loaded_with_bound_its_calls() {
    let _serial = serial();
    let rt = Runtime::new(Config::default()).unwrap();
    let pkg = package(&grower(4), &["grow"]);
    let small = Limits {
        memory_bytes: 2 * 65536,
        input_bytes: 8,
        ..Limits::default()
    };
    let plugin = rt
        .load_with_limits(pkg.path(), Some(&pkg.digest), &small)
        .unwrap();
    let outcome = plugin.call("grow", "{}", &CallOptions::default());
    assert_eq!(outcome.result.unwrap_err().code(), ErrorCode::MemoryLimit);
    let outcome = plugin.call("grow", r#"{"long":"input"}"#, &CallOptions::default());
    assert_eq!(outcome.result.unwrap_err().code(), ErrorCode::InputTooLarge);
    // A call's own limits replace the load's; `load` uses the runtime's.
    let outcome = plugin.call(
        "grow",
        "{}",
        &CallOptions {
            limits: Some(Limits::default()),
            cancel: None,
        },
    );
    assert_eq!(outcome.result.unwrap().summary, "grown");
    let plugin = rt.load(pkg.path(), Some(&pkg.digest)).unwrap();
    let outcome = plugin.call("grow", "{}", &CallOptions::default());
    assert_eq!(outcome.result.unwrap().summary, "grown");
    // The load-time bound applies at load.
    let tiny = Limits {
        module_bytes: 8,
        ..Limits::default()
    };
    let error = rt
        .load_with_limits(pkg.path(), Some(&pkg.digest), &tiny)
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::ModuleTooLarge);
}

/// The `toolcage-epoch` threads of this process, by thread id.
fn epoch_threads() -> Vec<String> {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|entry| {
            let tid = entry.ok()?.file_name().into_string().ok()?;
            let comm = std::fs::read_to_string(format!("/proc/self/task/{tid}/comm")).ok()?;
            (comm.trim() == "toolcage-epoch").then_some(tid)
        })
        .collect()
}

/// (context switches, CPU clock ticks) of one thread so far.
fn thread_activity(tid: &str) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/self/task/{tid}/status")).unwrap();
    let switches = status
        .lines()
        .filter(|l| l.contains("ctxt_switches:"))
        .map(|l| l.split(':').nth(1).unwrap().trim().parse::<u64>().unwrap())
        .sum();
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).unwrap();
    // Fields after the `(comm)`: state is field 3, utime 14 and stime 15.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    let cpu = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    (switches, cpu)
}

#[test]
fn an_idle_runtime_ticker_sleeps_and_wakes_for_a_call() {
    let _serial = serial();
    let before = epoch_threads();
    let rt = Runtime::new(Config::default()).unwrap();
    // The new thread names itself once it runs, so it may show up under its name a moment
    // after `Runtime::new` returns.
    let mut ours: Vec<String> = Vec::new();
    for _ in 0..200 {
        ours = epoch_threads()
            .into_iter()
            .filter(|t| !before.contains(t))
            .collect();
        if !ours.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(ours.len(), 1, "one ticker thread per runtime: {ours:?}");
    let tid = &ours[0];

    let (switches, cpu) = thread_activity(tid);
    std::thread::sleep(Duration::from_millis(300));
    let (idle_switches, idle_cpu) = thread_activity(tid);
    // A ticker at 1 kHz would switch ~300 times here; a sleeping one not at all.
    assert!(
        idle_switches - switches < 30,
        "the idle ticker woke {} times in 300 ms",
        idle_switches - switches
    );
    assert!(
        idle_cpu - cpu <= 2,
        "the idle ticker used {} ticks",
        idle_cpu - cpu
    );

    // It still drives deadlines: a looping guest times out, promptly.
    let looping = package(LOOP, &["spin"]);
    let plugin = rt.load(looping.path(), Some(&looping.digest)).unwrap();
    let limits = Limits {
        deadline: Duration::from_millis(20),
        ..Limits::default()
    };
    let start = Instant::now();
    let outcome = plugin.call(
        "spin",
        "{}",
        &CallOptions {
            limits: Some(limits),
            cancel: None,
        },
    );
    assert_eq!(outcome.result.unwrap_err().code(), ErrorCode::Timeout);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    let (after_call, _) = thread_activity(tid);
    assert!(
        after_call > idle_switches,
        "the ticker did not run for the call"
    );
}

/// The address-space limit the child runs under: far below the default pool's reservation
/// (64 slots of 4 GiB + guard) and ample for a pool sized from a small memory cap.
const RLIMIT_AS_KIB: u64 = 4 * 1024 * 1024;
const CHILD: &str = "TOOLCAGE_RLIMIT_AS_CHILD";

/// Re-runs this test in a child process under `ulimit -v`, in the role `role`; true when the
/// child's checks passed.
fn run_child(role: &str) -> bool {
    let exe = std::env::current_exe().unwrap();
    let output = Command::new("/bin/sh")
        .arg("-c")
        .arg(format!("ulimit -v {RLIMIT_AS_KIB} && exec \"$0\" \"$@\""))
        .arg(exe)
        .args([
            "a_runtime_sized_from_its_memory_cap_starts_under_rlimit_as",
            "--exact",
            "--test-threads=1",
            "--nocapture",
        ])
        .env(CHILD, role)
        .output()
        .unwrap();
    if !output.status.success() {
        eprintln!(
            "child {role}:\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    output.status.success()
}

#[test]
fn a_runtime_sized_from_its_memory_cap_starts_under_rlimit_as() {
    match std::env::var(CHILD).as_deref() {
        // The default pool reserves 64 x (4 GiB + 32 MiB): it cannot start here.
        Ok("default") => match Runtime::new(Config::default()) {
            Ok(_) => panic!("the default pool started under the limit"),
            Err(error) => assert_eq!(error.code(), ErrorCode::ResourceExhausted),
        },
        Ok("sized") => {
            let rt = Runtime::new(Config {
                engine: EngineConfig {
                    max_memory_bytes: Some(Limits::default().memory_bytes),
                    ..EngineConfig::default()
                },
                ..Config::default()
            })
            .expect("the sized pool starts under RLIMIT_AS");
            let echo = package(ECHO, &["echo"]);
            let plugin = rt.load(echo.path(), Some(&echo.digest)).unwrap();
            let outcome = plugin.call("echo", r#"{"summary":"hi"}"#, &CallOptions::default());
            assert_eq!(outcome.result.unwrap().summary, "hi");
            // The cap is the slot: growing to it works, past it is `memory_limit`.
            let to_cap = package(&grower(32), &["grow"]);
            let plugin = rt.load(to_cap.path(), Some(&to_cap.digest)).unwrap();
            let outcome = plugin.call("grow", "{}", &CallOptions::default());
            assert_eq!(outcome.result.unwrap().summary, "grown");
            let past = package(&grower(33), &["grow"]);
            let plugin = rt.load(past.path(), Some(&past.digest)).unwrap();
            let outcome = plugin.call("grow", "{}", &CallOptions::default());
            assert_eq!(outcome.result.unwrap_err().code(), ErrorCode::MemoryLimit);
        }
        Ok(other) => panic!("unknown child role {other}"),
        Err(_) => {
            assert!(
                run_child("default"),
                "the default runtime started under the limit"
            );
            assert!(
                run_child("sized"),
                "the sized runtime failed under the limit"
            );
        }
    }
}

#[test]
fn a_module_whose_initial_memory_exceeds_the_sized_pool_is_memory_limit() {
    let _serial = serial();
    let rt = Runtime::new(Config {
        engine: EngineConfig {
            max_memory_bytes: Some(2 * 65536),
            max_concurrent_calls: 2,
        },
        ..Config::default()
    })
    .unwrap();
    let big = r#"(module
      (memory (export "memory") 3)
      (func (export "yoi_tool_call")))"#;
    let pkg = package(big, &["big"]);
    let error = rt.load(pkg.path(), Some(&pkg.digest)).unwrap_err();
    assert_eq!(error.code(), ErrorCode::MemoryLimit);
}
