//! Single workloads for a profiler (`--loop WHAT SECONDS`): how the figures of a missed target
//! were broken down. Each runs until the time is up and prints its rate.

use crate::{floor, guests, ours};
use std::process::ExitCode;
use std::time::Duration;
use toolcage_runtime::{Config, Runtime};

fn rate(what: &str, threads: usize, length: Duration, call: impl Fn() + Sync) -> ExitCode {
    let per_second = ours::throughput(threads, length, call);
    println!("{what}: {per_second:.0} per second on {threads} thread(s)");
    ExitCode::SUCCESS
}

pub fn run(what: &str, length: Duration) -> ExitCode {
    let input = guests::input_1k();
    let runtime = Runtime::new(Config::default()).expect("runtime");
    let (package, plugin) = ours::echo_plugin(&runtime, &guests::yoi_echo(None), &input);
    let (what, tuning) = match what.split_once(':') {
        Some((what, knobs)) => (what, tuning(knobs)),
        None => (what, floor::PoolTuning::default()),
    };
    let floor = floor::Floor::tuned(&guests::wasm(&guests::yoi_echo(None)), tuning).expect("floor");
    match what {
        "echo1" | "echo2" => rate(what, if what == "echo1" { 1 } else { 2 }, length, || {
            drop(ours::echo(&plugin, &input))
        }),
        "floor1" | "floor2" => rate(what, if what == "floor1" { 1 } else { 2 }, length, || {
            drop(floor.call(input.as_bytes()))
        }),
        "spin1" | "spin2" => rate(what, if what == "spin1" { 1 } else { 2 }, length, || {
            let _ = std::hint::black_box(spin_work());
        }),
        "comp1" => {
            let (_p, component) = ours::component_echo_plugin(&runtime, &input);
            rate(what, 1, length, || drop(ours::echo(&component, &input)))
        }
        "wide1" => {
            let (schema, wide) = guests::wide_schema_and_input(200, 64 * 1024);
            let package =
                guests::package_with_schema(guests::TAKE, "take", &guests::toml_inline(&schema));
            let plugin = runtime
                .load(package.path(), Some(&package.digest))
                .expect("load take");
            let options = toolcage_runtime::CallOptions::default();
            rate(what, 1, length, || {
                assert!(plugin.call("take", &wide, &options).result.is_ok());
            })
        }
        "load" => rate(what, 1, length, || {
            let plugin = runtime
                .load(package.path(), Some(&package.digest))
                .expect("load");
            drop(plugin);
        }),
        other => {
            eprintln!(
                "unknown workload {other}: echo1 echo2 floor1 floor2 spin1 spin2 comp1 wide1 load"
            );
            ExitCode::from(2)
        }
    }
}

/// `--calls WHAT N`: exactly `n` calls of one workload after a warm-up of ten, for callgrind,
/// which counts instructions instead of timing: with `--collect-atstart=no
/// --toggle-collect=*profile::counted*` its counts cover the `n` calls and nothing else
/// (BENCHMARKS.md, "Where a call's instructions go").
///
/// Valgrind cannot reserve the default pool's 4 GiB slots (its `mmap` of 258 GiB fails), so
/// this runtime has two slots of 2 MiB (the default memory limit): the guest's code then checks
/// memory bounds explicitly, and the host's stages, which this mode is for, are unchanged.
pub fn calls(what: &str, n: u64) -> ExitCode {
    let input = guests::input_1k();
    let config = Config {
        engine: toolcage_runtime::EngineConfig {
            max_concurrent_calls: 2,
            max_memory_bytes: Some(2 * 1024 * 1024),
        },
        ..Config::default()
    };
    let runtime = Runtime::new(config).expect("runtime");
    match what {
        "echo" => {
            let (_package, plugin) = ours::echo_plugin(&runtime, &guests::yoi_echo(None), &input);
            measured(n, &|| drop(ours::echo(&plugin, &input)))
        }
        "wide" | "wide-direct" => {
            let (schema, wide) = guests::wide_schema_and_input(200, 64 * 1024);
            if what == "wide-direct" {
                let validator = jsonschema::validator_for(&schema).expect("schema");
                measured(n, &|| {
                    let value: serde_json::Value = serde_json::from_str(&wide).expect("JSON");
                    assert!(validator.is_valid(&value));
                });
            } else {
                let package = guests::package_with_schema(
                    guests::TAKE,
                    "take",
                    &guests::toml_inline(&schema),
                );
                let plugin = runtime
                    .load(package.path(), Some(&package.digest))
                    .expect("load take");
                let options = toolcage_runtime::CallOptions::default();
                measured(n, &|| {
                    assert!(plugin.call("take", &wide, &options).result.is_ok());
                });
            }
        }
        other => {
            eprintln!("unknown workload {other}: echo wide wide-direct");
            return ExitCode::from(2);
        }
    }
    println!("{what}: {n} calls");
    ExitCode::SUCCESS
}

/// The warm-up, then the counted calls, in a function of their own that a profiler can name.
fn measured(n: u64, call: &dyn Fn()) {
    for _ in 0..10 {
        call();
    }
    counted(n, call);
}

#[inline(never)]
fn counted(n: u64, call: &dyn Fn()) {
    for _ in 0..n {
        call();
    }
}

/// `keep=BYTES,scan,batch=N` or `runtime` (the runtime's own pool): pool settings for the
/// floor workloads.
fn tuning(knobs: &str) -> floor::PoolTuning {
    let mut t = floor::PoolTuning::default();
    for knob in knobs.split(',') {
        match knob.split_once('=') {
            Some(("keep", n)) => t.keep_resident = n.parse().expect("keep=BYTES"),
            Some(("batch", n)) => t.decommit_batch = n.parse().expect("batch=N"),
            None if knob == "scan" => t.pagemap_scan = true,
            None if knob == "runtime" => t = floor::PoolTuning::RUNTIME,
            _ => panic!("unknown pool knob {knob}"),
        }
    }
    t
}

/// About a microsecond of arithmetic that touches no shared state: what two threads can do on
/// this machine when nothing but the CPU is shared.
pub fn spin_work() -> u64 {
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    for i in 0..1000u64 {
        x = std::hint::black_box(x.rotate_left(7) ^ i).wrapping_mul(0x2545_F491_4F6C_DD1D);
    }
    x
}
