//! Guest work left running after an answer: a runtime that answers `timeout` on time while the
//! guest keeps executing in a thread it abandoned has not stopped the guest, and a host calling
//! it would pile up runaway threads. The kit looks for that work directly, through the kernel's
//! per-thread accounting (`/proc`, Linux only; elsewhere nothing is checked).
//!
//! - In-process runtimes: the case runs alone (no other case in flight, see [`turn`]); after the
//!   runtime answers, every thread started during the request that is still runnable through a
//!   short window is work left running.
//! - Process adapters that declare `serve` (one process answers many requests): after the
//!   answer, the kit watches the adapter's process tree for [`SERVE_WINDOW`]; a thread that stays
//!   runnable and burns CPU through it, or a thread (or process) started during the request that
//!   is still there at its end, is work left running. This is as sharp as the window: a guest
//!   abandoned after a 50 ms cancel is still spinning when the answer arrives.
//! - Other process adapters: while the adapter runs, the kit samples the CPU time of every thread of
//!   its process tree. One call runs one guest, so two threads burning CPU at comparable rates
//!   for a sustained stretch mean an earlier call's guest is still running beside the current
//!   one. (The adapter's exit ends its threads, so after the answer there is nothing to see.)
//!
//! These checks run for cases with `[expect] guest_stopped = true`. A serving adapter is also
//! swept after every other answer ([`SWEEP_WINDOW`], extended to [`SERVE_WINDOW`] when a thread
//! is still runnable): CPU burned after any answer is work no call waits for. A finding counts
//! only when a second run of the same request finds work left running again.

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::thread;
use std::time::{Duration, Instant};

/// How long the kit watches an in-process runtime after its answer.
pub const IN_PROCESS_WINDOW: Duration = Duration::from_millis(60);

/// How long the kit watches a serving adapter after an answer: long enough for a few samples of
/// a thread's state, short enough that any guest abandoned at a deadline or cancel is still there.
pub const SERVE_WINDOW: Duration = Duration::from_millis(50);

/// How long the kit watches a serving adapter after the answer of any other case: a sweep for a
/// runtime that keeps burning CPU after answering, whatever the case. Shorter than
/// [`SERVE_WINDOW`] because it runs after every answer (see `sweep_after_answer`).
pub const SWEEP_WINDOW: Duration = Duration::from_millis(10);

/// How long two threads of an adapter must burn CPU together before it counts as a guest left
/// running beside the current one.
pub const CONCURRENT_FOR: Duration = Duration::from_millis(150);

/// A thread's CPU over a stretch counts as "comparable" to the busiest one's from this share.
const COMPARABLE_PERCENT: u128 = 50;

/// Below this much CPU over a stretch, the busiest thread is not running a guest at all (on a
/// machine so loaded that a spinning thread gets less, nothing is judged).
const BUSY_MIN: Duration = Duration::from_millis(2);

const SAMPLE_EVERY: Duration = Duration::from_millis(10);

static ALONE: RwLock<()> = RwLock::new(());

