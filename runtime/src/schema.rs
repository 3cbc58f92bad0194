//! Tool input schemas: compiled once at registration, never allowed to reach outside the package.
//!
//! A plugin's `input_schema` is untrusted. jsonschema is built without its HTTP and file
//! resolvers, and with a retriever that refuses everything and remembers it was asked, so an
//! external `$ref` is a clear registration error rather than a fetch.

use crate::error::{Error, ErrorCode};
use jsonschema::{Retrieve, Uri, Validator};
use serde_json::Value;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Most schema errors named in a mismatch's details.
const REPORTED_ERRORS: usize = 4;

#[derive(Default)]
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

pub(crate) fn compile(tool: &str, schema: &Value) -> Result<Validator, Error> {
    let asked = Arc::new(AtomicBool::new(false));
    let built = jsonschema::options()
        .with_retriever(RefuseAll(asked.clone()))
        .build(schema);
    built.map_err(|e| {
        let message = if asked.load(Ordering::SeqCst) {
            format!("the input_schema of tool {tool} refers to an external resource ($ref); only references inside the schema are allowed")
        } else {
            format!("the input_schema of tool {tool} is not a valid JSON Schema: {e}")
        };
        Error::new(ErrorCode::ManifestInvalid, message).with("tool", tool)
    })
}

pub(crate) fn check(validator: &Validator, input: &Value) -> Result<(), Error> {
    let errors: Vec<_> = validator.iter_errors(input).take(REPORTED_ERRORS).collect();
    let Some(first) = errors.first() else {
        return Ok(());
    };
    let paths: Vec<String> = errors
        .iter()
        .map(|e| e.instance_path().to_string())
        .collect();
    Err(Error::new(
        ErrorCode::InputSchemaMismatch,
        format!(
            "the input does not match the tool's input_schema at '{}': {first}",
            first.instance_path()
        ),
    )
    .with("paths", paths))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn external_refs_are_refused_at_compile() {
        for r in [
            "https://example.com/s.json",
            "file:///etc/passwd",
            "other.json",
        ] {
            let e = compile("t", &json!({"$ref": r})).unwrap_err();
            assert_eq!(e.code(), ErrorCode::ManifestInvalid);
            assert!(e.message().contains("external"), "{r}: {}", e.message());
        }
        compile(
            "t",
            &json!({"$defs": {"a": {"type": "string"}}, "$ref": "#/$defs/a"}),
        )
        .unwrap();
    }

    #[test]
    fn mismatch_names_paths() {
        let v = compile(
            "t",
            &json!({"type":"object","properties":{"n":{"type":"integer"}}}),
        )
        .unwrap();
        check(&v, &json!({"n": 1})).unwrap();
        let e = check(&v, &json!({"n": "x"})).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InputSchemaMismatch);
        assert_eq!(e.details()["paths"], json!(["/n"]));
    }
}
