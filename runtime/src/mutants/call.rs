//! The call's seam in the mutant build, compiled as `call::seam` in place of `call/seam.rs`:
//! the same items, each asking the switch first and running the bug it names, else the call's
//! own behaviour. Every bug of a call lives here: the input check with a hole, a store state
//! with a limit off or the cancel token dropped, an instance kept between calls, a guest left
//! running after the answer, a deadline enforced late or not at all, a finish that takes a trap
//! for success or leaks diagnostics into the result, and, inside the store, the wrapping range,
//! the cap checked after the range, the last output failure kept, the limiter's counts bent,
//! the swapped stop codes, the uncapped returned string and the array output.

use super::budget::{Abandoned, Budget, Over};
use super::classify::{classify, over_error};
use super::component::Failed;
use super::host::{HostLimits, HostState, LimitHit, Stop};
use super::imports::{self, output_too_large};
use super::input::{self, LoadedTool};
use super::limits::{deadline_after, Limits};
use super::output::{self, ToolOutput};
use super::run::{self, CallOutcome, HostCallCounts};
use super::schema::Watch;
use super::CancelToken;
use crate::compiled::{component::EXPORT, Import, Ticker};
use crate::error::{Error, ErrorCode};
use crate::mutants::{Mutant, BACKSTOP, FIXED_TIMEOUT, LATE_WATCHDOG};
use std::ops::Range;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wasmtime::component::{InstancePre as ComponentPre, WasmStr};
use wasmtime::{Caller, Instance, InstancePre, Store, Trap, UpdateDeadline};

/// What a plugin holds for the self-test: the switch, and the one instance `instance-reused`
/// keeps between calls.
#[derive(Default)]
pub(crate) struct Seam {
    mutant: Option<Mutant>,
    reused: Mutex<Option<(Store<HostState>, Instance)>>,
}

impl Seam {
    pub(crate) fn new(mutant: Option<Mutant>) -> Seam {
        Seam {
            mutant,
            reused: Mutex::default(),
        }
    }

    pub(crate) fn check_input(
        &self,
        tools: &Arc<[LoadedTool]>,
        index: usize,
        input: &str,
        limits: &Limits,
        budget: &Budget,
    ) -> Result<(), Error> {
        let holes = [
            Mutant::InputCapCountsChars,
            Mutant::NoInputCap,
            Mutant::NoInputSchema,
            Mutant::InputSchemaOfFirstTool,
            Mutant::SchemaOutsideDeadline,
            Mutant::ValidationLeftRunning,
        ];
        match self.mutant {
            Some(mutant) if holes.contains(&mutant) => {
                check_input_with_hole(tools, index, input, limits, budget, mutant)
            }
            _ => input::check(tools, index, input, limits, budget),
        }
    }

    pub(crate) fn state(
        &self,
        tool_name: &Arc<str>,
        input: &str,
        limits: &Limits,
        budget: &Budget,
    ) -> HostState {
        let in_store = InStore {
            mutant: self.mutant,
            abandon_at: None,
            wasm_entries: None,
        };
        let mut state = run::state(tool_name, input, limits, budget, in_store);
        match self.mutant {
            // The requested deadline ignored.
            Some(Mutant::FixedOneSecondTimeout) => {
                state.deadline = deadline_after(Instant::now(), FIXED_TIMEOUT);
            }
            // The store never sees the cancel token (the budget before the guest still does).
            Some(Mutant::CancelIgnored) => state.cancel = None,
            Some(Mutant::NoMemoryLimit) => state.limits.memory_bytes = usize::MAX,
            Some(Mutant::NoTableLimit) => state.limits.table_elements = usize::MAX,
            Some(Mutant::NoOutputCap) => state.limits.output_bytes = usize::MAX,
            _ => {}
        }
        state
    }

    pub(crate) fn run_core(
        &self,
        pre: &InstancePre<HostState>,
        state: HostState,
        limits: &Limits,
        ticker: &Arc<Ticker>,
    ) -> CallOutcome {
        match self.mutant {
            Some(Mutant::InstanceReused) => self.call_reused(pre, state, limits),
            Some(Mutant::GuestAbandoned) => call_abandoning(pre, state, limits, ticker),
            _ => run::core(pre, state, limits),
        }
    }