/// A case's turn to run: shared with other cases, or alone (no other case of any run in this
/// process in flight), which the in-process check needs to tell the case's threads from others'.
pub(crate) enum Turn {
    /// Other cases may run meanwhile.
    Shared(#[allow(dead_code)] RwLockReadGuard<'static, ()>),
    /// No other case runs meanwhile.
    Alone(#[allow(dead_code)] RwLockWriteGuard<'static, ()>),
}

/// Waits for a turn; `alone` waits until no other case is in flight and keeps others out.
pub(crate) fn turn(alone: bool) -> Turn {
    if alone {
        Turn::Alone(ALONE.write().unwrap_or_else(PoisonError::into_inner))
    } else {
        Turn::Shared(ALONE.read().unwrap_or_else(PoisonError::into_inner))
    }
}

thread_local! {
    /// Set by the runner around a request whose case checks that the guest stopped; read by the
    /// process adapter client on the same thread (the trait's `run` is synchronous).
    static WATCH_WANTED: Cell<bool> = const { Cell::new(false) };
    /// What the process adapter client saw, taken by the runner after `run` returns.
    static WATCHED: RefCell<Option<String>> = const { RefCell::new(None) };
    /// What the sweep after an unwatched answer saw, taken by the runner after `run` returns.
    static SWEPT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The in-process watch of one request: the threads that existed before it.
pub(crate) struct Watch {
    before: Vec<u32>,
}

impl Watch {
    /// Starts watching a request made from this thread.
    pub(crate) fn start() -> Watch {
        WATCH_WANTED.with(|w| w.set(true));
        WATCHED.with(|w| w.borrow_mut().take());
        Watch {
            before: threads("self").into_iter().map(|t| t.tid).collect(),
        }
    }

    /// After the answer: a description of the work left running, if any. A process adapter's
    /// finding (made while it ran) comes first; otherwise the threads of this process started
    /// during the request that stay runnable through [`IN_PROCESS_WINDOW`].
    pub(crate) fn finish(self) -> Option<String> {
        WATCH_WANTED.with(|w| w.set(false));
        if let Some(found) = WATCHED.with(|w| w.borrow_mut().take()) {
            return Some(found);
        }
        let start = Instant::now();
        let mut samples = 0u32;
        // Per thread started during the request: in how many samples it was runnable.
        let mut runnable: Vec<(u32, u32)> = Vec::new();
        loop {
            samples += 1;
            let mut new_threads = 0;
            for thread in threads("self") {
                if self.before.contains(&thread.tid) {
                    continue;
                }
                new_threads += 1;
                let i = match runnable.iter().position(|(tid, _)| *tid == thread.tid) {
                    Some(i) => i,
                    None => {
                        runnable.push((thread.tid, 0));
                        runnable.len() - 1
                    }
                };
                if thread.state == 'R' {
                    runnable[i].1 += 1;
                }
            }
            if new_threads == 0 {
                return None;
            }
            if samples >= 4 && start.elapsed() >= IN_PROCESS_WINDOW {
                break;
            }
            thread::sleep(SAMPLE_EVERY);
        }
        // Runnable in at least 3 of every 4 samples: a spinning guest is, a thread that merely
        // wakes up now and then (a timer, a pool worker) is not.
        let busy = runnable
            .iter()
            .filter(|(_, n)| *n * 4 >= samples * 3)
            .count();
        (busy > 0).then(|| {
            format!(
                "{busy} thread(s) started during the request were still running {} ms after the \
                 answer (runnable in at least 3 of 4 of {samples} samples): the guest was not \
                 stopped",
                start.elapsed().as_millis()
            )
        })
    }
}

/// Confirms a finding by making the request again under a new watch: work left running both
/// times is the runtime's; a busy thread that the host process started for reasons of its own
/// during the first request (another test of a test binary, say) is not there again.
pub(crate) fn confirm<T>(first: String, again: impl FnOnce() -> T) -> Option<String> {
    let watch = Watch::start();
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(again));
    let second = watch.finish()?;
    Some(format!(
        "{first}; the same again on a second run of the request: {second}"
    ))
}

/// The process adapter's side: samples the adapter's process tree while it runs, when the
/// runner asked for it on this thread.
pub(crate) struct ChildWatch {
    stop: Arc<AtomicBool>,
    sampler: thread::JoinHandle<Option<String>>,
}

impl ChildWatch {
    /// Starts sampling the process tree rooted at `pid`, if the current request wants it.
    pub(crate) fn start(pid: u32) -> Option<ChildWatch> {
        if !WATCH_WANTED.with(Cell::get) || !cfg!(target_os = "linux") {
            return None;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let sampler = thread::Builder::new()
            .name("toolcage-kit-watch".into())
            .spawn(move || sample_tree(pid, &flag))
            .ok()?;
        Some(ChildWatch { stop, sampler })
    }

    /// Stops sampling (the adapter has exited) and leaves the finding for the runner.
    pub(crate) fn finish(self) {
        self.stop.store(true, Ordering::SeqCst);
        let found = self.sampler.join().ok().flatten();
        report(found);
    }
}

/// Whether the runner asked, on this thread, to watch the current request.
pub(crate) fn watch_wanted() -> bool {
    WATCH_WANTED.with(Cell::get)
}

/// Leaves what a process adapter client saw for the runner.
pub(crate) fn report(found: Option<String>) {
    WATCHED.with(|w| *w.borrow_mut() = found);
}

/// Every thread of the process tree rooted at `pid`, as (process, thread) ids.
pub(crate) fn tree_threads(pid: u32) -> Vec<(u32, u32)> {
    tree(pid)
        .into_iter()
        .flat_map(|process| {
            threads(&process.to_string())
                .into_iter()
                .map(move |t| (process, t.tid))
        })
        .collect()
}

/// After a serving adapter's answer: watches its process tree for [`SERVE_WINDOW`] and describes
/// the work left running, if any. `before` is [`tree_threads`] from before the request.
pub(crate) fn after_answer(pid: u32, before: &[(u32, u32)]) -> Option<String> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    left_running(&sample_for(pid, SERVE_WINDOW, 4), Some(before))
}

/// After a serving adapter's answer to a case that does not watch its guest: a sweep of its
/// process tree over [`SWEEP_WINDOW`] for threads that keep burning CPU (a guest, or host work,
/// left running once the call answered: no call's work may outlive its answer). CPU only: a
/// thread the runtime started and keeps idle (a pool, a ticker) is its own business outside
/// `guest_stopped` cases. Runs after every answer, so it costs [`SWEEP_WINDOW`] per request of a
/// quiet server; a thread still runnable through it earns the [`SERVE_WINDOW`] of
/// [`after_answer`] before the judgement.
pub(crate) fn sweep_after_answer(pid: u32) -> Option<String> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    // A quiet server sleeps in its read of the next request: a thread still runnable at the end
    // of the short look is worth the full window, which then judges CPU as for a watched case
    // (runnable is a state, so a loaded machine does not hide it; CPU needs the longer look).
    let mut samples = sample_for(pid, SWEEP_WINDOW, 2);
    if samples
        .last()
        .is_some_and(|last| last.threads.iter().any(|(_, _, runnable)| *runnable))
    {
        samples.extend(sample_for(pid, SERVE_WINDOW, 4));
    }
    left_running(&samples, None)
}

/// Leaves what the sweep after an unwatched answer saw for the runner.
pub(crate) fn report_sweep(found: Option<String>) {
    SWEPT.with(|w| *w.borrow_mut() = found);
}

/// Takes what the sweep after the last unwatched answer on this thread saw.
pub(crate) fn take_sweep() -> Option<String> {
    SWEPT.with(|w| w.borrow_mut().take())
}

/// Confirms a sweep's finding by making the request again: burning CPU after both answers is the
/// runtime's, not a moment of the machine's.
pub(crate) fn confirm_sweep<T>(first: String, again: impl FnOnce() -> T) -> Option<String> {
    take_sweep();
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(again));
    let second = take_sweep()?;
    Some(format!(
        "{first}; the same again on a second run of the request: {second}"
    ))
}

