//! The input contract, checked inside the call's budget before any guest code runs: the size
//! cap in bytes, JSON syntax, then the tool's schema. On the caller's thread when what runs
//! there between two looks at the budget is short (the validation ends at its next subschema
//! once the deadline passed or the call was cancelled), else on a worker the call waits for
//! only within its budget, which ends the validation at its next subschema once the call stops
//! waiting. A thread per call costs more than validating most inputs.

use super::budget::Budget;
use super::classify::over_error;
use super::limits::Limits;
use super::schema::{self, InputSchema, Watch};
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
        let checked = parse_and_validate(schema, input, Some(Watch::Caller(budget.clone())));
        // A validation its watch stopped answers with the budget's code, never its own.
        budget.check().map_err(|over| over_error(over, limits))?;
        return checked;
    }
    let tools = tools.clone();
    let input = input.to_owned();
    budget
        .run(move |abandoned| {
            let watch = Some(Watch::Worker(abandoned));
            parse_and_validate(&tools[index].schema, &input, watch)
        })
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
/// `watch` ends the validation early (`None`: it runs to its answer, which only the kit's
/// mutants do).
pub(crate) fn parse_and_validate(
    schema: &InputSchema,
    input: &str,
    watch: Option<Watch>,
) -> Result<(), Error> {
    let value = parse(input)?;
    match watch {
        Some(watch) => schema::check_until(&schema.validator, &value, watch),
        None => schema::check(&schema.validator, &value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::{Duration, Instant};

    fn tools(schema: serde_json::Value) -> Arc<[LoadedTool]> {
        let schema = schema::compile("t", &schema).expect("a valid schema");
        Arc::new([LoadedTool {
            name: "t".into(),
            schema,
        }])
    }

    /// One subschema per array item, an `enum` of 9,000 strings (a manifest of about 60 KiB)
    /// and then 0: within the load-time fan-out bound and short enough to run on the caller's
    /// thread, yet seconds of validation for 32,000 items. The call still answers `timeout` at its deadline (and
    /// `cancelled` at a cancel), because the validation on the caller's thread is watched.
    #[test]
    fn a_cheap_looking_schema_is_still_stopped_on_the_caller_s_thread() {
        let mut values: Vec<serde_json::Value> =
            (0..9_000).map(|i| json!(format!("{i:x}"))).collect();
        values.push(json!(0));
        let tools = tools(json!({"type": "array", "items": {"enum": values}}));
        let input = format!("[{}0]", "0,".repeat(31_999));
        assert!(input.len() <= 64 * 1024);
        assert!(
            tools[0].schema.inline(input.len()),
            "runs on the caller's thread"
        );
        let limits = Limits {
            deadline: Duration::from_millis(20),
            ..Limits::default()
        };
        let budget = Budget::start(limits.deadline, None);
        let started = Instant::now();
        let checked = check(&tools, 0, &input, &limits, &budget);
        let took = started.elapsed();
        assert_eq!(checked.map_err(|e| e.code()), Err(ErrorCode::Timeout));
        assert!(
            took < Duration::from_secs(2),
            "answered {took:?} after it started"
        );

        let cancel = crate::call::CancelToken::new();
        let budget = Budget::start(Duration::from_secs(60), Some(cancel.clone()));
        let canceller = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            cancel.cancel();
        });
        let started = Instant::now();
        let checked = check(&tools, 0, &input, &limits, &budget);
        let took = started.elapsed();
        canceller.join().unwrap();
        assert_eq!(checked.map_err(|e| e.code()), Err(ErrorCode::Cancelled));
        assert!(
            took < Duration::from_secs(2),
            "answered {took:?} after it started"
        );

        // Valid and invalid inputs still get their verdicts.
        let long = Limits::default();
        let budget = Budget::start(Duration::from_secs(60), None);
        assert!(check(&tools, 0, "[0, \"1f\"]", &long, &budget).is_ok());
        let refused = check(&tools, 0, "[1]", &long, &budget).map_err(|e| e.code());
        assert_eq!(refused, Err(ErrorCode::InputSchemaMismatch));
    }
}
