//! The process adapter client against tiny shell-script adapters: a well-behaved one passes, and
//! one that crashes, hangs, prints garbage or the wrong number of outcomes fails with its own
//! typed reason, never a pass or a skip.

#![cfg(unix)]

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use toolcage_kit::{
    describe, run_case, AdapterFailure, ConformanceRuntime, FailureKind, ProcessRuntime, Suite,
    Verdict,
};

const DESCRIBE: &str = r#"{"protocol":1,"name":"sh","version":"0","capabilities":[]}"#;
const TRAP_OUTCOME: &str = r#"{"status":"error","error":{"code":"trap","phase":"run","message":"wasm trap: unreachable","details":{"trap":"unreachable"}},"host_calls":{},"host_call_failures":{},"diagnostics":null}"#;

/// Writes an adapter script whose `run` branch is `run_body` (stdin is the request).
fn adapter(dir: &Path, name: &str, describe: &str, run_body: &str) -> PathBuf {
    let path = dir.join(name);
    let script = format!(
        "#!/bin/sh\ncase \"$1\" in\n  describe) {describe} ;;\n  run) {run_body} ;;\n  *) exit 64 ;;\nesac\n"
    );
    fs::write(&path, script).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn echo_describe() -> String {
    format!("echo '{DESCRIBE}'")
}

fn suite(dir: &Path) -> Suite {
    common::one_case_suite(
        dir,
        "a.trap",
        ";;! [limits]\n;;! deadline_ms = 50\n;;! [expect]\n;;! code = \"trap\"\n\
         ;;! details = { trap = \"unreachable\" }\n(module (func unreachable))\n",
    )
}

fn verdict(runtime: &ProcessRuntime, suite: &Suite) -> Verdict {
    let info = describe(runtime);
    run_case(runtime, &info, &suite.cases[0], None)
        .unwrap()
        .verdict
}

fn adapter_failure(verdict: Verdict) -> AdapterFailure {
    match verdict {
        Verdict::Fail(failure) => match failure.kind {
            FailureKind::Adapter(adapter) => adapter,
            other => panic!("expected an adapter failure, got {other:?}"),
        },
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn well_behaved_adapter_passes_and_receives_the_request() {
    let dir = tempfile::tempdir().unwrap();
    let suite = suite(dir.path());
    let saved = dir.path().join("request.json");
    let body = format!(
        "cat > '{}'; echo '{{\"protocol\":1,\"outcomes\":[{TRAP_OUTCOME}]}}'",
        saved.display()
    );
    let script = adapter(dir.path(), "good.sh", &echo_describe(), &body);
    let runtime = ProcessRuntime::new(&format!("{} ", script.display())).unwrap();
    let info = runtime.describe().unwrap();
    assert_eq!((info.name.as_str(), info.protocol), ("sh", 1));
    assert_eq!(verdict(&runtime, &suite), Verdict::Pass);
    let request: serde_json::Value = serde_json::from_slice(&fs::read(saved).unwrap()).unwrap();
    assert_eq!(request["protocol"], 1);
    assert_eq!(request["limits"], serde_json::json!({"deadline_ms": 50}));
    assert!(request["digest"].as_str().unwrap().starts_with("sha256:"));
    assert_eq!(request["calls"][0]["tool"], "run");
}

#[test]
fn extra_arguments_of_the_command_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    // `sh SCRIPT` as the command: the kit appends `describe`/`run` after the given words.
    let script = adapter(dir.path(), "a.sh", &echo_describe(), "exit 1");
    let runtime = ProcessRuntime::new(&format!("sh {}", script.display())).unwrap();
    assert_eq!(runtime.describe().unwrap().name, "sh");
}

#[test]
fn crash_is_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let suite = suite(dir.path());
    let script = adapter(
        dir.path(),
        "crash.sh",
        &echo_describe(),
        "cat >/dev/null; echo 'boom: engine died' >&2; exit 101",
    );
    let failure = adapter_failure(verdict(
        &ProcessRuntime::new(script.to_str().unwrap()).unwrap(),
        &suite,
    ));
    match &failure {
        AdapterFailure::Crashed { stderr, .. } => assert!(stderr.contains("boom"), "{stderr}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(failure.kind(), "adapter_crashed");
    let report = toolcage_kit::run_suite(
        &ProcessRuntime::new(script.to_str().unwrap()).unwrap(),
        &suite,
        &Default::default(),
    )
    .unwrap();
    let text = toolcage_kit::report::console(&report, "cargo xtask conformance");
    assert!(text.contains("      stderr: boom: engine died"), "{text}");
    assert_eq!(
        toolcage_kit::report::json(&report)["cases"][0]["observed"]["stderr"],
        "boom: engine died\n"
    );

    let killed = adapter(dir.path(), "signal.sh", &echo_describe(), "kill -SEGV $$");
    let failure = adapter_failure(verdict(
        &ProcessRuntime::new(killed.to_str().unwrap()).unwrap(),
        &suite,
    ));
    assert!(
        matches!(failure, AdapterFailure::Crashed { .. }),
        "{failure:?}"
    );
}

#[test]
fn hang_is_killed_and_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let suite = suite(dir.path());
    // The child `sleep` shares the adapter's stdout: the kit must kill the whole group.
    let script = adapter(
        dir.path(),
        "hang.sh",
        &echo_describe(),
        "sleep 30; echo never",
    );
    let runtime = ProcessRuntime::new(script.to_str().unwrap())
        .unwrap()
        .with_slack(Duration::from_millis(300));
    let start = Instant::now();
    let failure = adapter_failure(verdict(&runtime, &suite));
    let elapsed = start.elapsed();
    assert!(
        matches!(failure, AdapterFailure::Hung { budget_ms: 350, .. }),
        "{failure:?}"
    );
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
}

#[test]
fn hang_without_reading_a_large_request_is_still_killed() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    fs::create_dir(&corpus).unwrap();
    fs::write(
        corpus.join("guarantees.toml"),
        "[[guarantee]]\nid = \"G-1\"\narea = \"a\"\nclass = \"safety\"\nmust = \"m\"\n",
    )
    .unwrap();
    fs::write(
        corpus.join("big.wat"),
        ";;! id = \"a.big\"\n;;! guarantee = \"G-1\"\n;;! since = \"0.1.0\"\n;;! summary = \"s\"\n\
         ;;! input_size = 300000\n;;! [limits]\n;;! deadline_ms = 50\n;;! [expect]\n;;! code = \"input_too_large\"\n(module)\n",
    )
    .unwrap();
    let suite = Suite::load(&[corpus]).unwrap();
    let script = adapter(dir.path(), "deaf.sh", &echo_describe(), "exec sleep 30");
    let runtime = ProcessRuntime::new(script.to_str().unwrap())
        .unwrap()
        .with_slack(Duration::from_millis(300));
    let start = Instant::now();
    let failure = adapter_failure(verdict(&runtime, &suite));
    assert!(
        matches!(failure, AdapterFailure::Hung { .. }),
        "{failure:?}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn garbage_is_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let suite = suite(dir.path());
    let bodies = [
        "echo 'hello, world'",
        "true",
        "echo '{\"protocol\":1,\"outcomes\":[]}{\"protocol\":1,\"outcomes\":[]}'",
        "echo '{\"protocol\":1,\"outcomes\":[{\"status\":\"maybe\"}]}'",
        "echo '{\"protocol\":1}'",
        "printf '\\377\\376'",
    ];
    for (i, body) in bodies.iter().enumerate() {
        let script = adapter(
            dir.path(),
            &format!("garbage{i}.sh"),
            &echo_describe(),
            body,
        );
        let failure = adapter_failure(verdict(
            &ProcessRuntime::new(script.to_str().unwrap()).unwrap(),
            &suite,
        ));
        assert!(
            matches!(failure, AdapterFailure::Garbage { .. }),
            "{body}: {failure:?}"
        );
        assert_eq!(failure.kind(), "adapter_garbage");
    }
}

#[test]
fn wrong_outcome_count_is_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let suite = suite(dir.path());
    for outcomes in [String::new(), format!("{TRAP_OUTCOME},{TRAP_OUTCOME}")] {
        let body = format!("echo '{{\"protocol\":1,\"outcomes\":[{outcomes}]}}'");
        let script = adapter(dir.path(), "count.sh", &echo_describe(), &body);
        let failure = adapter_failure(verdict(
            &ProcessRuntime::new(script.to_str().unwrap()).unwrap(),
            &suite,
        ));
        assert!(
            matches!(failure, AdapterFailure::WrongCount { expected: 1, .. }),
            "{failure:?}"
        );
    }
}

#[test]
fn broken_describe_fails_every_case_instead_of_skipping() {
    let dir = tempfile::tempdir().unwrap();
    let suite = suite(dir.path());
    let ok_run = format!("echo '{{\"protocol\":1,\"outcomes\":[{TRAP_OUTCOME}]}}'");
    for (describe_body, kind) in [
        ("exit 2", "adapter_crashed"),
        ("echo nope", "adapter_garbage"),
        (
            "echo '{\"protocol\":2,\"name\":\"x\",\"version\":\"0\",\"capabilities\":[]}'",
            "adapter_protocol",
        ),
    ] {
        let script = adapter(dir.path(), "describe.sh", describe_body, &ok_run);
        let failure = adapter_failure(verdict(
            &ProcessRuntime::new(script.to_str().unwrap()).unwrap(),
            &suite,
        ));
        assert_eq!(failure.kind(), kind, "{describe_body}");
    }
    let missing = ProcessRuntime::new("/nonexistent/adapter").unwrap();
    let failure = adapter_failure(verdict(&missing, &suite));
    assert_eq!(failure.kind(), "adapter_unavailable");
    assert!(ProcessRuntime::new("   ").is_err());
}

fn answer_trap() -> String {
    format!("echo '{{\"protocol\":1,\"outcomes\":[{TRAP_OUTCOME}]}}'")
}

#[test]
fn stdout_over_its_cap_is_garbage_even_when_it_ends_in_a_valid_answer() {
    let dir = tempfile::tempdir().unwrap();
    let suite = suite(dir.path());
    // 17 MiB of JSON whitespace, then a valid response: a parser would accept it.
    let body = format!(
        "cat >/dev/null; head -c 17825792 /dev/zero | tr '\\0' ' '; {}",
        answer_trap()
    );
    let script = adapter(dir.path(), "flood.sh", &echo_describe(), &body);
    let failure = adapter_failure(verdict(
        &ProcessRuntime::new(script.to_str().unwrap()).unwrap(),
        &suite,
    ));
    match &failure {
        AdapterFailure::Garbage { reason, .. } => assert!(
            reason.contains(&format!(
                "more than {} bytes to stdout",
                toolcage_kit::STDOUT_CAP
            )),
            "{reason}"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn endless_stdout_is_stopped_at_its_cap_not_at_the_budget() {
    let dir = tempfile::tempdir().unwrap();
    let suite = suite(dir.path());
    let script = adapter(dir.path(), "yes.sh", &echo_describe(), "exec yes");
    let runtime = ProcessRuntime::new(script.to_str().unwrap())
        .unwrap()
        .with_slack(Duration::from_secs(20));
    let start = Instant::now();
    let failure = adapter_failure(verdict(&runtime, &suite));
    assert!(
        matches!(&failure, AdapterFailure::Garbage { reason, .. } if reason.contains("stdout")),
        "{failure:?}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn stderr_over_its_cap_is_garbage() {
    let dir = tempfile::tempdir().unwrap();
    let suite = suite(dir.path());
    let body = format!(
        "cat >/dev/null; head -c 2097152 /dev/zero | tr '\\0' e >&2; {}",
        answer_trap()
    );
    let script = adapter(dir.path(), "noisy.sh", &echo_describe(), &body);
    let failure = adapter_failure(verdict(
        &ProcessRuntime::new(script.to_str().unwrap()).unwrap(),
        &suite,
    ));
    match &failure {
        AdapterFailure::Garbage { reason, stderr } => {
            assert!(
                reason.contains(&format!(
                    "more than {} bytes to stderr",
                    toolcage_kit::STDERR_CAP
                )),
                "{reason}"
            );
            // Only the end is kept for the report.
            assert!(
                stderr.len() < 5000 && stderr.starts_with('…'),
                "{}",
                stderr.len()
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn adapter_stderr_reaches_reports_with_its_escapes_made_visible() {
    let dir = tempfile::tempdir().unwrap();
    let suite = suite(dir.path());
    let script = adapter(
        dir.path(),
        "ansi.sh",
        &echo_describe(),
        "cat >/dev/null; printf '\\033[2J\\033[31mall passed\\007\\r\\n' >&2; exit 3",
    );
    let runtime = ProcessRuntime::new(script.to_str().unwrap()).unwrap();
    let failure = adapter_failure(verdict(&runtime, &suite));
    let stderr = failure.stderr().unwrap();
    assert_eq!(stderr, "\\x1b[2J\\x1b[31mall passed\\x07\\x0d\n");
    let report = toolcage_kit::run_suite(&runtime, &suite, &Default::default()).unwrap();
    for out in [
        toolcage_kit::report::console(&report, "x"),
        toolcage_kit::report::json(&report).to_string(),
        toolcage_kit::report::junit(&report),
    ] {
        assert!(
            !out.contains('\u{1b}') && !out.contains('\r') && !out.contains('\u{7}'),
            "{out:?}"
        );
        assert!(out.contains("all passed"), "{out}");
    }
}
