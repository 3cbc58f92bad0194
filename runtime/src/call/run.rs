//! One call of a guest: a fresh store armed with the call's deadline and cancel token (before
//! instantiation, so a start function is covered), instantiate, call the entry, classify a
//! failure by its type, check the output.

use super::cancel::CancelToken;
use super::component::{self, Failed};
use super::host::{Counts, HostLimits, HostState, Stop};
use super::limits::Limits;
use super::output::{self, ToolOutput};
use super::seam::{self, Seam};
use super::Budget;
use crate::compiled::Ticker;
use crate::error::{Error, ErrorCode};
use crate::host_api::Granted;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;
use wasmtime::component::{InstancePre as ComponentPre, WasmStr};
use wasmtime::{InstancePre, Store, Trap, UpdateDeadline};

/// How often the guest called each import, and how often the import returned -1.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostCallCounts {
    /// Import name to number of calls.
    pub calls: BTreeMap<String, u64>,
    /// Import name to number of calls that returned -1.
    pub failures: BTreeMap<String, u64>,
}

/// The full result of a call: the tool result or error, plus what the host observed.
#[derive(Clone, Debug)]
pub struct CallOutcome {
    /// The tool output, or why there is none.
    pub result: Result<ToolOutput, Error>,
    /// What the guest asked of the host, as evidence of what it did.
    pub host_calls: HostCallCounts,
    /// Operator-facing diagnostics of this call, cut at the cap.
    pub diagnostics: Option<String>,
}

impl CallOutcome {
    /// A call that failed before any guest code ran.
    pub(crate) fn early(error: Error) -> CallOutcome {
        CallOutcome {
            result: Err(error),
            host_calls: HostCallCounts::default(),
            diagnostics: None,
        }
    }
}

/// A guest linked and ready to instantiate: a core module or a component (the manifest's
/// profile decides which it was compiled as).
#[derive(Clone)]
pub(crate) enum Guest {
    Core(InstancePre<HostState>),
    Component(wasmtime::component::InstancePre<HostState>),
}

/// What one call runs: which guest, as which tool, with which input.
pub(crate) struct Call<'a> {
    pub guest: &'a Guest,
    /// The tool's name as the plugin declares it (what `tool_name_read` copies).
    pub tool_name: &'a Arc<str>,
    pub input: &'a str,
    /// What the host's grants gave the plugin, bound at load (components only).
    pub granted: &'a Arc<Granted>,
}

/// Runs the guest of one call in a fresh store, under `budget`'s deadline and cancel token;
/// the input was checked inside the same budget before.
pub(crate) fn run(
    call: Call<'_>,
    limits: &Limits,
    budget: &Budget,
    ticker: &Arc<Ticker>,
    seam: &Seam,
) -> CallOutcome {
    let mut state = seam.state(call.tool_name, call.input, limits, budget);
    let engine = match call.guest {
        Guest::Core(pre) => pre.module().engine(),
        Guest::Component(pre) => pre.engine(),
    };
    if let Some(cancel) = &budget.cancel {
        cancel.watch(engine);
    }

    // The ticker advances epochs only while some call holds this.
    let _running = ticker.running();

    match call.guest {
        Guest::Core(pre) => seam.run_core(pre, state, limits, ticker),
        Guest::Component(pre) => {
            state.counts = Counts::COMPONENT;
            state.host_api = Some(call.granted.clone());
            let mut store = Store::new(engine, state);
            let result = seam::run_component(&mut store, pre, call.tool_name, call.input, limits);
            // Every socket the call opened is closed before its outcome is known to anyone.
            store.data_mut().sockets.clear();
            finish_component(store, result, limits)
        }
    }
}

/// The call's store state: its tool name and input, the limits the store enforces, and the
/// deadline and cancel token the epoch callback checks.
pub(crate) fn state(
    tool_name: &Arc<str>,
    input: &str,
    limits: &Limits,
    budget: &Budget,
    in_store: seam::InStore,
) -> HostState {
    let host_limits = HostLimits {
        output_bytes: limits.output_bytes,
        memory_bytes: limits.memory_bytes,
        table_elements: limits.table_elements,
        diagnostic_bytes: limits.diagnostic_bytes,
    };
    HostState::new(
        tool_name.clone(),
        input.as_bytes(),
        host_limits,
        budget.deadline,
        budget.cancel.clone(),
        in_store,
    )
}

/// A core call in a fresh store: armed, instantiated, `yoi_tool_call` called, finished.
pub(crate) fn core(pre: &InstancePre<HostState>, state: HostState, limits: &Limits) -> CallOutcome {
    let mut store = Store::new(pre.module().engine(), state);
    let result = instantiate_and_call(&mut store, pre, limits);
    seam::finish(store.into_data(), result, limits)
}

/// A component call: armed exactly as a core call, then instantiate, lower, `call`, lift and
/// post-return, all under the one deadline (docs/SPEC.md 13.4).
pub(crate) fn run_component(
    store: &mut Store<HostState>,
    pre: &ComponentPre<HostState>,
    tool: &str,
    input: &str,
    limits: &Limits,
) -> Result<WasmStr, Failed> {
    seam::arm(store, limits);
    if cancelled_before_start(store) {
        return Err(Failed::Instantiate(wasmtime::Error::new(Trap::Interrupt)));
    }
    component::run(&mut *store, pre, tool, input)
}

