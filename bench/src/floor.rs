//! The floor: bare wasmtime 48 with the pooling allocator and a pre-linked `InstancePre`, the
//! same echo guest, and imports that only copy bytes. No input or output validation, no
//! limiter, no epochs: what a call costs before any sandbox policy is added.

use wasmtime::{
    Caller, Config, Engine, Extern, InstanceAllocationStrategy, InstancePre, Linker, Memory,
    Module, PoolingAllocationConfig, Store,
};

/// Per-call state: the input to copy in, the output copied out.
pub struct State {
    input: Vec<u8>,
    output: Vec<u8>,
    memory: Option<Memory>,
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

/// Calls the guest's entry in a fresh store and returns what it wrote.
pub fn call(engine: &Engine, pre: &InstancePre<State>, input: &[u8]) -> Vec<u8> {
    let state = State {
        input: input.to_vec(),
        output: Vec::new(),
        memory: None,
    };
    let mut store = Store::new(engine, state);
    let instance = pre.instantiate(&mut store).expect("instantiate");
    let entry = instance
        .get_typed_func::<(), ()>(&mut store, "yoi_tool_call")
        .expect("entry");
    entry.call(&mut store, ()).expect("echo call");
    store.into_data().output
}

/// An engine pooled the way the reference runtime's is (64 slots, one memory and table per
/// module, components drawing on the same slots), so the difference between a floor row and
/// the runtime's row is the runtime's own work.
fn pooled_engine(tuning: PoolTuning) -> wasmtime::Result<Engine> {
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
        pool.pagemap_scan(wasmtime::Enabled::Yes);
    }
    if tuning.decommit_batch > 1 {
        pool.decommit_batch_size(tuning.decommit_batch);
    }
    let mut config = Config::new();
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&config)
}

/// The core echo on the pooled engine, pre-linked.
pub struct Floor {
    engine: Engine,
    pre: InstancePre<State>,
}

/// Pool settings tried while profiling the thread-scaling row (`--loop floor2:keep,scan`).
#[derive(Clone, Copy, Debug, Default)]
pub struct PoolTuning {
    /// Bytes of each memory and table reset with memset instead of `madvise`.
    pub keep_resident: usize,
    /// Reset only the pages a call dirtied (Linux 6.7+ `PAGEMAP_SCAN`).
    pub pagemap_scan: bool,
    /// Decommits gathered into one batch.
    pub decommit_batch: usize,
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

/// The component floor: the component echo (world `yoi:plugin/tool@1.0.0`) on the same pooled
/// engine, instantiated per call with nothing linked, its `call` export given the tool name
/// and the input and its string lifted. What a component call costs before any sandbox policy.
pub struct ComponentFloor {
    engine: Engine,
    pre: wasmtime::component::InstancePre<()>,
}

impl ComponentFloor {
    pub fn new(wasm: &[u8]) -> wasmtime::Result<ComponentFloor> {
        let engine = pooled_engine(PoolTuning::default())?;
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