    /// `instance-reused`: one instance per plugin, so globals and memory leak between calls.
    fn call_reused(
        &self,
        pre: &InstancePre<HostState>,
        state: HostState,
        limits: &Limits,
    ) -> CallOutcome {
        let placeholder = || {
            let limits = HostLimits {
                output_bytes: 0,
                memory_bytes: limits.memory_bytes,
                table_elements: limits.table_elements,
                diagnostic_bytes: 0,
            };
            HostState::new(
                Arc::from(""),
                b"",
                limits,
                Instant::now(),
                None,
                InStore::default(),
            )
        };
        let mut slot = self.reused.lock().unwrap_or_else(|p| p.into_inner());
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
                    Err(e) => return finish(store.into_data(), Err(e), limits),
                }
            }
        };
        let result = instance
            .get_typed_func::<(), ()>(&mut *store, "yoi_tool_call")
            .and_then(|f| f.call(&mut *store, ()));
        let data = std::mem::replace(store.data_mut(), placeholder());
        finish(data, result, limits)
    }
}

/// The input check with the hole `mutant` names (the real one is `input::check`).
fn check_input_with_hole(
    tools: &Arc<[LoadedTool]>,
    index: usize,
    input: &str,
    limits: &Limits,
    budget: &Budget,
    mutant: Mutant,
) -> Result<(), Error> {
    let size = if mutant == Mutant::InputCapCountsChars {
        input.chars().count()
    } else {
        input.len()
    };
    if size > limits.input_bytes && mutant != Mutant::NoInputCap {
        return Err(input::too_large(input, limits));
    }
    let skip_schema = mutant == Mutant::NoInputSchema;
    let index = if mutant == Mutant::InputSchemaOfFirstTool {
        0
    } else {
        index
    };
    let check = move |tools: &[LoadedTool], input: &str, watch| {
        if skip_schema {
            return input::parse(input).map(drop);
        }
        input::parse_and_validate(&tools[index].schema, input, watch)
    };
    let outside = mutant == Mutant::SchemaOutsideDeadline;
    // The left-running mutant validates every input on a worker and never tells it that the
    // call stopped waiting: the validation goes on after the call answered.
    let left_running = mutant == Mutant::ValidationLeftRunning;
    if (tools[index].schema.inline(input.len()) && !left_running) || outside {
        // Unwatched, the validation on the caller's thread runs to its end past the deadline.
        let watch = (!outside).then(|| Watch::Caller(budget.clone()));
        let checked = check(tools, input, watch);
        if outside {
            return checked;
        }
        budget.check().map_err(|over| over_error(over, limits))?;
        return checked;
    }
    let tools = tools.clone();
    let input = input.to_owned();
    budget
        .run(move |abandoned| {
            let watch = (!left_running).then_some(Watch::Worker(abandoned));
            check(&tools, &input, watch)
        })
        .map_err(|over| over_error(over, limits))?
}

/// How the guest-abandoned mutant's guest thread hands the caller its answer.
type AbandonAnswer = Box<dyn FnOnce(HostCallCounts) + Send>;