/// Samples the process tree rooted at `pid` every [`SAMPLE_EVERY`] for `window`, at least `min`
/// times.
fn sample_for(pid: u32, window: Duration, min: usize) -> Vec<Sample> {
    let start = Instant::now();
    let mut samples: Vec<Sample> = Vec::new();
    loop {
        let mut seen = Vec::new();
        for process in tree(pid) {
            for thread in threads(&process.to_string()) {
                seen.push((
                    (process, thread.tid),
                    thread.cpu.unwrap_or_default(),
                    thread.state == 'R',
                ));
            }
        }
        samples.push(Sample {
            at: Instant::now(),
            threads: seen,
        });
        if samples.len() >= min && start.elapsed() >= window {
            return samples;
        }
        thread::sleep(SAMPLE_EVERY);
    }
}

/// The judgement of [`after_answer`] over its samples: threads runnable in at least 3 of 4
/// samples that burned at least [`BUSY_MIN`] meanwhile (a spinning guest, whatever the load;
/// not an idle thread woken now and then), and, given the threads `before` the request, those
/// absent then that are still there in the last sample (an abandoned worker, even a blocked
/// one).
fn left_running(samples: &[Sample], before: Option<&[(u32, u32)]>) -> Option<String> {
    let (first, last) = (samples.first()?, samples.last()?);
    let window = last.at.duration_since(first.at);
    let mut busy = Vec::new();
    for (id, now, _) in &last.threads {
        let runnable = samples
            .iter()
            .filter(|s| s.threads.iter().any(|(other, _, r)| other == id && *r))
            .count();
        let then = first
            .threads
            .iter()
            .find(|(other, _, _)| other == id)
            .map_or(Duration::ZERO, |(_, t, _)| *t);
        let burned = now.saturating_sub(then);
        if runnable * 4 >= samples.len() * 3 && burned >= BUSY_MIN {
            busy.push(burned);
        }
    }
    let extra = before.map_or(0, |before| {
        last.threads
            .iter()
            .filter(|(id, _, _)| !before.contains(id))
            .count()
    });
    let mut found = Vec::new();
    if !busy.is_empty() {
        found.push(format!(
            "{} thread(s) of the adapter kept burning CPU through the {} ms after its answer \
             ({} ms in all, runnable in at least 3 of 4 of {} samples)",
            busy.len(),
            window.as_millis(),
            busy.iter().sum::<Duration>().as_millis(),
            samples.len()
        ));
    }
    if extra > 0 {
        found.push(format!(
            "{extra} thread(s) or process(es) started during the request still existed {} ms \
             after its answer",
            window.as_millis()
        ));
    }
    (!found.is_empty()).then(|| format!("{}: the guest was not stopped", found.join("; ")))
}

