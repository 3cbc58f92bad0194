//! One call's host state and the `yoi:tool` imports (SPEC §4).
//!
//! Every import checks sign, bounds and 32-bit wrap-around before it touches guest memory, and
//! does work bounded by its arguments and the caps: the deadline is checked only between fuel
//! slices, so a host function that looped or blocked would escape it.

use crate::error::{Code, Error};
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;
use wasmi::{Caller, Extern, Linker, Memory};
use wasmi_core::{LimiterError, ResourceLimiter};

/// The imports ABI v1 allows, in a fixed order that indexes the call counters.
pub const IMPORTS: [(&str, usize); 6] = [
    ("tool_name_len", 0),
    ("tool_name_read", 2),
    ("input_len", 0),
    ("input_read", 2),
    ("output_write", 2),
    ("diagnostic_write", 2),
];
const TOOL_NAME_LEN: usize = 0;
const TOOL_NAME_READ: usize = 1;
const INPUT_LEN: usize = 2;
const INPUT_READ: usize = 3;
const OUTPUT_WRITE: usize = 4;
const DIAGNOSTIC_WRITE: usize = 5;

/// Which resource cap a guest ran into, so the trap it causes is reported by its cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitHit {
    Memory,
    Table,
}

/// The caps a call's host functions and limiter enforce.
#[derive(Clone, Copy)]
pub struct HostLimits {
    pub output_bytes: usize,
    pub memory_bytes: usize,
    pub table_elements: usize,
    pub diagnostic_bytes: usize,
}

/// When the call must end: host functions look at it too, because a guest spinning on
/// imports that copy up to the caps burns little fuel per call, and would otherwise make a
/// slice last far longer than its fuel suggests.
#[derive(Clone)]
pub struct Watch {
    pub deadline: Instant,
    pub cancel: Arc<AtomicBool>,
}

impl Watch {
    pub fn due(&self) -> bool {
        self.cancel.load(Ordering::SeqCst) || Instant::now() >= self.deadline
    }
}

pub struct HostState {
    watch: Option<Watch>,
    tool_name: Vec<u8>,
    input: Vec<u8>,
    limits: HostLimits,
    pub output: Option<Vec<u8>>,
    /// The first failed `output_write`: it fails the call whatever the guest does next.
    pub poisoned: Option<Error>,
    pub limit_hit: Option<LimitHit>,
    diagnostics: Vec<u8>,
    diagnostics_dropped: u64,
    calls: [u64; 6],
    failures: [u64; 6],
}

impl HostState {
    pub fn new(
        tool_name: &str,
        input: &str,
        limits: HostLimits,
        watch: Option<Watch>,
    ) -> HostState {
        HostState {
            watch,
            tool_name: tool_name.as_bytes().to_vec(),
            input: input.as_bytes().to_vec(),
            limits,
            output: None,
            poisoned: None,
            limit_hit: None,
            diagnostics: Vec::new(),
            diagnostics_dropped: 0,
            calls: [0; 6],
            failures: [0; 6],
        }
    }

    /// `(calls, failures)` by import name, zero counts left out.
    pub fn counts(&self) -> (BTreeMap<String, u64>, BTreeMap<String, u64>) {
        let table = |counts: &[u64; 6]| {
            IMPORTS
                .iter()
                .zip(counts)
                .filter(|(_, n)| **n > 0)
                .map(|((name, _), n)| ((*name).to_owned(), *n))
                .collect()
        };
        (table(&self.calls), table(&self.failures))
    }

    /// The operator text: kept bytes (lossy UTF-8) cleaned of the unsafe characters but newline
    /// and tab (they reach a terminal), and, when bytes were dropped, the marker.
    pub fn diagnostics_text(&self) -> Option<String> {
        let mut text: String = String::from_utf8_lossy(&self.diagnostics)
            .chars()
            .filter(|c| matches!(c, '\n' | '\t') || !crate::error::is_unsafe(*c))
            .collect();
        if text.is_empty() && self.diagnostics_dropped == 0 {
            return None;
        }
        if self.diagnostics_dropped > 0 {
            text.push_str(&format!("\n[truncated {} bytes]", self.diagnostics_dropped));
        }
        Some(text)
    }

    fn record(&mut self, import: usize, ok: bool) -> bool {
        self.calls[import] += 1;
        if !ok {
            self.failures[import] += 1;
        }
        ok
    }
}

