//! What one call's store holds, and the `yoi:tool` imports that read and write it.
//!
//! Every import checks sign, bounds and 32-bit wrap-around before it touches guest memory, checks
//! the output cap before it copies, and does work bounded by its arguments: epochs cannot
//! interrupt a host function, so none may block or loop on guest-controlled counts.

use crate::cancel::CancelToken;
use crate::error::{Error, ErrorCode};
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;
use std::time::Instant;
use wasmtime::{Caller, Extern, Memory, ResourceLimiter};

/// The imports of ABI v1, in the order the spec lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Import {
    ToolNameLen,
    ToolNameRead,
    InputLen,
    InputRead,
    OutputWrite,
    DiagnosticWrite,
}

impl Import {
    pub(crate) const MODULE: &'static str = "yoi:tool";
    pub(crate) const ALL: [Import; 6] = [
        Import::ToolNameLen,
        Import::ToolNameRead,
        Import::InputLen,
        Import::InputRead,
        Import::OutputWrite,
        Import::DiagnosticWrite,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Import::ToolNameLen => "tool_name_len",
            Import::ToolNameRead => "tool_name_read",
            Import::InputLen => "input_len",
            Import::InputRead => "input_read",
            Import::OutputWrite => "output_write",
            Import::DiagnosticWrite => "diagnostic_write",
        }
    }

    /// Number of i32 parameters; every import returns one i32.
    pub(crate) fn arity(self) -> usize {
        match self {
            Import::ToolNameLen | Import::InputLen => 0,
            _ => 2,
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Import> {
        Import::ALL.into_iter().find(|i| i.name() == name)
    }
}

/// Why the epoch callback interrupted the guest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    Timeout,
    Cancelled,
}

/// Which store limit the guest ran into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LimitHit {
    Memory,
    Table,
}

/// The error a limiter hook returns so that growth past a cap traps; the call is classified
/// from [`HostState::limit_hit`], never from this error's text.
#[derive(Debug)]
pub(crate) struct LimitExceeded;

impl std::fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("resource limit exceeded")
    }
}

impl std::error::Error for LimitExceeded {}

/// Bounds a call's host state needs; a subset of [`crate::Limits`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct HostLimits {
    pub output_bytes: usize,
    pub memory_bytes: usize,
    pub table_elements: usize,
    pub diagnostic_bytes: usize,
}

/// The per-call state of a store.
pub(crate) struct HostState {
    pub tool_name: Arc<str>,
    pub input: Vec<u8>,
    pub limits: HostLimits,
    pub deadline: Instant,
    pub cancel: Option<CancelToken>,
    pub memory: Option<Memory>,
    /// The last successful `output_write`, if any.
    pub output: Option<Vec<u8>>,
    /// The first failed `output_write`: the call fails with it whatever the guest does next.
    pub poisoned: Option<Error>,
    pub stop: Option<Stop>,
    pub limit_hit: Option<LimitHit>,
    pub diagnostics: Vec<u8>,
    pub diagnostics_dropped: u64,
    /// What the plugin was granted, for the host interfaces' functions (components only).
    pub host_api: Option<Arc<crate::host_api::Granted>>,
    /// Bytes of every memory of the store together, and elements of every table: a component's
    /// core instances share one cap (docs/SPEC.md 13.5).
    memory_total: usize,
    table_total: usize,
    /// Most core instances, memories and tables the store may hold: 1 each for a core module,
    /// the flattened limits for a component.
    pub counts: Counts,
    calls: [u64; 6],
    failures: [u64; 6],
    #[cfg(feature = "mutants")]
    pub mutant: Option<crate::mutants::Mutant>,
    /// The guest-abandoned mutant: when to answer `timeout` (with the evidence so far) while
    /// the guest runs on.
    #[cfg(feature = "mutants")]
    pub abandon_at: Option<(Instant, AbandonAnswer)>,
    /// The realloc-outside-deadline mutant: entries into wasm since the component was
    /// instantiated (`None` before), so it can tell the argument lowering from the call.
    #[cfg(feature = "mutants")]
    pub wasm_entries: Option<u32>,
}

/// How many core instances, memories and tables a store may hold.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Counts {
    pub instances: usize,
    pub memories: usize,
    pub tables: usize,
}