/// One sample: when, and each thread's cumulative CPU time and whether it was runnable.
struct Sample {
    at: Instant,
    threads: Vec<((u32, u32), Duration, bool)>,
}

fn sample_tree(pid: u32, stop: &AtomicBool) -> Option<String> {
    let mut samples: Vec<Sample> = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        let mut seen = Vec::new();
        for process in tree(pid) {
            for thread in threads(&process.to_string()) {
                if let Some(time) = thread.cpu {
                    seen.push(((process, thread.tid), time, thread.state == 'R'));
                }
            }
        }
        samples.push(Sample {
            at: Instant::now(),
            threads: seen,
        });
        if let Some(found) = concurrent(&samples) {
            return Some(found);
        }
        thread::sleep(SAMPLE_EVERY);
    }
    None
}

/// Whether, over the last [`CONCURRENT_FOR`] of `samples`, two threads were both busy: each
/// runnable in at least 3 of 4 samples (a spinning thread is, whatever the machine's load), and
/// the second burning at least half the CPU of the first (which a thread that only wakes up
/// often, such as an epoch ticker waiting for a loaded CPU, does not).
fn concurrent(samples: &[Sample]) -> Option<String> {
    let last = samples.last()?;
    let from = samples
        .iter()
        .rposition(|s| last.at.duration_since(s.at) >= CONCURRENT_FOR)?;
    let (first, window) = (&samples[from], &samples[from..]);
    let mut busy: Vec<Duration> = last
        .threads
        .iter()
        .filter(|(id, _, _)| {
            let runnable = window
                .iter()
                .filter(|s| s.threads.iter().any(|(other, _, r)| other == id && *r))
                .count();
            runnable * 4 >= window.len() * 3
        })
        .map(|(id, now, _)| {
            let then = first
                .threads
                .iter()
                .find(|(other, _, _)| other == id)
                .map_or(Duration::ZERO, |(_, t, _)| *t);
            now.saturating_sub(then)
        })
        .collect();
    busy.sort_unstable_by(|a, b| b.cmp(a));
    let (busiest, second) = (*busy.first()?, *busy.get(1)?);
    let comparable = second.as_micros() * 100 >= busiest.as_micros() * COMPARABLE_PERCENT;
    (busiest >= BUSY_MIN && comparable).then(|| {
        format!(
            "two threads of the adapter burned CPU together for {} ms ({} ms and {} ms, each \
             runnable throughout): one call runs one guest, so an earlier call's guest was \
             still running",
            last.at.duration_since(first.at).as_millis(),
            busiest.as_millis(),
            second.as_millis()
        )
    })
}

/// A thread as `/proc` shows it.
struct ThreadInfo {
    tid: u32,
    state: char,
    cpu: Option<Duration>,
}

