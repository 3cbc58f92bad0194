//! The floor: bare wasmtime 48 with the pooling allocator and a pre-linked `InstancePre`, the
//! same echo guest, and imports that only copy bytes. No input or output validation, no
//! limiter, no epochs: what a call costs before any sandbox policy is added.
//!
//! Two pools: [`PoolTuning::RUNTIME`], the reference runtime's own pool configuration (what the
//! headline ratios are judged against: the best this engine does with the runtime's settings),
//! and the default pool (wasmtime's defaults but for the slot counts), kept for information.

use wasmtime::{
    Caller, Config, Engine, Extern, InstanceAllocationStrategy, InstancePre, Linker, Memory,
    Module, PoolingAllocationConfig, ResourceLimiter, Store, UpdateDeadline,
};

/// Per-call state: the input to copy in, the output copied out.
pub struct State {
    input: Vec<u8>,
    output: Vec<u8>,
    memory: Option<Memory>,
    limiter: Limiter,
}

/// A memory and table cap, as a sandbox's store checks them (used by [`Armed`] only).
#[derive(Default)]
struct Limiter;

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        _: usize,
        desired: usize,
        _: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 64 << 20)
    }

    fn table_growing(
        &mut self,
        _: usize,
        desired: usize,
        _: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 10_000)
    }
}

fn memory(caller: &mut Caller<'_, State>) -> Memory {
    if let Some(m) = caller.data().memory {
        return m;
    }
    let m = caller
        .get_export("memory")
        .and_then(Extern::into_memory)
        .expect("the echo guest exports its memory");
    caller.data_mut().memory = Some(m);
    m
}

/// The `yoi:tool` imports the echo guest uses, reduced to copies.
pub fn link(linker: &mut Linker<State>) -> wasmtime::Result<()> {
    linker.func_wrap("yoi:tool", "input_len", |c: Caller<'_, State>| {
        c.data().input.len() as i32
    })?;
    linker.func_wrap(
        "yoi:tool",
        "input_read",
        |mut c: Caller<'_, State>, ptr: i32, len: i32| {
            let m = memory(&mut c);
            let (data, state) = m.data_and_store_mut(&mut c);
            let start = ptr as u32 as usize;
            data[start..start + len as usize].copy_from_slice(&state.input);
            len
        },
    )?;
    linker.func_wrap(
        "yoi:tool",
        "output_write",
        |mut c: Caller<'_, State>, ptr: i32, len: i32| {
            let m = memory(&mut c);
            let (data, state) = m.data_and_store_mut(&mut c);
            let start = ptr as u32 as usize;
            state.output.clear();
            state
                .output
                .extend_from_slice(&data[start..start + len as usize]);
            len
        },
    )?;
    Ok(())
}

impl State {
    fn new(input: &[u8]) -> State {
        State {
            input: input.to_vec(),
            output: Vec::new(),
            memory: None,
            limiter: Limiter,
        }
    }
}

/// Calls the guest's entry in a fresh store and returns what it wrote.
pub fn call(engine: &Engine, pre: &InstancePre<State>, input: &[u8]) -> Vec<u8> {
    let mut store = Store::new(engine, State::new(input));
    let instance = pre.instantiate(&mut store).expect("instantiate");
    let entry = instance
        .get_typed_func::<(), ()>(&mut store, "yoi_tool_call")
        .expect("entry");
    entry.call(&mut store, ()).expect("echo call");
    store.into_data().output
}

/// An engine pooled the way the reference runtime's is (64 slots, one memory and table per
/// module, components drawing on the same slots), so the difference between a floor row and
/// the runtime's row is the runtime's own work. With [`PoolTuning::RUNTIME`] every pool setting
/// is the one `runtime/src/engine.rs` makes.
fn pooled_engine(tuning: PoolTuning) -> wasmtime::Result<Engine> {
    pooled_engine_with(tuning, Config::new())
}

fn pooled_engine_with(tuning: PoolTuning, mut config: Config) -> wasmtime::Result<Engine> {
    let slots = 64;
    let mut pool = PoolingAllocationConfig::default();
    pool.total_core_instances(slots)
        .total_memories(slots)
        .total_tables(slots)
        .max_memories_per_module(1)
        .max_tables_per_module(1)
        .total_component_instances(slots)
        .max_memory_size(1 << 32)
        .table_elements(1 << 16)
        .max_core_instance_size(16 << 20);
    if tuning.keep_resident > 0 {
        pool.linear_memory_keep_resident(tuning.keep_resident)
            .table_keep_resident(tuning.keep_resident);
    }
    if tuning.pagemap_scan {
        // `Auto`, as the runtime asks: used where the kernel has it (Linux 6.7+).
        pool.pagemap_scan(wasmtime::Enabled::Auto);
    }
    if tuning.component_limits {
        // The runtime's flattened component limits (`runtime/src/component.rs`).
        pool.max_core_instances_per_component(16)
            .max_memories_per_component(4)
            .max_tables_per_component(4);
    }
    if tuning.decommit_batch > 1 {
        pool.decommit_batch_size(tuning.decommit_batch);
    }
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&config)
}

