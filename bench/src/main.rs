//! `toolcage-bench`: the issue-5 benchmarks in one run, side by side, so every ratio compares
//! figures taken on the same machine at the same time. Run through `cargo xtask bench`.
//!
//! Flags: `--json FILE` (default `<project>/target/bench.json`), `--quick` (a tenth of the
//! samples, for a smoke run), `--no-conformance` (skip the conformance wall-time row),
//! `--loop WHAT SECONDS` (one workload only, for a sampling profiler; see `profile.rs`),
//! `--calls WHAT N` (exactly N calls of one workload, for callgrind),
//! `--compare` (the change of every figure against the last run in the history), `--history
//! FILE` or `--no-history` (where the run is appended; default `bench/results.jsonl`).

mod floor;
mod guests;
mod history;
mod net;
mod net_guest;
mod ours;
mod peers;
mod profile;
mod report;
mod stages;
mod stats;
mod system;

use report::Report;
use stats::Samples;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use toolcage_runtime::{Config, Runtime};

struct Args {
    json: PathBuf,
    /// Where the run is appended (`None`: `--no-history`).
    history: Option<PathBuf>,
    /// Print the change of every figure against the last recorded run.
    compare: bool,
    quick: bool,
    /// Only the per-call rows (echo, stages, large input, calls per second): for measuring one
    /// change quickly; such a run is not recorded in the history.
    calls_only: bool,
    conformance: bool,
    /// `--loop WHAT SECONDS`: only run one workload, for a profiler to watch.
    profile: Option<(String, u64)>,
    /// `--calls WHAT N`: only make N calls of one workload, for callgrind.
    calls: Option<(String, u64)>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        json: system::project_root().join("target").join("bench.json"),
        history: Some(history::default_path()),
        compare: false,
        quick: false,
        calls_only: false,
        conformance: true,
        profile: None,
        calls: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--json" => args.json = it.next().ok_or("--json needs a FILE")?.into(),
            "--quick" => args.quick = true,
            "--compare" => args.compare = true,
            "--no-history" => args.history = None,
            "--history" => args.history = Some(it.next().ok_or("--history needs a FILE")?.into()),
            "--no-conformance" => args.conformance = false,
            "--calls-only" => {
                args.calls_only = true;
                args.history = None;
            }
            "--loop" => {
                let what = it.next().ok_or("--loop needs WHAT and SECONDS")?;
                let secs = it
                    .next()
                    .and_then(|s| s.parse().ok())
                    .ok_or("--loop needs SECONDS")?;
                args.profile = Some((what, secs));
            }
            "--calls" => {
                let what = it.next().ok_or("--calls needs WHAT and N")?;
                let n = it
                    .next()
                    .and_then(|s| s.parse().ok())
                    .ok_or("--calls needs N")?;
                args.calls = Some((what, n));
            }
            "-h" | "--help" => {
                return Err(
                    "usage: toolcage-bench [--json FILE] [--quick] [--no-conformance] [--compare] \
                     [--history FILE | --no-history] [--loop WHAT SECONDS] [--calls WHAT N]"
                        .into(),
                )
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

/// How many samples each measurement takes; `--quick` takes a tenth.
struct Plan {
    rounds: usize,
    fast: usize,
    extism_new: usize,
    wasmtime_compile: usize,
    wasmi_compile: usize,
    deadline: usize,
    cancel: usize,
    throughput: Duration,
    loads: usize,
    large_compile: usize,
    /// Loopback GETs per round and per workload.
    net: usize,
}

impl Plan {
    fn new(quick: bool) -> Plan {
        let d = if quick { 10 } else { 1 };
        Plan {
            rounds: 5,
            fast: 4000 / d,
            extism_new: 200 / d,
            wasmtime_compile: 40 / d,
            wasmi_compile: 400 / d,
            deadline: 100 / d,
            cancel: 200 / d,
            throughput: Duration::from_millis(if quick { 300 } else { 2000 }),
            loads: 40 / d,
            large_compile: 10 / d,
            net: 200 / d,
        }
    }
}

/// Timings of several workloads taken in interleaved rounds, so that a burst of load from
/// other processes on the shared machine hits all of them alike. Each entry is (samples per
/// round, workload); a tenth of the samples is run first as a warm-up in every round.
fn interleaved(rounds: usize, workloads: &[(usize, &dyn Fn())]) -> Vec<Samples> {
    let mut all = vec![Vec::new(); workloads.len()];
    for _ in 0..rounds {
        for ((n, f), acc) in workloads.iter().zip(all.iter_mut()) {
            acc.extend(stats::measure(n / 10, *n, f).iter());
        }
    }
    all.into_iter().map(Samples::new).collect()
}

/// Calls per second on 1 and 2 threads of each workload, interleaved the same way and
/// averaged over the rounds.
fn scaling(rounds: usize, length: Duration, workloads: &[&(dyn Fn() + Sync)]) -> Vec<(f64, f64)> {
    let mut sums = vec![(0.0, 0.0); workloads.len()];
    for _ in 0..rounds {
        for (f, sum) in workloads.iter().zip(sums.iter_mut()) {
            sum.0 += ours::throughput(1, length, f);
            sum.1 += ours::throughput(2, length, f);
        }
    }
    let r = rounds as f64;
    sums.into_iter().map(|(a, b)| (a / r, b / r)).collect()
}

/// The echo rows: the reference runtime against the floor and every peer, on the tiny echo
/// module the issue names.
fn echo_rows(report: &mut Report, plan: &Plan, input: &str) {
    let runtime = Runtime::new(Config::default()).expect("runtime");
    let (_package, plugin) = ours::echo_plugin(&runtime, &guests::yoi_echo(None), input);
    let yoi = guests::wasm(&guests::yoi_echo(None));
    let tuned = floor::Floor::tuned(&yoi, floor::PoolTuning::RUNTIME).expect("tuned floor");
    let floor = floor::Floor::new(&yoi).expect("floor engine");
    let wasmtime = peers::WasmtimePerCall::new(&yoi).expect("wasmtime per call");
    let wasmi = peers::WasmiPerCall::new(&yoi).expect("wasmi");
    let extism = peers::Extism::new(&guests::wasm(guests::EXTISM_ECHO)).expect("extism");
    let (_component_package, component) = ours::component_echo_plugin(&runtime, input);
    let component_wasm = guests::wasm(guests::COMPONENT_ECHO);
    let component_tuned = floor::ComponentFloor::tuned(&component_wasm, floor::PoolTuning::RUNTIME)
        .expect("tuned component floor engine");
    let component_floor =
        floor::ComponentFloor::new(&component_wasm).expect("component floor engine");
    let bytes = input.as_bytes();
    // Every peer must really echo before its time means anything.
    assert_eq!(floor.call(bytes), bytes, "floor echo");
    assert_eq!(tuned.call(bytes), bytes, "tuned floor echo");
    assert_eq!(
        component_tuned.call("echo", input),
        input,
        "tuned component floor echo"
    );
    assert_eq!(
        component_floor.call("echo", input),
        input,
        "component floor echo"
    );
    assert_eq!(wasmtime.call(bytes), bytes, "wasmtime echo");
    assert_eq!(wasmi.call(bytes), bytes, "wasmi echo");
    assert_eq!(extism.call_reused(bytes), bytes, "extism reused echo");
    assert_eq!(
        extism.call_new_plugin(bytes),
        bytes,
        "extism new-plugin echo"
    );

    let s = interleaved(
        plan.rounds,
        &[
            (plan.fast, &|| drop(ours::echo(&plugin, input))),
            (plan.fast, &|| drop(floor.call(bytes))),
            (plan.wasmtime_compile, &|| drop(wasmtime.call(bytes))),
            (plan.wasmi_compile, &|| drop(wasmi.call(bytes))),
            (plan.fast, &|| drop(extism.call_reused(bytes))),
            (plan.extism_new, &|| drop(extism.call_new_plugin(bytes))),
            (plan.fast, &|| drop(ours::echo(&component, input))),
            (plan.fast, &|| drop(component_floor.call("echo", input))),
            (plan.fast, &|| drop(tuned.call(bytes))),
            (plan.fast, &|| drop(component_tuned.call("echo", input))),
        ],
    );
    let ours = &s[0];
    report.echo(ours, &s[8], &s[1]);
    report.component_echo(&s[6], &s[9], &s[7], &s[8]);
    for (id, metric, peer, times) in [
        (
            "wasmtime_compile",
            "Per-call compile, wasmtime 48",
            &s[2],
            50.0,
        ),
        (
            "wasmi_compile",
            "Per-call compile, wasmi 2 (interpreter)",
            &s[3],
            50.0,
        ),
        (
            "extism_reused",
            "Extism 1.30, one plugin reused (not isolated)",
            &s[4],
            1.0,
        ),
        (
            "extism_new",
            "Extism 1.30, new plugin per call (isolated)",
            &s[5],
            10.0,
        ),
    ] {
        report.faster_than(id, metric, peer, ours, Some(times));
    }
}

/// Each stage of a warm echo call done directly with the runtime's libraries, interleaved with
/// the call itself (`stages.rs`); the stage rows are for information.
fn stage_rows(report: &mut Report, plan: &Plan, input: &str) {
    let runtime = Runtime::new(Config::default()).expect("runtime");
    let (_package, plugin) = ours::echo_plugin(&runtime, &guests::yoi_echo(None), input);
    let stages = stages::Stages::new(&guests::wasm(&guests::yoi_echo(None)), input);
    let all = stages.all();
    let call = || drop(ours::echo(&plugin, input));
    let mut workloads: Vec<(usize, &dyn Fn())> = vec![(plan.fast, &call)];
    workloads.extend(all.iter().map(|(_, _, f)| (plan.fast, &**f)));
    let s = interleaved(plan.rounds, &workloads);
    report.timing(
        "stage_call",
        "Stage total: the warm echo call measured beside its stages",
        &s[0],
    );
    let mut sum = 0.0;
    for ((id, what, _), samples) in all.iter().zip(&s[1..]) {
        report.timing(id, &format!("Stage: {what}"), samples);
        // The armed floor contains the tuned floor: the estimate counts the armed one only.
        // The "as changed" stages stand beside the ones they replace.
        if !matches!(
            *id,
            "stage_floor" | "stage_ticker_atomic" | "stage_output_one_pass"
        ) {
            sum += stats::ns(samples.median());
        }
    }
    report.figure("stage_sum_median_ns", sum);
}

/// A 64 KiB input against a 200-property schema: the call (validation on the runtime's terms,
/// inside the budget) against parsing and validating the same input with the same libraries
/// directly (`jsonschema::validator_for`, `serde_json::from_str`).
fn wide_input_rows(report: &mut Report, plan: &Plan) {
    let (schema, input) = guests::wide_schema_and_input(200, 64 * 1024);
    let runtime = Runtime::new(Config::default()).expect("runtime");
    let package = guests::package_with_schema(guests::TAKE, "take", &guests::toml_inline(&schema));
    let plugin = runtime
        .load(package.path(), Some(&package.digest))
        .unwrap_or_else(|e| panic!("load take: {}: {}", e.code(), e.message()));
    let options = toolcage_runtime::CallOptions::default();
    let call = || match plugin.call("take", &input, &options).result {
        Ok(output) => output,
        Err(e) => panic!("take failed: {}: {}", e.code(), e.message()),
    };
    assert_eq!(call().summary, "ok");
    // The schema is really applied: one property of the wrong type is refused.
    // Same length (the input is at the 64 KiB cap): a string where an integer belongs.
    let wrong = input.replacen("\"p1\":1000", "\"p1\":\"10\"", 1);
    assert_ne!(wrong, input);
    let refused = plugin
        .call("take", &wrong, &options)
        .result
        .err()
        .map(|e| e.code());
    assert_eq!(
        refused,
        Some(toolcage_runtime::ErrorCode::InputSchemaMismatch)
    );
    let validator = std::sync::Arc::new(jsonschema::validator_for(&schema).expect("schema"));
    let direct = || {
        let value: serde_json::Value = serde_json::from_str(&input).expect("JSON");
        assert!(validator.is_valid(&value));
    };
    direct();
    // The same on a fresh worker thread with its own copy of the input, as the runtime did
    // before issue 22's change: what that way costs, measured beside the call as it is now.
    let on_worker = || {
        let (validator, input) = (validator.clone(), input.clone());
        stages::on_worker(move || {
            let value: serde_json::Value = serde_json::from_str(&input).expect("JSON");
            assert!(validator.is_valid(&value));
        });
    };
    let s = interleaved(
        plan.rounds,
        &[
            (plan.fast / 20, &|| drop(call())),
            (plan.fast / 20, &direct),
            (plan.fast / 20, &on_worker),
        ],
    );
    report.over(
        "wide_input_call",
        "Call with a 64 KiB input and a 200-property schema, reference runtime",
        &s[0],
        &s[1],
        Some(1.2),
        "× direct",
    );
    report.timing(
        "wide_input_direct",
        "The same input parsed (serde_json) and validated (jsonschema) directly",
        &s[1],
    );
    report.over(
        "wide_input_worker",
        "The same, on a fresh worker thread per call with a copy of the input (the runtime's \
         way before issue 22's change, re-enacted; ratio: over direct)",
        &s[2],
        &s[1],
        None,
        "× direct",
    );
}

/// The compile-bound rows again with a module of a real plugin's size, for information: the
/// issue's targets are judged on the tiny echo above, where compiling is cheapest.
fn large_module_rows(report: &mut Report, plan: &Plan, input: &str) {
    let wat = guests::yoi_echo_large(None, LARGE_FUNCS);
    let wasm = guests::wasm(&wat);
    let kib = wasm.len() / 1024;
    let runtime = Runtime::new(Config::default()).expect("runtime");
    let (_package, plugin) = ours::echo_plugin(&runtime, &wat, input);
    let wasmtime = peers::WasmtimePerCall::new(&wasm).expect("wasmtime per call");
    let wasmi = peers::WasmiPerCall::new(&wasm).expect("wasmi");
    let bytes = input.as_bytes();
    assert_eq!(wasmtime.call(bytes), bytes, "wasmtime echo");
    assert_eq!(wasmi.call(bytes), bytes, "wasmi echo");
    let s = interleaved(
        plan.rounds,
        &[
            (plan.fast / 4, &|| drop(ours::echo(&plugin, input))),
            (plan.large_compile, &|| drop(wasmtime.call(bytes))),
            (plan.wasmi_compile / 4, &|| drop(wasmi.call(bytes))),
        ],
    );
    let module = format!("{kib} KiB module");
    report.timing(
        "large_echo",
        &format!("Warm echo call, {module}, reference runtime"),
        &s[0],
    );
    report.faster_than(
        "large_wasmtime_compile",
        &format!("Per-call compile, wasmtime 48, {module}"),
        &s[1],
        &s[0],
        None,
    );
    report.faster_than(
        "large_wasmi_compile",
        &format!("Per-call compile, wasmi 2, {module}"),
        &s[2],
        &s[0],
        None,
    );
    let loads = ours::load_times(plan.loads / 2, |i| {
        guests::yoi_echo_large(Some(i), LARGE_FUNCS)
    });
    report.loads(
        [
            "large_load_compiled",
            "large_load_memory_cache",
            "large_load_disk_cache",
        ],
        &format!("{module} (information)"),
        &loads,
        false,
    );
}

/// A granted loopback GET through a component guest against the same GET made with ureq
/// directly (a fresh Agent per request, as the runtime makes one; a reused one for information).
fn net_rows(report: &mut Report, plan: &Plan, runtime: &Runtime) {
    let t = net::get_times(runtime, plan.rounds, plan.net);
    report.over(
        "net_get",
        "Granted loopback GET through a component guest (request.request, the whole call), \
         reference runtime",
        &t.call,
        &t.direct,
        Some(1.5),
        "× direct",
    );
    report.timing(
        "net_get_direct",
        "The same GET with ureq 3 directly, a fresh Agent per request (as the runtime)",
        &t.direct,
    );
    report.over(
        "net_get_direct_reused",
        "The same GET with ureq 3 directly, one Agent reused (information; the server closes \
         every connection; ratio: over the fresh Agent)",
        &t.reused,
        &t.direct,
        None,
        "× fresh Agent",
    );
}

/// Internal functions of the large module: about 100 KiB of wasm.
const LARGE_FUNCS: u32 = 750;

/// Calls per second on one and two threads: the runtime, the tuned and default-pool floors, and
/// a CPU-only loop (what the machine allows), interleaved.
fn throughput_rows(report: &mut Report, plan: &Plan, runtime: &Runtime, input: &str) {
    eprintln!("bench: calls per second on 1 and 2 threads");
    let (_package, plugin) = ours::echo_plugin(runtime, &guests::yoi_echo(None), input);
    let echo_wasm = guests::wasm(&guests::yoi_echo(None));
    let floor = floor::Floor::new(&echo_wasm).expect("floor");
    let tuned = floor::Floor::tuned(&echo_wasm, floor::PoolTuning::RUNTIME).expect("tuned floor");
    let rates = scaling(
        2,
        plan.throughput / 2,
        &[
            &|| drop(ours::echo(&plugin, input)),
            &|| drop(floor.call(input.as_bytes())),
            &|| drop(tuned.call(input.as_bytes())),
            &|| {
                std::hint::black_box(profile::spin_work());
            },
        ],
    );
    report.throughput(rates[0].0, rates[0].1);
    report.rate_against_floor(rates[0], rates[2]);
    report.scaling(
        "tuned_floor_calls",
        "Tuned floor echo calls (the runtime's pool: what the engine allows)",
        rates[2].0,
        rates[2].1,
    );
    report.scaling(
        "floor_calls",
        "Default-pool floor echo calls (information)",
        rates[1].0,
        rates[1].1,
    );
    report.scaling(
        "cpu_spin",
        "CPU-only loop of ~1 µs (what the machine allows)",
        rates[3].0,
        rates[3].1,
    );
}

fn run(args: &Args) -> Report {
    let plan = Plan::new(args.quick);
    let mut report = Report::new(system::machine());
    let input = guests::input_1k();
    let started = Instant::now();

    eprintln!(
        "bench: echo on every engine ({} interleaved rounds)",
        plan.rounds
    );
    echo_rows(&mut report, &plan, &input);

    eprintln!("bench: the stages of one echo call, each on its own");
    stage_rows(&mut report, &plan, &input);

    eprintln!("bench: a 64 KiB input against a 200-property schema");
    wide_input_rows(&mut report, &plan);

    let runtime = Runtime::new(Config::default()).expect("runtime");
    if args.calls_only {
        throughput_rows(&mut report, &plan, &runtime, &input);
        return report;
    }
    eprintln!("bench: a granted loopback GET through the guest and with ureq directly");
    net_rows(&mut report, &plan, &runtime);

    let deadline = Duration::from_millis(50);
    eprintln!("bench: deadline overshoot and cancel latency, beside the scheduler's own lateness");
    let stuck = net::Stuck::new(&runtime);
    let mut lat: [Vec<Duration>; 8] = Default::default();
    for _ in 0..plan.rounds {
        let n = |total: usize| (total / plan.rounds).max(1);
        let spin = ours::deadline_overshoot(&runtime, guests::SPIN, deadline, n(plan.deadline));
        let host =
            ours::deadline_overshoot(&runtime, guests::SPIN_IN_HOST, deadline, n(plan.deadline));
        let sleep = ours::sleep_lateness(Duration::from_millis(1), n(plan.cancel));
        let cancel = ours::cancel_latency(&runtime, n(plan.cancel));
        let handoff = ours::flag_handoff(n(plan.cancel));
        let stall = ours::spin_stall(deadline, n(plan.deadline));
        let request = stuck.request_overshoot(deadline, n(plan.deadline));
        let websocket = stuck.websocket_overshoot(deadline, n(plan.deadline));
        for (acc, s) in lat.iter_mut().zip([
            spin, host, sleep, cancel, handoff, stall, request, websocket,
        ]) {
            acc.extend(s.iter());
        }
    }
    drop(stuck);
    let [spin, host, sleep, cancel, handoff, stall, request, websocket] = lat.map(Samples::new);
    report.latency(
        "overshoot_spin",
        "Deadline overshoot (50 ms), guest spinning in wasm",
        &spin,
    );
    report.latency(
        "overshoot_host",
        "Deadline overshoot (50 ms), guest looping on host imports",
        &host,
    );
    report.latency(
        "overshoot_request",
        "Deadline overshoot (50 ms), request.request on a server that waits 2 s before its head",
        &request,
    );
    report.latency(
        "overshoot_websocket",
        "Deadline overshoot (50 ms), websocket.recv on a silent WebSocket (upgrade included)",
        &websocket,
    );
    report.baseline(
        "spin_stall",
        "Scheduler baseline: longest off-CPU gap of a thread spinning 50 ms",
        &stall,
    );
    report.baseline(
        "sleep_lateness",
        "Scheduler baseline: lateness of a 1 ms thread sleep",
        &sleep,
    );
    report.latency("cancel", "Cancel to return, from another thread", &cancel);
    report.baseline(
        "flag_handoff",
        "Scheduler baseline: a flag set on one thread, seen by a spinning one",
        &handoff,
    );

    throughput_rows(&mut report, &plan, &runtime, &input);

    eprintln!("bench: resident memory over 100,000 calls");
    let (_package, plugin) = ours::echo_plugin(&runtime, &guests::yoi_echo(None), &input);
    let (before, after) = ours::rss_growth(&plugin, &input, 100_000);
    report.rss(before, after, 100_000);

    eprintln!("bench: compile versus cached loads");
    let loads = ours::load_times(plan.loads, |i| guests::yoi_echo(Some(i)));
    report.loads(
        ["load_compiled", "load_memory_cache", "load_disk_cache"],
        "echo package",
        &loads,
        true,
    );
    report.timing(
        "package_reread",
        "Re-list, re-read and re-hash of the echo package alone (part of every load)",
        &loads.reread,
    );

    eprintln!("bench: the compile-bound rows with a large module");
    large_module_rows(&mut report, &plan, &input);
    report.figure(
        "bench_seconds_before_conformance",
        started.elapsed().as_secs_f64(),
    );

    if args.conformance {
        eprintln!("bench: full conformance run (warm-up build first)");
        report.conformance(system::conformance_wall_time());
    } else {
        report.conformance(Err("skipped (--no-conformance)".into()));
    }
    report
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    if let Some((what, secs)) = &args.profile {
        return profile::run(what, Duration::from_secs(*secs));
    }
    if let Some((what, n)) = &args.calls {
        return profile::calls(what, *n);
    }
    let report = run(&args);
    print!("{}", report.markdown());
    let doc = report.document();
    if let Err(e) = Report::write_json(&doc, &args.json) {
        eprintln!("could not write {}: {e}", args.json.display());
        return ExitCode::from(2);
    }
    eprintln!("bench: JSON written to {}", args.json.display());
    let entry = history::entry(&doc, args.quick);
    let path = args.history.clone().unwrap_or_else(history::default_path);
    if args.compare {
        print!("\n{}", history::compare(&path, &entry));
    }
    if let Some(path) = &args.history {
        if let Err(e) = history::append(path, &entry) {
            eprintln!("could not append to {}: {e}", path.display());
            return ExitCode::from(2);
        }
        eprintln!("bench: run appended to {}", path.display());
    }
    ExitCode::SUCCESS
}