/// The threads of process `pid` (`"self"` for this one); empty where `/proc` is unavailable.
fn threads(pid: &str) -> Vec<ThreadInfo> {
    let Ok(entries) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let tid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            // The command name may hold spaces and parentheses: fields start after the last ')'.
            let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
            let state = fields.first()?.chars().next()?;
            let cpu = std::fs::read_to_string(entry.path().join("schedstat"))
                .ok()
                .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
                .map(Duration::from_nanos)
                .or_else(|| {
                    // utime and stime (fields 14 and 15), in clock ticks of 10 ms.
                    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()?
                        + fields.get(12)?.parse::<u64>().ok()?;
                    Some(Duration::from_millis(ticks * 10))
                });
            Some(ThreadInfo { tid, state, cpu })
        })
        .collect()
}

/// `pid` and its descendants, through `/proc/<pid>/task/<tid>/children`.
fn tree(pid: u32) -> Vec<u32> {
    let mut all = vec![pid];
    let mut i = 0;
    while i < all.len() && all.len() < 256 {
        let process = all[i];
        if let Ok(tasks) = std::fs::read_dir(format!("/proc/{process}/task")) {
            for task in tasks.flatten() {
                let children = std::fs::read_to_string(task.path().join("children"));
                for child in children.iter().flat_map(|c| c.split_whitespace()) {
                    if let Ok(child) = child.parse() {
                        if !all.contains(&child) {
                            all.push(child);
                        }
                    }
                }
            }
        }
        i += 1;
    }
    all
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// A sample at `ms` of threads `(tid, cpu ms, runnable)`.
    fn sample(ms: u64, threads: &[(u32, u64, bool)], base: Instant) -> Sample {
        Sample {
            at: base + Duration::from_millis(ms),
            threads: threads
                .iter()
                .map(|&(tid, c, r)| ((1, tid), Duration::from_millis(c), r))
                .collect(),
        }
    }

    /// Samples every 10 ms over `ms`, each thread burning its share of a core and runnable as
    /// given.
    fn stretch(ms: u64, threads: &[(u32, u64, bool)]) -> Vec<Sample> {
        let base = Instant::now();
        (0..=ms / 10)
            .map(|i| {
                let at: Vec<_> = threads
                    .iter()
                    .map(|&(tid, per_mille, r)| (tid, i * 10 * per_mille / 1000, r))
                    .collect();
                sample(i * 10, &at, base)
            })
            .collect()
    }

    #[test]
    fn two_busy_threads_over_the_stretch_are_caught_one_busy_thread_is_not() {
        // One guest thread and a ticker that is runnable a lot on a loaded machine but burns
        // little: fine, however long.
        assert!(concurrent(&stretch(300, &[(1, 900, true), (2, 20, true)])).is_none());
        // Two guests on a machine so loaded that each gets 10% of a core: caught.
        let found = concurrent(&stretch(160, &[(1, 100, true), (2, 100, true)])).unwrap();
        assert!(found.contains("15 ms and 15 ms"), "{found}");
        // Two threads burning CPU in turns (never both runnable throughout): not judged.
        assert!(concurrent(&stretch(300, &[(1, 500, true), (2, 500, false)])).is_none());
        // Too short a stretch is not judged yet.
        assert!(concurrent(&stretch(100, &[(1, 1000, true), (2, 1000, true)])).is_none());
        // Near-idle threads are no guests.
        assert!(concurrent(&stretch(300, &[(1, 5, true), (2, 5, true)])).is_none());
        // A thread that appears mid-stretch counts from zero, and must be runnable throughout.
        let t = Instant::now();
        let mut late = vec![sample(0, &[(1, 0, true)], t)];
        late.extend((1..=15).map(|i| sample(i * 10, &[(1, i * 10, true), (3, i * 7, true)], t)));
        assert!(concurrent(&late).is_some());
    }

    /// The negative side (a sleeping thread is no work) is in harness/tests/verdicts.rs, where
    /// the case runs alone: here other unit tests may start busy threads meanwhile.
    #[test]
    fn a_spinning_thread_started_during_the_request_is_found() {
        let watch = Watch::start();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let spinner = thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                std::hint::spin_loop();
            }
        });
        let found = watch.finish();
        stop.store(true, Ordering::Relaxed);
        spinner.join().unwrap();
        let found = found.expect("the spinning thread is found");
        assert!(found.contains("started during the request"), "{found}");
        let this = threads("self");
        assert!(
            this.iter().any(|t| t.cpu.is_some()),
            "per-thread CPU is read"
        );
    }
}
