//! One tool call: input checks, a fresh store and instance, the guest run in fuel slices with
//! the clock and the cancel flag checked between slices, then the outcome classified.
//!
//! wasmi has no epoch interruption. A call runs `yoi_tool_call` resumably: each slice gets a
//! bounded amount of fuel, and when it runs out the runtime looks at the clock and the cancel
//! flag before handing out more, so a runaway guest is stopped (its store dropped), never left
//! running. A start function cannot be resumed, so instantiation is retried on a fresh store
//! with a growing fuel allowance instead (see [`instantiate`]).

use crate::error::{Code, Error};
use crate::host::{HostLimits, HostState, LimitHit, Watch};
use crate::module::Checked;
use crate::output;
use crate::protocol::{self, Limits};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmi::{Instance, Linker, Store, TrapCode, TypedResumableCall};

/// Fuel per slice: small enough that a slice ends within a few milliseconds, so a deadline or a
/// cancellation is noticed promptly; large enough that checking between slices costs nothing.
const SLICE: u64 = 1_000_000;
/// The first fuel allowance of an instantiation (which runs any start function).
const FIRST_START_FUEL: u64 = 1_000_000;

/// Why the runtime, not the guest, ended a call.
enum Stop {
    Timeout,
    Cancelled,
    Fuel,
}

/// The call's fuel budget and clock: what decides, between slices, whether the guest goes on.
struct Meter<'a> {
    deadline: Instant,
    cancel: &'a AtomicBool,
    /// Fuel the request allows and has not been used yet; `None` without a budget.
    budget_left: Option<u64>,
}

impl Meter<'_> {
    fn stop(&self) -> Option<Stop> {
        if self.cancel.load(Ordering::SeqCst) {
            Some(Stop::Cancelled)
        } else if Instant::now() >= self.deadline {
            Some(Stop::Timeout)
        } else {
            None
        }
    }

    /// The next slice, or why there is none: the guest needs `required` fuel to make progress.
    fn next_slice(&self, required: u64) -> Result<u64, Stop> {
        if let Some(stop) = self.stop() {
            return Err(stop);
        }
        let want = SLICE.max(required);
        match self.budget_left {
            Some(left) if left < required.max(1) => Err(Stop::Fuel),
            Some(left) => Ok(want.min(left)),
            None => Ok(want),
        }
    }

    fn spend(&mut self, used: u64) {
        if let Some(left) = &mut self.budget_left {
            *left = left.saturating_sub(used);
        }
    }
}

/// What the adapter reports for a call.
pub struct Outcome {
    pub result: Result<serde_json::Value, Error>,
    pub state: Option<HostState>,
}

impl Outcome {
    /// The call's outcome as the protocol reports it: the result, and the host state's evidence
    /// counters and diagnostics when the guest ran. Here rather than in `protocol`, which knows
    /// only the wire format: the call reads the protocol's limits, never the other way round.
    pub fn into_protocol(self, limits: &Limits) -> protocol::Outcome {
        let mut outcome = match &self.result {
            Ok(output) => protocol::Outcome {
                status: "ok",
                output: Some(output.clone()),
                error: None,
                host_calls: BTreeMap::new(),
                host_call_failures: BTreeMap::new(),
                diagnostics: None,
            },
            Err(e) => protocol::Outcome::error(e, limits),
        };
        if let Some(state) = self.state {
            (outcome.host_calls, outcome.host_call_failures) = state.counts();
            outcome.diagnostics = state.diagnostics_text();
        }
        outcome
    }
}

pub struct Tool {
    pub name: String,
    pub validator: Arc<jsonschema::Validator>,
}

/// Validation workers alive in this process (abandoned ones included).
static WORKERS: AtomicUsize = AtomicUsize::new(0);
/// The most validation workers that may exist at once (SPEC §6).
const MAX_WORKERS: usize = 64;
/// How often a call waiting for its validation worker looks at the cancel flag.
const POLL: Duration = Duration::from_millis(2);