/// The core echo on the pooled engine, pre-linked.
pub struct Floor {
    engine: Engine,
    pre: InstancePre<State>,
}

/// Pool settings beyond the slot counts (`--loop floor2:keep,scan` tries others).
#[derive(Clone, Copy, Debug, Default)]
pub struct PoolTuning {
    /// Bytes of each memory and table reset with memset instead of `madvise`.
    pub keep_resident: usize,
    /// Reset only the pages a call dirtied (Linux 6.7+ `PAGEMAP_SCAN`).
    pub pagemap_scan: bool,
    /// Decommits gathered into one batch.
    pub decommit_batch: usize,
    /// The runtime's per-component limits on core instances, memories and tables.
    pub component_limits: bool,
}

impl PoolTuning {
    /// The reference runtime's pool, setting for setting (`runtime/src/engine.rs`): keep-resident
    /// memories and tables of 1 MiB, `pagemap_scan(Auto)`, its component limits.
    pub const RUNTIME: PoolTuning = PoolTuning {
        keep_resident: 1 << 20,
        pagemap_scan: true,
        decommit_batch: 0,
        component_limits: true,
    };
}

impl Floor {
    pub fn new(wasm: &[u8]) -> wasmtime::Result<Floor> {
        Floor::tuned(wasm, PoolTuning::default())
    }

    pub fn tuned(wasm: &[u8], tuning: PoolTuning) -> wasmtime::Result<Floor> {
        let engine = pooled_engine(tuning)?;
        let module = Module::new(&engine, wasm)?;
        let mut linker = Linker::new(&engine);
        link(&mut linker)?;
        let pre = linker.instantiate_pre(&module)?;
        Ok(Floor { engine, pre })
    }

    pub fn call(&self, input: &[u8]) -> Vec<u8> {
        call(&self.engine, &self.pre, input)
    }
}

/// The tuned floor plus the store set-up a sandbox adds around the same engine work, as the
/// runtime does it: an engine with epoch interruption and the runtime's wasm stack, and per
/// call a limiter, an epoch deadline and its callback. No input or output checks.
pub struct Armed {
    engine: Engine,
    pre: InstancePre<State>,
}

impl Armed {
    pub fn new(wasm: &[u8]) -> wasmtime::Result<Armed> {
        let mut config = Config::new();
        config.epoch_interruption(true).max_wasm_stack(512 * 1024);
        let engine = pooled_engine_with(PoolTuning::RUNTIME, config)?;
        let module = Module::new(&engine, wasm)?;
        let mut linker = Linker::new(&engine);
        link(&mut linker)?;
        let pre = linker.instantiate_pre(&module)?;
        Ok(Armed { engine, pre })
    }

    pub fn call(&self, input: &[u8]) -> Vec<u8> {
        let mut store = Store::new(&self.engine, State::new(input));
        store.limiter(|state| &mut state.limiter);
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(|ctx| {
            std::hint::black_box(ctx.data().memory.is_some());
            Ok(UpdateDeadline::Continue(1))
        });
        let instance = self.pre.instantiate(&mut store).expect("instantiate");
        let entry = instance
            .get_typed_func::<(), ()>(&mut store, "yoi_tool_call")
            .expect("entry");
        entry.call(&mut store, ()).expect("echo call");
        store.into_data().output
    }
}

/// The component floor: the component echo (world `yoi:plugin/tool@1.0.0`) on the same pooled
/// engine, instantiated per call with nothing linked, its `call` export given the tool name
/// and the input and its string lifted. What a component call costs before any sandbox policy.
pub struct ComponentFloor {
    engine: Engine,
    pre: wasmtime::component::InstancePre<()>,
}

impl ComponentFloor {
    pub fn new(wasm: &[u8]) -> wasmtime::Result<ComponentFloor> {
        ComponentFloor::tuned(wasm, PoolTuning::default())
    }

    pub fn tuned(wasm: &[u8], tuning: PoolTuning) -> wasmtime::Result<ComponentFloor> {
        let engine = pooled_engine(tuning)?;
        let component = wasmtime::component::Component::new(&engine, wasm)?;
        let pre = wasmtime::component::Linker::new(&engine).instantiate_pre(&component)?;
        Ok(ComponentFloor { engine, pre })
    }

    pub fn call(&self, tool: &str, input: &str) -> String {
        let mut store = Store::new(&self.engine, ());
        let instance = self.pre.instantiate(&mut store).expect("instantiate");
        let call = instance
            .get_typed_func::<(&str, &str), (String,)>(&mut store, "call")
            .expect("the echo component exports call");
        let (output,) = call.call(&mut store, (tool, input)).expect("echo call");
        output
    }
}
