//! The `yoi:tool` imports: what a guest may ask of the host, each reading or writing the
//! call's store state, and the linker that defines exactly them.
//!
//! Every import checks sign, bounds and 32-bit wrap-around before it touches guest memory, checks
//! the output cap before it copies, and does work bounded by its arguments: epochs cannot
//! interrupt a host function, so none may block or loop on guest-controlled counts.

use super::host::HostState;
use crate::compiled::{Import, LinkPolicy};
use crate::error::{Error, ErrorCode};
use std::ops::Range;
use wasmtime::{Caller, Engine, Extern, Linker, Memory};

/// The guest range `[ptr, ptr + len)` if it lies inside a memory of `size` bytes. `ptr` is an
/// unsigned 32-bit address; `len` must not be negative; the sum is computed in 64 bits so it
/// cannot wrap past 2^32.
pub(crate) fn guest_range(size: usize, ptr: i32, len: i32) -> Option<Range<usize>> {
    if len < 0 {
        return None;
    }
    let start = u64::from(ptr as u32);
    let end = start + len as u64;
    (end <= size as u64).then_some(start as usize..end as usize)
}

pub(super) fn memory(caller: &mut Caller<'_, HostState>) -> Option<Memory> {
    if let Some(memory) = caller.data().memory {
        return Some(memory);
    }
    let memory = caller.get_export("memory").and_then(Extern::into_memory)?;
    caller.data_mut().memory = Some(memory);
    Some(memory)
}

pub(crate) fn tool_name_len(mut caller: Caller<'_, HostState>) -> i32 {
    let state = caller.data_mut();
    state.record(Import::ToolNameLen, true);
    state.tool_name.len() as i32
}

pub(crate) fn input_len(mut caller: Caller<'_, HostState>) -> i32 {
    let state = caller.data_mut();
    state.record(Import::InputLen, true);
    state.input.len() as i32
}

/// Which buffer a `*_read` import copies.
#[derive(Clone, Copy)]
pub(crate) enum Source {
    ToolName,
    Input,
}

/// `tool_name_read` and `input_read`: copy the whole buffer only when `len` is its exact length
/// and the range is inside memory; return the length, else -1 and write nothing.
pub(crate) fn read(mut caller: Caller<'_, HostState>, source: Source, ptr: i32, len: i32) -> i32 {
    let import = match source {
        Source::ToolName => Import::ToolNameRead,
        Source::Input => Import::InputRead,
    };
    let Some(memory) = memory(&mut caller) else {
        caller.data_mut().record(import, false);
        return -1;
    };
    let (data, state) = memory.data_and_store_mut(&mut caller);
    let want = match source {
        Source::ToolName => state.tool_name.len(),
        Source::Input => state.input.len(),
    };
    let range = match state.seam.range(data.len(), ptr, len) {
        Some(r) if r.len() == want => r,
        _ => {
            state.record(import, false);
            return -1;
        }
    };
    let Some(dest) = data.get_mut(range) else {
        // Only a mutant's wrapped range gets here; it "succeeds" without copying, as such a
        // bug would, and the kit must notice.
        state.record(import, true);
        return len;
    };
    match source {
        Source::ToolName => dest.copy_from_slice(state.tool_name.as_bytes()),
        Source::Input => dest.copy_from_slice(&state.input),
    }
    state.record(import, true);
    len
}

/// `output_write`: the last successful write is the output; a failed write fails the call.
pub(crate) fn output_write(mut caller: Caller<'_, HostState>, ptr: i32, len: i32) -> i32 {
    let Some(memory) = memory(&mut caller) else {
        caller.data_mut().record(Import::OutputWrite, false);
        return -1;
    };
    let (data, state) = memory.data_and_store_mut(&mut caller);
    let cap = state.limits.output_bytes;
    let fail = |state: &mut HostState, error: Error| {
        state.record(Import::OutputWrite, false);
        state.poison(error);
        -1
    };
    if len < 0 {
        return fail(
            state,
            Error::new(
                ErrorCode::AbiViolation,
                "output_write was called with a negative length",
            )
            .with("import", "output_write"),
        );
    }
    if len as usize > cap {
        return fail(state, output_too_large(len as usize, cap));
    }
    let Some(range) = state.seam.range(data.len(), ptr, len) else {
        return fail(
            state,
            Error::new(
                ErrorCode::AbiViolation,
                "output_write was called with a range outside the guest's memory",
            )
            .with("import", "output_write"),
        );
    };
    let Some(bytes) = data.get(range) else {
        state.record(Import::OutputWrite, true);
        return len;
    };
    let output = state.output.get_or_insert_with(Vec::new);
    output.clear();
    output.extend_from_slice(bytes);
    state.record(Import::OutputWrite, true);
    len
}