/// Validating an input is host work of the call (SPEC §2.3, §6): it runs on a worker the call
/// waits for only within its deadline and until cancelled. An abandoned worker is not stopped
/// here: it ends with the adapter process, which exits right after its answer (README).
fn validate_within(
    tool: &Tool,
    value: serde_json::Value,
    deadline: Instant,
    cancel: &AtomicBool,
    limits: &Limits,
) -> Result<(), Error> {
    if WORKERS.fetch_add(1, Ordering::SeqCst) >= MAX_WORKERS {
        WORKERS.fetch_sub(1, Ordering::SeqCst);
        return Err(Error::new(
            Code::ResourceExhausted,
            "too many input validations are running in this runtime",
        ));
    }
    let (send, receive) = std::sync::mpsc::channel();
    let validator = tool.validator.clone();
    let spawned = std::thread::Builder::new().spawn(move || {
        let result = crate::schema::check(&validator, &value);
        WORKERS.fetch_sub(1, Ordering::SeqCst);
        let _ = send.send(result);
    });
    if spawned.is_err() {
        WORKERS.fetch_sub(1, Ordering::SeqCst);
        return Err(Error::new(
            Code::ResourceExhausted,
            "the runtime could not start an input validation",
        ));
    }
    loop {
        if cancel.load(Ordering::SeqCst) {
            return Err(classify_stop(Stop::Cancelled, limits));
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(classify_stop(Stop::Timeout, limits));
        }
        match receive.recv_timeout(left.min(POLL)) {
            Ok(result) => return result,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err(Error::new(
                    Code::ResourceExhausted,
                    "the input validation ended without a verdict",
                ))
            }
        }
    }
}

fn check_input(
    tool: &Tool,
    input: &str,
    limits: &Limits,
    deadline: Instant,
    cancel: &AtomicBool,
) -> Result<(), Error> {
    if input.len() > limits.input_bytes {
        return Err(Error::new(
            Code::InputTooLarge,
            format!(
                "the tool input is {} bytes, over the {}-byte cap",
                input.len(),
                limits.input_bytes
            ),
        )
        .with("input_bytes", input.len() as u64)
        .with("limit", limits.input_bytes as u64));
    }
    let value: serde_json::Value = serde_json::from_str(input).map_err(|e| {
        Error::new(
            Code::InputMalformed,
            format!("the tool input is not JSON: {e}"),
        )
    })?;
    validate_within(tool, value, deadline, cancel, limits)
}

pub fn call(
    checked: &Checked,
    linker: &Linker<HostState>,
    tools: &[Tool],
    tool: &str,
    input: &str,
    limits: &Limits,
    cancel: &Arc<AtomicBool>,
) -> Outcome {
    let early = |error| Outcome {
        result: Err(error),
        state: None,
    };
    let Some(found) = tools.iter().find(|t| t.name == tool) else {
        return early(
            Error::new(
                Code::ToolUnknown,
                format!("the plugin has no tool named {tool}"),
            )
            .with("tool", tool),
        );
    };
    // The deadline starts with the call: input validation is inside it.
    let now = Instant::now();
    // A deadline too far to represent is as good as none, and must not panic the host.
    let deadline = now
        .checked_add(Duration::from_millis(limits.deadline_ms))
        .unwrap_or(now + Duration::from_secs(u64::from(u32::MAX)));
    if let Err(e) = check_input(found, input, limits, deadline, cancel) {
        return early(e);
    }
    let host_limits = HostLimits {
        output_bytes: limits.output_bytes,
        memory_bytes: limits.memory_bytes,
        table_elements: limits.table_elements,
        diagnostic_bytes: limits.diagnostic_bytes,
    };
    let mut meter = Meter {
        deadline,
        cancel,
        budget_left: limits.fuel,
    };
    let watch = Watch {
        deadline: meter.deadline,
        cancel: cancel.clone(),
    };
    let fresh = || {
        let state = HostState::new(tool, input, host_limits, Some(watch.clone()));
        let mut store = Store::new(linker.engine(), state);
        store.limiter(|state| state);
        store
    };
    let (mut store, instance) = instantiate(checked, linker, &fresh, &mut meter);
    let result = instance.and_then(|instance| run(&mut store, instance, &mut meter));
    let state = std::mem::replace(store.data_mut(), HostState::new("", "", host_limits, None));
    let result = match result {
        Ok(()) => match (&state.poisoned, &state.output) {
            (Some(error), _) => Err(error.clone()),
            (None, None) => Err(Error::new(
                Code::OutputMissing,
                "the guest returned without writing any output",
            )),
            (None, Some(bytes)) => output::parse(bytes, limits.summary_bytes),
        },
        // Output written before a trap or a stop is discarded.
        Err(failure) => Err(classify(failure, state.limit_hit, limits)),
    };
    Outcome {
        result,
        state: Some(state),
    }
}

/// How a run ended when it did not return.
enum Failure {
    Stopped(Stop),
    Wasm(wasmi::Error),
}

type Fresh<'a> = dyn Fn() -> Store<HostState> + 'a;

