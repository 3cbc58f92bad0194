//! The history of runs: every run appends one line of JSON to `bench/results.jsonl` (date,
//! commit, machine and its load, the table's rows and every median), and `--compare` prints
//! the change of each figure against the last recorded run of the same kind (full or quick), so
//! a regression shows in review.

use serde_json::{json, Value};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

/// Where the history lives: in the repository, beside the benchmark.
pub fn default_path() -> PathBuf {
    crate::system::project_root()
        .join("bench")
        .join("results.jsonl")
}

/// `YYYY-MM-DDTHH:MM:SSZ` of a Unix time (days to civil date: H. Hinnant's algorithm).
fn utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// The commit the run measured, marked `-dirty` when the worktree had changes.
fn commit() -> Option<String> {
    let root = crate::system::project_root();
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(&root)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let head = git(&["rev-parse", "--short=12", "HEAD"])?;
    let dirty =
        git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    Some(if dirty { format!("{head}-dirty") } else { head })
}

/// One history line for `report` (its JSON document).
pub fn entry(report: &Value, quick: bool) -> Value {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    json!({
        "date": utc(now),
        "commit": commit(),
        "quick": quick,
        "machine": report["machine"],
        "rows": report["rows"],
        "figures": report["figures"],
    })
}

/// Every recorded run, oldest first; lines that do not parse are skipped.
fn runs(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

pub fn append(path: &Path, entry: &Value) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    writeln!(file, "{}", serde_json::to_string(entry)?)
}

/// The change of every figure against the last run of the same kind in `path`, as a markdown
/// table; figures that are times or ratios are compared, counts of samples are not.
pub fn compare(path: &Path, now: &Value) -> String {
    let quick = now["quick"].as_bool();
    let Some(last) = runs(path)
        .into_iter()
        .rev()
        .find(|r| r["quick"].as_bool() == quick)
    else {
        return format!("no earlier run of this kind in {}\n", path.display());
    };
    let mut out = format!(
        "Change against the run of {} (commit {}, 1-min load {} → {}); this run's load {} → {}\n\n\
         | figure | previous | now | change |\n|---|---|---|---|\n",
        last["date"].as_str().unwrap_or("?"),
        last["commit"].as_str().unwrap_or("?"),
        last["machine"]["load_average_at_start"],
        last["machine"]["load_average_at_end"],
        now["machine"]["load_average_at_start"],
        now["machine"]["load_average_at_end"],
    );
    let (Some(before), Some(after)) = (last["figures"].as_object(), now["figures"].as_object())
    else {
        return out;
    };
    for (key, value) in after {
        if key.ends_with("_samples") || key.ends_with("_p99_ns") {
            continue;
        }
        let (Some(new), Some(old)) = (value.as_f64(), before.get(key).and_then(Value::as_f64))
        else {
            continue;
        };
        let change = if old == 0.0 {
            "—".to_owned()
        } else {
            format!("{:+.1}%", (new / old - 1.0) * 100.0)
        };
        out.push_str(&format!(
            "| {key} | {} | {} | {change} |\n",
            shown(key, old),
            shown(key, new)
        ));
    }
    out
}

fn shown(key: &str, v: f64) -> String {
    if key.ends_with("_ns") {
        crate::report::human(std::time::Duration::from_nanos(v.max(0.0) as u64))
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc(1_796_658_245), "2026-12-07T15:44:05Z");
    }

    #[test]
    fn compares_with_the_last_run_of_the_same_kind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.jsonl");
        let run = |quick: bool, echo: f64| {
            json!({"date": "d", "commit": "c", "quick": quick, "machine": {},
                   "figures": {"echo_median_ns": echo, "echo_samples": 10}})
        };
        assert!(compare(&path, &run(false, 1.0)).starts_with("no earlier run"));
        append(&path, &run(false, 1000.0)).unwrap();
        append(&path, &run(true, 5000.0)).unwrap();
        let table = compare(&path, &run(false, 1100.0));
        assert!(
            table.contains("| echo_median_ns | 1.00 µs | 1.10 µs | +10.0% |"),
            "{table}"
        );
        assert!(!table.contains("echo_samples"));
    }
}
