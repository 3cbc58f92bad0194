//! The JSON of `docs/ADAPTER.md`, protocol 1, as this binary reads and writes it.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;
use toolcage_runtime::{CallOutcome, Limits};

pub const PROTOCOL: u32 = 1;

/// Reads a request. serde-derived structs also read a JSON array by field order, so the
/// objects of the protocol are checked to be objects first.
pub fn parse_request(text: &str) -> Result<Request, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let object = value
        .as_object()
        .ok_or("the request is not a JSON object")?;
    if object.get("limits").is_some_and(|l| !l.is_object()) {
        return Err("limits is not a JSON object".into());
    }
    let calls = object.get("calls").and_then(serde_json::Value::as_array);
    if calls.is_some_and(|calls| calls.iter().any(|c| !c.is_object())) {
        return Err("a call is not a JSON object".into());
    }
    serde_json::from_value(value).map_err(|e| e.to_string())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub protocol: u32,
    pub package: PathBuf,
    pub digest: String,
    /// The package's profile (`component`, absent for `core`): informative, since the runtime
    /// reads `runtime.kind` from the manifest, which alone decides.
    #[serde(default, rename = "profile")]
    pub _profile: Option<String>,
    /// Sent only to adapters that declare `package_zip`: the package as an archive, which this
    /// adapter loads instead of the directory.
    #[serde(default)]
    pub package_zip: Option<PathBuf>,
    #[serde(default)]
    pub limits: LimitOverrides,
    pub calls: Vec<CallRequest>,
    /// With the `disk_cache` capability: the compiled-code cache directory for this request.
    #[serde(default)]
    pub cache_dir: Option<PathBuf>,
    /// The file holding the cache key for `cache_dir`.
    #[serde(default)]
    pub cache_key_file: Option<PathBuf>,
    /// With the `host_api_fs` capability: the host's grants, `[[grant]]` tables as JSON.
    #[serde(default)]
    pub grants: Option<serde_json::Value>,
    /// With the `host_api_net` capability: how names resolve for this request (name ->
    /// answers, lookup by lookup).
    #[serde(default)]
    pub names: Option<BTreeMap<String, Vec<Vec<IpAddr>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallRequest {
    pub tool: String,
    pub input: String,
    #[serde(default)]
    pub cancel_after_ms: Option<u64>,
    /// Load this package (with `digest`) for this call instead of the request's.
    #[serde(default)]
    pub package: Option<PathBuf>,
    #[serde(default)]
    pub digest: Option<String>,
    /// With `package` and the `package_zip` capability: that package as an archive.
    #[serde(default)]
    pub package_zip: Option<PathBuf>,
}

/// Limit overrides: the same keys on the wire and as command-line flags.
#[derive(Deserialize, Default, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct LimitOverrides {
    /// Largest input, bytes.
    #[arg(long)]
    pub input_bytes: Option<usize>,
    /// Largest output, bytes.
    #[arg(long)]
    pub output_bytes: Option<usize>,
    /// Largest summary, bytes.
    #[arg(long)]
    pub summary_bytes: Option<usize>,
    /// Wall-clock deadline, milliseconds.
    #[arg(long)]
    pub deadline_ms: Option<u64>,
    /// Largest linear memory, bytes.
    #[arg(long)]
    pub memory_bytes: Option<usize>,
    /// Largest table, elements.
    #[arg(long)]
    pub table_elements: Option<usize>,
    /// Largest module file, bytes.
    #[arg(long)]
    pub module_bytes: Option<usize>,
    /// Longest error message, bytes.
    #[arg(long)]
    pub message_bytes: Option<usize>,
    /// Most diagnostic bytes kept.
    #[arg(long)]
    pub diagnostic_bytes: Option<usize>,
    /// Instruction budget.
    #[arg(long)]
    pub fuel: Option<u64>,
}

impl LimitOverrides {
    pub fn apply(&self, mut l: Limits) -> Limits {
        let set = |slot: &mut usize, v: Option<usize>| {
            if let Some(v) = v {
                *slot = v;
            }
        };
        set(&mut l.input_bytes, self.input_bytes);
        set(&mut l.output_bytes, self.output_bytes);
        set(&mut l.summary_bytes, self.summary_bytes);
        set(&mut l.memory_bytes, self.memory_bytes);
        set(&mut l.table_elements, self.table_elements);
        set(&mut l.module_bytes, self.module_bytes);
        set(&mut l.message_bytes, self.message_bytes);
        set(&mut l.diagnostic_bytes, self.diagnostic_bytes);
        if let Some(ms) = self.deadline_ms {
            l.deadline = Duration::from_millis(ms);
        }
        if self.fuel.is_some() {
            l.fuel = self.fuel;
        }
        l
    }
}

#[derive(Serialize)]
pub struct Response {
    pub protocol: u32,
    pub outcomes: Vec<Outcome>,
}

#[derive(Serialize, Clone)]
pub struct Outcome {
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<serde_json::Value>,
    pub host_calls: BTreeMap<String, u64>,
    pub host_call_failures: BTreeMap<String, u64>,
    pub diagnostics: Option<String>,
}

impl Outcome {
    pub fn from_error(error: &toolcage_runtime::Error) -> Outcome {
        Outcome {
            status: "error",
            output: None,
            error: Some(error.to_json()),
            host_calls: BTreeMap::new(),
            host_call_failures: BTreeMap::new(),
            diagnostics: None,
        }
    }

    pub fn from_call(call: CallOutcome) -> Outcome {
        let mut outcome = match &call.result {
            Ok(out) => Outcome {
                status: "ok",
                output: Some(serde_json::json!({"summary": out.summary, "content": out.content})),
                error: None,
                host_calls: BTreeMap::new(),
                host_call_failures: BTreeMap::new(),
                diagnostics: None,
            },
            Err(e) => Outcome::from_error(e),
        };
        outcome.host_calls = call.host_calls.calls;
        outcome.host_call_failures = call.host_calls.failures;
        outcome.diagnostics = call.diagnostics;
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::parse_request;

    #[test]
    fn arrays_are_not_read_as_objects() {
        let good = r#"{"protocol":1,"package":"/p","digest":"d","limits":{},"calls":[{"tool":"t","input":"{}"}]}"#;
        assert!(parse_request(good).is_ok());
        for bad in [
            r#"[1,"/p","d",{},[]]"#,
            r#"{"protocol":1,"package":"/p","digest":"d","limits":[1],"calls":[]}"#,
            r#"{"protocol":1,"package":"/p","digest":"d","calls":[["t","{}"]]}"#,
        ] {
            assert!(parse_request(bad).is_err(), "{bad}");
        }
    }
}
