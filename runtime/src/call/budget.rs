//! One budget for a whole call: the deadline and the cancel token armed when `Plugin::call`
//! starts cover input parsing, schema validation and any late preparation as well as the guest.
//!
//! Host work that wasmtime's epochs cannot interrupt runs either inline, when its worst case is
//! known to be small, or on a worker thread that the call waits for only until the deadline or
//! a cancel. A worker left behind is told so through [`Abandoned`] and work that looks at it
//! (input validation, at every subschema) ends there; work that cannot look finishes on its own
//! (its work is bounded at load). The number of workers at once is capped, so abandoned work
//! cannot pile up.

use super::cancel::CancelToken;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// Most budget workers alive at once in a process, abandoned ones included.
pub(crate) const MAX_WORKERS: usize = 64;
/// How often a waiting call looks at its cancel token.
const POLL: Duration = Duration::from_millis(1);

static WORKERS: AtomicUsize = AtomicUsize::new(0);

/// Why work inside the budget did not finish.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Over {
    /// The call's deadline passed.
    Timeout,
    /// The host cancelled the call.
    Cancelled,
    /// No worker could be started (too many alive, or the system refused a thread).
    NoWorker,
    /// The work panicked.
    Failed,
}

/// Set once the call has stopped waiting for its worker: the worker's result will never be
/// read, so work that can look at this should end rather than spend the host's CPU unseen.
#[derive(Clone, Debug, Default)]
pub(crate) struct Abandoned(Arc<AtomicBool>);

impl Abandoned {
    pub(crate) fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    fn set(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// A call's deadline and cancel token.
#[derive(Clone, Debug)]
pub(crate) struct Budget {
    pub deadline: Instant,
    pub cancel: Option<CancelToken>,
}

impl Budget {
    /// A budget of `limit` from now. A limit too large to add to the clock means no deadline in
    /// practice (a century).
    pub(crate) fn start(limit: Duration, cancel: Option<CancelToken>) -> Budget {
        let deadline = super::limits::deadline_after(Instant::now(), limit);
        Budget { deadline, cancel }
    }

    /// Whether the budget still holds: cancel first (it is the host's explicit word), then the
    /// deadline.
    pub(crate) fn check(&self) -> Result<(), Over> {
        if self.cancel.as_ref().is_some_and(CancelToken::is_cancelled) {
            return Err(Over::Cancelled);
        }
        if Instant::now() >= self.deadline {
            return Err(Over::Timeout);
        }
        Ok(())
    }

    /// Runs `work` on a worker thread and waits for it within the budget. `work` is handed the
    /// [`Abandoned`] flag this sets when it returns without the work's value.
    pub(crate) fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(Abandoned) -> T + Send + 'static,
    ) -> Result<T, Over> {
        self.check()?;
        let abandoned = Abandoned::default();
        // Set on every way out of this function; after the value arrived it tells no one.
        struct SetOnReturn(Abandoned);
        impl Drop for SetOnReturn {
            fn drop(&mut self) {
                self.0.set();
            }
        }
        let _abandon = SetOnReturn(abandoned.clone());
        if WORKERS.fetch_add(1, Ordering::SeqCst) >= MAX_WORKERS {
            WORKERS.fetch_sub(1, Ordering::SeqCst);
            return Err(Over::NoWorker);
        }
        let (tx, rx) = mpsc::sync_channel(1);
        let spawned = std::thread::Builder::new()
            .name("toolcage-budget".into())
            .spawn(move || {
                struct Leave;
                impl Drop for Leave {
                    fn drop(&mut self) {
                        WORKERS.fetch_sub(1, Ordering::SeqCst);
                    }
                }
                let _leave = Leave;
                let _ = tx.send(work(abandoned));
            });
        if spawned.is_err() {
            WORKERS.fetch_sub(1, Ordering::SeqCst);
            return Err(Over::NoWorker);
        }
        loop {
            self.check()?;
            let wait = self
                .deadline
                .saturating_duration_since(Instant::now())
                .min(POLL);
            match rx.recv_timeout(wait) {
                Ok(value) => return Ok(value),
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => return Err(Over::Failed),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_within_the_budget_returns_its_value() {
        let budget = Budget::start(Duration::from_secs(5), None);
        assert_eq!(budget.run(|_| 7), Ok(7));
    }

    #[test]
    fn slow_work_is_abandoned_at_the_deadline() {
        let budget = Budget::start(Duration::from_millis(20), None);
        let started = Instant::now();
        let r = budget.run(|_| std::thread::sleep(Duration::from_millis(300)));
        assert_eq!(r, Err(Over::Timeout));
        assert!(started.elapsed() < Duration::from_millis(250));
    }

    #[test]
    fn cancel_stops_the_wait() {
        let cancel = CancelToken::new();
        let budget = Budget::start(Duration::from_secs(5), Some(cancel.clone()));
        let canceller = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            cancel.cancel();
        });
        let r = budget.run(|_| std::thread::sleep(Duration::from_millis(300)));
        assert_eq!(r, Err(Over::Cancelled));
        let _ = canceller.join();
    }

    #[test]
    fn a_panic_is_a_failure_not_a_hang() {
        let budget = Budget::start(Duration::from_secs(5), None);
        assert_eq!(budget.run(|_| panic!("boom")), Err::<(), _>(Over::Failed));
    }

    #[test]
    fn an_abandoned_worker_is_told() {
        let budget = Budget::start(Duration::from_millis(20), None);
        let (tx, rx) = mpsc::channel();
        let r = budget.run(move |abandoned| {
            let waited = Instant::now();
            while !abandoned.is_set() && waited.elapsed() < Duration::from_secs(10) {
                std::thread::sleep(Duration::from_millis(1));
            }
            let _ = tx.send(abandoned.is_set());
        });
        assert_eq!(r, Err(Over::Timeout));
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok(true));
    }

    #[test]
    fn an_unaddable_limit_does_not_panic() {
        let budget = Budget::start(Duration::MAX, None);
        assert_eq!(budget.check(), Ok(()));
    }
}