/// `guest-abandoned`: answers `timeout` at the deadline but leaves the guest running in a
/// detached thread (until it ends by itself, or a backstop later).
fn call_abandoning(
    pre: &InstancePre<HostState>,
    mut state: HostState,
    limits: &Limits,
    ticker: &Arc<Ticker>,
) -> CallOutcome {
    use std::sync::mpsc;
    let (tx, rx) = mpsc::channel::<Result<CallOutcome, HostCallCounts>>();
    let answer_at = state.deadline;
    state.deadline = deadline_after(answer_at, BACKSTOP);
    let at_deadline = tx.clone();
    state.seam.abandon_at = Some((
        answer_at,
        Box::new(move |counts| {
            let _ = at_deadline.send(Err(counts));
        }),
    ));
    let (pre_owned, limits_owned, ticker_owned) = (pre.clone(), limits.clone(), ticker.clone());
    let spawned = std::thread::Builder::new()
        .name("abandoned-guest".into())
        .stack_size(8 << 20)
        .spawn(move || {
            // The abandoned guest keeps the ticker awake, so its backstop still fires.
            let _running = ticker_owned.running();
            let mut store = Store::new(pre_owned.module().engine(), state);
            let result = run::instantiate_and_call(&mut store, &pre_owned, &limits_owned);
            let outcome = finish(store.into_data(), result, &limits_owned);
            let _ = tx.send(Ok(outcome));
        });
    let stopped = |host_calls| CallOutcome {
        result: Err(classify(
            &wasmtime::Error::new(Trap::Interrupt),
            Some(Stop::Timeout),
            None,
            limits,
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

/// Arms a store: the real way, or, for the deadline mutants, late.
pub(crate) fn arm(store: &mut Store<HostState>, limits: &Limits) {
    let late = [
        Mutant::NoDeadline,
        Mutant::WatchdogLate300ms,
        Mutant::ReallocOutsideDeadline,
        Mutant::GuestAbandoned,
    ];
    match store.data().seam.mutant {
        Some(mutant) if late.contains(&mutant) => arm_late(store, limits),
        _ => run::arm(store, limits),
    }
}

/// The late-deadline mutants stop the call late (the no-deadline one only at a backstop, so a
/// kit run cannot hang); the kit catches them by the time it took. `guest-abandoned` answers at
/// the deadline and lets the guest run on to its backstop; `realloc-outside-deadline` does not
/// count the component's argument lowering against the deadline.
fn arm_late(store: &mut Store<HostState>, limits: &Limits) {
    store.limiter(|state| state);
    if store.data().seam.on(Mutant::ReallocOutsideDeadline) {
        // Counts the host's entries into wasm after instantiation: the first two of a
        // component call are its `realloc`s, lowering the two strings.
        store.call_hook(|mut ctx, hook| {
            if matches!(hook, wasmtime::CallHook::CallingWasm) {
                if let Some(n) = ctx.data_mut().seam.wasm_entries.as_mut() {
                    *n += 1;
                }
            }
            Ok(())
        });
    }
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(|mut ctx| {
        let state = ctx.data_mut();
        if state.cancel.as_ref().is_some_and(CancelToken::is_cancelled) {
            state.stop = Some(Stop::Cancelled);
            return Ok(UpdateDeadline::Interrupt);
        }
        let now = Instant::now();
        if state
            .seam
            .abandon_at
            .as_ref()
            .is_some_and(|(at, _)| now >= *at)
        {
            if let Some((_, answer)) = state.seam.abandon_at.take() {
                answer(state.host_calls());
            }
        }
        if now >= state.deadline {
            let lowering = state.seam.on(Mutant::ReallocOutsideDeadline)
                && state.seam.wasm_entries.is_some_and(|n| n <= 2);
            let late = if state.seam.on(Mutant::NoDeadline) || lowering {
                BACKSTOP
            } else if state.seam.on(Mutant::WatchdogLate300ms) {
                LATE_WATCHDOG
            } else {
                Duration::ZERO
            };
            if state.deadline.checked_add(late).is_some_and(|d| now >= d) {
                state.stop = Some(Stop::Timeout);
                return Ok(UpdateDeadline::Interrupt);
            }
        }
        Ok(UpdateDeadline::Continue(1))
    });
    run::fuel(store, limits);
}

pub(crate) fn run_component(
    store: &mut Store<HostState>,
    pre: &ComponentPre<HostState>,
    tool: &str,
    input: &str,
    limits: &Limits,
) -> Result<WasmStr, Failed> {
    if !store.data().seam.on(Mutant::ReallocOutsideDeadline) {
        return run::run_component(store, pre, tool, input, limits);
    }
    // As `call::component::run`, counting entries into wasm from the end of instantiation.
    arm(store, limits);
    if run::cancelled_before_start(store) {
        return Err(Failed::Instantiate(wasmtime::Error::new(Trap::Interrupt)));
    }
    let instance = pre.instantiate(&mut *store).map_err(Failed::Instantiate)?;
    store.data_mut().seam.wasm_entries = Some(0);
    let func = instance
        .get_typed_func::<(&str, &str), (WasmStr,)>(&mut *store, EXPORT)
        .map_err(|_| Failed::Export)?;
    let (result,) = func
        .call(&mut *store, (tool, input))
        .map_err(Failed::Call)?;
    Ok(result)
}

pub(crate) fn finish(
    state: HostState,
    result: wasmtime::Result<()>,
    limits: &Limits,
) -> CallOutcome {
    match state.seam.mutant {
        // A trap after a successful output write reported as success.
        Some(Mutant::TrapAfterOutputIsSuccess) => {
            if let (Err(error), Some(bytes)) = (&result, &state.output) {
                let failure = classify(error, state.stop, state.limit_hit, limits);
                if failure.code() == ErrorCode::Trap {
                    return CallOutcome {
                        result: run::parse_output(bytes, limits),
                        host_calls: state.host_calls(),
                        diagnostics: state.diagnostics_text(),
                    };
                }
            }
            run::finish(state, result, limits)
        }
        // Guest diagnostics appended to the tool result's content.
        Some(Mutant::DiagnosticsInResult) => {
            let mut outcome = run::finish(state, result, limits);
            if let (Ok(out), Some(text)) = (&mut outcome.result, &outcome.diagnostics) {
                out.content = Some(format!("{}{text}", out.content.as_deref().unwrap_or("")));
            }
            outcome
        }
        _ => run::finish(state, result, limits),
    }
}

/// `output_write`; `output-range-checked-before-cap` checks the range before the cap.
pub(crate) fn output_write(mut caller: Caller<'_, HostState>, ptr: i32, len: i32) -> i32 {
    if !caller.data().seam.on(Mutant::OutputRangeCheckedBeforeCap) {
        return imports::output_write(caller, ptr, len);
    }
    let Some(memory) = imports::memory(&mut caller) else {
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
    if len as usize > cap {
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

/// What a store holds for the self-test: the switch, and the per-call state of two mutants.
#[derive(Default)]
pub(crate) struct InStore {
    mutant: Option<Mutant>,
    /// `guest-abandoned`: when to answer `timeout` (with the evidence so far) while the guest
    /// runs on.
    abandon_at: Option<(Instant, AbandonAnswer)>,
    /// `realloc-outside-deadline`: entries into wasm since the component was instantiated
    /// (`None` before), so it can tell the argument lowering from the call.
    wasm_entries: Option<u32>,
}

impl InStore {
    fn on(&self, mutant: Mutant) -> bool {
        self.mutant == Some(mutant)
    }

    /// `no-wrap-check`: the range's end computed modulo 2^32.
    pub(crate) fn range(&self, size: usize, ptr: i32, len: i32) -> Option<Range<usize>> {
        if self.on(Mutant::NoWrapCheck) {
            return wrapping_range(size, ptr, len);
        }
        imports::guest_range(size, ptr, len)
    }

    pub(crate) fn first_failure_kept(&self) -> bool {
        !self.on(Mutant::FirstOutputFailureIsLast)
    }

    /// `fs-links-followed`: the path checked as a string, then opened following symlinks;
    /// `fs-hard-links-allowed`: a file with several links read and written;
    /// `fs-list-cut-before-sort`: the first 256 entries the directory yields, then sorted.
    pub(crate) fn fs_holes(&self) -> crate::host_api::fs::Holes {
        crate::host_api::fs::Holes {
            links_followed: self.on(Mutant::FsLinksFollowed),
            hard_links_allowed: self.on(Mutant::FsHardLinksAllowed),
            list_cut_before_sort: self.on(Mutant::FsListCutBeforeSort),
            operations_unchecked: self.on(Mutant::FsOperationsUnchecked),
        }
    }

    /// The network mutants, one hole each (`host_api::net::wire::Holes`).
    pub(crate) fn net_holes(&self) -> crate::host_api::net::wire::Holes {
        crate::host_api::net::wire::Holes {
            any_port: self.on(Mutant::NetPortIgnored),
            string_prefix: self.on(Mutant::NetPathStringPrefix),
            no_address_policy: self.on(Mutant::NetAddressPolicyOff),
            resolved_again: self.on(Mutant::NetResolvedAgain),
            headers_unchecked: self.on(Mutant::NetGuestHeadersPassed),
            outside_budget: self.on(Mutant::HostCallsOutsideBudget),
            redirects_followed: self.on(Mutant::NetRedirectsFollowed),
            body_unbounded: self.on(Mutant::NetResponseUnbounded),
        }
    }

    /// `host-calls-outside-budget`: the host call runs on the call's own thread to its end,
    /// never told it was abandoned, as the originating host runs it.
    pub(crate) fn host_work<T: Send + 'static>(
        &self,
        budget: &Budget,
        work: impl FnOnce(Abandoned) -> T + Send + 'static,
    ) -> Result<T, Over> {
        if self.on(Mutant::HostCallsOutsideBudget) {
            return Ok(work(Abandoned::default()));
        }
        budget.run(work)
    }

    /// `host-calls-outside-budget`: the answer goes back to the guest whenever it arrives.
    pub(crate) fn after_host_work(&self, budget: &Budget) -> Result<(), Over> {
        if self.on(Mutant::HostCallsOutsideBudget) {
            return Ok(());
        }
        budget.check()
    }

    pub(crate) fn memory_counted(&self, total: usize, desired: usize) -> usize {
        if self.on(Mutant::MemoryCapPerInstance) {
            return desired;
        }
        total
    }

    pub(crate) fn declared_table_max_kept(&self) -> bool {
        !self.on(Mutant::TableDeclaredMaxIsLimit)
    }

    pub(crate) fn classify(
        &self,
        error: &wasmtime::Error,
        stop: Option<Stop>,
        limit: Option<LimitHit>,
        limits: &Limits,
    ) -> Error {
        let error = classify(error, stop, limit, limits);
        if !self.on(Mutant::TimeoutCancelSwapped) {
            return error;
        }
        match error.code() {
            ErrorCode::Timeout => over_error(super::budget::Over::Cancelled, limits),
            ErrorCode::Cancelled => over_error(super::budget::Over::Timeout, limits),
            _ => error,
        }
    }

    pub(crate) fn string_cap(&self, limits: &Limits) -> usize {
        if self.on(Mutant::StringLiftedBeforeCap) {
            return usize::MAX;
        }
        limits.output_bytes
    }

    pub(crate) fn parse_output(&self, bytes: &[u8], limits: &Limits) -> Result<ToolOutput, Error> {
        if self.on(Mutant::OutputArrayAccepted) {
            return parse_accepting_arrays(bytes, limits.summary_bytes);
        }
        run::parse_output(bytes, limits)
    }
}

/// The range a wrap-around bug computes: the end taken modulo 2^32.
fn wrapping_range(size: usize, ptr: i32, len: i32) -> Option<Range<usize>> {
    if len < 0 {
        return None;
    }
    let start = ptr as u32 as usize;
    let end = (ptr as u32).wrapping_add(len as u32);
    (end as usize <= size).then(|| start..start + len as usize)
}

/// `output-array-accepted`: a serde-derived struct, which also takes a JSON array field by
/// field. Only an array goes this way; everything else is read as usual.
fn parse_accepting_arrays(bytes: &[u8], summary_bytes: usize) -> Result<ToolOutput, Error> {
    #[derive(serde::Deserialize)]
    struct Fields {
        summary: String,
        #[serde(default)]
        content: Option<String>,
    }
    match serde_json::from_slice::<Fields>(bytes) {
        Ok(Fields { summary, content }) if bytes.first() == Some(&b'[') => {
            Ok(ToolOutput { summary, content })
        }
        _ => output::parse(bytes, summary_bytes),
    }
}
