//! Running: each generated module loaded and called twice under a short deadline, its outcome
//! checked by the oracle, late outcomes tried again, the findings and counts gathered.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::time::{Duration, Instant};

use super::generate::{generate, Generated};
use super::oracle::{judge, outcome_code};
use super::rt::{self, CallOptions, Digest, ErrorCode, Limits, Runtime};
use super::{Family, Finding, FuzzConfig, Report};

/// Threads of this process right now.
pub fn thread_count() -> usize {
    std::fs::read_dir("/proc/self/task")
        .map(|d| d.count())
        .unwrap_or(0)
}

/// What one module did: the outcome code (or `ok`), and any finding.
struct Observed {
    code: String,
    /// The outcome came after the deadline plus the slack.
    late: bool,
    host_calls: rt::HostCallCounts,
    call: Duration,
    load: Duration,
    finding: Option<String>,
}

/// Generates and runs `config.count` modules against a fresh reference runtime.
pub fn run(config: &FuzzConfig) -> Report {
    let started = Instant::now();
    let mut report = Report {
        rerun_flags: format!(" --deadline-ms {}", config.deadline.as_millis()),
        ..Report::default()
    };
    if let Some(fuel) = config.fuel {
        report.rerun_flags.push_str(&format!(" --fuel {fuel}"));
    }
    let runtime = match Runtime::new(config.runtime.clone()) {
        Ok(runtime) => runtime,
        Err(e) => {
            report.findings.push(Finding {
                seed: config.seed,
                family: Family::of(config.seed),
                what: format!("the runtime could not be created: {}", e.message()),
            });
            return report;
        }
    };
    let dir = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(e) => {
            report.findings.push(Finding {
                seed: config.seed,
                family: Family::of(config.seed),
                what: format!("no temporary directory: {e}"),
            });
            return report;
        }
    };
    // Warm up first: the engine's compiler threads start with the first compile and stay.
    if let Some(generated) = generate(config.seed) {
        let _ = catch_unwind(AssertUnwindSafe(|| {
            run_one(&runtime, dir.path(), &generated, config)
        }));
    }
    let before = thread_count();

    for seed in config.seed..config.seed.saturating_add(config.count) {
        report.count += 1;
        let family = Family::of(seed);
        let Some(generated) = generate(seed) else {
            report.not_generated += 1;
            continue;
        };
        let attempt = || {
            catch_unwind(AssertUnwindSafe(|| {
                run_one(&runtime, dir.path(), &generated, config)
            }))
        };
        let mut observed = attempt();
        if let Ok(late) = &observed {
            if late.late {
                let first = late.call;
                for _ in 0..2 {
                    let retry = attempt();
                    if matches!(&retry, Ok(r) if !r.late) {
                        report.stalls.push((seed, first));
                        observed = retry;
                        break;
                    }
                }
            }
        }
        let observed = match observed {
            Ok(observed) => observed,
            Err(panic) => {
                report.panics += 1;
                let text = panic
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| panic.downcast_ref::<&str>().copied())
                    .unwrap_or("(no message)");
                Observed {
                    code: "panic".into(),
                    late: false,
                    host_calls: Default::default(),
                    call: Duration::ZERO,
                    load: Duration::ZERO,
                    finding: Some(format!("the host panicked: {text}")),
                }
            }
        };
        *report
            .outcomes
            .entry((family, observed.code.clone()))
            .or_insert(0) += 1;
        for (name, n) in &observed.host_calls.calls {
            let failed = observed.host_calls.failures.get(name).copied().unwrap_or(0);
            let entry = report
                .host_calls
                .entry((family, name.clone()))
                .or_insert((0, 0));
            entry.0 += n;
            entry.1 += failed;
        }
        if observed.call > report.worst_call.0 {
            report.worst_call = (observed.call, seed);
        }
        if observed.load > report.worst_load.0 {
            report.worst_load = (observed.load, seed);
        }
        if let Some(what) = observed.finding {
            if let Some(save) = &config.save_dir {
                let _ = std::fs::create_dir_all(save);
                let _ = std::fs::write(save.join(format!("seed-{seed}.wasm")), &generated.wasm);
            }
            report.findings.push(Finding { seed, family, what });
            if config
                .max_findings
                .is_some_and(|max| report.findings.len() >= max)
            {
                break;
            }
        }
    }

    let after = thread_count();
    report.threads = (before, after);
    if after > before {
        report.findings.push(Finding {
            seed: config.seed,
            family: Family::of(config.seed),
            what: format!("threads grew from {before} to {after} over the run"),
        });
    }
    report.elapsed = started.elapsed();
    report
}

fn run_one(runtime: &Runtime, dir: &Path, generated: &Generated, config: &FuzzConfig) -> Observed {
    let mut observed = Observed {
        code: String::new(),
        late: false,
        host_calls: Default::default(),
        call: Duration::ZERO,
        load: Duration::ZERO,
        finding: None,
    };
    let written = std::fs::write(dir.join("plugin.toml"), generated.manifest())
        .and_then(|()| std::fs::write(dir.join("plugin.wasm"), &generated.wasm))
        .and_then(|()| toolcage_kit::package_digest(dir));
    let digest: Digest = match written.map(|d| d.parse()) {
        Ok(Ok(digest)) => digest,
        _ => {
            observed.code = "harness_error".into();
            observed.finding = Some("the package could not be written or hashed".into());
            return observed;
        }
    };
    let limits = generated.limits(Limits {
        deadline: config.deadline,
        fuel: config.fuel,
        ..Limits::default()
    });
    let started = Instant::now();
    let loaded = runtime.load_with_limits(dir, Some(&digest), &limits);
    observed.load = started.elapsed();
    let mut repeat = None;
    let result = match loaded {
        Err(e) => Err(e),
        Ok(plugin) => {
            let options = CallOptions {
                limits: Some(limits.clone()),
                cancel: None,
            };
            let started = Instant::now();
            let outcome = plugin.call(&generated.tool, &generated.input, &options);
            observed.call = started.elapsed();
            // ISO-01 and CPU-03: a second call gets a fresh instance, so it must end the same
            // way, with the same imports called, unless one of the two ran into the clock.
            let started = Instant::now();
            let again = plugin.call(&generated.tool, &generated.input, &options);
            observed.call = observed.call.max(started.elapsed());
            repeat = Some((
                outcome_code(&again.result),
                again.host_calls != outcome.host_calls,
            ));
            observed.host_calls = outcome.host_calls;
            outcome.result
        }
    };
    observed.code = outcome_code(&result);
    let budget = config.deadline + config.slack;
    observed.late = observed.call > budget;
    observed.finding = if observed.late {
        Some(format!(
            "the outcome ({}) came after {:.1} ms, over the {} ms deadline plus slack",
            observed.code,
            observed.call.as_secs_f64() * 1e3,
            config.deadline.as_millis()
        ))
    } else {
        judge(&generated.expect, &result, &limits).err()
    };
    if let (None, Some((again, calls_differ))) = (&observed.finding, repeat) {
        let clock = |code: &str| code == ErrorCode::Timeout.as_str();
        if !clock(&observed.code) && !clock(&again) && (again != observed.code || calls_differ) {
            observed.finding = Some(format!(
                "two calls of the same module ended differently: {} then {again}{}",
                observed.code,
                if calls_differ {
                    " (different imports called)"
                } else {
                    ""
                }
            ));
        }
    }
    observed
}
