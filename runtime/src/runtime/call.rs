//! One call of a loaded plugin: check the input, a fresh store armed with the deadline,
//! instantiate, call the entry, classify a failure, check the output.

use super::classify::classify;
use super::config::CallOptions;
use super::load::Plugin;
use super::{Guest, Runtime};
use crate::budget::{Abandoned, Budget, Over};
use crate::cancel::CancelToken;
use crate::component;
use crate::error::{Error, ErrorCode};
use crate::host::{Counts, HostLimits, HostState, Stop};
use crate::limits::Limits;
use crate::mutants::Mutant;
use crate::output::{self, ToolOutput};
use crate::schema::{self, InputSchema};
use std::collections::BTreeMap;
#[cfg(feature = "mutants")]
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

impl Plugin {
    /// Calls a tool. Never panics on anything the guest or the input does; every failure is in
    /// [`CallOutcome::result`].
    pub fn call(&self, tool: &str, input: &str, options: &CallOptions) -> CallOutcome {
        let runtime = &self.inner.runtime;
        let limits = options.limits.as_ref().unwrap_or(&self.inner.limits);
        // The budget starts here: everything below, input checks included, runs inside it.
        let budget = Budget::start(limits.deadline, options.cancel.clone());
        let mut outcome = self.call_inner(tool, input, limits, &budget);
        outcome.result = outcome.result.map_err(|e| e.bounded(limits.message_bytes));
        if let (Some(sink), Some(text)) = (&runtime.inner.config.diagnostics, &outcome.diagnostics)
        {
            sink.receive(&self.inner.manifest.id, tool, text);
        }
        if runtime.mutant(Mutant::DiagnosticsInResult) {
            if let (Ok(out), Some(text)) = (&mut outcome.result, &outcome.diagnostics) {
                out.content = Some(format!("{}{text}", out.content.as_deref().unwrap_or("")));
            }
        }
        outcome
    }

    fn fueled(&self) -> Result<&Guest, Error> {
        let inner = &self.inner;
        let pre = inner.fueled.get_or_init(|| {
            let parts = inner.runtime.fueled()?;
            inner
                .runtime
                .prepare_guest(
                    parts,
                    inner.manifest.profile,
                    &inner.module,
                    &inner.hash,
                    &inner.granted,
                )
                .map(|(pre, _)| pre)
        });
        pre.as_ref().map_err(Clone::clone)
    }

    /// The fuel engine's module, prepared inside the call's budget when the load did not
    /// prepare it (a call asking for fuel on a plugin loaded without).
    fn fueled_within(&self, budget: &Budget, limits: &Limits) -> Result<&Guest, Error> {
        if self.inner.fueled.get().is_none() {
            let plugin = self.clone();
            budget
                .run(move |_| plugin.fueled().map(|_| ()))
                .map_err(|over| over_error(over, limits))??;
        }
        self.fueled()
    }

    fn check_input(
        &self,
        index: usize,
        input: &str,
        limits: &Limits,
        budget: &Budget,
    ) -> Result<(), Error> {
        let runtime = &self.inner.runtime;
        let size = if runtime.mutant(Mutant::InputCapCountsChars) {
            input.chars().count()
        } else {
            input.len()
        };
        if size > limits.input_bytes && !runtime.mutant(Mutant::NoInputCap) {
            return Err(Error::new(
                ErrorCode::InputTooLarge,
                format!(
                    "the tool input is {} bytes, over the {}-byte cap",
                    input.len(),
                    limits.input_bytes
                ),
            )
            .with("input_bytes", input.len() as u64)
            .with("limit", limits.input_bytes as u64));
        }
        let skip_schema = runtime.mutant(Mutant::NoInputSchema);
        let index = if runtime.mutant(Mutant::InputSchemaOfFirstTool) {
            0
        } else {
            index
        };
        let schema = &self.inner.tools[index].schema;
        if schema.inline(input.len()) || runtime.mutant(Mutant::SchemaOutsideDeadline) {
            let checked = parse_and_validate(schema, input, skip_schema, None);
            if runtime.mutant(Mutant::SchemaOutsideDeadline) {
                return checked;
            }
            budget.check().map_err(|over| over_error(over, limits))?;
            return checked;
        }
        let tools = self.inner.tools.clone();
        let input = input.to_owned();
        let left_running = runtime.mutant(Mutant::ValidationLeftRunning);
        budget
            .run(move |abandoned| {
                let abandoned = (!left_running).then_some(abandoned);
                parse_and_validate(&tools[index].schema, &input, skip_schema, abandoned)
            })
            .map_err(|over| over_error(over, limits))?
    }

