//! `toolcage-bench`: the issue-5 benchmarks in one run, side by side, so every ratio compares
//! figures taken on the same machine at the same time. Run through `cargo xtask bench`.
//!
//! Flags: `--json FILE` (default `<project>/target/bench.json`), `--quick` (a tenth of the
//! samples, for a smoke run), `--no-conformance` (skip the conformance wall-time row).

mod floor;
mod guests;
mod ours;
mod peers;
mod report;
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
    quick: bool,
    conformance: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        json: system::project_root().join("target").join("bench.json"),
        quick: false,
        conformance: true,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--json" => args.json = it.next().ok_or("--json needs a FILE")?.into(),
            "--quick" => args.quick = true,
            "--no-conformance" => args.conformance = false,
            "-h" | "--help" => {
                return Err(
                    "usage: toolcage-bench [--json FILE] [--quick] [--no-conformance]".into(),
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
        }
    }
}

/// Echo timings of every engine, taken in interleaved rounds so that a burst of load from
/// other processes on the machine hits all of them alike.
struct EchoTimes {
    ours: Samples,
    floor: Samples,
    wasmtime_compile: Samples,
    wasmi_compile: Samples,
    extism_reused: Samples,
    extism_new: Samples,
}

fn echo_times(plan: &Plan, input: &str) -> EchoTimes {
    let runtime = Runtime::new(Config::default()).expect("runtime");
    let (_package, plugin) = ours::echo_plugin(&runtime, input);
    let yoi = guests::wasm(&guests::yoi_echo(None));
    let floor = floor::Floor::new(&yoi).expect("floor engine");
    let wasmtime = peers::WasmtimePerCall::new(&yoi).expect("wasmtime per call");
    let wasmi = peers::WasmiPerCall::new(&yoi).expect("wasmi");
    let extism = peers::Extism::new(&guests::wasm(guests::EXTISM_ECHO)).expect("extism");
    let bytes = input.as_bytes();
    // Every peer must really echo before its time means anything.
    assert_eq!(floor.call(bytes), bytes, "floor echo");
    assert_eq!(wasmtime.call(bytes), bytes, "wasmtime echo");
    assert_eq!(wasmi.call(bytes), bytes, "wasmi echo");
    assert_eq!(extism.call_reused(bytes), bytes, "extism reused echo");
    assert_eq!(
        extism.call_new_plugin(bytes),
        bytes,
        "extism new-plugin echo"
    );

    let mut all: [Vec<Duration>; 6] = Default::default();
    for _ in 0..plan.rounds {
        let take = |n: usize, f: &dyn Fn()| stats::measure(n / 10, n, f);
        let rounds = [
            take(plan.fast, &|| drop(ours::echo(&plugin, input))),
            take(plan.fast, &|| drop(floor.call(bytes))),
            take(plan.wasmtime_compile, &|| drop(wasmtime.call(bytes))),
            take(plan.wasmi_compile, &|| drop(wasmi.call(bytes))),
            take(plan.fast, &|| drop(extism.call_reused(bytes))),
            take(plan.extism_new, &|| drop(extism.call_new_plugin(bytes))),
        ];
        for (acc, s) in all.iter_mut().zip(rounds) {
            acc.extend(s.iter());
        }
    }
    let [ours, floor, wasmtime_compile, wasmi_compile, extism_reused, extism_new] =
        all.map(Samples::new);
    EchoTimes {
        ours,
        floor,
        wasmtime_compile,
        wasmi_compile,
        extism_reused,
        extism_new,
    }
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
    let e = echo_times(&plan, &input);
    report.echo(&e.ours, &e.floor);
    report.faster_than(
        "wasmtime_compile",
        "Per-call compile, wasmtime 48",
        &e.wasmtime_compile,
        &e.ours,
        50.0,
    );
    report.faster_than(
        "wasmi_compile",
        "Per-call compile, wasmi 2 (interpreter)",
        &e.wasmi_compile,
        &e.ours,
        50.0,
    );
    report.faster_than(
        "extism_reused",
        "Extism 1.30, one plugin reused (not isolated)",
        &e.extism_reused,
        &e.ours,
        1.0,
    );
    report.faster_than(
        "extism_new",
        "Extism 1.30, new plugin per call (isolated)",
        &e.extism_new,
        &e.ours,
        10.0,
    );

    let runtime = Runtime::new(Config::default()).expect("runtime");
    let deadline = Duration::from_millis(50);
    eprintln!("bench: deadline overshoot");
    let spin = ours::deadline_overshoot(&runtime, guests::SPIN, deadline, plan.deadline);
    report.latency(
        "overshoot_spin",
        "Deadline overshoot (50 ms), guest spinning in wasm",
        &spin,
    );
    let host = ours::deadline_overshoot(&runtime, guests::SPIN_IN_HOST, deadline, plan.deadline);
    report.latency(
        "overshoot_host",
        "Deadline overshoot (50 ms), guest looping on host imports",
        &host,
    );
    eprintln!("bench: cancel latency");
    let cancel = ours::cancel_latency(&runtime, plan.cancel);
    report.latency("cancel", "Cancel to return, from another thread", &cancel);

    eprintln!("bench: throughput");
    let (_package, plugin) = ours::echo_plugin(&runtime, &input);
    let floor = floor::Floor::new(&guests::wasm(&guests::yoi_echo(None))).expect("floor");
    let call_ours = || drop(ours::echo(&plugin, &input));
    let call_floor = || drop(floor.call(input.as_bytes()));
    let ours1 = ours::throughput(1, plan.throughput, call_ours);
    let ours2 = ours::throughput(2, plan.throughput, call_ours);
    let floor1 = ours::throughput(1, plan.throughput, call_floor);
    let floor2 = ours::throughput(2, plan.throughput, call_floor);
    report.throughput(ours1, ours2, floor1, floor2);

    eprintln!("bench: resident memory over 100,000 calls");
    let (before, after) = ours::rss_growth(&plugin, &input, 100_000);
    report.rss(before, after, 100_000);

    eprintln!("bench: compile versus cached loads");
    let loads = ours::load_times(plan.loads);
    report.loads(&loads);
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
    let report = run(&args);
    print!("{}", report.markdown());
    if let Err(e) = report.write_json(&args.json) {
        eprintln!("could not write {}: {e}", args.json.display());
        return ExitCode::from(2);
    }
    eprintln!("bench: JSON written to {}", args.json.display());
    ExitCode::SUCCESS
}
