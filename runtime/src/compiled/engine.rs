//! The shared wasmtime engine: what every call of a `Runtime` has in common.
//!
//! One engine per runtime (and a second, fuel-metering one built only when a call first asks for
//! fuel, because metering slows every call of an engine that has it). Epoch interruption drives
//! deadlines and cancellation; one ticker thread per runtime advances the epochs while calls are
//! running, sleeps while none is, and is joined when the runtime is dropped, so no thread
//! outlives it.
//!
//! The pooling allocator reserves address space (not memory) up front: one slot per concurrent
//! call, each the size of the largest linear memory a call can have plus a guard region.

use crate::error::{Error, ErrorCode};
use std::sync::atomic::{AtomicUsize, Ordering};
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

/// Guard region after each slot when the slot is sized from [`EngineConfig::max_memory_bytes`]:
/// any size is safe (the compiler bounds-checks what the guard does not cover); a small one keeps
/// the reservation close to the memory itself.
const SMALL_GUARD: u64 = 64 * 1024;
/// One WebAssembly page.
const PAGE: usize = 64 * 1024;

/// Engine-wide settings that cannot change per call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineConfig {
    /// Calls that may run at the same time; one more gets `resource_exhausted`. Each is one slot
    /// of the instance pool, so this multiplies the address space reserved per slot.
    pub max_concurrent_calls: u32,
    /// The largest linear memory any call of this runtime can get, whatever its
    /// [`Limits::memory_bytes`](crate::Limits::memory_bytes) (rounded up to whole 64 KiB pages).
    ///
    /// `None` (the default) gives every slot the full 4 GiB a 32-bit memory can address plus
    /// wasmtime's 32 MiB guard: guest memory accesses need no bounds check, and the runtime
    /// reserves `max_concurrent_calls` × (4 GiB + 32 MiB) of address space (about 258 GiB for
    /// 64 calls; address space, not memory). A host under `RLIMIT_AS` (`ulimit -v`) sets it:
    /// each slot then reserves this many bytes plus a 64 KiB guard, the compiled code checks
    /// memory bounds explicitly (slower guest memory accesses, equally safe), and a module whose
    /// initial memory exceeds it is refused at load with `memory_limit`.
    pub max_memory_bytes: Option<usize>,
}

impl Default for EngineConfig {
    fn default() -> EngineConfig {
        EngineConfig {
            max_concurrent_calls: 64,
            max_memory_bytes: None,
        }
    }
}

impl EngineConfig {
    /// The byte size of each pool slot's memory: what `max_memory_bytes` asks for, in whole pages
    /// (at least one), or 4 GiB.
    pub(crate) fn memory_slot_bytes(&self) -> usize {
        match self.max_memory_bytes {
            None => 1 << 32,
            Some(bytes) => bytes
                .clamp(PAGE, 1 << 32)
                .div_ceil(PAGE)
                .saturating_mul(PAGE),
        }
    }