    fn call_inner(&self, tool: &str, input: &str, limits: &Limits, budget: &Budget) -> CallOutcome {
        let early = |error: Error| CallOutcome {
            result: Err(error),
            host_calls: HostCallCounts::default(),
            diagnostics: None,
        };
        let Some(index) = self.inner.tools.iter().position(|t| &*t.name == tool) else {
            return early(
                Error::new(
                    ErrorCode::ToolUnknown,
                    format!("plugin {} has no tool named {tool}", self.inner.manifest.id),
                )
                .with("tool", tool),
            );
        };
        let loaded = &self.inner.tools[index];
        if let Err(e) = self.check_input(index, input, limits, budget) {
            return early(e);
        }
        let pre = if limits.fuel.is_some() {
            match self.fueled_within(budget, limits) {
                Ok(pre) => pre,
                Err(e) => return early(e),
            }
        } else {
            &self.inner.plain
        };
        let runtime = &self.inner.runtime;
        let host_limits = HostLimits {
            output_bytes: limits.output_bytes,
            memory_bytes: limits.memory_bytes,
            table_elements: limits.table_elements,
            diagnostic_bytes: limits.diagnostic_bytes,
        };
        // The fixed-1s-timeout mutant ignores the requested deadline.
        let deadline = if runtime.mutant(Mutant::FixedOneSecondTimeout) {
            crate::limits::deadline_after(Instant::now(), crate::mutants::FIXED_TIMEOUT)
        } else {
            budget.deadline
        };
        let cancel = budget.cancel.as_ref();
        #[allow(unused_mut)]
        let mut state = HostState::new(
            loaded.name.clone(),
            input.as_bytes(),
            host_limits,
            deadline,
            cancel.cloned(),
        );
        #[cfg(feature = "mutants")]
        {
            state.mutant = runtime.inner.config.mutant;
        }
        let engine = match pre {
            Guest::Core(pre) => pre.module().engine(),
            Guest::Component(pre) => pre.engine(),
        };
        if let Some(cancel) = cancel {
            cancel.watch(engine);
        }

        // The ticker advances epochs only while some call holds this.
        let _running = runtime.inner.ticker.running();

        let pre = match pre {
            Guest::Core(pre) => pre,
            Guest::Component(pre) => {
                state.counts = Counts::COMPONENT;
                state.host_api = Some(self.inner.granted.clone());
                let mut store = Store::new(engine, state);
                let result = run_component(&mut store, pre, tool, input, limits);
                return finish_component(store, result, limits, runtime);
            }
        };

        #[cfg(feature = "mutants")]
        if runtime.mutant(Mutant::InstanceReused) {
            return self.call_reused(pre, state, limits);
        }
        #[cfg(feature = "mutants")]
        if runtime.mutant(Mutant::GuestAbandoned) {
            return self.call_abandoning(pre, state, limits);
        }

        let mut store = Store::new(engine, state);
        let result = run(&mut store, pre, limits);
        finish(store.into_data(), result, limits, runtime)
    }