/// Instantiates (running any start function) within the call's deadline, cancel flag and
/// fuel budget.
///
/// A start function that runs out of fuel cannot be resumed, so an attempt that runs out is
/// thrown away with its store and instantiation is repeated from scratch on a fresh store with
/// twice the fuel, as long as the clock, the cancel flag and the budget allow. Each attempt is
/// a complete, deterministic re-run that no guest can tell from a single run (the host state is
/// fresh), and doubling keeps the total work within about twice that of the last attempt. The
/// next allowance is also capped by what the measured speed can burn before the deadline, so the
/// last attempt ends close to it; when even that allowance cannot beat the one that just ran
/// out, the start function cannot finish in time and the call is a `timeout` right away.
fn instantiate(
    checked: &Checked,
    linker: &Linker<HostState>,
    fresh: &Fresh<'_>,
    meter: &mut Meter<'_>,
) -> (Store<HostState>, Result<Instance, Failure>) {
    let began = Instant::now();
    let mut burnt = 0u64;
    let mut allowance = match meter.budget_left {
        Some(left) => FIRST_START_FUEL.min(left),
        None => FIRST_START_FUEL,
    };
    loop {
        let mut store = fresh();
        if let Some(stop) = meter.stop() {
            return (store, Err(Failure::Stopped(stop)));
        }
        // `set_fuel` fails only on an engine without fuel metering, and this one meters.
        let _ = store.set_fuel(allowance);
        match linker.instantiate_and_start(&mut store, &checked.module) {
            Ok(instance) => {
                let left = store.get_fuel().unwrap_or(0);
                meter.spend(allowance.saturating_sub(left));
                return (store, Ok(instance));
            }
            Err(e) if e.as_trap_code() == Some(TrapCode::OutOfFuel) => {
                burnt += allowance;
                // The clock and the flag first: a host function ends the allowance early (no
                // fuel left) when the call is due to stop, which is no sign of a spent budget.
                if let Some(stop) = meter.stop() {
                    return (store, Err(Failure::Stopped(stop)));
                }
                if meter.budget_left.is_some_and(|left| allowance >= left) {
                    return (store, Err(Failure::Stopped(Stop::Fuel)));
                }
                let elapsed = began.elapsed().as_secs_f64().max(1e-6);
                let remaining = meter
                    .deadline
                    .saturating_duration_since(Instant::now())
                    .as_secs_f64();
                let affordable = (burnt as f64 / elapsed * remaining) as u64;
                let next = allowance.saturating_mul(2).min(affordable);
                if next <= allowance {
                    return (store, Err(Failure::Stopped(Stop::Timeout)));
                }
                allowance = match meter.budget_left {
                    Some(left) => next.min(left),
                    None => next,
                };
            }
            Err(e) => return (store, Err(Failure::Wasm(e))),
        }
    }
}

/// Runs `yoi_tool_call` in fuel slices until it returns, traps, or the meter stops it.
fn run(
    store: &mut Store<HostState>,
    instance: Instance,
    meter: &mut Meter<'_>,
) -> Result<(), Failure> {
    let entry = instance
        .get_typed_func::<(), ()>(&mut *store, "yoi_tool_call")
        .map_err(Failure::Wasm)?;
    let mut given = meter.next_slice(0).map_err(Failure::Stopped)?;
    let _ = store.set_fuel(given);
    let mut call = entry
        .call_resumable(&mut *store, ())
        .map_err(Failure::Wasm)?;
    loop {
        match call {
            TypedResumableCall::Finished(()) => return Ok(()),
            TypedResumableCall::OutOfFuel(paused) => {
                let left = store.get_fuel().unwrap_or(0);
                meter.spend(given.saturating_sub(left));
                given = meter
                    .next_slice(paused.required_fuel())
                    .map_err(Failure::Stopped)?;
                let _ = store.set_fuel(given);
                call = paused.resume(&mut *store).map_err(Failure::Wasm)?;
            }
            // Host functions here never return errors, so nothing can pause on one; if it did,
            // the call fails rather than resuming with made-up results.
            TypedResumableCall::HostTrap(_) => {
                return Err(Failure::Wasm(wasmi::Error::new("a host function failed")));
            }
        }
    }
}

fn classify_stop(stop: Stop, limits: &Limits) -> Error {
    match stop {
        Stop::Timeout => Error::new(
            Code::Timeout,
            format!(
                "the tool call exceeded its {} ms deadline",
                limits.deadline_ms
            ),
        )
        .with("deadline_ms", limits.deadline_ms),
        Stop::Cancelled => Error::new(Code::Cancelled, "the tool call was cancelled by the host"),
        Stop::Fuel => Error::new(
            Code::FuelExhausted,
            "the tool call used up its instruction budget",
        )
        .with("fuel", limits.fuel.unwrap_or(0)),
    }
}

