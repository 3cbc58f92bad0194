//! Tool input schemas: compiled at load, never allowed to fetch or read what they refer to.

use crate::error::{Code, Error};
use crate::schema_bound::Refusal;
use jsonschema::{Draft, Retrieve, Uri, Validator};
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

/// The draft `schema` is read in (docs/SPEC.md 2.3): 2020-12 without `$schema`, else the draft
/// its `$schema` names; `None` for any other. Not left to jsonschema, whose default and whose
/// reading of the version-less URI follow its version.
fn draft_of(schema: &Value) -> Option<Draft> {
    let Some(named) = schema.as_object().and_then(|o| o.get("$schema")) else {
        return Some(Draft::Draft202012);
    };
    let uri = named.as_str()?;
    let uri = uri.strip_suffix('#').unwrap_or(uri);
    let path = uri
        .strip_prefix("https://json-schema.org/")
        .or_else(|| uri.strip_prefix("http://json-schema.org/"))?;
    match path {
        "draft/2020-12/schema" => Some(Draft::Draft202012),
        "draft/2019-09/schema" => Some(Draft::Draft201909),
        "draft-07/schema" => Some(Draft::Draft7),
        "draft-06/schema" => Some(Draft::Draft6),
        "draft-04/schema" => Some(Draft::Draft4),
        _ => None,
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
    let draft = draft_of(schema).ok_or_else(|| {
        Error::new(
            Code::ManifestInvalid,
            format!("the input_schema of tool {tool} names in $schema a JSON Schema draft this runtime does not read"),
        )
        .with("tool", tool)
        .with("reason", "unknown_draft")
    })?;
    let asked = Arc::new(AtomicBool::new(false));
    jsonschema::options()
        .with_draft(draft)
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