    /// The mutant that keeps one instance per plugin: globals and memory leak between calls.
    #[cfg(feature = "mutants")]
    fn call_reused(
        &self,
        pre: &InstancePre<HostState>,
        state: HostState,
        limits: &Limits,
    ) -> CallOutcome {
        let runtime = &self.inner.runtime;
        let placeholder = || {
            let limits = HostLimits {
                output_bytes: 0,
                memory_bytes: limits.memory_bytes,
                table_elements: limits.table_elements,
                diagnostic_bytes: 0,
            };
            HostState::new(Arc::from(""), b"", limits, Instant::now(), None)
        };
        let mut slot = self.inner.reused.lock().unwrap_or_else(|p| p.into_inner());
        let (store, instance) = match slot.as_mut() {
            Some((store, instance)) => {
                *store.data_mut() = state;
                store.set_epoch_deadline(1);
                (store, *instance)
            }
            None => {
                let mut store = Store::new(pre.module().engine(), state);
                arm(&mut store, limits);
                match pre.instantiate(&mut store) {
                    Ok(instance) => {
                        let (store, _) = slot.insert((store, instance));
                        (store, instance)
                    }
                    Err(e) => return finish(store.into_data(), Err(e), limits, runtime),
                }
            }
        };
        let result = instance
            .get_typed_func::<(), ()>(&mut *store, "yoi_tool_call")
            .and_then(|f| f.call(&mut *store, ()));
        let data = std::mem::replace(store.data_mut(), placeholder());
        finish(data, result, limits, runtime)
    }
}

impl Plugin {
    /// The mutant that answers `timeout` at the deadline but leaves the guest running in a
    /// detached thread (until it ends by itself, or a backstop later).
    #[cfg(feature = "mutants")]
    fn call_abandoning(
        &self,
        pre: &InstancePre<HostState>,
        mut state: HostState,
        limits: &Limits,
    ) -> CallOutcome {
        use std::sync::mpsc;
        let runtime = self.inner.runtime.clone();
        let (tx, rx) = mpsc::channel::<Result<CallOutcome, HostCallCounts>>();
        let answer_at = state.deadline;
        state.deadline = crate::limits::deadline_after(answer_at, crate::mutants::BACKSTOP);
        let at_deadline = tx.clone();
        state.abandon_at = Some((
            answer_at,
            Box::new(move |counts| {
                let _ = at_deadline.send(Err(counts));
            }),
        ));
        let (pre_owned, limits_owned, runtime_owned) =
            (pre.clone(), limits.clone(), runtime.clone());
        let spawned = std::thread::Builder::new()
            .name("abandoned-guest".into())
            .stack_size(8 << 20)
            .spawn(move || {
                // The abandoned guest keeps the ticker awake, so its backstop still fires.
                let _running = runtime_owned.inner.ticker.running();
                let mut store = Store::new(pre_owned.module().engine(), state);
                let result = run(&mut store, &pre_owned, &limits_owned);
                let outcome = finish(store.into_data(), result, &limits_owned, &runtime_owned);
                let _ = tx.send(Ok(outcome));
            });
        let stopped = |host_calls| CallOutcome {
            result: Err(classify(
                &wasmtime::Error::new(Trap::Interrupt),
                Some(Stop::Timeout),
                None,
                limits,
                &runtime,
            )),
            host_calls,
            diagnostics: None,
        };
        match spawned.ok().and_then(|_| rx.recv().ok()) {
            Some(Ok(outcome)) => outcome,
            Some(Err(counts)) => stopped(counts),
            None => stopped(HostCallCounts::default()),
        }
    }
}

/// A component call: armed exactly as a core call, then instantiate, lower, `call`, lift and
/// post-return, all under the one deadline (docs/SPEC.md 13.4).
fn run_component(
    store: &mut Store<HostState>,
    pre: &ComponentPre<HostState>,
    tool: &str,
    input: &str,
    limits: &Limits,
) -> Result<WasmStr, component::Failed> {
    arm(store, limits);
    if cancelled_before_start(store) {
        return Err(component::Failed::Instantiate(wasmtime::Error::new(
            Trap::Interrupt,
        )));
    }
    component::run(&mut *store, pre, tool, input)
}