fn finish_component(
    store: Store<HostState>,
    result: Result<WasmStr, Failed>,
    limits: &Limits,
) -> CallOutcome {
    let state = store.data();
    let classified = |error: &wasmtime::Error| {
        state
            .seam
            .classify(error, state.stop, state.limit_hit, limits)
    };
    // A host call refused the guest (docs/SPEC.md 14.5): that ends the call, as the trap it
    // unwound with does.
    if let (Err(Failed::Call(_)), Some(error), None) = (&result, &state.poisoned, state.stop) {
        return CallOutcome {
            result: Err(error.clone()),
            host_calls: state.host_calls(),
            diagnostics: None,
        };
    }
    let result = match result {
        Ok(string) => component::output(&store, &string, state.seam.string_cap(limits))
            .and_then(|bytes| state.seam.parse_output(&bytes, limits)),
        Err(Failed::Instantiate(error)) => Err(classified(&error)),
        Err(Failed::Export) => Err(Error::new(
            ErrorCode::ExportInvalid,
            "the component's export `call` must be a function of type func(string, string) -> string",
        )
        .with("export", crate::compiled::component::EXPORT)),
        Err(Failed::Call(error)) => {
            let stopped_or_limited = error.downcast_ref::<Trap>().is_some()
                || state.stop.is_some()
                || state.limit_hit.is_some()
                || error
                    .downcast_ref::<wasmtime::PoolConcurrencyLimitError>()
                    .is_some();
            if stopped_or_limited {
                Err(classified(&error))
            } else {
                // Not a trap, a stop or a limit: the canonical ABI refused what the guest
                // handed over (a realloc result or a returned pointer or length out of bounds
                // or misaligned). Classified by where it happened, never by its text.
                Err(Error::new(
                    ErrorCode::AbiViolation,
                    "the guest broke the canonical ABI: a pointer or length it handed over is out of bounds or misaligned",
                )
                .with("cause", format!("{error:#}")))
            }
        }
    };
    // A component calls no core import: its evidence is its host interface calls alone.
    CallOutcome {
        result,
        host_calls: state.host_calls(),
        diagnostics: None,
    }
}

/// Sets the store's deadline machinery; done before instantiation so a start function is
/// covered too.
pub(crate) fn arm(store: &mut Store<HostState>, limits: &Limits) {
    store.limiter(|state| state);
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(|mut ctx| {
        let state = ctx.data_mut();
        if state.cancel.as_ref().is_some_and(CancelToken::is_cancelled) {
            state.stop = Some(Stop::Cancelled);
            return Ok(UpdateDeadline::Interrupt);
        }
        if Instant::now() >= state.deadline {
            state.stop = Some(Stop::Timeout);
            return Ok(UpdateDeadline::Interrupt);
        }
        Ok(UpdateDeadline::Continue(1))
    });
    fuel(store, limits);
}

/// Meters the call's fuel, when its limits ask for it.
pub(crate) fn fuel(store: &mut Store<HostState>, limits: &Limits) {
    if let Some(fuel) = limits.fuel {
        // Only the fuel engine meters; `set_fuel` cannot fail on it.
        let _ = store.set_fuel(fuel);
    }
}

/// A call cancelled before the guest starts stops here, in either profile, and records why
/// (the epoch interrupt only fires once guest code runs).
pub(crate) fn cancelled_before_start(store: &mut Store<HostState>) -> bool {
    let cancelled = store
        .data()
        .cancel
        .as_ref()
        .is_some_and(CancelToken::is_cancelled);
    if cancelled {
        store.data_mut().stop = Some(Stop::Cancelled);
    }
    cancelled
}

/// Arms the store, instantiates the module and calls `yoi_tool_call`.
pub(crate) fn instantiate_and_call(
    store: &mut Store<HostState>,
    pre: &InstancePre<HostState>,
    limits: &Limits,
) -> wasmtime::Result<()> {
    seam::arm(store, limits);
    if cancelled_before_start(store) {
        return Err(wasmtime::Error::new(Trap::Interrupt));
    }
    let instance = pre.instantiate(&mut *store)?;
    let entry = instance.get_typed_func::<(), ()>(&mut *store, "yoi_tool_call")?;
    entry.call(&mut *store, ())
}

/// The outcome of a core call from its store state: the output the guest wrote and passed the
/// output contract, or the first failed write, or the classified failure.
pub(crate) fn finish(
    state: HostState,
    result: wasmtime::Result<()>,
    limits: &Limits,
) -> CallOutcome {
    let host_calls = state.host_calls();
    let diagnostics = state.diagnostics_text();
    let result = match result {
        Ok(()) => match (state.poisoned, state.output) {
            (Some(error), _) => Err(error),
            (None, None) => Err(Error::new(
                ErrorCode::OutputMissing,
                "the guest returned without writing any output",
            )),
            (None, Some(bytes)) => state.seam.parse_output(&bytes, limits),
        },
        Err(error) => Err(state
            .seam
            .classify(&error, state.stop, state.limit_hit, limits)),
    };
    CallOutcome {
        result,
        host_calls,
        diagnostics,
    }
}

/// The output contract, with the output limits of the call.
pub(crate) fn parse_output(bytes: &[u8], limits: &Limits) -> Result<ToolOutput, Error> {
    output::parse(bytes, limits.summary_bytes)
}
