//! The peers the issue compares against: a naive host that compiles on every call (wasmtime
//! and the wasmi interpreter), and Extism with a reused plugin and with a plugin per call.

use crate::floor;
use std::sync::Mutex;

/// A naive wasmtime host: one engine and linker, but the module compiled on every call.
pub struct WasmtimePerCall {
    engine: wasmtime::Engine,
    linker: wasmtime::Linker<floor::State>,
    wasm: Vec<u8>,
}

impl WasmtimePerCall {
    pub fn new(wasm: &[u8]) -> wasmtime::Result<WasmtimePerCall> {
        let engine = wasmtime::Engine::default();
        let mut linker = wasmtime::Linker::new(&engine);
        floor::link(&mut linker)?;
        Ok(WasmtimePerCall {
            engine,
            linker,
            wasm: wasm.to_vec(),
        })
    }

    pub fn call(&self, input: &[u8]) -> Vec<u8> {
        let module = wasmtime::Module::new(&self.engine, &self.wasm).expect("compile");
        let pre = self.linker.instantiate_pre(&module).expect("link");
        floor::call(&self.engine, &pre, input)
    }
}

struct WasmiState {
    input: Vec<u8>,
    output: Vec<u8>,
}

fn wasmi_memory(caller: &wasmi::Caller<'_, WasmiState>) -> wasmi::Memory {
    caller
        .get_export("memory")
        .and_then(wasmi::Extern::into_memory)
        .expect("the echo guest exports its memory")
}

/// The same naive host on wasmi: parse and translate the module on every call.
pub struct WasmiPerCall {
    engine: wasmi::Engine,
    linker: wasmi::Linker<WasmiState>,
    wasm: Vec<u8>,
}

impl WasmiPerCall {
    pub fn new(wasm: &[u8]) -> Result<WasmiPerCall, wasmi::Error> {
        let engine = wasmi::Engine::default();
        let mut linker = wasmi::Linker::new(&engine);
        linker.func_wrap(
            "yoi:tool",
            "input_len",
            |c: wasmi::Caller<'_, WasmiState>| c.data().input.len() as i32,
        )?;
        linker.func_wrap(
            "yoi:tool",
            "input_read",
            |mut c: wasmi::Caller<'_, WasmiState>, ptr: i32, len: i32| {
                let m = wasmi_memory(&c);
                let (data, state) = m.data_and_store_mut(&mut c);
                let start = ptr as u32 as usize;
                data[start..start + len as usize].copy_from_slice(&state.input);
                len
            },
        )?;
        linker.func_wrap(
            "yoi:tool",
            "output_write",
            |mut c: wasmi::Caller<'_, WasmiState>, ptr: i32, len: i32| {
                let m = wasmi_memory(&c);
                let (data, state) = m.data_and_store_mut(&mut c);
                let start = ptr as u32 as usize;
                state.output.clear();
                state
                    .output
                    .extend_from_slice(&data[start..start + len as usize]);
                len
            },
        )?;
        Ok(WasmiPerCall {
            engine,
            linker,
            wasm: wasm.to_vec(),
        })
    }

    pub fn call(&self, input: &[u8]) -> Vec<u8> {
        let module = wasmi::Module::new(&self.engine, &self.wasm).expect("wasmi parse");
        let state = WasmiState {
            input: input.to_vec(),
            output: Vec::new(),
        };
        let mut store = wasmi::Store::new(&self.engine, state);
        let instance = self
            .linker
            .instantiate_and_start(&mut store, &module)
            .expect("wasmi instantiate");
        let entry = instance
            .get_typed_func::<(), ()>(&store, "yoi_tool_call")
            .expect("wasmi entry");
        entry.call(&mut store, ()).expect("wasmi call");
        store.into_data().output
    }
}

/// Extism 1.30 (on wasmtime 43): compiled once; called either through one plugin kept for
/// every call (its instance and memory survive between calls, so calls are not isolated) or
/// through a new plugin per call (isolated, like every call of the reference runtime).
pub struct Extism {
    compiled: extism::CompiledPlugin,
    reused: Mutex<extism::Plugin>,
}

impl Extism {
    pub fn new(wasm: &[u8]) -> Result<Extism, extism::Error> {
        let compiled = extism::PluginBuilder::new(wasm)
            .with_wasi(false)
            .with_cache_disabled()
            .compile()?;
        let reused = Mutex::new(extism::Plugin::new_from_compiled(&compiled)?);
        Ok(Extism { compiled, reused })
    }

    pub fn call_reused(&self, input: &[u8]) -> Vec<u8> {
        let mut plugin = self.reused.lock().expect("extism plugin lock");
        plugin
            .call::<&[u8], &[u8]>("echo", input)
            .expect("extism echo")
            .to_vec()
    }

    pub fn call_new_plugin(&self, input: &[u8]) -> Vec<u8> {
        let mut plugin = extism::Plugin::new_from_compiled(&self.compiled).expect("extism plugin");
        plugin
            .call::<&[u8], &[u8]>("echo", input)
            .expect("extism echo")
            .to_vec()
    }
}
