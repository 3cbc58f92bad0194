//! An engine failure to a stable code, by its type.

use super::call::over_error;
use super::Runtime;
use crate::budget::Over;
use crate::error::{Error, ErrorCode};
use crate::host::{LimitHit, Stop};
use crate::limits::Limits;
use crate::mutants::Mutant;
use wasmtime::Trap;

/// Maps an engine failure to a code by its type (trap code, our own limit marker, the pool's
/// error), never by its text.
pub(super) fn classify(
    error: &wasmtime::Error,
    stop: Option<Stop>,
    limit: Option<LimitHit>,
    limits: &Limits,
    runtime: &Runtime,
) -> Error {
    let swapped = runtime.mutant(Mutant::TimeoutCancelSwapped);
    let timeout = || over_error(Over::Timeout, limits);
    let cancelled = || over_error(Over::Cancelled, limits);
    if let Some(trap) = error.downcast_ref::<Trap>() {
        if *trap == Trap::Interrupt {
            return match (stop.unwrap_or(Stop::Timeout), swapped) {
                (Stop::Timeout, false) | (Stop::Cancelled, true) => timeout(),
                (Stop::Cancelled, false) | (Stop::Timeout, true) => cancelled(),
            };
        }
    }
    if let Some(hit) = limit {
        let (code, what, cap, unit) = match hit {
            LimitHit::Memory => (
                ErrorCode::MemoryLimit,
                "memory",
                limits.memory_bytes,
                "byte",
            ),
            LimitHit::Table => (
                ErrorCode::TableLimit,
                "table",
                limits.table_elements,
                "element",
            ),
        };
        let message = format!("the guest's {what} would exceed the {cap}-{unit} cap");
        return Error::new(code, message).with("limit", cap as u64);
    }
    if error
        .downcast_ref::<wasmtime::PoolConcurrencyLimitError>()
        .is_some()
    {
        return Error::new(
            ErrorCode::ResourceExhausted,
            "the runtime is running as many calls as it allows; try again later",
        );
    }
    let Some(trap) = error.downcast_ref::<Trap>() else {
        return Error::new(ErrorCode::Trap, "the guest failed in an unexpected way")
            .with("trap", "other");
    };
    let (code, name) = match trap {
        Trap::OutOfFuel => {
            return Error::new(
                ErrorCode::FuelExhausted,
                "the tool call used up its instruction budget",
            )
            .with("fuel", limits.fuel.unwrap_or(0))
        }
        Trap::StackOverflow => {
            return Error::new(
                ErrorCode::StackOverflow,
                "the guest exhausted its call stack",
            )
        }
        Trap::UnreachableCodeReached => (ErrorCode::Trap, "unreachable"),
        Trap::MemoryOutOfBounds => (ErrorCode::Trap, "memory_out_of_bounds"),
        Trap::TableOutOfBounds => (ErrorCode::Trap, "table_out_of_bounds"),
        Trap::IndirectCallToNull => (ErrorCode::Trap, "indirect_call_to_null"),
        Trap::BadSignature => (ErrorCode::Trap, "bad_signature"),
        Trap::IntegerOverflow => (ErrorCode::Trap, "integer_overflow"),
        Trap::IntegerDivisionByZero => (ErrorCode::Trap, "integer_divide_by_zero"),
        Trap::BadConversionToInteger => (ErrorCode::Trap, "bad_conversion_to_integer"),
        Trap::NullReference => (ErrorCode::Trap, "null_reference"),
        Trap::ArrayOutOfBounds => (ErrorCode::Trap, "array_out_of_bounds"),
        _ => (ErrorCode::Trap, "other"),
    };
    Error::new(
        code,
        format!("the guest trapped: {}", name.replace('_', " ")),
    )
    .with("trap", name)
}
