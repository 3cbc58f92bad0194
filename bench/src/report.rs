//! The one table of a run (metric, value, target, ratio, met?) and its JSON twin, so every
//! figure quoted in BENCHMARKS.md can be traced to a row computed the same way.

use crate::ours::LoadTimes;
use crate::stats::{ns, Samples};
use serde_json::{json, Map, Value};
use std::path::Path;
use std::time::Duration;

/// One line of the table.
pub struct Row {
    id: &'static str,
    metric: String,
    value: String,
    target: String,
    ratio: Option<f64>,
    /// How the ratio reads, e.g. "× floor".
    ratio_unit: &'static str,
    met: Option<bool>,
}

pub struct Report {
    machine: Value,
    rows: Vec<Row>,
    figures: Map<String, Value>,
}

/// A duration with three significant figures and a unit a reader does not have to convert.
pub fn human(d: Duration) -> String {
    let n = ns(d);
    let (v, unit) = if n < 1e3 {
        (n, "ns")
    } else if n < 1e6 {
        (n / 1e3, "µs")
    } else if n < 1e9 {
        (n / 1e6, "ms")
    } else {
        (n / 1e9, "s")
    };
    let digits = if v >= 100.0 {
        0
    } else if v >= 10.0 {
        1
    } else {
        2
    };
    format!("{v:.digits$} {unit}")
}