fn classify(failure: Failure, limit: Option<LimitHit>, limits: &Limits) -> Error {
    let error = match failure {
        Failure::Stopped(stop) => return classify_stop(stop, limits),
        Failure::Wasm(error) => error,
    };
    match limit {
        Some(LimitHit::Memory) => {
            return Error::new(
                Code::MemoryLimit,
                format!(
                    "the guest's memory would exceed the {}-byte cap",
                    limits.memory_bytes
                ),
            )
            .with("limit", limits.memory_bytes as u64)
        }
        Some(LimitHit::Table) => {
            return Error::new(
                Code::TableLimit,
                format!(
                    "the guest's table would exceed the {}-element cap",
                    limits.table_elements
                ),
            )
            .with("limit", limits.table_elements as u64)
        }
        None => {}
    }
    let name = match trap_code(&error) {
        Some(TrapCode::StackOverflow) => {
            return Error::new(Code::StackOverflow, "the guest exhausted its call stack")
        }
        Some(TrapCode::OutOfFuel) => {
            return Error::new(
                Code::FuelExhausted,
                "the tool call used up its instruction budget",
            )
            .with("fuel", limits.fuel.unwrap_or(0))
        }
        Some(TrapCode::UnreachableCodeReached) => "unreachable",
        Some(TrapCode::MemoryOutOfBounds) => "memory_out_of_bounds",
        Some(TrapCode::TableOutOfBounds) => "table_out_of_bounds",
        Some(TrapCode::IndirectCallToNull) => "indirect_call_to_null",
        Some(TrapCode::BadSignature) => "bad_signature",
        Some(TrapCode::IntegerOverflow) => "integer_overflow",
        Some(TrapCode::IntegerDivisionByZero) => "integer_divide_by_zero",
        Some(TrapCode::BadConversionToInteger) => "bad_conversion_to_integer",
        _ => "other",
    };
    Error::new(
        Code::Trap,
        format!("the guest trapped: {}", name.replace('_', " ")),
    )
    .with("trap", name)
}

/// The trap behind an error, including the instantiation failure the WebAssembly spec defines
/// as a trap (an element segment that does not fit its table), told apart by variant.
fn trap_code(error: &wasmi::Error) -> Option<TrapCode> {
    use wasmi::errors::{ErrorKind, InstantiationError};
    if let Some(code) = error.as_trap_code() {
        return Some(code);
    }
    match error.kind() {
        ErrorKind::Instantiation(InstantiationError::ElementSegmentDoesNotFit { .. }) => {
            Some(TrapCode::TableOutOfBounds)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meter(cancel: &AtomicBool, deadline_ms: u64, budget: Option<u64>) -> Meter<'_> {
        Meter {
            deadline: Instant::now() + Duration::from_millis(deadline_ms),
            cancel,
            budget_left: budget,
        }
    }

    #[test]
    fn a_slice_is_bounded_but_never_smaller_than_the_next_step_needs() {
        let flag = AtomicBool::new(false);
        assert_eq!(meter(&flag, 60_000, None).next_slice(0).ok(), Some(SLICE));
        assert_eq!(
            meter(&flag, 60_000, None).next_slice(3 * SLICE).ok(),
            Some(3 * SLICE)
        );
        assert_eq!(meter(&flag, 60_000, Some(10)).next_slice(0).ok(), Some(10));
    }

    #[test]
    fn a_budget_that_cannot_pay_the_next_step_is_exhausted() {
        let flag = AtomicBool::new(false);
        assert!(matches!(
            meter(&flag, 60_000, Some(0)).next_slice(0),
            Err(Stop::Fuel)
        ));
        assert!(matches!(
            meter(&flag, 60_000, Some(5)).next_slice(6),
            Err(Stop::Fuel)
        ));
        let mut m = meter(&flag, 60_000, Some(100));
        m.spend(100);
        assert!(matches!(m.next_slice(0), Err(Stop::Fuel)));
    }

    #[test]
    fn cancellation_wins_over_the_deadline_and_both_over_the_budget() {
        let flag = AtomicBool::new(true);
        assert!(matches!(
            meter(&flag, 0, Some(0)).next_slice(0),
            Err(Stop::Cancelled)
        ));
        let flag = AtomicBool::new(false);
        assert!(matches!(
            meter(&flag, 0, Some(0)).next_slice(0),
            Err(Stop::Timeout)
        ));
    }
}
