//! Where the call meets the kit's self-test, in a host's build: nowhere. Every item here is the
//! call's own behaviour, and the two seam types are empty, so this file compiles to nothing of
//! its own.
//!
//! The mutant build (`toolcage-runtime-mutants`, feature `mutants`) compiles
//! `runtime/src/mutants/call.rs` in this file's place (see `call/mod.rs`): the same items, each
//! first asking whether the guarantee it stands for is the one switched off, and if so running
//! the bug instead. The rest of the call names no mutant; it runs its checks through these few
//! items: the input check, the store's state, the core run, the arming of a store and the
//! component run, the finish of a core call, and, inside the store, the guest range, the
//! output rules and the limiter's counts.

use super::budget::{Abandoned, Budget, Over};
use super::classify::classify;
use super::component::Failed;
use super::host::{HostState, LimitHit, Stop};
use super::input::{self, LoadedTool};
use super::limits::Limits;
use super::output::ToolOutput;
use super::run::{self, CallOutcome};
use crate::compiled::Ticker;
use crate::error::Error;
use std::ops::Range;
use std::sync::Arc;
use wasmtime::component::{InstancePre as ComponentPre, WasmStr};
use wasmtime::{InstancePre, Store};

pub(crate) use super::imports::output_write;

/// What a plugin holds for the self-test: nothing.
#[derive(Default)]
pub(crate) struct Seam;

impl Seam {
    /// The input contract.
    #[inline(always)]
    pub(crate) fn check_input(
        &self,
        tools: &Arc<[LoadedTool]>,
        index: usize,
        input: &str,
        limits: &Limits,
        budget: &Budget,
    ) -> Result<(), Error> {
        input::check(tools, index, input, limits, budget)
    }

    /// The store state of a call.
    #[inline(always)]
    pub(crate) fn state(
        &self,
        tool_name: &Arc<str>,
        input: &str,
        limits: &Limits,
        budget: &Budget,
    ) -> HostState {
        run::state(tool_name, input, limits, budget, InStore)
    }

    /// A core call in a fresh store.
    #[inline(always)]
    pub(crate) fn run_core(
        &self,
        pre: &InstancePre<HostState>,
        state: HostState,
        limits: &Limits,
        _ticker: &Arc<Ticker>,
    ) -> CallOutcome {
        run::core(pre, state, limits)
    }
}

/// Arms a store with the call's deadline, cancel token, limiter and fuel.
#[inline(always)]
pub(crate) fn arm(store: &mut Store<HostState>, limits: &Limits) {
    run::arm(store, limits)
}

/// A component call in an unarmed store.
#[inline(always)]
pub(crate) fn run_component(
    store: &mut Store<HostState>,
    pre: &ComponentPre<HostState>,
    tool: &str,
    input: &str,
    limits: &Limits,
) -> Result<WasmStr, Failed> {
    run::run_component(store, pre, tool, input, limits)
}

/// The outcome of a core call.
#[inline(always)]
pub(crate) fn finish(
    state: HostState,
    result: wasmtime::Result<()>,
    limits: &Limits,
) -> CallOutcome {
    run::finish(state, result, limits)
}

/// What a store holds for the self-test: nothing.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct InStore;

impl InStore {
    /// The guest range `[ptr, ptr + len)` inside a memory of `size` bytes.
    #[inline(always)]
    pub(crate) fn range(&self, size: usize, ptr: i32, len: i32) -> Option<Range<usize>> {
        super::imports::guest_range(size, ptr, len)
    }

    /// The first failed `output_write` is the one the call fails with.
    #[inline(always)]
    pub(crate) fn first_failure_kept(&self) -> bool {
        true
    }

    /// A host call's work: on a budget worker the call waits for only until its deadline or a
    /// cancel, so a slow file system holds the worker, never the call.
    #[inline(always)]
    pub(crate) fn host_work<T: Send + 'static>(
        &self,
        budget: &Budget,
        work: impl FnOnce(Abandoned) -> T + Send + 'static,
    ) -> Result<T, Over> {
        budget.run(work)
    }

    /// The budget checked again once a host call answered: an answer that arrives after the
    /// deadline or a cancel is not handed to the guest.
    #[inline(always)]
    pub(crate) fn after_host_work(&self, budget: &Budget) -> Result<(), Over> {
        budget.check()
    }

    /// Every fs check runs: no hole.
    #[inline(always)]
    pub(crate) fn fs_holes(&self) -> crate::host_api::fs::Holes {
        crate::host_api::fs::Holes::default()
    }

    /// Every network check runs: no hole.
    #[inline(always)]
    pub(crate) fn net_holes(&self) -> crate::host_api::net::wire::Holes {
        crate::host_api::net::wire::Holes::default()
    }

    /// What counts toward the memory cap when one memory grows to `desired`: `total`, every
    /// memory of the store together.
    #[inline(always)]
    pub(crate) fn memory_counted(&self, total: usize, _desired: usize) -> usize {
        total
    }

    /// A table grown past its own declared maximum fails the grow (-1), not the call.
    #[inline(always)]
    pub(crate) fn declared_table_max_kept(&self) -> bool {
        true
    }

    /// A failure classified by its type.
    #[inline(always)]
    pub(crate) fn classify(
        &self,
        error: &wasmtime::Error,
        stop: Option<Stop>,
        limit: Option<LimitHit>,
        limits: &Limits,
    ) -> Error {
        classify(error, stop, limit, limits)
    }

    /// The output cap a component's returned string is measured against.
    #[inline(always)]
    pub(crate) fn string_cap(&self, limits: &Limits) -> usize {
        limits.output_bytes
    }

    /// The output contract.
    #[inline(always)]
    pub(crate) fn parse_output(&self, bytes: &[u8], limits: &Limits) -> Result<ToolOutput, Error> {
        run::parse_output(bytes, limits)
    }
}