fn count(v: f64) -> String {
    let n = v.round() as u64;
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl Report {
    pub fn new(machine: Value) -> Report {
        Report {
            machine,
            rows: Vec::new(),
            figures: Map::new(),
        }
    }

    pub fn figure(&mut self, key: &str, value: impl Into<Value>) {
        self.figures.insert(key.to_owned(), value.into());
    }

    fn samples(&mut self, key: &str, s: &Samples) {
        self.figure(&format!("{key}_median_ns"), ns(s.median()));
        self.figure(&format!("{key}_p99_ns"), ns(s.p99()));
        self.figure(&format!("{key}_samples"), s.len() as u64);
    }

    /// A plain timing row without a target.
    pub fn timing(&mut self, id: &'static str, metric: &str, s: &Samples) {
        self.samples(id, s);
        self.rows.push(Row {
            id,
            metric: format!("{metric} (median / p99)"),
            value: format!("{} / {}", human(s.median()), human(s.p99())),
            target: "—".into(),
            ratio: None,
            ratio_unit: "",
            met: None,
        });
    }

    /// A timing judged by its median over `base`'s median, at most `limit` times (`None`: for
    /// information). `unit` names the base in the ratio column, e.g. "× tuned floor".
    #[allow(clippy::too_many_arguments)]
    pub fn over(
        &mut self,
        id: &'static str,
        metric: &str,
        s: &Samples,
        base: &Samples,
        limit: Option<f64>,
        unit: &'static str,
    ) {
        self.samples(id, s);
        let ratio = ns(s.median()) / ns(base.median());
        self.rows.push(Row {
            id,
            metric: format!("{metric} (median / p99)"),
            value: format!("{} / {}", human(s.median()), human(s.p99())),
            target: limit.map_or("—".into(), |l| format!("≤ {l}{unit}")),
            ratio: Some(ratio),
            ratio_unit: unit,
            met: limit.map(|l| ratio <= l),
        });
    }

    /// The core echo against the tuned floor (bare wasmtime with the runtime's own pool: the
    /// best the engine does with these settings), and the default-pool floor for information.
    pub fn echo(&mut self, ours: &Samples, tuned: &Samples, default: &Samples) {
        self.over(
            "echo",
            "Warm echo call, 1 KiB, reference runtime",
            ours,
            tuned,
            Some(1.3),
            "× tuned floor",
        );
        self.timing(
            "floor",
            "Tuned floor: bare wasmtime 48, the runtime's pool configuration (keep-resident \
             memories and tables, pagemap scan), InstancePre",
            tuned,
        );
        self.samples("floor_default_pool", default);
        let ratio = ns(ours.median()) / ns(default.median());
        self.rows.push(Row {
            id: "floor_default_pool",
            metric: "Default-pool floor: bare wasmtime 48, wasmtime's default pool settings \
                     (information; ratio: echo over it) (median / p99)"
                .into(),
            value: format!("{} / {}", human(default.median()), human(default.p99())),
            target: "—".into(),
            ratio: Some(ratio),
            ratio_unit: "× default floor",
            met: None,
        });
    }

    /// The component-profile echo against bare wasmtime's component call on the runtime's pool;
    /// the same call on the default pool and the core echo's tuned floor for information.
    pub fn component_echo(
        &mut self,
        ours: &Samples,
        tuned: &Samples,
        default: &Samples,
        core_tuned: &Samples,
    ) {
        self.over(
            "component_echo",
            "Warm echo call, 1 KiB, component profile, reference runtime",
            ours,
            tuned,
            Some(1.3),
            "× tuned component floor",
        );
        self.over(
            "component_floor",
            "Tuned component floor: bare wasmtime 48 component call, the runtime's pool \
             (ratio: over the core tuned floor)",
            tuned,
            core_tuned,
            None,
            "× tuned floor",
        );
        self.samples("component_floor_default_pool", default);
        let ratio = ns(ours.median()) / ns(default.median());
        self.rows.push(Row {
            id: "component_floor_default_pool",
            metric: "Default-pool component floor (information; ratio: component echo over it) \
                     (median / p99)"
                .into(),
            value: format!("{} / {}", human(default.median()), human(default.p99())),
            target: "—".into(),
            ratio: Some(ratio),
            ratio_unit: "× default component floor",
            met: None,
        });
    }

    /// A peer whose median must be at least `times` the reference runtime's echo median
    /// (`None`: shown for information, without a target).
    pub fn faster_than(
        &mut self,
        id: &'static str,
        metric: &str,
        peer: &Samples,
        ours: &Samples,
        times: Option<f64>,
    ) {
        self.samples(id, peer);
        let ratio = ns(peer.median()) / ns(ours.median());
        let target = match times {
            None => "—".to_owned(),
            Some(1.0) => "echo no slower (≥ 1×)".to_owned(),
            Some(t) => format!("echo ≥ {t}× faster"),
        };
        self.rows.push(Row {
            id,
            metric: format!("{metric} (median / p99)"),
            value: format!("{} / {}", human(peer.median()), human(peer.p99())),
            target,
            ratio: Some(ratio),
            ratio_unit: "× echo",
            met: times.map(|t| ratio >= t),
        });
    }

    /// A latency whose p99 must be at most 2 ms.
    pub fn latency(&mut self, id: &'static str, metric: &str, s: &Samples) {
        self.samples(id, s);
        let limit = Duration::from_millis(2);
        let ratio = ns(s.p99()) / ns(limit);
        self.rows.push(Row {
            id,
            metric: format!("{metric} (p50 / p99)"),
            value: format!("{} / {}", human(s.median()), human(s.p99())),
            target: "p99 ≤ 2 ms".into(),
            ratio: Some(ratio),
            ratio_unit: "× target",
            met: Some(s.p99() <= limit),
        });
    }

    /// A latency of the machine itself, measured like the latency rows; no target.
    pub fn baseline(&mut self, id: &'static str, metric: &str, s: &Samples) {
        self.samples(id, s);
        self.rows.push(Row {
            id,
            metric: format!("{metric} (p50 / p99)"),
            value: format!("{} / {}", human(s.median()), human(s.p99())),
            target: "—".into(),
            ratio: None,
            ratio_unit: "",
            met: None,
        });
    }

    pub fn throughput(&mut self, one: f64, two: f64) {
        self.figure("calls_per_second_1_thread", one);
        self.figure("calls_per_second_2_threads", two);
        self.rows.push(Row {
            id: "calls_per_second",
            metric: "Echo calls per second, reference runtime, 1 thread → 2 threads".into(),
            value: format!("{} → {}", count(one), count(two)),
            target: "2 threads ≥ 1.8× 1 thread".into(),
            ratio: Some(two / one),
            ratio_unit: "× 1 thread",
            met: Some(two / one >= 1.8),
        });
    }

    /// The runtime's calls per second over the tuned floor's, on one thread and on two; the
    /// target is on two threads.
    pub fn rate_against_floor(&mut self, ours: (f64, f64), tuned: (f64, f64)) {
        let one = ours.0 / tuned.0;
        let two = ours.1 / tuned.1;
        self.figure("calls_per_second_over_tuned_floor_1_thread", one);
        self.figure("calls_per_second_over_tuned_floor_2_threads", two);
        self.rows.push(Row {
            id: "calls_over_tuned_floor",
            metric: "Echo calls per second, reference runtime over the tuned floor, 1 thread / \
                     2 threads"
                .into(),
            value: format!("{one:.2}× / {two:.2}×"),
            target: "2 threads ≥ 0.8× tuned floor".into(),
            ratio: Some(two),
            ratio_unit: "× tuned floor",
            met: Some(two >= 0.8),
        });
    }

    /// Calls per second on 1 and 2 threads of a workload that only shows what the machine or
    /// the engine allows; no target.
    pub fn scaling(&mut self, id: &'static str, metric: &str, one: f64, two: f64) {
        self.figure(&format!("{id}_1_thread"), one);
        self.figure(&format!("{id}_2_threads"), two);
        self.rows.push(Row {
            id,
            metric: format!("{metric}, per second, 1 thread → 2 threads"),
            value: format!("{} → {}", count(one), count(two)),
            target: "—".into(),
            ratio: Some(two / one),
            ratio_unit: "× 1 thread",
            met: None,
        });
    }

    pub fn rss(&mut self, before_kib: u64, after_kib: u64, calls: u64) {
        self.figure("rss_before_kib", before_kib);
        self.figure("rss_after_kib", after_kib);
        self.figure("rss_calls", calls);
        let growth = after_kib as i64 - before_kib as i64;
        self.rows.push(Row {
            id: "rss_growth",
            metric: format!(
                "Resident memory (VmRSS) over {} echo calls",
                count(calls as f64)
            ),
            value: format!("{before_kib} → {after_kib} KiB ({growth:+} KiB)"),
            target: "growth ≤ 1024 KiB".into(),
            ratio: Some(growth as f64 / 1024.0),
            ratio_unit: "× target",
            met: Some(growth <= 1024),
        });
    }

    /// Compile versus cached loads; with `targets` false the rows are for information only.
    pub fn loads(&mut self, ids: [&'static str; 3], what: &str, loads: &LoadTimes, targets: bool) {
        self.samples(ids[0], &loads.compiled);
        self.samples(ids[1], &loads.memory);
        self.samples(ids[2], &loads.disk);
        self.rows.push(Row {
            id: ids[0],
            metric: format!("Load with compile, {what} (median / p99)"),
            value: format!(
                "{} / {}",
                human(loads.compiled.median()),
                human(loads.compiled.p99())
            ),
            target: "—".into(),
            ratio: None,
            ratio_unit: "",
            met: None,
        });
        for (id, metric, s, times) in [
            (ids[1], "Load from the memory cache", &loads.memory, 50.0),
            (ids[2], "Load from the disk cache", &loads.disk, 10.0),
        ] {
            let ratio = ns(loads.compiled.median()) / ns(s.median());
            self.rows.push(Row {
                id,
                metric: format!("{metric}, {what} (median / p99)"),
                value: format!("{} / {}", human(s.median()), human(s.p99())),
                target: if targets {
                    format!("≥ {times}× faster than compile")
                } else {
                    "—".into()
                },
                ratio: Some(ratio),
                ratio_unit: "× faster",
                met: targets.then_some(ratio >= times),
            });
        }
    }

    pub fn conformance(&mut self, result: Result<(Duration, i32), String>) {
        let (value, met) = match &result {
            Ok((took, code)) => {
                self.figure("conformance_seconds", took.as_secs_f64());
                self.figure("conformance_exit_code", *code);
                let verdict = if *code == 0 {
                    "all passed"
                } else {
                    "with failures"
                };
                (format!("{} (exit {code}, {verdict})", human(*took)), None)
            }
            Err(why) => {
                self.figure("conformance_skipped", why.as_str());
                (why.clone(), None)
            }
        };
        self.rows.push(Row {
            id: "conformance",
            metric: "Full `cargo xtask conformance` run, wall time after a warm-up build".into(),
            value,
            target: "—".into(),
            ratio: None,
            ratio_unit: "",
            met,
        });
    }

    pub fn markdown(&self) -> String {
        let m = &self.machine;
        let mut out = format!(
            "{} × {}, {}; 1-min load average {} at start, {} at end (shared machine)\n\n",
            m["nproc"],
            m["cpu"].as_str().unwrap_or("unknown CPU"),
            m["rustc"].as_str().unwrap_or("unknown rustc"),
            m["load_average_at_start"],
            json!(crate::system::load_average()),
        );
        out.push_str("| metric | value | target | ratio | met? |\n|---|---|---|---|---|\n");
        for r in &self.rows {
            let ratio = r
                .ratio
                .map_or("—".into(), |v| format!("{v:.2}{}", r.ratio_unit));
            let met = match r.met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "—",
            };
            out.push_str(&format!(
                "| {} | {} | {} | {ratio} | {met} |\n",
                r.metric, r.value, r.target
            ));
        }
        out
    }

    /// The run as JSON: machine (with the load at the end), rows and every figure.
    pub fn document(&self) -> Value {
        let mut machine = self.machine.clone();
        machine["load_average_at_end"] = json!(crate::system::load_average());
        let rows: Vec<Value> = self
            .rows
            .iter()
            .map(|r| {
                json!({
                    "id": r.id,
                    "metric": r.metric,
                    "value": r.value,
                    "target": r.target,
                    "ratio": r.ratio,
                    "met": r.met,
                })
            })
            .collect();
        json!({ "machine": machine, "rows": rows, "figures": self.figures })
    }

    pub fn write_json(doc: &Value, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, serde_json::to_string_pretty(doc)? + "\n")
    }
}
