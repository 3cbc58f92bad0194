//! A failure to a stable code: an engine failure by its type, a budget that ran out outside
//! the guest by why.

use super::budget::Over;
use super::host::{LimitHit, Stop};
use super::limits::Limits;
use crate::error::{Error, ErrorCode};
use wasmtime::Trap;

/// Maps an engine failure to a code by its type (trap code, our own limit marker, the pool's
/// error), never by its text.
pub(crate) fn classify(
    error: &wasmtime::Error,
    stop: Option<Stop>,
    limit: Option<LimitHit>,
    limits: &Limits,
) -> Error {
    if let Some(trap) = error.downcast_ref::<Trap>() {
        if *trap == Trap::Interrupt {
            return match stop.unwrap_or(Stop::Timeout) {
                Stop::Timeout => over_error(Over::Timeout, limits),
                Stop::Cancelled => over_error(Over::Cancelled, limits),
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

/// The error of a call whose budget ran out (or could not be used) outside the guest.
pub(crate) fn over_error(over: Over, limits: &Limits) -> Error {
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
