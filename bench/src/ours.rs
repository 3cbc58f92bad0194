//! Measurements through the reference runtime's public API only, as a host would use it:
//! warm echo calls, deadline overshoot, cancel latency, throughput, resident memory, and
//! compile versus cached loads.

use crate::guests::{self, Package};
use crate::stats::{self, Samples};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use toolcage_runtime::{
    CacheKey, CacheSource, CallOptions, CancelToken, Config, ErrorCode, Limits, Plugin, Runtime,
};

/// Calls `tool` and insists on success: a benchmark of failing calls would measure the wrong
/// path.
pub fn echo(plugin: &Plugin, input: &str) -> toolcage_runtime::ToolOutput {
    match plugin.call("echo", input, &CallOptions::default()).result {
        Ok(output) => output,
        Err(e) => panic!("echo failed: {}: {}", e.code(), e.message()),
    }
}

/// The echo plugin, loaded and checked to return the input it was given.
pub fn echo_plugin(runtime: &Runtime, wat: &str, input: &str) -> (Package, Plugin) {
    loaded_echo(runtime, guests::package(wat, "echo"), input)
}

/// The component echo plugin (component profile), loaded and checked the same way.
pub fn component_echo_plugin(runtime: &Runtime, input: &str) -> (Package, Plugin) {
    let package = guests::component_package(guests::COMPONENT_ECHO, "echo");
    loaded_echo(runtime, package, input)
}

fn loaded_echo(runtime: &Runtime, package: Package, input: &str) -> (Package, Plugin) {
    let plugin = runtime
        .load(package.path(), Some(&package.digest))
        .unwrap_or_else(|e| panic!("load echo: {}: {}", e.code(), e.message()));
    let output = echo(&plugin, input);
    let sent: serde_json::Value = serde_json::from_str(input).expect("input is JSON");
    assert_eq!(Some(output.summary.as_str()), sent["summary"].as_str());
    assert_eq!(output.content.as_deref(), sent["content"].as_str());
    (package, plugin)
}

/// Return time minus the deadline for a guest that never returns (tool name `spin`).
pub fn deadline_overshoot(runtime: &Runtime, wat: &str, deadline: Duration, n: usize) -> Samples {
    let package = guests::package(wat, "spin");
    let plugin = runtime
        .load(package.path(), Some(&package.digest))
        .expect("load spin");
    let options = CallOptions {
        limits: Some(Limits {
            deadline,
            ..Limits::default()
        }),
        cancel: None,
    };
    stats::collect(3, n, || {
        let start = Instant::now();
        let outcome = plugin.call("spin", "{}", &options);
        let took = start.elapsed();
        let code = outcome.result.err().map(|e| e.code());
        assert_eq!(
            code,
            Some(ErrorCode::Timeout),
            "a spinning guest must time out"
        );
        took.saturating_sub(deadline)
    })
}

/// From `CancelToken::cancel` on this thread to the call returning on another.
pub fn cancel_latency(runtime: &Runtime, n: usize) -> Samples {
    let package = guests::package(guests::SPIN, "spin");
    let plugin = runtime
        .load(package.path(), Some(&package.digest))
        .expect("load spin");
    stats::collect(3, n, || {
        let token = CancelToken::new();
        let options = CallOptions {
            limits: Some(Limits {
                deadline: Duration::from_secs(10),
                ..Limits::default()
            }),
            cancel: Some(token.clone()),
        };
        let (started, ready) = mpsc::channel();
        let plugin = plugin.clone();
        let worker = std::thread::spawn(move || {
            started.send(()).expect("signal start");
            let outcome = plugin.call("spin", "{}", &options);
            (Instant::now(), outcome.result.err().map(|e| e.code()))
        });
        ready.recv().expect("worker started");
        // Long enough for the guest to be spinning in wasm, far below the deadline.
        std::thread::sleep(Duration::from_millis(2));
        let cancelled_at = Instant::now();
        token.cancel();
        let (returned_at, code) = worker.join().expect("worker thread");
        assert_eq!(
            code,
            Some(ErrorCode::Cancelled),
            "a cancelled call must say so"
        );
        returned_at.saturating_duration_since(cancelled_at)
    })
}

/// How late a thread wakes from a `sleep(length)`: the scheduler's share of any deadline
/// overshoot on this machine, measured beside it.
pub fn sleep_lateness(length: Duration, n: usize) -> Samples {
    stats::collect(3, n, || {
        let start = Instant::now();
        std::thread::sleep(length);
        start.elapsed().saturating_sub(length)
    })
}

/// The longest gap between two clock reads of a thread that spins for `length`: how long
/// the scheduler kept a CPU-bound thread (such as a spinning guest) off the CPU. A guest
/// descheduled at its deadline returns only when it runs again, whatever the runtime does.
pub fn spin_stall(length: Duration, n: usize) -> Samples {
    stats::collect(1, n, || {
        let start = Instant::now();
        let mut last = start;
        let mut worst = Duration::ZERO;
        while last.duration_since(start) < length {
            let now = Instant::now();
            worst = worst.max(now.duration_since(last));
            last = now;
        }
        worst
    })
}