pub(super) fn output_too_large(len: usize, cap: usize) -> Error {
    Error::new(
        ErrorCode::OutputTooLarge,
        format!("the guest tried to write {len} bytes of output, over the {cap}-byte cap"),
    )
    .with("output_bytes", len as u64)
    .with("limit", cap as u64)
}

/// `diagnostic_write`: best-effort text for the operator; bytes past the cap are counted and
/// dropped, and a bad range returns -1 without failing the call.
pub(crate) fn diagnostic_write(mut caller: Caller<'_, HostState>, ptr: i32, len: i32) -> i32 {
    let Some(memory) = memory(&mut caller) else {
        caller.data_mut().record(Import::DiagnosticWrite, false);
        return -1;
    };
    let (data, state) = memory.data_and_store_mut(&mut caller);
    let Some(bytes) = state
        .seam
        .range(data.len(), ptr, len)
        .and_then(|r| data.get(r))
    else {
        state.record(Import::DiagnosticWrite, false);
        return -1;
    };
    let room = state
        .limits
        .diagnostic_bytes
        .saturating_sub(state.diagnostics.len());
    let keep = bytes.len().min(room);
    state.diagnostics.extend_from_slice(&bytes[..keep]);
    state.diagnostics_dropped += (bytes.len() - keep) as u64;
    state.record(Import::DiagnosticWrite, true);
    len
}

/// The linker every plugin of a runtime shares: the `yoi:tool` functions and nothing else.
pub(crate) fn linker(engine: &Engine, policy: LinkPolicy) -> Result<Linker<HostState>, Error> {
    let mut linker = Linker::new(engine);
    let failed = |_| {
        Error::new(
            ErrorCode::ResourceExhausted,
            "the host functions could not be defined",
        )
    };
    let m = Import::MODULE;
    linker
        .func_wrap(m, Import::ToolNameLen.name(), tool_name_len)
        .map_err(failed)?;
    linker
        .func_wrap(m, Import::InputLen.name(), input_len)
        .map_err(failed)?;
    linker
        .func_wrap(
            m,
            Import::ToolNameRead.name(),
            |c: wasmtime::Caller<'_, HostState>, p: i32, l: i32| read(c, Source::ToolName, p, l),
        )
        .map_err(failed)?;
    linker
        .func_wrap(
            m,
            Import::InputRead.name(),
            |c: wasmtime::Caller<'_, HostState>, p: i32, l: i32| read(c, Source::Input, p, l),
        )
        .map_err(failed)?;
    linker
        .func_wrap(m, Import::OutputWrite.name(), super::seam::output_write)
        .map_err(failed)?;
    if policy.diagnostics {
        linker
            .func_wrap(m, Import::DiagnosticWrite.name(), diagnostic_write)
            .map_err(failed)?;
    }
    Ok(linker)
}

#[cfg(test)]
mod tests {
    use super::guest_range;

    #[test]
    fn ranges_at_and_around_every_edge() {
        let size = 65536;
        assert_eq!(guest_range(size, 0, 0), Some(0..0));
        assert_eq!(guest_range(size, 65536, 0), Some(65536..65536));
        assert_eq!(guest_range(size, 65535, 1), Some(65535..65536));
        assert_eq!(guest_range(size, 65535, 2), None);
        assert_eq!(guest_range(size, 65537, 0), None);
        assert_eq!(guest_range(size, 0, -1), None);
        assert_eq!(guest_range(size, -16, 32), None, "wraps past 2^32");
        assert_eq!(guest_range(size, i32::MAX, i32::MAX), None);
        assert_eq!(
            guest_range(usize::MAX, -1, i32::MAX),
            Some(0xFFFF_FFFF..0x1_7FFF_FFFE)
        );
    }
}