impl Counts {
    /// A core module: one of each.
    pub(crate) const CORE: Counts = Counts {
        instances: 1,
        memories: 1,
        tables: 1,
    };
    /// A component, flattened (the pool refuses more at compile time).
    pub(crate) const COMPONENT: Counts = Counts {
        instances: crate::component::MAX_CORE_INSTANCES as usize,
        memories: crate::component::MAX_MEMORIES as usize,
        tables: crate::component::MAX_TABLES as usize,
    };
}

/// How the guest-abandoned mutant's guest thread hands the caller its answer.
#[cfg(feature = "mutants")]
pub(crate) type AbandonAnswer = Box<dyn FnOnce(crate::HostCallCounts) + Send>;

impl HostState {
    pub(crate) fn new(
        tool_name: Arc<str>,
        input: &[u8],
        limits: HostLimits,
        deadline: Instant,
        cancel: Option<CancelToken>,
    ) -> HostState {
        HostState {
            tool_name,
            input: input.to_vec(),
            limits,
            deadline,
            cancel,
            memory: None,
            output: None,
            poisoned: None,
            stop: None,
            limit_hit: None,
            diagnostics: Vec::new(),
            diagnostics_dropped: 0,
            host_api: None,
            memory_total: 0,
            table_total: 0,
            counts: Counts::CORE,
            calls: [0; 6],
            failures: [0; 6],
            #[cfg(feature = "mutants")]
            mutant: None,
            #[cfg(feature = "mutants")]
            abandon_at: None,
            #[cfg(feature = "mutants")]
            wasm_entries: None,
        }
    }

    #[cfg(feature = "mutants")]
    pub(crate) fn mutant(&self, m: crate::mutants::Mutant) -> bool {
        self.mutant == Some(m)
    }

    #[cfg(not(feature = "mutants"))]
    #[inline(always)]
    pub(crate) fn mutant(&self, _: crate::mutants::Mutant) -> bool {
        false
    }

    /// The call counts as the wire reports them: import name to count.
    pub(crate) fn host_calls(&self) -> crate::HostCallCounts {
        let table = |counts: &[u64; 6]| {
            Import::ALL
                .iter()
                .zip(counts)
                .filter(|(_, n)| **n > 0)
                .map(|(i, n)| (i.name().to_owned(), *n))
                .collect::<BTreeMap<_, _>>()
        };
        crate::HostCallCounts {
            calls: table(&self.calls),
            failures: table(&self.failures),
        }
    }

    /// The operator-sink text: what the guest wrote, cut at the cap, cleaned of terminal controls
    /// and bidirectional formatting (newlines and tabs kept), with a marker of the cut.
    pub(crate) fn diagnostics_text(&self) -> Option<String> {
        if self.diagnostics.is_empty() && self.diagnostics_dropped == 0 {
            return None;
        }
        let mut text = crate::sanitize::sanitize_lines(&String::from_utf8_lossy(&self.diagnostics));
        if self.diagnostics_dropped > 0 {
            text.push_str(&format!("\n[truncated {} bytes]", self.diagnostics_dropped));
        }
        // Nothing left to show is no diagnostics at all: `None`, never `""`.
        (!text.is_empty()).then_some(text)
    }

    fn record(&mut self, import: Import, ok: bool) {
        self.calls[import as usize] += 1;
        if !ok {
            self.failures[import as usize] += 1;
        }
    }

    fn poison(&mut self, error: Error) {
        if self.poisoned.is_none() || self.mutant(crate::mutants::Mutant::FirstOutputFailureIsLast)
        {
            self.poisoned = Some(error);
        }
    }
}

/// The byte size of a 32-bit memory's whole index space: the maximum wasmtime reports for a
/// memory that declares none.
const DECLARABLE_LIMIT: usize = 1 << 32;