    /// Refuses a module whose initial memory could never fit a pool slot, with the code the
    /// call would get, rather than as an invalid module at compile time.
    pub(crate) fn check_initial_memory(&self, initial_bytes: u64) -> Result<(), Error> {
        let slot = self.memory_slot_bytes();
        if initial_bytes > slot as u64 {
            return Err(Error::new(
                ErrorCode::MemoryLimit,
                format!("the guest's memory would exceed the {slot}-byte cap"),
            )
            .with("limit", slot as u64));
        }
        Ok(())
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
        // Components (docs/SPEC.md 13.2): flattened, at most this many core instances, memories
        // and tables each; they draw on the same pools, so a component of several memories
        // takes several of the slots above.
        .total_component_instances(slots)
        .max_core_instances_per_component(super::component::MAX_CORE_INSTANCES)
        .max_memories_per_component(super::component::MAX_MEMORIES)
        .max_tables_per_component(super::component::MAX_TABLES)
        // By default every 32-bit memory fits a slot; the per-call memory cap is the limiter's
        // job, so a module asking for more than the cap fails with `memory_limit`, not at
        // compile time (with `max_memory_bytes`, `check_initial_memory` keeps that code).
        .max_memory_size(config.memory_slot_bytes())
        .table_elements(TABLE_CEILING)
        .max_core_instance_size(16 << 20)
        // Reset a slot's first MiB with memset instead of madvise: madvise on every call costs
        // cross-core TLB shootdowns that stop two threads from scaling (BENCHMARKS.md). The
        // memory is still reset to the module's initial contents for every call.
        .linear_memory_keep_resident(1 << 20)
        .table_keep_resident(1 << 20)
        .pagemap_scan(wasmtime::Enabled::Auto);

    let mut c = wasmtime::Config::new();
    // Core modules are validated against `allowed_features` before they are compiled
    // (`link::scan`), components against `component::allowed_features` (`component::scan`):
    // the engine accepts their union, and nothing of the component model's proposals.
    c.wasm_features(WasmFeatures::all(), false)
        .wasm_features(super::component::allowed_features(), true)
        .epoch_interruption(true)
        .consume_fuel(fuel)
        .max_wasm_stack(WASM_STACK)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    if config.max_memory_bytes.is_some() {
        c.memory_reservation(config.memory_slot_bytes() as u64)
            .memory_guard_size(SMALL_GUARD)
            .memory_reservation_for_growth(0);
    }
    Engine::new(&c).map_err(|e| {
        Error::new(
            ErrorCode::ResourceExhausted,
            "the WebAssembly engine could not be created",
        )
        .with("cause", format!("{e:#}"))
    })
}

/// Advances the epoch of every engine registered with it, every [`TICK`] while at least one
/// call is running ([`Ticker::running`]), and sleeps while none is: an idle runtime costs no CPU.
pub(crate) struct Ticker {
    engines: Arc<Mutex<Vec<EngineWeak>>>,
    shared: Arc<Shared>,
    handle: Option<JoinHandle<()>>,
}

#[derive(Default)]
struct Shared {
    /// Calls running now: counted without the lock, which a call takes only when it is the
    /// first to run (to wake an idle ticker).
    running: AtomicUsize,
    state: Mutex<TickState>,
    wake: Condvar,
}

#[derive(Default)]
struct TickState {
    /// The ticker waits for a call without a timeout: only then does a starting call wake it
    /// (waking it on every call would cost a futex wake and a tick per call).
    idle: bool,
    stopped: bool,
}

/// Keeps the ticker ticking while it is alive: held by a call from before its store is armed
/// until the call returns.
pub(crate) struct Running {
    shared: Arc<Shared>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.shared.running.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Ticker {
    pub(crate) fn start() -> Result<Ticker, Error> {
        let engines: Arc<Mutex<Vec<EngineWeak>>> = Arc::default();
        let shared: Arc<Shared> = Arc::default();
        let (e, s) = (engines.clone(), shared.clone());
        let handle = std::thread::Builder::new()
            .name("toolcage-epoch".into())
            .spawn(move || tick(&e, &s))
            .map_err(|_| {
                Error::new(
                    ErrorCode::ResourceExhausted,
                    "the epoch ticker thread could not be started",
                )
            })?;
        Ok(Ticker {
            engines,
            shared,
            handle: Some(handle),
        })
    }

    pub(crate) fn watch(&self, engine: &Engine) {
        self.engines
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(engine.weak());
    }

    /// Marks a call as running until the returned guard is dropped; wakes the ticker if it slept.
    pub(crate) fn running(&self) -> Running {
        // The ticker reads the count under the lock before it goes idle, and the first call
        // takes the lock after counting itself: either the ticker sees the call, or the call
        // sees the ticker idle and wakes it.
        if self.shared.running.fetch_add(1, Ordering::SeqCst) == 0 {
            let state = self.shared.state.lock().unwrap_or_else(|p| p.into_inner());
            if state.idle {
                self.shared.wake.notify_all();
            }
        }
        Running {
            shared: self.shared.clone(),
        }
    }
}

/// The ticker thread: sleeps until a call runs, then ticks every [`TICK`] until none does.
fn tick(engines: &Mutex<Vec<EngineWeak>>, shared: &Shared) {
    let mut state = shared.state.lock().unwrap_or_else(|p| p.into_inner());
    loop {
        if state.stopped {
            return;
        }
        if shared.running.load(Ordering::SeqCst) == 0 {
            state.idle = true;
            state = shared.wake.wait(state).unwrap_or_else(|p| p.into_inner());
            state.idle = false;
            continue;
        }
        state = shared
            .wake
            .wait_timeout(state, TICK)
            .unwrap_or_else(|p| p.into_inner())
            .0;
        if state.stopped {
            return;
        }
        drop(state);
        for weak in engines.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            if let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
            }
        }
        state = shared.state.lock().unwrap_or_else(|p| p.into_inner());
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        let mut state = self.shared.state.lock().unwrap_or_else(|p| p.into_inner());
        state.stopped = true;
        self.shared.wake.notify_all();
        drop(state);
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}