fn finish_component(
    store: Store<HostState>,
    result: Result<WasmStr, component::Failed>,
    limits: &Limits,
    runtime: &Runtime,
) -> CallOutcome {
    let state = store.data();
    let classified =
        |error: &wasmtime::Error| classify(error, state.stop, state.limit_hit, limits, runtime);
    // A host call refused the guest (docs/SPEC.md 14.5): that ends the call, as the trap it
    // unwound with does.
    if let (Err(component::Failed::Call(_)), Some(error), None) =
        (&result, &state.poisoned, state.stop)
    {
        return CallOutcome {
            result: Err(error.clone()),
            host_calls: HostCallCounts::default(),
            diagnostics: None,
        };
    }
    let result = match result {
        Ok(string) => component::output(
            &store,
            &string,
            limits.output_bytes,
            runtime.mutant(Mutant::StringLiftedBeforeCap),
        )
        .and_then(|bytes| parse_output(&bytes, limits, runtime)),
        Err(component::Failed::Instantiate(error)) => Err(classified(&error)),
        Err(component::Failed::Export) => Err(Error::new(
            ErrorCode::ExportInvalid,
            "the component's export `call` must be a function of type func(string, string) -> string",
        )
        .with("export", component::EXPORT)),
        Err(component::Failed::Call(error)) => {
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
    CallOutcome {
        result,
        host_calls: HostCallCounts::default(),
        diagnostics: None,
    }
}

/// Sets the store's deadline machinery; done before instantiation so a start function is
/// covered too.
fn arm(store: &mut Store<HostState>, limits: &Limits) {
    store.limiter(|state| state);
    #[cfg(feature = "mutants")]
    if store.data().mutant(Mutant::ReallocOutsideDeadline) {
        // Counts the host's entries into wasm after instantiation: the first two of a
        // component call are its `realloc`s, lowering the two strings.
        store.call_hook(|mut ctx, hook| {
            if matches!(hook, wasmtime::CallHook::CallingWasm) {
                if let Some(n) = ctx.data_mut().wasm_entries.as_mut() {
                    *n += 1;
                }
            }
            Ok(())
        });
    }
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(|mut ctx| {
        let state = ctx.data_mut();
        let cancelled = state.cancel.as_ref().is_some_and(CancelToken::is_cancelled)
            && !state.mutant(Mutant::CancelIgnored);
        if cancelled {
            state.stop = Some(Stop::Cancelled);
            return Ok(UpdateDeadline::Interrupt);
        }
        let now = Instant::now();
        #[cfg(feature = "mutants")]
        if state.abandon_at.as_ref().is_some_and(|(at, _)| now >= *at) {
            // The guest-abandoned mutant answers now and lets the guest run on.
            if let Some((_, answer)) = state.abandon_at.take() {
                answer(state.host_calls());
            }
        }
        if now >= state.deadline {
            // The late-deadline mutants stop the call late (the no-deadline one only at a
            // backstop, so a kit run cannot hang); the kit catches them by the time it took.
            #[cfg(feature = "mutants")]
            let lowering = state.mutant(Mutant::ReallocOutsideDeadline)
                && state.wasm_entries.is_some_and(|n| n <= 2);
            #[cfg(not(feature = "mutants"))]
            let lowering = false;
            let late = if state.mutant(Mutant::NoDeadline) || lowering {
                crate::mutants::BACKSTOP
            } else if state.mutant(Mutant::WatchdogLate300ms) {
                crate::mutants::LATE_WATCHDOG
            } else {
                std::time::Duration::ZERO
            };
            if state.deadline.checked_add(late).is_some_and(|d| now >= d) {
                state.stop = Some(Stop::Timeout);
                return Ok(UpdateDeadline::Interrupt);
            }
        }
        Ok(UpdateDeadline::Continue(1))
    });
    if let Some(fuel) = limits.fuel {
        // Only the fuel engine meters; `set_fuel` cannot fail on it.
        let _ = store.set_fuel(fuel);
    }
}

/// A call cancelled before the guest starts stops here, in either profile, and records why
/// (the epoch interrupt only fires once guest code runs).
fn cancelled_before_start(store: &mut Store<HostState>) -> bool {
    let cancelled = store
        .data()
        .cancel
        .as_ref()
        .is_some_and(CancelToken::is_cancelled)
        && !store.data().mutant(Mutant::CancelIgnored);
    if cancelled {
        store.data_mut().stop = Some(Stop::Cancelled);
    }
    cancelled
}

fn run(
    store: &mut Store<HostState>,
    pre: &InstancePre<HostState>,
    limits: &Limits,
) -> wasmtime::Result<()> {
    arm(store, limits);
    if cancelled_before_start(store) {
        return Err(wasmtime::Error::new(Trap::Interrupt));
    }
    let instance = pre.instantiate(&mut *store)?;
    let entry = instance.get_typed_func::<(), ()>(&mut *store, "yoi_tool_call")?;
    entry.call(&mut *store, ())
}

fn finish(
    state: HostState,
    result: wasmtime::Result<()>,
    limits: &Limits,
    runtime: &Runtime,
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
            (None, Some(bytes)) => parse_output(&bytes, limits, runtime),
        },
        Err(error) => {
            let failure = classify(&error, state.stop, state.limit_hit, limits, runtime);
            let is_trap = failure.code() == ErrorCode::Trap;
            match state.output {
                Some(bytes) if is_trap && runtime.mutant(Mutant::TrapAfterOutputIsSuccess) => {
                    parse_output(&bytes, limits, runtime)
                }
                _ => Err(failure),
            }
        }
    };
    CallOutcome {
        result,
        host_calls,
        diagnostics,
    }
}

