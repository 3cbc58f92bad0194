//! A runtime's threads end with it, whatever its calls did. Alone in its own test binary so
//! that no other test's threads blur the count.

mod common;

use common::*;
use std::time::Duration;
use toolcage_runtime::{CallOptions, CancelToken, Config, Limits, Runtime};

fn thread_names() -> Vec<String> {
    let tasks = std::fs::read_dir("/proc/self/task").unwrap();
    tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .map(|n| n.trim().to_owned())
        .collect()
}

/// One runtime's whole life: load, then calls that trap, time out, run out of fuel, get
/// cancelled.
fn lifecycle() {
    let rt = Runtime::new(Config::default()).unwrap();
    // A thread names itself once it starts, a moment after the spawn returns.
    let named = (0..200).any(|_| {
        std::thread::sleep(Duration::from_millis(1));
        thread_names().iter().any(|n| n == "toolcage-epoch")
    });
    assert!(named, "the ticker runs while the runtime lives");
    let looping = package(LOOP, &["t"]);
    let trap = package(
        r#"(module (memory (export "memory") 1) (func (export "yoi_tool_call") unreachable))"#,
        &["t"],
    );
    let looping = rt.load(looping.path(), Some(&looping.digest)).unwrap();
    let trap = rt.load(trap.path(), Some(&trap.digest)).unwrap();
    let short = Limits {
        deadline: Duration::from_millis(20),
        ..Limits::default()
    };
    let fueled = Limits {
        fuel: Some(10_000),
        ..short.clone()
    };
    for limits in [short, fueled] {
        let options = CallOptions {
            limits: Some(limits),
            cancel: None,
        };
        assert!(looping.call("t", "{}", &options).result.is_err());
        assert!(trap.call("t", "{}", &options).result.is_err());
    }
    let token = CancelToken::new();
    token.cancel();
    let options = CallOptions {
        limits: None,
        cancel: Some(token),
    };
    assert!(looping.call("t", "{}", &options).result.is_err());
}

/// The thread count once it has held still for 300 ms. A lifecycle can return while a worker
/// still finishes host work a call gave up on (see below); a baseline taken then counts that
/// worker, and every later count, lower by one, would look like a mismatch (CI saw 4 of 5).
fn settled_thread_count() -> usize {
    let mut last = thread_count();
    let mut unchanged_for = 0;
    for _ in 0..1000 {
        std::thread::sleep(Duration::from_millis(10));
        let now = thread_count();
        if now == last {
            unchanged_for += 1;
            if unchanged_for == 30 {
                break;
            }
        } else {
            (last, unchanged_for) = (now, 0);
        }
    }
    last
}

#[test]
fn trapped_timed_out_cancelled_and_fueled_calls_leak_no_thread() {
    // wasmtime's parallel compilation starts one process-wide pool on first use and keeps it
    // for every later runtime: let it start before counting.
    lifecycle();
    let before = settled_thread_count();
    for _ in 0..3 {
        lifecycle();
        // Host work a call gave up on at its deadline (a late fuel compile, a slow schema
        // validation: docs/SPEC.md section 8) finishes on its own worker, which holds the
        // runtime until then; bounded work, so every thread is gone within seconds.
        // At most the baseline: a thread per lifecycle that outlived its runtime would push the
        // count above it by the second lifecycle, even if the baseline counted one worker too
        // many.
        let settled = (0..1000).any(|_| {
            if thread_count() <= before {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
            false
        });
        assert!(
            settled,
            "a thread outlived its runtime by 10 s: {} threads instead of {before}: {:?}",
            thread_count(),
            thread_names()
        );
    }
    assert!(!thread_names().iter().any(|n| n == "toolcage-epoch"));
}
