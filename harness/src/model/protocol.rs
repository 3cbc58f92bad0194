//! The JSON documents of `docs/ADAPTER.md` as serde types: the one definition shared by the trait,
//! the process adapter client and the reports, so "in-process" and "over a pipe" mean the same.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The protocol version this kit speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// What `ADAPTER describe` prints: who the runtime is and which optional extensions it has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuntimeInfo {
    /// Must be [`PROTOCOL_VERSION`]; anything else fails every case (`adapter_protocol`).
    pub protocol: u32,
    /// The runtime's name, shown in reports.
    pub name: String,
    /// The runtime's version, shown in reports.
    pub version: String,
    /// Optional extensions implemented (`fuel`, `diagnostics`) and optional parts of the
    /// protocol (`evidence`, `package_zip`); unknown names are ignored.
    #[serde(default)]
    pub capabilities: Vec<String>,
    /// How each limit can be set: a limit not listed is configurable. A runtime whose limits are
    /// constants says so here, and the kit judges its cases accordingly (docs/ADAPTER.md,
    /// "Declared limits") instead of failing every override it cannot apply.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub limits: BTreeMap<String, DeclaredLimit>,
    /// The guest profiles the runtime implements (`core`, `component`; docs/SPEC.md section
    /// 13). Absent or empty means `core` only, so runtimes written before the component profile
    /// have its cases skipped, never failed. Unknown names are ignored.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<String>,
}

/// The guest profile of a package: which `runtime.kind` its manifest declares.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// `runtime.kind = "wasm"`: a core module speaking `yoi-plugin-wasm-1`.
    #[default]
    Core,
    /// `runtime.kind = "wasm-component"`: a component of world `yoi:plugin/tool@1.0.0`.
    Component,
}

impl Profile {
    /// The name used in case headers, `describe` and requests.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Core => "core",
            Profile::Component => "component",
        }
    }

    /// Whether this is the default profile (requests leave it out).
    pub fn is_core(&self) -> bool {
        *self == Profile::Core
    }
}

/// How a runtime can set one limit, as `describe` declares it: `"configurable"`, or the one
/// value it always applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DeclaredLimit {
    /// The runtime applies whatever value the request asks for.
    Configurable(Configurable),
    /// The runtime always applies this value, whatever the request says.
    Fixed(u64),
}

/// The word `"configurable"`: a unit type so that any other string is refused when parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Configurable {
    /// `"configurable"`.
    Configurable,
}

impl DeclaredLimit {
    /// The fixed value, or `None` when the limit is configurable.
    pub fn fixed(self) -> Option<u64> {
        match self {
            DeclaredLimit::Configurable(_) => None,
            DeclaredLimit::Fixed(value) => Some(value),
        }
    }
}

impl RuntimeInfo {
    /// Whether the runtime declared `capability`.
    pub fn has(&self, capability: &str) -> bool {
        self.capabilities.iter().any(|c| c == capability)
    }

    /// Whether the runtime implements `profile` (every runtime implements `core`).
    pub fn supports(&self, profile: Profile) -> bool {
        profile == Profile::Core || self.profiles.iter().any(|p| p == profile.as_str())
    }

    /// The value the runtime always applies for `limit`, or `None` when it is configurable.
    pub fn fixed_limit(&self, limit: &str) -> Option<u64> {
        self.limits.get(limit).and_then(|l| l.fixed())
    }
}

/// Limit overrides of one case; `None` means "the runtime's default". Shared by the `[limits]`
/// case header table (hence unknown keys refused) and the request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each key is a limit of docs/ADAPTER.md, named identically
pub struct LimitOverrides {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_elements: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnostic_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fuel: Option<u64>,
}

impl LimitOverrides {
    /// The names of the limits, as on the wire and in `describe`'s `limits`.
    pub const NAMES: [&'static str; 10] = [
        "input_bytes",
        "output_bytes",
        "summary_bytes",
        "deadline_ms",
        "memory_bytes",
        "table_elements",
        "module_bytes",
        "message_bytes",
        "diagnostic_bytes",
        "fuel",
    ];

    /// The slot of the limit `name` (one of [`Self::NAMES`]).
    pub fn slot(&mut self, name: &str) -> Option<&mut Option<u64>> {
        Some(match name {
            "input_bytes" => &mut self.input_bytes,
            "output_bytes" => &mut self.output_bytes,
            "summary_bytes" => &mut self.summary_bytes,
            "deadline_ms" => &mut self.deadline_ms,
            "memory_bytes" => &mut self.memory_bytes,
            "table_elements" => &mut self.table_elements,
            "module_bytes" => &mut self.module_bytes,
            "message_bytes" => &mut self.message_bytes,
            "diagnostic_bytes" => &mut self.diagnostic_bytes,
            "fuel" => &mut self.fuel,
            _ => return None,
        })
    }