fn parse_output(bytes: &[u8], limits: &Limits, runtime: &Runtime) -> Result<ToolOutput, Error> {
    #[cfg(feature = "mutants")]
    if runtime.mutant(Mutant::OutputArrayAccepted) {
        return output::parse_accepting_arrays(bytes, limits.summary_bytes);
    }
    let _ = runtime;
    output::parse(bytes, limits.summary_bytes)
}

/// The error of a call whose budget ran out (or could not be used) outside the guest.
pub(super) fn over_error(over: Over, limits: &Limits) -> Error {
    match over {
        Over::Timeout => {
            let ms = u64::try_from(limits.deadline.as_millis()).unwrap_or(u64::MAX);
            Error::new(
                ErrorCode::Timeout,
                format!("the tool call exceeded its {ms} ms deadline"),
            )
            .with("deadline_ms", ms)
        }
        Over::Cancelled => Error::new(
            ErrorCode::Cancelled,
            "the tool call was cancelled by the host",
        ),
        Over::NoWorker => Error::new(
            ErrorCode::ResourceExhausted,
            "the runtime is running as many calls as it allows; try again later",
        ),
        Over::Failed => Error::new(
            ErrorCode::ResourceExhausted,
            "the runtime failed while checking the tool input",
        ),
    }
}

/// Input syntax, then the tool's schema: the part of a call that runs before any guest code.
/// `abandoned` is the worker's flag when this runs on one (the validation then ends early once
/// the call stops waiting), `None` on the caller's thread.
fn parse_and_validate(
    schema: &InputSchema,
    input: &str,
    skip_schema: bool,
    abandoned: Option<Abandoned>,
) -> Result<(), Error> {
    let value: serde_json::Value = serde_json::from_str(input).map_err(|e| {
        Error::new(
            ErrorCode::InputMalformed,
            format!("the tool input is not JSON: {e}"),
        )
    })?;
    if skip_schema {
        return Ok(());
    }
    match abandoned {
        Some(abandoned) => schema::check_until(&schema.validator, &value, abandoned),
        None => schema::check(&schema.validator, &value),
    }
}
