//! What an adapter leaves behind cannot outlast it: a grandchild holding the adapter's stdout
//! neither blocks the kit nor leaks a kit thread, and the adapter's process group is killed by a
//! signal the kit sends itself (no `kill` program needed). One test in its own binary, so the
//! thread count it compares is the kit's alone.

#![cfg(unix)]

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use toolcage_kit::{describe, run_case, AdapterFailure, FailureKind, ProcessRuntime, Verdict};

const TRAP_OUTCOME: &str = r#"{"status":"error","error":{"code":"trap","phase":"run","message":"wasm trap: unreachable","details":{"trap":"unreachable"}},"host_calls":{},"host_call_failures":{},"diagnostics":null}"#;

fn threads() -> usize {
    fs::read_dir("/proc/self/task").unwrap().count()
}

/// Waits up to 2 s for the process whose pid is in `pid_file` to be gone (or a zombie).
fn gone(pid_file: &Path) -> bool {
    let pid = fs::read_to_string(pid_file).unwrap();
    let stat = format!("/proc/{}/stat", pid.trim());
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        match fs::read_to_string(&stat) {
            Err(_) => return true,
            Ok(text)
                if text
                    .rsplit(')')
                    .next()
                    .unwrap_or("")
                    .trim_start()
                    .starts_with('Z') =>
            {
                return true
            }
            Ok(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    false
}

fn script(dir: &Path, name: &str, run_body: &str) -> String {
    let path = dir.join(name);
    let describe = r#"{"protocol":1,"name":"sh","version":"0","capabilities":[]}"#;
    fs::write(
        &path,
        format!("#!/bin/sh\ncase \"$1\" in\n  describe) echo '{describe}' ;;\n  run) {run_body} ;;\nesac\n"),
    )
    .unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn leftovers_of_an_adapter_neither_block_the_kit_nor_outlive_it() {
    let dir = tempfile::tempdir().unwrap();
    let suite = common::one_case_suite(
        dir.path(),
        "a.trap",
        ";;! [limits]\n;;! deadline_ms = 50\n;;! [expect]\n;;! code = \"trap\"\n(module)\n",
    );
    let before = threads();

    // 1. The adapter answers and exits, but its grandchild keeps stdout open for 30 s.
    let pid_file = dir.path().join("grandchild.pid");
    let body = format!(
        "/bin/cat >/dev/null; /bin/sh -c 'echo $$ > {pid}; exec /bin/sleep 30' & \
         while [ ! -s {pid} ]; do :; done; echo '{{\"protocol\":1,\"outcomes\":[{TRAP_OUTCOME}]}}'",
        pid = pid_file.display()
    );
    let runtime = ProcessRuntime::new(&script(dir.path(), "fork.sh", &body))
        .unwrap()
        .with_slack(Duration::from_millis(1500));
    let start = Instant::now();
    let info = describe(&runtime);
    let verdict = run_case(&runtime, &info, &suite.cases[0], None)
        .unwrap()
        .verdict;
    assert_eq!(verdict, Verdict::Pass);
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "took {:?}",
        start.elapsed()
    );
    assert!(gone(&pid_file), "the grandchild outlived the adapter");
    assert_eq!(threads(), before, "the kit leaked a thread");

    // 2. A hung adapter with a grandchild, and no `kill` program anywhere on PATH: the kit
    //    still kills the whole group.
    let pid_file = dir.path().join("hung.pid");
    let body = format!(
        "/bin/sh -c 'echo $$ > {pid}; exec /bin/sleep 30' & /bin/sleep 30",
        pid = pid_file.display()
    );
    let runtime = ProcessRuntime::new(&script(dir.path(), "hang.sh", &body))
        .unwrap()
        .with_slack(Duration::from_millis(300));
    std::env::set_var("PATH", dir.path().join("empty"));
    let start = Instant::now();
    let verdict = run_case(&runtime, &info, &suite.cases[0], None)
        .unwrap()
        .verdict;
    match verdict {
        Verdict::Fail(f) => assert!(
            matches!(f.kind, FailureKind::Adapter(AdapterFailure::Hung { .. })),
            "{f:?}"
        ),
        other => panic!("{other:?}"),
    }
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "took {:?}",
        start.elapsed()
    );
    assert!(gone(&pid_file), "the hung adapter's grandchild survived");
    assert_eq!(threads(), before, "the kit leaked a thread");
}
