//! The JSON of docs/ADAPTER.md, protocol 1, read and written with this adapter's own types.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

pub const PROTOCOL: u32 = 1;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub protocol: u32,
    pub package: PathBuf,
    pub digest: String,
    #[serde(default)]
    pub limits: LimitOverrides,
    pub calls: Vec<CallRequest>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallRequest {
    pub tool: String,
    pub input: String,
    #[serde(default)]
    pub cancel_after_ms: Option<u64>,
    #[serde(default)]
    pub package: Option<PathBuf>,
    #[serde(default)]
    pub digest: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct LimitOverrides {
    input_bytes: Option<usize>,
    output_bytes: Option<usize>,
    summary_bytes: Option<usize>,
    deadline_ms: Option<u64>,
    memory_bytes: Option<usize>,
    table_elements: Option<usize>,
    module_bytes: Option<usize>,
    message_bytes: Option<usize>,
    diagnostic_bytes: Option<usize>,
    fuel: Option<u64>,
}

/// The effective limits of a request: SPEC §8's defaults with the request's overrides.
#[derive(Clone, Debug)]
pub struct Limits {
    pub input_bytes: usize,
    pub output_bytes: usize,
    pub summary_bytes: usize,
    pub deadline_ms: u64,
    pub memory_bytes: usize,
    pub table_elements: usize,
    pub module_bytes: usize,
    pub message_bytes: usize,
    pub diagnostic_bytes: usize,
    pub fuel: Option<u64>,
}

impl LimitOverrides {
    pub fn apply(&self) -> Limits {
        Limits {
            input_bytes: self.input_bytes.unwrap_or(64 * 1024),
            output_bytes: self.output_bytes.unwrap_or(64 * 1024),
            summary_bytes: self.summary_bytes.unwrap_or(1024),
            deadline_ms: self.deadline_ms.unwrap_or(1000),
            memory_bytes: self.memory_bytes.unwrap_or(2 * 1024 * 1024),
            table_elements: self.table_elements.unwrap_or(256),
            module_bytes: self.module_bytes.unwrap_or(8 * 1024 * 1024),
            message_bytes: self.message_bytes.unwrap_or(512),
            diagnostic_bytes: self.diagnostic_bytes.unwrap_or(4 * 1024),
            fuel: self.fuel,
        }
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
    pub fn error(error: &crate::error::Error, limits: &Limits) -> Outcome {
        Outcome {
            status: "error",
            output: None,
            error: Some(error.to_json(limits.message_bytes)),
            host_calls: BTreeMap::new(),
            host_call_failures: BTreeMap::new(),
            diagnostics: None,
        }
    }
}
