//! The input contract, checked inside the call's budget before any guest code runs: the size
//! cap in bytes, JSON syntax, then the tool's schema (inline when its worst case is known to be
//! small, else on a worker the call waits for only within its budget, which ends the validation
//! at its next subschema once the call stops waiting).

use super::budget::{Abandoned, Budget};
use super::classify::over_error;
use super::limits::Limits;
use super::schema::{self, InputSchema};
use crate::error::{Error, ErrorCode};
use std::sync::Arc;

/// A declared tool as a call needs it: its name and its compiled input schema.
pub(crate) struct LoadedTool {
    pub(crate) name: Arc<str>,
    pub(crate) schema: InputSchema,
}

/// Checks `input` for the tool at `index` of `tools`.
pub(crate) fn check(
    tools: &Arc<[LoadedTool]>,
    index: usize,
    input: &str,
    limits: &Limits,
    budget: &Budget,
) -> Result<(), Error> {
    if input.len() > limits.input_bytes {
        return Err(too_large(input, limits));
    }
    let schema = &tools[index].schema;
    if schema.inline(input.len()) {
        let checked = parse_and_validate(schema, input, None);
        budget.check().map_err(|over| over_error(over, limits))?;
        return checked;
    }
    let tools = tools.clone();
    let input = input.to_owned();
    budget
        .run(move |abandoned| parse_and_validate(&tools[index].schema, &input, Some(abandoned)))
        .map_err(|over| over_error(over, limits))?
}

/// The error of an input over the cap.
pub(crate) fn too_large(input: &str, limits: &Limits) -> Error {
    Error::new(
        ErrorCode::InputTooLarge,
        format!(
            "the tool input is {} bytes, over the {}-byte cap",
            input.len(),
            limits.input_bytes
        ),
    )
    .with("input_bytes", input.len() as u64)
    .with("limit", limits.input_bytes as u64)
}

/// The input's JSON syntax.
pub(crate) fn parse(input: &str) -> Result<serde_json::Value, Error> {
    serde_json::from_str(input).map_err(|e| {
        Error::new(
            ErrorCode::InputMalformed,
            format!("the tool input is not JSON: {e}"),
        )
    })
}

/// Input syntax, then the tool's schema: the part of a call that runs before any guest code.
/// `abandoned` is the worker's flag when this runs on one (the validation then ends early once
/// the call stops waiting), `None` on the caller's thread.
pub(crate) fn parse_and_validate(
    schema: &InputSchema,
    input: &str,
    abandoned: Option<Abandoned>,
) -> Result<(), Error> {
    let value = parse(input)?;
    match abandoned {
        Some(abandoned) => schema::check_until(&schema.validator, &value, abandoned),
        None => schema::check(&schema.validator, &value),
    }
}
