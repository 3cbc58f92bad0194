//! The shared wasmtime engine: what every call of a `Runtime` has in common.
//!
//! One engine per runtime (and a second, fuel-metering one built only when a call first asks for
//! fuel, because metering slows every call of an engine that has it). Epoch interruption drives
//! deadlines and cancellation; one ticker thread per runtime advances the epochs and is joined
//! when the runtime is dropped, so no thread outlives it.

use crate::error::{Error, ErrorCode};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;
use wasmtime::wasmparser::WasmFeatures;
use wasmtime::{Engine, EngineWeak, InstanceAllocationStrategy, PoolingAllocationConfig};

/// How often the ticker advances the epoch: the granularity of deadlines.
pub(crate) const TICK: Duration = Duration::from_millis(1);
/// Largest table a module may declare at all; per-call caps are enforced below it.
pub(crate) const TABLE_CEILING: usize = 1 << 16;
/// The wasm stack each call may use before `stack_overflow`.
pub(crate) const WASM_STACK: usize = 512 * 1024;

/// Engine-wide settings that cannot change per call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineConfig {
    /// Calls that may run at the same time; one more gets `resource_exhausted`.
    pub max_concurrent_calls: u32,
}

impl Default for EngineConfig {
    fn default() -> EngineConfig {
        EngineConfig {
            max_concurrent_calls: 64,
        }
    }
}

/// The only WebAssembly features ABI v1 accepts: WebAssembly 2.0, with `funcref` but without
/// `externref` (which needs a garbage-collecting runtime that the sandbox does not compile in).
pub(crate) fn allowed_features() -> WasmFeatures {
    WasmFeatures::WASM2.difference(WasmFeatures::GC_TYPES)
}

pub(crate) fn build(config: &EngineConfig, fuel: bool) -> Result<Engine, Error> {
    let slots = config.max_concurrent_calls.max(1);
    let mut pool = PoolingAllocationConfig::default();
    pool.total_core_instances(slots)
        .total_memories(slots)
        .total_tables(slots)
        .max_memories_per_module(1)
        .max_tables_per_module(1)
        // Every 32-bit memory fits a slot; the per-call memory cap is the limiter's job, so a
        // module asking for more than the cap fails with `memory_limit`, not at compile time.
        .max_memory_size(1 << 32)
        .table_elements(TABLE_CEILING)
        .max_core_instance_size(16 << 20)
        // Reset a slot's first MiB with memset instead of madvise: madvise on every call costs
        // cross-core TLB shootdowns that stop two threads from scaling (BENCHMARKS.md). The
        // memory is still reset to the module's initial contents for every call.
        .linear_memory_keep_resident(1 << 20)
        .table_keep_resident(1 << 20)
        .pagemap_scan(wasmtime::Enabled::Auto);

    let mut c = wasmtime::Config::new();
    c.wasm_features(WasmFeatures::all(), false)
        .wasm_features(allowed_features(), true)
        .epoch_interruption(true)
        .consume_fuel(fuel)
        .max_wasm_stack(WASM_STACK)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&c).map_err(|e| {
        Error::new(
            ErrorCode::ResourceExhausted,
            "the WebAssembly engine could not be created",
        )
        .with("cause", format!("{e:#}"))
    })
}

/// Advances the epoch of every engine registered with it, every [`TICK`], until dropped.
pub(crate) struct Ticker {
    engines: Arc<Mutex<Vec<EngineWeak>>>,
    stop: Arc<(Mutex<bool>, Condvar)>,
    handle: Option<JoinHandle<()>>,
}

impl Ticker {
    pub(crate) fn start() -> Result<Ticker, Error> {
        let engines: Arc<Mutex<Vec<EngineWeak>>> = Arc::default();
        let stop: Arc<(Mutex<bool>, Condvar)> = Arc::default();
        let (e, s) = (engines.clone(), stop.clone());
        let handle = std::thread::Builder::new()
            .name("toolcage-epoch".into())
            .spawn(move || loop {
                let (lock, cvar) = &*s;
                let stopped = lock.lock().unwrap_or_else(|p| p.into_inner());
                let (stopped, _) = cvar
                    .wait_timeout(stopped, TICK)
                    .unwrap_or_else(|p| p.into_inner());
                if *stopped {
                    return;
                }
                drop(stopped);
                for weak in e.lock().unwrap_or_else(|p| p.into_inner()).iter() {
                    if let Some(engine) = weak.upgrade() {
                        engine.increment_epoch();
                    }
                }
            })
            .map_err(|_| {
                Error::new(
                    ErrorCode::ResourceExhausted,
                    "the epoch ticker thread could not be started",
                )
            })?;
        Ok(Ticker {
            engines,
            stop,
            handle: Some(handle),
        })
    }

    pub(crate) fn watch(&self, engine: &Engine) {
        self.engines
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(engine.weak());
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        let (lock, cvar) = &*self.stop;
        *lock.lock().unwrap_or_else(|p| p.into_inner()) = true;
        cvar.notify_all();
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}
