//! The `serve` mode of the process adapter: one adapter process answers many requests, and after
//! each answer of a case that checks its guest was stopped the kit watches it for 50 ms (after
//! any other answer, sweeps it for 20 ms). A runtime that keeps burning CPU after answering, or
//! keeps a worker it started, fails with guest_left_running; one that goes quiet passes; and an
//! adapter that declares `serve` really gets its requests on one process.

#![cfg(target_os = "linux")]

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use toolcage_kit::{describe, run_case, ProcessRuntime, Suite, Verdict};

const TIMEOUT: &str = r#"{"status":"error","error":{"code":"timeout","phase":"run","message":"stopped","details":{}},"host_calls":{},"host_call_failures":{},"diagnostics":null}"#;

/// A serving adapter that answers each request line with a timeout, then runs `after` (shell
/// commands) before reading the next line; it logs its pid per request to `pids`.
fn adapter(dir: &Path, name: &str, after: &str) -> ProcessRuntime {
    let path = dir.join(name);
    let pids = dir.join(format!("{name}.pids"));
    let script = format!(
        "#!/bin/sh\ncase \"$1\" in\n  describe) echo '{{\"protocol\":1,\"name\":\"sh\",\"version\":\"0\",\"capabilities\":[\"serve\"]}}' ;;\n  \
         serve) while read -r line; do echo $$ >> {pids}; echo '{{\"protocol\":1,\"outcomes\":[{TIMEOUT}]}}'\n    {after}\n  done ;;\n  \
         *) exit 64 ;;\nesac\n",
        pids = pids.display()
    );
    fs::write(&path, script).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    ProcessRuntime::from_program(path.display().to_string(), vec![])
}

fn suite(dir: &Path, guest_stopped: bool) -> Suite {
    common::one_case_suite(
        dir,
        "a.stopped",
        &format!(
            ";;! [limits]\n;;! deadline_ms = 50\n;;! [expect]\n;;! code = \"timeout\"\n\
             ;;! guest_stopped = {guest_stopped}\n(module)\n"
        ),
    )
}

fn verdict(runtime: &ProcessRuntime, suite: &Suite) -> Verdict {
    let info = describe(runtime);
    assert!(runtime.serving(), "the adapter declared `serve`: {info:?}");
    run_case(runtime, &info, &suite.cases[0], None)
        .unwrap()
        .verdict
}

fn left_running(verdict: Verdict) -> String {
    match verdict {
        Verdict::Fail(failure) => {
            assert_eq!(failure.kind.as_str(), "guest_left_running", "{failure}");
            failure.message
        }
        other => panic!("expected guest_left_running, got {other:?}"),
    }
}

#[test]
fn a_quiet_server_passes_and_answers_every_request_on_one_process() {
    let dir = tempfile::tempdir().unwrap();
    let suite = suite(dir.path(), false);
    let quiet = adapter(dir.path(), "quiet.sh", "true");
    for _ in 0..3 {
        assert_eq!(verdict(&quiet, &suite), Verdict::Pass);
    }
    let pids = fs::read_to_string(dir.path().join("quiet.sh.pids")).unwrap();
    let pids: Vec<&str> = pids.lines().collect();
    assert_eq!(pids.len(), 3, "{pids:?}");
    assert!(pids.iter().all(|p| *p == pids[0]), "one process: {pids:?}");

    fs::create_dir(dir.path().join("stopped")).unwrap();
    let suite = common::one_case_suite(
        &dir.path().join("stopped"),
        "a.stopped",
        ";;! [limits]\n;;! deadline_ms = 50\n;;! [expect]\n;;! code = \"timeout\"\n\
         ;;! guest_stopped = true\n(module)\n",
    );
    assert_eq!(verdict(&quiet, &suite), Verdict::Pass);
}

#[test]
fn a_server_that_keeps_burning_cpu_after_answering_fails() {
    let dir = tempfile::tempdir().unwrap();
    let suite = suite(dir.path(), true);
    // The guest, abandoned at the answer: it spins on, its output away from the kit's files.
    let burning = adapter(
        dir.path(),
        "burning.sh",
        "sh -c 'while :; do :; done' </dev/null >/dev/null 2>&1 &",
    );
    let message = left_running(verdict(&burning, &suite));
    assert!(message.contains("kept burning CPU"), "{message}");
    assert!(message.contains("second run"), "confirmed: {message}");
}