    /// The overrides that are set, by name, in [`Self::NAMES`] order.
    pub fn set(&self) -> Vec<(&'static str, u64)> {
        let mut copy = self.clone();
        Self::NAMES
            .iter()
            .filter_map(|name| Some((*name, (*copy.slot(name)?)?)))
            .collect()
    }
}

/// What `ADAPTER run` reads on stdin: one package, its pinned digest, limits, and the calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// Always [`PROTOCOL_VERSION`].
    pub protocol: u32,
    /// Absolute path of the plugin package directory.
    pub package: PathBuf,
    /// The profile the package's manifest declares; absent means `core`. Informative: the
    /// runtime still reads `runtime.kind` from the manifest, which alone chooses the profile.
    #[serde(default, skip_serializing_if = "Profile::is_core")]
    pub profile: Profile,
    /// With the `package_zip` capability: the same package as a stored (uncompressed) zip
    /// archive beside the directory, entries and names as in the directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package_zip: Option<PathBuf>,
    /// The digest the host pinned (`sha256:<hex>`); the runtime must load with it pinned.
    pub digest: String,
    /// Overrides of the runtime's default limits.
    #[serde(default)]
    pub limits: LimitOverrides,
    /// Calls made in order against one loaded plugin.
    pub calls: Vec<Call>,
    /// With the `disk_cache` capability: the compiled-code cache directory the runtime uses for
    /// this request (created by the kit, private to its user). Absent: the runtime's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_dir: Option<PathBuf>,
    /// The file holding the key that authenticates the entries of `cache_dir` (outside it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_key_file: Option<PathBuf>,
    /// With the `host_api_fs` capability: the host's grants for this request (docs/ADAPTER.md,
    /// `grants`), an array of grant objects shaped as the grants file's `[[grant]]` tables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grants: Option<serde_json::Value>,
    /// With the `host_api_net` capability: how names resolve for this request's network calls
    /// (docs/ADAPTER.md, `names`): name -> answers, lookup `n` getting answer `n` and every
    /// later lookup the last; every address loopback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub names: Option<BTreeMap<String, Vec<Vec<IpAddr>>>>,
}

impl Request {
    /// How long a correct runtime may take for the whole request, before slack: the sum over
    /// calls of the effective deadline, or the cancel time when that comes first.
    pub fn budget_ms(&self) -> u64 {
        let deadline = self
            .limits
            .deadline_ms
            .unwrap_or(super::vocab::DEFAULT_DEADLINE_MS);
        self.calls
            .iter()
            .map(|call| call.cancel_after_ms.map_or(deadline, |c| c.min(deadline)))
            .fold(0u64, u64::saturating_add)
    }
}

/// One tool call of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Call {
    /// The tool called.
    pub tool: String,
    /// The raw input text, possibly malformed on purpose.
    pub input: String,
    /// Cancel the call from another thread this many ms after it starts.
    #[serde(default)]
    pub cancel_after_ms: Option<u64>,
    /// Load this package for this call instead of the request's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<PathBuf>,
    /// With the `package_zip` capability and a `package` of its own: that package as a zip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package_zip: Option<PathBuf>,
    /// Pin this digest for this call instead of the request's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// What `ADAPTER run` prints: one outcome per call, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    /// Must be [`PROTOCOL_VERSION`].
    pub protocol: u32,
    /// Exactly one per call of the request.
    pub outcomes: Vec<Outcome>,
}

/// The result of one call plus the evidence of what the guest did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// `ok` with the output, or `error` with the structured error.
    #[serde(flatten)]
    pub status: Status,
    /// Calls the guest made to each `yoi:tool` import.
    #[serde(default)]
    pub host_calls: BTreeMap<String, u64>,
    /// Those of the calls that returned -1.
    #[serde(default)]
    pub host_call_failures: BTreeMap<String, u64>,
    /// With the `diagnostics` capability, what the operator sink received.
    #[serde(default)]
    pub diagnostics: Option<String>,
}

/// The two shapes of an outcome, tagged by `status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Status {
    /// The guest produced a valid tool result.
    Ok {
        /// The tool result as the JSON object the guest wrote. Kept as a raw value so that a
        /// runtime letting an extra key through is caught by the comparison, not by parsing.
        output: serde_json::Value,
    },
    /// The call failed with a structured error.
    Error {
        /// The error.
        error: ErrorBody,
    },
}

/// A structured error exactly as a runtime reported it. Fields are loose on purpose (a code is a
/// string, details any value): the universal checks judge them, so a bad value is a verdict
/// rather than a parse failure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable snake_case code.
    pub code: String,
    /// The phase of the code.
    pub phase: String,
    /// Bounded text safe to show a model.
    pub message: String,
    /// Bounded details object.
    pub details: serde_json::Value,
}

