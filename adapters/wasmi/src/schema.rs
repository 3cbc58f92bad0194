//! Tool input schemas: compiled at load, never allowed to fetch or read what they refer to.

use crate::error::{Code, Error};
use crate::schema_bound::Refusal;
use jsonschema::{Retrieve, Uri, Validator};
use serde_json::Value;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Refuses every external resource and remembers that one was asked for, so the error can
/// say why the schema was refused.
struct RefuseAll(Arc<AtomicBool>);

impl Retrieve for RefuseAll {
    fn retrieve(
        &self,
        _uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        self.0.store(true, Ordering::SeqCst);
        Err("external references are refused".into())
    }
}

pub fn compile(tool: &str, schema: &Value) -> Result<Validator, Error> {
    // The bounds first: a validator may answer a meta-schema URL from a bundled copy.
    crate::schema_bound::check(schema).map_err(|refusal| {
        let (reason, why) = match refusal {
            Refusal::ExternalRef(target) => ("external_ref", format!("it refers to {target}")),
            Refusal::Unbounded(why) => ("unbounded", why),
        };
        Error::new(
            Code::ManifestInvalid,
            format!("the input_schema of tool {tool} is refused: its validation is not bounded or not self-contained"),
        )
        .with("tool", tool)
        .with("reason", reason)
        .with("why", why)
    })?;
    let asked = Arc::new(AtomicBool::new(false));
    jsonschema::options()
        .with_retriever(RefuseAll(asked.clone()))
        .build(schema)
        .map_err(|e| {
            let message = if asked.load(Ordering::SeqCst) {
                format!("the input_schema of tool {tool} refers to an external resource")
            } else {
                format!("the input_schema of tool {tool} is not a valid JSON Schema: {e}")
            };
            Error::new(Code::ManifestInvalid, message).with("tool", tool)
        })
}

/// The first (at most 4) mismatches, as JSON pointers in `details.paths`.
pub fn check(validator: &Validator, input: &Value) -> Result<(), Error> {
    let errors: Vec<_> = validator.iter_errors(input).take(4).collect();
    let Some(first) = errors.first() else {
        return Ok(());
    };
    let paths: Vec<String> = errors
        .iter()
        .map(|e| e.instance_path().to_string())
        .collect();
    Err(Error::new(
        Code::InputSchemaMismatch,
        format!(
            "the input does not match the tool's input_schema at '{}': {first}",
            first.instance_path()
        ),
    )
    .with("paths", paths))
}
