//! Cancelling a call from any thread.
//!
//! A token is a flag plus the engines of the calls watching it: cancelling sets the flag and
//! advances those engines' epochs at once, so the guest reaches its epoch check within
//! microseconds instead of waiting for the next tick.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use wasmtime::{Engine, EngineWeak};

/// Cancels the calls it is passed to. Cheap to clone; every clone cancels the same calls.
#[derive(Clone, Default)]
pub struct CancelToken {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    cancelled: AtomicBool,
    engines: Mutex<Vec<EngineWeak>>,
}

impl CancelToken {
    /// A token not yet cancelled.
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    /// Cancels every call made with this token, running or future. Safe from any thread.
    pub fn cancel(&self) {
        self.inner.cancelled.store(true, Ordering::SeqCst);
        let engines = self.inner.engines.lock().unwrap_or_else(|p| p.into_inner());
        for engine in engines.iter().filter_map(EngineWeak::upgrade) {
            engine.increment_epoch();
        }
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::SeqCst)
    }

    pub(crate) fn watch(&self, engine: &Engine) {
        let mut engines = self.inner.engines.lock().unwrap_or_else(|p| p.into_inner());
        if !engines
            .iter()
            .filter_map(EngineWeak::upgrade)
            .any(|e| Engine::same(&e, engine))
        {
            engines.push(engine.weak());
        }
    }
}

impl std::fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CancelToken")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}
