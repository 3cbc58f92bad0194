//! What one call's store holds (the per-call state the imports read and write, what stopped
//! the guest, which limit it hit), and the resource limiter, which sums every memory and every
//! table of a store so a component's core instances share one cap.

use super::cancel::CancelToken;
use super::seam::InStore;
use crate::compiled::Import;
use crate::error::Error;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;
use wasmtime::{Memory, ResourceLimiter};

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
    /// The call's WebSockets: closed when the store is dropped, at the end of the call.
    pub sockets: crate::host_api::net::wire::websocket::Sockets,
    /// Bytes of every memory of the store together, and elements of every table: a component's
    /// core instances share one cap (docs/SPEC.md 13.5).
    memory_total: usize,
    table_total: usize,
    /// Most core instances, memories and tables the store may hold: 1 each for a core module,
    /// the flattened limits for a component.
    pub counts: Counts,
    calls: [u64; 6],
    failures: [u64; 6],
    /// Calls to the granted host interfaces' functions, by `interface.function` (`fs.read`).
    host_api_calls: BTreeMap<&'static str, u64>,
    /// The kit's self-test inside the store: empty in a host's build (`seam`).
    pub seam: InStore,
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
        instances: crate::compiled::MAX_CORE_INSTANCES as usize,
        memories: crate::compiled::MAX_MEMORIES as usize,
        tables: crate::compiled::MAX_TABLES as usize,
    };
}

impl HostState {
    pub(crate) fn new(
        tool_name: Arc<str>,
        input: &[u8],
        limits: HostLimits,
        deadline: Instant,
        cancel: Option<CancelToken>,
        seam: InStore,
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
            sockets: Default::default(),
            memory_total: 0,
            table_total: 0,
            counts: Counts::CORE,
            calls: [0; 6],
            failures: [0; 6],
            host_api_calls: BTreeMap::new(),
            seam,
        }
    }

    /// The call counts as the wire reports them: import name to count.
    pub(crate) fn host_calls(&self) -> super::HostCallCounts {
        let table = |counts: &[u64; 6]| {
            Import::ALL
                .iter()
                .zip(counts)
                .filter(|(_, n)| **n > 0)
                .map(|(i, n)| (i.name().to_owned(), *n))
                .collect::<BTreeMap<_, _>>()
        };
        let mut calls = table(&self.calls);
        let api_calls = self
            .host_api_calls
            .iter()
            .map(|(n, c)| ((*n).to_owned(), *c));
        calls.extend(api_calls);
        super::HostCallCounts {
            calls,
            failures: table(&self.failures),
        }
    }

    /// The operator-sink text: what the guest wrote, cut at the cap, cleaned of terminal controls
    /// and bidirectional formatting (newlines and tabs kept), with a marker of the cut.
    pub(crate) fn diagnostics_text(&self) -> Option<String> {
        if self.diagnostics.is_empty() && self.diagnostics_dropped == 0 {
            return None;
        }
        let mut text = crate::error::sanitize_lines(&String::from_utf8_lossy(&self.diagnostics));
        if self.diagnostics_dropped > 0 {
            text.push_str(&format!("\n[truncated {} bytes]", self.diagnostics_dropped));
        }
        // Nothing left to show is no diagnostics at all: `None`, never `""`.
        (!text.is_empty()).then_some(text)
    }

    /// A call of a granted host interface's function, `name` as `interface.function`: evidence
    /// that the guest reached its host calls, whatever they answered.
    pub(super) fn record_host_api(&mut self, name: &'static str) {
        *self.host_api_calls.entry(name).or_default() += 1;
    }

    pub(super) fn record(&mut self, import: Import, ok: bool) {
        self.calls[import as usize] += 1;
        if !ok {
            self.failures[import as usize] += 1;
        }
    }

    pub(super) fn poison(&mut self, error: Error) {
        if self.poisoned.is_none() || !self.seam.first_failure_kept() {
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
        if self.seam.memory_counted(total, desired) > self.limits.memory_bytes {
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
        if maximum.is_some_and(|max| max < crate::compiled::TABLE_CEILING && desired > max)
            && self.seam.declared_table_max_kept()
        {
            return Ok(false);
        }
        // As for memories: every table of the store counts toward one cap.
        let total = self
            .table_total
            .saturating_sub(current)
            .saturating_add(desired);
        if total > self.limits.table_elements {
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