/// Outside `guest_stopped` cases too: every answer of a serving adapter is swept, so a runtime
/// that burns CPU after answering any call is seen (and confirmed on a second run), not only
/// when the case was written to watch for it.
#[test]
fn a_server_that_keeps_burning_cpu_after_any_answer_fails() {
    let dir = tempfile::tempdir().unwrap();
    let suite = suite(dir.path(), false);
    let burning = adapter(
        dir.path(),
        "burning-any.sh",
        "sh -c 'while :; do :; done' </dev/null >/dev/null 2>&1 &",
    );
    let message = left_running(verdict(&burning, &suite));
    assert!(message.starts_with("after the answer: "), "{message}");
    assert!(message.contains("kept burning CPU"), "{message}");
    assert!(message.contains("second run"), "confirmed: {message}");
}

#[test]
fn a_server_that_keeps_a_worker_it_started_fails_even_when_the_worker_sleeps() {
    let dir = tempfile::tempdir().unwrap();
    let suite = suite(dir.path(), true);
    let keeping = adapter(
        dir.path(),
        "keeping.sh",
        "sleep 30 </dev/null >/dev/null 2>&1 &",
    );
    let message = left_running(verdict(&keeping, &suite));
    assert!(message.contains("still existed"), "{message}");
}

#[test]
fn a_server_that_fails_is_replaced_and_one_that_never_answers_is_killed_at_its_budget() {
    let dir = tempfile::tempdir().unwrap();
    let suite = suite(dir.path(), false);
    // Its first server answers garbage (and is killed); the next request gets a fresh server.
    let marker = dir.path().join("garbled-once");
    let path = dir.path().join("garbling.sh");
    fs::write(
        &path,
        format!(
            "#!/bin/sh\ncase \"$1\" in\n  describe) echo '{{\"protocol\":1,\"name\":\"sh\",\"version\":\"0\",\"capabilities\":[\"serve\"]}}' ;;\n  \
             serve) while read -r line; do echo $$ >> {pids}; if [ -e {marker} ]; then echo '{{\"protocol\":1,\"outcomes\":[{TIMEOUT}]}}'; else touch {marker}; echo garbage; fi\n  done ;;\nesac\n",
            pids = dir.path().join("garbling.pids").display(),
            marker = marker.display()
        ),
    )
    .unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    let garbling = ProcessRuntime::from_program(path.display().to_string(), vec![]);
    match verdict(&garbling, &suite) {
        Verdict::Fail(failure) => {
            assert!(failure.to_string().contains("adapter_garbage"), "{failure}")
        }
        other => panic!("expected adapter_garbage, got {other:?}"),
    }
    assert_eq!(verdict(&garbling, &suite), Verdict::Pass);
    let pids = fs::read_to_string(dir.path().join("garbling.pids")).unwrap();
    let pids: Vec<&str> = pids.lines().collect();
    assert_eq!(pids.len(), 2, "{pids:?}");
    assert_ne!(pids[0], pids[1], "a fresh server for the second request");

    // Reads its request and never answers: killed at the budget, a failure, not a hang.
    let path = dir.path().join("mute.sh");
    fs::write(
        &path,
        "#!/bin/sh\ncase \"$1\" in\n  describe) echo '{\"protocol\":1,\"name\":\"sh\",\"version\":\"0\",\"capabilities\":[\"serve\"]}' ;;\n  serve) read -r line; sleep 30 ;;\nesac\n",
    )
    .unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    let mute = ProcessRuntime::from_program(path.display().to_string(), vec![])
        .with_slack(std::time::Duration::from_millis(300));
    let start = std::time::Instant::now();
    match verdict(&mute, &suite) {
        Verdict::Fail(failure) => {
            assert!(failure.to_string().contains("adapter_hung"), "{failure}")
        }
        other => panic!("expected adapter_hung, got {other:?}"),
    }
    assert!(start.elapsed() < std::time::Duration::from_secs(10));
}