impl ResourceLimiter for HostState {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // Past the module's own declared maximum a grow fails as WebAssembly says (-1, the
        // guest goes on): the guest knows its maximum, so the answer tells it nothing of the cap.
        // A memory without a declared maximum reports the 4 GiB of its index type here; growth
        // past that is past the cap too, and stays memory_limit.
        if maximum.is_some_and(|max| max < DECLARABLE_LIMIT && desired > max) {
            return Ok(false);
        }
        // Every memory of the store counts toward one cap (a component has several): the sum
        // with this one at its new size. A memory at its initial size comes here from 0.
        let total = self
            .memory_total
            .saturating_sub(current)
            .saturating_add(desired);
        let counted = if self.mutant(crate::mutants::Mutant::MemoryCapPerInstance) {
            desired
        } else {
            total
        };
        if counted > self.limits.memory_bytes && !self.mutant(crate::mutants::Mutant::NoMemoryLimit)
        {
            self.limit_hit.get_or_insert(LimitHit::Memory);
            return Err(wasmtime::Error::new(LimitExceeded));
        }
        self.memory_total = total;
        Ok(true)
    }

    fn memory_grow_failed(&mut self, _error: wasmtime::Error) -> wasmtime::Result<()> {
        self.limit_hit.get_or_insert(LimitHit::Memory);
        Err(wasmtime::Error::new(LimitExceeded))
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // As for memories, past the module's own declared maximum a grow fails as WebAssembly
        // says (-1). A pooled table without a declared maximum (or declaring the ceiling itself)
        // reports its slot, the ceiling; growth past that is past the cap too.
        if maximum.is_some_and(|max| max < crate::engine::TABLE_CEILING && desired > max)
            && !self.mutant(crate::mutants::Mutant::TableDeclaredMaxIsLimit)
        {
            return Ok(false);
        }
        // As for memories: every table of the store counts toward one cap.
        let total = self
            .table_total
            .saturating_sub(current)
            .saturating_add(desired);
        if total > self.limits.table_elements && !self.mutant(crate::mutants::Mutant::NoTableLimit)
        {
            self.limit_hit.get_or_insert(LimitHit::Table);
            return Err(wasmtime::Error::new(LimitExceeded));
        }
        self.table_total = total;
        Ok(true)
    }

    fn table_grow_failed(&mut self, _error: wasmtime::Error) -> wasmtime::Result<()> {
        self.limit_hit.get_or_insert(LimitHit::Table);
        Err(wasmtime::Error::new(LimitExceeded))
    }

    fn instances(&self) -> usize {
        self.counts.instances
    }

    fn tables(&self) -> usize {
        self.counts.tables
    }

    fn memories(&self) -> usize {
        self.counts.memories
    }
}

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

/// The range a wrap-around bug computes: the end taken modulo 2^32. Only the mutant uses it.
#[cfg(feature = "mutants")]
fn wrapping_range(size: usize, ptr: i32, len: i32) -> Option<Range<usize>> {
    if len < 0 {
        return None;
    }
    let start = ptr as u32 as usize;
    let end = (ptr as u32).wrapping_add(len as u32);
    (end as usize <= size).then(|| start..start + len as usize)
}

fn range_for(state: &HostState, size: usize, ptr: i32, len: i32) -> Option<Range<usize>> {
    #[cfg(feature = "mutants")]
    if state.mutant(crate::mutants::Mutant::NoWrapCheck) {
        return wrapping_range(size, ptr, len);
    }
    let _ = state;
    guest_range(size, ptr, len)
}

fn memory(caller: &mut Caller<'_, HostState>) -> Option<Memory> {
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
    let range = match range_for(state, data.len(), ptr, len) {
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
    use crate::mutants::Mutant;
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
    let range_first = state.mutant(Mutant::OutputRangeCheckedBeforeCap);
    if len as usize > cap && !state.mutant(Mutant::NoOutputCap) && !range_first {
        return fail(state, output_too_large(len as usize, cap));
    }
    let Some(range) = range_for(state, data.len(), ptr, len) else {
        return fail(
            state,
            Error::new(
                ErrorCode::AbiViolation,
                "output_write was called with a range outside the guest's memory",
            )
            .with("import", "output_write"),
        );
    };
    if range_first && len as usize > cap {
        return fail(state, output_too_large(len as usize, cap));
    }
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

fn output_too_large(len: usize, cap: usize) -> Error {
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
    let Some(bytes) = range_for(state, data.len(), ptr, len).and_then(|r| data.get(r)) else {
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