/// From setting a flag on this thread to another thread, spinning on it, seeing it: the
/// floor of any cross-thread cancel on this machine, measured the same way as
/// [`cancel_latency`].
pub fn flag_handoff(n: usize) -> Samples {
    stats::collect(3, n, || {
        let flag = std::sync::Arc::new(AtomicBool::new(false));
        let (started, ready) = mpsc::channel();
        let seen = flag.clone();
        let worker = std::thread::spawn(move || {
            started.send(()).expect("signal start");
            while !seen.load(Ordering::SeqCst) {
                std::hint::spin_loop();
            }
            Instant::now()
        });
        ready.recv().expect("worker started");
        std::thread::sleep(Duration::from_millis(2));
        let set_at = Instant::now();
        flag.store(true, Ordering::SeqCst);
        let seen_at = worker.join().expect("worker thread");
        seen_at.saturating_duration_since(set_at)
    })
}

/// Calls per second of `call` from `threads` threads for `length`, all started together.
pub fn throughput(threads: usize, length: Duration, call: impl Fn() + Sync) -> f64 {
    let total = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let barrier = std::sync::Barrier::new(threads + 1);
    let elapsed = std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mut count = 0u64;
                barrier.wait();
                while !stop.load(Ordering::Relaxed) {
                    call();
                    count += 1;
                }
                total.fetch_add(count, Ordering::Relaxed);
            });
        }
        barrier.wait();
        let start = Instant::now();
        std::thread::sleep(length);
        stop.store(true, Ordering::Relaxed);
        start.elapsed()
    });
    total.load(Ordering::Relaxed) as f64 / elapsed.as_secs_f64()
}

/// Loads timed on their own, per source of the compiled module.
pub struct LoadTimes {
    pub compiled: Samples,
    pub memory: Samples,
    pub disk: Samples,
    /// Listing, reading and hashing the package files alone, as every load must.
    pub reread: Samples,
}

/// What every load does before it can use a cached module, done here with plain std calls:
/// stat and read the manifest, list the directory, stat and read each file, hash each file.
fn reread(dir: &std::path::Path) -> [u8; 32] {
    use sha2::{Digest as _, Sha256};
    let manifest = dir.join("plugin.toml");
    std::fs::symlink_metadata(&manifest).expect("stat manifest");
    let mut h = Sha256::new();
    h.update(std::fs::read(&manifest).expect("read manifest"));
    for entry in std::fs::read_dir(dir).expect("list package") {
        let entry = entry.expect("dir entry");
        entry.metadata().expect("stat file");
        if entry.file_name() != "plugin.toml" {
            h.update(Sha256::digest(
                std::fs::read(entry.path()).expect("read file"),
            ));
        }
    }
    h.finalize().into()
}

/// `n` distinct echo modules (each its own hash), each compiled by a runtime with a disk
/// cache, loaded again from its memory cache, then by a second runtime from the disk cache.
/// Every load re-reads and re-hashes the package, as the runtime always does.
pub fn load_times(n: usize, module: impl Fn(u32) -> String) -> LoadTimes {
    let cache = tempfile::tempdir().expect("cache dir");
    let config = || Config {
        cache_dir: Some(PathBuf::from(cache.path())),
        // Without a key the disk cache is off (docs/SPEC.md 2.2).
        cache_key: Some(CacheKey::new(&[0x42; 32]).expect("a 32-byte key")),
        memory_cache_entries: n + 8,
        ..Config::default()
    };
    let packages: Vec<Package> = (0..n as u32)
        .map(|i| guests::package(&module(i), "echo"))
        .collect();
    let warm = guests::package(&module(u32::MAX), "echo");
    let timed = |runtime: &Runtime, p: &Package, want: CacheSource| {
        let start = Instant::now();
        let plugin = runtime.load(p.path(), Some(&p.digest)).expect("load");
        let took = start.elapsed();
        assert_eq!(plugin.cache_source(), want);
        took
    };
    let first = Runtime::new(config()).expect("runtime");
    let second = Runtime::new(config()).expect("runtime");
    // The warm-up compiles once in `first` and reads that entry from disk in `second`.
    for runtime in [&first, &second] {
        runtime
            .load(warm.path(), Some(&warm.digest))
            .expect("warm-up load");
    }
    // Blocks of packages through all four ways in turn: machine load hits each way alike, and
    // within a block the cached loads run back to back as a host loading plugins would.
    let mut times: [Vec<Duration>; 4] = Default::default();
    for block in packages.chunks(packages.len().div_ceil(4).max(1)) {
        for p in block {
            times[0].push(timed(&first, p, CacheSource::Compiled));
        }
        for p in block {
            times[1].push(timed(&first, p, CacheSource::Memory));
        }
        for p in block {
            times[2].push(timed(&second, p, CacheSource::Disk));
        }
        for p in block {
            let start = Instant::now();
            std::hint::black_box(reread(p.path()));
            times[3].push(start.elapsed());
        }
    }
    let [compiled, memory, disk, reread] = times.map(Samples::new);
    LoadTimes {
        compiled,
        memory,
        disk,
        reread,
    }
}

/// VmRSS of this process, in KiB, from /proc/self/status.
pub fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Resident memory before and after `n` echo calls, after a warm-up that lets allocators and
/// the pool reach their steady state.
pub fn rss_growth(plugin: &Plugin, input: &str, n: usize) -> (u64, u64) {
    for _ in 0..10_000 {
        echo(plugin, input);
    }
    let before = rss_kib().expect("VmRSS");
    for _ in 0..n {
        echo(plugin, input);
    }
    let after = rss_kib().expect("VmRSS");
    (before, after)
}