impl ResourceLimiter for HostState {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> Result<bool, LimiterError> {
        if desired > self.limits.memory_bytes {
            self.limit_hit.get_or_insert(LimitHit::Memory);
            // An error, not `Ok(false)`: a failing `memory.grow` traps, so a guest cannot probe
            // the cap (SPEC §6).
            return Err(LimiterError::ResourceLimiterDeniedAllocation);
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> Result<bool, LimiterError> {
        if desired > self.limits.table_elements {
            self.limit_hit.get_or_insert(LimitHit::Table);
            return Err(LimiterError::ResourceLimiterDeniedAllocation);
        }
        Ok(true)
    }

    fn instances(&self) -> usize {
        1
    }

    fn tables(&self) -> usize {
        1
    }

    fn memories(&self) -> usize {
        1
    }
}

/// `[ptr, ptr + len)` when it lies inside a memory of `size` bytes: `ptr` unsigned, `len`
/// signed (negative is outside), the end computed in 64 bits so it cannot wrap.
pub fn guest_range(size: usize, ptr: i32, len: i32) -> Option<Range<usize>> {
    if len < 0 {
        return None;
    }
    let start = u64::from(ptr as u32);
    let end = start + len as u64;
    (end <= size as u64).then_some(start as usize..end as usize)
}

/// Ends the current fuel slice when the call is due to stop: with no fuel left, the guest's next
/// instruction hands control back to the slice loop, which reports the timeout or cancellation.
/// The guest cannot tell: it never runs again.
fn end_slice_if_due(caller: &mut Caller<'_, HostState>) {
    if caller.data().watch.as_ref().is_some_and(Watch::due) {
        // Fails only on an engine without fuel metering; this one meters.
        let _ = caller.set_fuel(0);
    }
}

fn memory(caller: &Caller<'_, HostState>) -> Option<Memory> {
    caller.get_export("memory").and_then(Extern::into_memory)
}

fn read(caller: &mut Caller<'_, HostState>, import: usize, ptr: i32, len: i32) -> i32 {
    let Some(memory) = memory(caller) else {
        caller.data_mut().record(import, false);
        return -1;
    };
    let (data, state) = memory.data_and_store_mut(&mut *caller);
    let source = if import == TOOL_NAME_READ {
        &state.tool_name
    } else {
        &state.input
    };
    match guest_range(data.len(), ptr, len) {
        Some(range) if range.len() == source.len() => {
            data[range].copy_from_slice(source);
            state.record(import, true);
            len
        }
        _ => {
            state.record(import, false);
            -1
        }
    }
}

fn output_write(caller: &mut Caller<'_, HostState>, ptr: i32, len: i32) -> i32 {
    let Some(memory) = memory(caller) else {
        caller.data_mut().record(OUTPUT_WRITE, false);
        return -1;
    };
    let (data, state) = memory.data_and_store_mut(&mut *caller);
    let cap = state.limits.output_bytes;
    // The order of SPEC §4: negative length, then the cap, then the range.
    let failure = if len < 0 {
        Some(
            Error::new(
                Code::AbiViolation,
                "output_write was called with a negative length",
            )
            .with("import", "output_write"),
        )
    } else if len as usize > cap {
        Some(
            Error::new(
                Code::OutputTooLarge,
                format!("the guest tried to write {len} bytes of output, over the {cap}-byte cap"),
            )
            .with("output_bytes", len as u64)
            .with("limit", cap as u64),
        )
    } else {
        None
    };
    let range = match (failure, guest_range(data.len(), ptr, len)) {
        (None, Some(range)) => range,
        (failure, _) => {
            let error = failure.unwrap_or_else(|| {
                Error::new(
                    Code::AbiViolation,
                    "output_write was called with a range outside the guest's memory",
                )
                .with("import", "output_write")
            });
            state.poisoned.get_or_insert(error);
            state.record(OUTPUT_WRITE, false);
            return -1;
        }
    };
    let output = state.output.get_or_insert_with(Vec::new);
    output.clear();
    output.extend_from_slice(&data[range]);
    state.record(OUTPUT_WRITE, true);
    len
}

fn diagnostic_write(caller: &mut Caller<'_, HostState>, ptr: i32, len: i32) -> i32 {
    let Some(memory) = memory(caller) else {
        caller.data_mut().record(DIAGNOSTIC_WRITE, false);
        return -1;
    };
    let (data, state) = memory.data_and_store_mut(&mut *caller);
    let Some(range) = guest_range(data.len(), ptr, len) else {
        state.record(DIAGNOSTIC_WRITE, false);
        return -1;
    };
    let bytes = &data[range];
    let room = state
        .limits
        .diagnostic_bytes
        .saturating_sub(state.diagnostics.len());
    let keep = bytes.len().min(room);
    state.diagnostics.extend_from_slice(&bytes[..keep]);
    state.diagnostics_dropped += (bytes.len() - keep) as u64;
    state.record(DIAGNOSTIC_WRITE, true);
    len
}

/// A linker that defines exactly the `yoi:tool` functions: nothing else can be imported.
pub fn linker(engine: &wasmi::Engine) -> Result<Linker<HostState>, wasmi::Error> {
    let mut linker = Linker::new(engine);
    linker.func_wrap(
        "yoi:tool",
        "tool_name_len",
        |mut c: Caller<'_, HostState>| {
            let state = c.data_mut();
            state.record(TOOL_NAME_LEN, true);
            let len = state.tool_name.len() as i32;
            end_slice_if_due(&mut c);
            len
        },
    )?;
    linker.func_wrap("yoi:tool", "input_len", |mut c: Caller<'_, HostState>| {
        let state = c.data_mut();
        state.record(INPUT_LEN, true);
        let len = state.input.len() as i32;
        end_slice_if_due(&mut c);
        len
    })?;
    type Copy = fn(&mut Caller<'_, HostState>, i32, i32) -> i32;
    let copies: [(&str, Copy); 4] = [
        ("tool_name_read", |c, p, l| read(c, TOOL_NAME_READ, p, l)),
        ("input_read", |c, p, l| read(c, INPUT_READ, p, l)),
        ("output_write", output_write),
        ("diagnostic_write", diagnostic_write),
    ];
    for (name, copy) in copies {
        linker.func_wrap(
            "yoi:tool",
            name,
            move |mut c: Caller<'_, HostState>, p: i32, l: i32| {
                let result = copy(&mut c, p, l);
                end_slice_if_due(&mut c);
                result
            },
        )?;
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
    }
}
