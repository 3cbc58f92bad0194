//! The runtime's baseline for the time bound: how long it takes, on this machine and in this
//! run, for a request that costs nothing but the runtime's own overhead (starting, loading,
//! compiling, answering), and how long a spinning thread takes to stop on this machine now. A
//! case over the tight bound is judged against its deadlines plus both, and made once more
//! before it fails, so a loaded machine or a slow-starting adapter widens the bound, and a
//! runtime that stops its guest late does not.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::judge::time::{judge_time, Calibration};
use crate::judge::verdict::Failure;
use crate::model::case::Case;
use crate::model::header::parse_case;
use crate::model::protocol::Request;
use crate::package::build;
use crate::runtime::seam::ConformanceRuntime;

/// Makes every baseline module distinct, so no compiled-code cache serves it: the case it is
/// compared with was compiled fresh too.
static NONCE: AtomicU64 = AtomicU64::new(0);

/// The runtime's baseline for a request of `calls` calls, and the machine's stop latency,
/// both measured now.
pub(crate) fn calibrate(runtime: &dyn ConformanceRuntime, calls: usize) -> Calibration {
    Calibration {
        baseline: baseline(runtime, calls).unwrap_or_default(),
        wakeup: stop_latency(),
    }
}

/// How long a spinning thread takes to notice a flag set from another thread, the median of
/// five tries: what stopping a guest costs on this machine now, where a CPU-bound thread waits
/// its turn behind every other runnable one (a sleeping thread's wake-up is no measure: the
/// scheduler favours it). The median, so one unlucky try does not excuse a late runtime.
fn stop_latency() -> Duration {
    let mut tries: Vec<Duration> = (0..5)
        .map(|_| {
            let flag = Arc::new(AtomicBool::new(false));
            let seen = flag.clone();
            let spinner = std::thread::spawn(move || {
                while !seen.load(Ordering::Acquire) {
                    std::hint::spin_loop();
                }
                Instant::now()
            });
            std::thread::sleep(Duration::from_millis(5));
            let set = Instant::now();
            flag.store(true, Ordering::Release);
            spinner.join().map_or(Duration::ZERO, |noticed| {
                noticed.saturating_duration_since(set)
            })
        })
        .collect();
    tries.sort_unstable();
    tries[tries.len() / 2]
}

/// A `too_slow` finding holds only when the request, made again and calibrated again, is too
/// slow again: a runtime that stops its guest late does so every time, while a burst of load on
/// the machine during one request does not come back. The second answer is not judged (the
/// first was), only its time.
pub(crate) fn judge_time_twice(
    runtime: &dyn ConformanceRuntime,
    case: &Case,
    request: &Request,
    elapsed: Duration,
) -> Result<(), Failure> {
    let calls = request.calls.len();
    let first = match judge_time(case, request, elapsed, || calibrate(runtime, calls)) {
        Ok(()) => return Ok(()),
        Err(failure) => failure,
    };
    let start = Instant::now();
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| runtime.run(request)));
    let again = start.elapsed();
    judge_time(case, request, again, || calibrate(runtime, calls)).map_err(|second| Failure {
        message: format!("{}; made again: {}", first.message, second.message),
        ..second
    })
}

/// The time `runtime` takes for a request of `calls` calls to a guest that writes its result
/// at once (whatever it answers: only the time counts). `None` when the kit cannot build the
/// package, which then leaves the bound without a baseline.
pub(crate) fn baseline(runtime: &dyn ConformanceRuntime, calls: usize) -> Option<Duration> {
    let nonce = format!(
        "{}-{}-{}",
        std::process::id(),
        NONCE.fetch_add(1, Ordering::Relaxed),
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    let source = format!(
        ";;! id = \"kit.baseline\"\n;;! guarantee = \"KIT-BASELINE\"\n;;! since = \"0.1.0\"\n\
         ;;! summary = \"writes its result at once\"\n;;! repeat = {calls}\n;;! [expect]\n\
         ;;! output = {{ summary = \"baseline\" }}\n\
         (module\n\
           (import \"yoi:tool\" \"output_write\" (func $w (param i32 i32) (result i32)))\n\
           (memory (export \"memory\") 1)\n\
           (data (i32.const 0) \"{{\\\"summary\\\":\\\"baseline\\\"}}\")\n\
           (data (i32.const 64) \"{nonce}\")\n\
           (func (export \"yoi_tool_call\") (drop (call $w (i32.const 0) (i32.const 22)))))\n"
    );
    let case = parse_case(Path::new("<baseline>"), &source, None).ok()?;
    let built = build::build(&case).ok()?;
    let request = case.request(&built);
    let start = Instant::now();
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| runtime.run(&request)));
    Some(start.elapsed())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::protocol::{Response, RuntimeInfo};
    use crate::runtime::seam::AdapterFailure;
    use std::sync::Mutex;

    /// Records what it is asked and answers nothing useful.
    struct Recorder(Mutex<Vec<(Request, Vec<u8>)>>);

    impl ConformanceRuntime for Recorder {
        fn describe(&self) -> Result<RuntimeInfo, AdapterFailure> {
            unreachable!("not asked")
        }
        fn run(&self, request: &Request) -> Result<Response, AdapterFailure> {
            let module = std::fs::read(request.package.join("plugin.wasm")).unwrap();
            self.0.lock().unwrap().push((request.clone(), module));
            std::thread::sleep(Duration::from_millis(20));
            Err(AdapterFailure::Unavailable {
                reason: "the answer does not matter".into(),
            })
        }
    }

    #[test]
    fn the_baseline_is_a_fresh_trivial_request_of_as_many_calls() {
        let recorder = Recorder(Mutex::new(Vec::new()));
        let first = baseline(&recorder, 3).expect("the baseline package builds");
        assert!(first >= Duration::from_millis(20), "{first:?}");
        baseline(&recorder, 1).unwrap();
        let seen = recorder.0.lock().unwrap();
        assert_eq!(seen[0].0.calls.len(), 3);
        assert_eq!(seen[1].0.calls.len(), 1);
        assert!(seen[0].0.limits == Default::default(), "default limits");
        assert_ne!(seen[0].1, seen[1].1, "each baseline module is new");
    }
}
