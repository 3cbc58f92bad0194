//! What the figures depend on outside this process: the machine, its load, and the
//! conformance run timed as a subprocess.

use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The workspace root: this crate lives in `<root>/bench`.
pub fn project_root() -> PathBuf {
    let bench = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    bench.parent().map(PathBuf::from).unwrap_or(bench)
}

fn first_line(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    text.lines().next().map(str::to_owned)
}

/// The 1-minute load average: how busy the shared machine was.
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// `nproc`, the CPU model, the compiler and the load when the run started.
pub fn machine() -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, model)| model.trim().to_owned())
        });
    json!({
        "nproc": std::thread::available_parallelism().map(|n| n.get()).ok(),
        "cpu": cpu,
        "rustc": first_line("rustc", &["--version"]),
        "load_average_at_start": load_average(),
    })
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Wall time of `cargo xtask conformance` after a warm-up build of xtask, with its exit code;
/// `Err` with the reason when there is nothing to time yet.
pub fn conformance_wall_time() -> Result<(Duration, i32), String> {
    let root = project_root();
    if !root.join("corpus").is_dir() {
        return Err("skipped: no corpus/ directory in this checkout yet".into());
    }
    let build = Command::new(cargo())
        .args(["build", "--quiet", "--package", "xtask"])
        .current_dir(&root)
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("skipped: cargo could not be started: {e}"))?;
    if !build.success() {
        return Err("skipped: the warm-up build of xtask failed".into());
    }
    let start = Instant::now();
    let run = Command::new(cargo())
        .args(["xtask", "conformance"])
        .current_dir(&root)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("skipped: cargo could not be started: {e}"))?;
    let took = start.elapsed();
    let code = run.status.code().unwrap_or(-1);
    // Exit 2 means a kit error or an unusable runtime: the time would not be a conformance run.
    if code == 2 || code == -1 {
        let stderr = String::from_utf8_lossy(&run.stderr);
        let why = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        return Err(format!(
            "skipped: `cargo xtask conformance` exited {code}: {why}"
        ));
    }
    Ok((took, code))
}
