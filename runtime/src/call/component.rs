//! A component call (docs/SPEC.md section 13): link against the empty world, instantiate, call
//! `call` and read its result bounded before the host copies it.
//!
//! The result is lifted as [`WasmStr`], a bounds-checked view into the guest's memory that copies
//! nothing; its bytes are validated and measured in place and copied only when they fit the
//! output cap, so a guest returning a huge string never makes the host allocate it.

use super::host::HostState;
use crate::compiled::component::EXPORT;
use crate::error::{Error, ErrorCode};
use wasmtime::component::{Component, InstancePre, Linker, WasmStr};
use wasmtime::AsContextMut;

/// Links a component against a linker with nothing in it: the world has no imports.
pub(crate) fn link(
    linker: &Linker<HostState>,
    component: &Component,
) -> Result<InstancePre<HostState>, Error> {
    linker.instantiate_pre(component).map_err(|_| {
        Error::new(
            ErrorCode::ImportDenied,
            "the component's imports could not be linked",
        )
    })
}

/// Where a component call failed: the step decides what an error that is not a trap means.
pub(crate) enum Failed {
    /// Instantiating (start functions included): classified as a core instantiation.
    Instantiate(wasmtime::Error),
    /// `call` could not be found with the world's type.
    Export,
    /// Lowering the arguments (the guest's `realloc`), `call`, lifting the result or
    /// post-return. A failure that is not a trap, a stop or a limit is the guest breaking the
    /// canonical ABI: a pointer or length out of bounds or misaligned.
    Call(wasmtime::Error),
}

/// Instantiates the component and calls `call`; the store is armed by the caller. The result
/// is a view into the guest's memory, not yet read.
pub(crate) fn run(
    mut store: impl AsContextMut<Data = HostState>,
    pre: &InstancePre<HostState>,
    tool: &str,
    input: &str,
) -> Result<WasmStr, Failed> {
    let instance = pre
        .instantiate(store.as_context_mut())
        .map_err(Failed::Instantiate)?;
    let func = instance
        .get_typed_func::<(&str, &str), (WasmStr,)>(store.as_context_mut(), EXPORT)
        .map_err(|_| Failed::Export)?;
    let (result,) = func
        .call(store.as_context_mut(), (tool, input))
        .map_err(Failed::Call)?;
    Ok(result)
}

/// The returned string as output bytes: UTF-8 checked and measured in place, copied only when
/// within `cap` (docs/SPEC.md 13.4 step 6).
pub(crate) fn output(
    store: &wasmtime::Store<HostState>,
    result: &WasmStr,
    cap: usize,
) -> Result<Vec<u8>, Error> {
    let text = result.to_str(store).map_err(|_| {
        Error::new(
            ErrorCode::OutputMalformed,
            "the string returned by `call` is not UTF-8",
        )
    })?;
    if text.len() > cap {
        return Err(Error::new(
            ErrorCode::OutputTooLarge,
            format!(
                "the guest returned {} bytes of output, over the {cap}-byte cap",
                text.len()
            ),
        )
        .with("output_bytes", text.len() as u64)
        .with("limit", cap as u64));
    }
    Ok(text.as_bytes().to_vec())
}
