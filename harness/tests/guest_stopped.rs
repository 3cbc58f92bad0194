//! `[expect] guest_stopped` through the process adapter: an adapter that answers `timeout` while
//! an earlier call's guest still burns CPU beside the current one fails with guest_left_running;
//! one that runs one guest at a time passes.

#![cfg(target_os = "linux")]

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use toolcage_kit::{describe, run_case, ProcessRuntime, Suite, Verdict};

const TIMEOUT: &str = r#"{"status":"error","error":{"code":"timeout","phase":"run","message":"stopped","details":{}},"host_calls":{},"host_call_failures":{},"diagnostics":null}"#;

/// An adapter whose `run` spends `guest` (shell commands) and answers three timeouts.
fn adapter(dir: &Path, name: &str, guest: &str) -> ProcessRuntime {
    let path = dir.join(name);
    let script = format!(
        "#!/bin/sh\ncase \"$1\" in\n  describe) echo '{{\"protocol\":1,\"name\":\"sh\",\"version\":\"0\"}}' ;;\n  \
         run) cat >/dev/null; {guest}; echo '{{\"protocol\":1,\"outcomes\":[{TIMEOUT},{TIMEOUT},{TIMEOUT}]}}' ;;\n\
         esac\n"
    );
    fs::write(&path, script).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    ProcessRuntime::from_program(path.display().to_string(), vec![])
}

fn suite(dir: &Path) -> Suite {
    common::one_case_suite(
        dir,
        "a.stopped",
        ";;! repeat = 3\n;;! [limits]\n;;! deadline_ms = 100\n;;! [expect]\n;;! code = \"timeout\"\n\
         ;;! guest_stopped = true\n(module)\n",
    )
}

fn verdict(runtime: &ProcessRuntime, suite: &Suite) -> Verdict {
    run_case(runtime, &describe(runtime), &suite.cases[0], None)
        .unwrap()
        .verdict
}

/// One busy process for 0.4 s: the current call's guest.
const SPIN: &str = "timeout 0.4 sh -c 'while :; do :; done'";

#[test]
fn one_guest_at_a_time_passes() {
    let dir = tempfile::tempdir().unwrap();
    let suite = suite(dir.path());
    let honest = adapter(dir.path(), "honest.sh", SPIN);
    assert_eq!(verdict(&honest, &suite), Verdict::Pass);
}

#[test]
fn a_guest_left_running_beside_the_next_call_fails() {
    let dir = tempfile::tempdir().unwrap();
    let suite = suite(dir.path());
    // An earlier call's guest, abandoned: it spins on (its output away from the kit's pipes)
    // while the current one runs.
    let abandoning = adapter(
        dir.path(),
        "abandoning.sh",
        &format!("timeout 1 sh -c 'while :; do :; done' </dev/null >/dev/null 2>&1 & {SPIN}"),
    );
    match verdict(&abandoning, &suite) {
        Verdict::Fail(failure) => {
            assert_eq!(failure.kind.as_str(), "guest_left_running", "{failure}");
            assert!(failure.message.contains("burned CPU together"), "{failure}");
        }
        other => panic!("expected guest_left_running, got {other:?}"),
    }
}