/// Whether every object of an adapter's document is a JSON object: serde-derived structs also
/// read an array by field order (`["timeout", "run", "m", {}]` as an error), which a runtime
/// answering garbage must not get away with.
pub(crate) fn objects_are_objects(document: &serde_json::Value) -> Result<(), String> {
    let not_object = |what: &str| Err(format!("{what} that is not a JSON object"));
    let Some(top) = document.as_object() else {
        return not_object("a document");
    };
    let outcomes = top.get("outcomes").and_then(serde_json::Value::as_array);
    for outcome in outcomes.into_iter().flatten() {
        let Some(outcome) = outcome.as_object() else {
            return not_object("an outcome");
        };
        if outcome.get("error").is_some_and(|e| !e.is_object()) {
            return not_object("an error");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_in_place_of_objects_are_refused() {
        let ok = serde_json::json!({"protocol":1,"outcomes":[{"status":"error",
            "error":{"code":"trap","phase":"run","message":"m","details":{}}}]});
        assert!(objects_are_objects(&ok).is_ok());
        for bad in [
            serde_json::json!([1, "n", "v", []]),
            serde_json::json!({"protocol":1,"outcomes":[["error"]]}),
            serde_json::json!({"protocol":1,"outcomes":[{"status":"error",
                "error":["trap","run","m",{}]}]}),
        ] {
            assert!(objects_are_objects(&bad).is_err(), "{bad}");
        }
        // Without the check, serde reads that last error by field order.
        let by_order: Result<ErrorBody, _> =
            serde_json::from_value(serde_json::json!(["trap", "run", "m", {}]));
        assert!(by_order.is_ok());
    }

    #[test]
    fn response_example_of_adapter_md_parses() {
        let text = r#"{"protocol":1,"outcomes":[
            {"status":"ok","output":{"summary":"hi","content":null},
             "host_calls":{"input_len":1},"host_call_failures":{},"diagnostics":null},
            {"status":"error","error":{"code":"timeout","phase":"run","message":"m",
             "details":{"deadline_ms":50}},"host_calls":{"input_len":1},
             "host_call_failures":{},"diagnostics":null}]}"#;
        let response: Response = serde_json::from_str(text).unwrap();
        assert_eq!(response.outcomes.len(), 2);
        assert!(matches!(response.outcomes[0].status, Status::Ok { .. }));
        match &response.outcomes[1].status {
            Status::Error { error } => assert_eq!(error.code, "timeout"),
            other => panic!("unexpected {other:?}"),
        }
        let back = serde_json::to_value(&response).unwrap();
        assert_eq!(back["outcomes"][1]["status"], "error");
    }

    #[test]
    fn describe_declares_limits_fixed_or_configurable() {
        let text = r#"{"protocol":1,"name":"r","version":"0","capabilities":[],
            "limits":{"deadline_ms":1000,"input_bytes":"configurable"}}"#;
        let info: RuntimeInfo = serde_json::from_str(text).unwrap();
        assert_eq!(info.fixed_limit("deadline_ms"), Some(1000));
        assert_eq!(info.fixed_limit("input_bytes"), None);
        assert_eq!(info.fixed_limit("memory_bytes"), None);
        let back = serde_json::to_value(&info).unwrap();
        assert_eq!(back["limits"]["input_bytes"], "configurable");
        for bad in [r#""fixed""#, "-1", "1.5", "null"] {
            let text =
                format!(r#"{{"protocol":1,"name":"r","version":"0","limits":{{"fuel":{bad}}}}}"#);
            assert!(serde_json::from_str::<RuntimeInfo>(&text).is_err(), "{bad}");
        }
        let old = r#"{"protocol":1,"name":"r","version":"0","capabilities":[]}"#;
        assert!(serde_json::from_str::<RuntimeInfo>(old)
            .unwrap()
            .limits
            .is_empty());
    }

    #[test]
    fn limit_names_reach_every_override() {
        let mut limits = LimitOverrides::default();
        for (i, name) in LimitOverrides::NAMES.iter().enumerate() {
            *limits.slot(name).unwrap() = Some(i as u64);
        }
        assert!(limits.slot("deadline").is_none());
        let json = serde_json::to_value(&limits).unwrap();
        assert_eq!(json.as_object().unwrap().len(), LimitOverrides::NAMES.len());
        for (i, (name, value)) in limits.set().into_iter().enumerate() {
            assert_eq!((json[name].as_u64(), value), (Some(i as u64), i as u64));
        }
    }

    #[test]
    fn budget_uses_cancel_time_when_earlier() {
        let call = |cancel| Call {
            tool: "run".into(),
            input: "{}".into(),
            cancel_after_ms: cancel,
            package: None,
            package_zip: None,
            digest: None,
        };
        let request = Request {
            protocol: 1,
            package: "/p".into(),
            profile: Default::default(),
            package_zip: None,
            digest: String::new(),
            limits: LimitOverrides {
                deadline_ms: Some(50),
                ..Default::default()
            },
            calls: vec![call(None), call(Some(10)), call(Some(900))],
            cache_dir: None,
            cache_key_file: None,
            grants: None,
            names: None,
        };
        assert_eq!(request.budget_ms(), 50 + 10 + 50);
        let omitted = serde_json::to_value(&request.limits).unwrap();
        assert_eq!(omitted, serde_json::json!({"deadline_ms": 50}));
    }
}
