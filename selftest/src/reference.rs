//! The reference runtime judged in-process: the kit's trait over the runtime's library API, so
//! `cargo xtask conformance` and `cargo test` need no subprocess to check it.
//!
//! Compiled twice from this one file, against `super::rt`: the runtime as hosts build it
//! (`toolcage_runtime`, for [`crate::ReferenceRuntime`]) and its mutant build
//! (`toolcage_runtime_mutants`, for [`crate::mutant_runtime::ReferenceRuntime`]).

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use super::rt::{
    CacheKey, CallOptions, CancelToken, Config, Digest, Error, Limits, ParseDigestError, Plugin,
    Runtime,
};
use serde_json::{json, Value};
use toolcage_kit::{
    AdapterFailure, ConformanceRuntime, ErrorBody, LimitOverrides, Outcome, Request, Response,
    RuntimeInfo, Status, PROTOCOL_VERSION,
};

/// The reference runtime behind the kit's [`ConformanceRuntime`] trait. One [`Runtime`] (engine,
/// caches, epoch ticker) is built once and shared by every case, as a host would.
#[derive(Clone)]
pub struct ReferenceRuntime {
    pub(crate) runtime: Runtime,
    /// What it calls itself in reports: the runtime's name, marked when it carries a mutant.
    pub(crate) name: String,
}

impl ReferenceRuntime {
    /// The reference runtime with its default configuration.
    pub fn new() -> Result<ReferenceRuntime, Error> {
        ReferenceRuntime::with_config(Config::default())
    }

    /// The reference runtime with `config`.
    pub fn with_config(config: Config) -> Result<ReferenceRuntime, Error> {
        let runtime = Runtime::new(config)?;
        Ok(ReferenceRuntime {
            name: runtime.name().to_string(),
            runtime,
        })
    }

    /// The underlying runtime.
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }
}

impl ReferenceRuntime {
    /// A runtime of this configuration using the request's cache directory and key file, as a
    /// host process started with them would be (docs/ADAPTER.md, `cache_dir`). A key file that
    /// fails its checks leaves the disk cache off, as it does in the CLI.
    fn with_cache(&self, dir: &Path, key_file: Option<&Path>) -> Result<Runtime, AdapterFailure> {
        Runtime::new(Config {
            cache_dir: Some(dir.to_path_buf()),
            cache_key: key_file.and_then(|path| CacheKey::from_file(path).ok()),
            ..self.runtime.config().clone()
        })
        .map_err(|e| AdapterFailure::Unavailable {
            reason: format!(
                "cannot build a runtime with the request's cache: {}",
                e.message()
            ),
        })
    }
}

impl ConformanceRuntime for ReferenceRuntime {
    fn describe(&self) -> Result<RuntimeInfo, AdapterFailure> {
        Ok(RuntimeInfo {
            protocol: PROTOCOL_VERSION,
            name: self.name.clone(),
            version: self.runtime.version().to_string(),
            // Its ABI extensions, plus `evidence`: every outcome carries the import counters.
            capabilities: self
                .runtime
                .capabilities()
                .iter()
                .chain(&[toolcage_kit::EVIDENCE])
                .map(|c| c.to_string())
                .collect(),
            limits: Default::default(),
            profiles: self
                .runtime
                .profiles()
                .iter()
                .map(|p| p.to_string())
                .collect(),
        })
    }

    /// Each distinct package and digest of the request is loaded once, at its first call, as a
    /// host loads a plugin once and calls it many times (docs/ADAPTER.md); later calls naming
    /// the same pair share that plugin, so isolation between its calls is observable, and a call
    /// naming another pair loads, and so re-verifies, that package.
    fn run(&self, request: &Request) -> Result<Response, AdapterFailure> {
        let scoped;
        let runtime = match &request.cache_dir {
            None => &self.runtime,
            Some(dir) => {
                scoped = self.with_cache(dir, request.cache_key_file.as_deref())?;
                &scoped
            }
        };
        let limits = apply(runtime.config().limits.clone(), &request.limits);
        let grants = match &request.grants {
            None => super::rt::Grants::none(),
            Some(grants) => super::rt::Grants::from_json(&grants.to_string()).map_err(|e| {
                AdapterFailure::Unavailable {
                    reason: format!("bad grants in request: {e}"),
                }
            })?,
        };
        // The kit's name table answers this request's lookups (docs/ADAPTER.md, `names`).
        let grants = match &request.names {
            None => grants,
            Some(names) => {
                let table = super::rt::net::TableResolver::new(names.clone()).map_err(|e| {
                    AdapterFailure::Unavailable {
                        reason: format!("bad names in request: {e}"),
                    }
                })?;
                grants.with_resolver(std::sync::Arc::new(table))
            }
        };
        let mut loaded: Vec<(&PathBuf, &String, Result<Plugin, Error>)> = Vec::new();
        let outcomes = request
            .calls
            .iter()
            .map(|call| {
                let package = call.package.as_ref().unwrap_or(&request.package);
                let digest = call.digest.as_ref().unwrap_or(&request.digest);
                let index = match loaded
                    .iter()
                    .position(|(p, d, _)| *p == package && *d == digest)
                {
                    Some(index) => index,
                    None => {
                        let pin: Digest = digest.parse().map_err(|e: ParseDigestError| {
                            AdapterFailure::Unavailable {
                                reason: format!("bad digest in request: {e}"),
                            }
                        })?;
                        let plugin =
                            runtime.load_with_grants(package, Some(&pin), &limits, &grants);
                        loaded.push((package, digest, plugin));
                        loaded.len() - 1
                    }
                };
                let plugin = match &loaded[index].2 {
                    Ok(plugin) => plugin,
                    Err(error) => return Ok(load_failure(error)),
                };
                let token = CancelToken::new();
                let options = CallOptions {
                    limits: Some(limits.clone()),
                    cancel: Some(token.clone()),
                };
                let outcome = with_cancel_after(call.cancel_after_ms, &token, || {
                    plugin.call(&call.tool, &call.input, &options)
                });
                Ok(Outcome {
                    status: match &outcome.result {
                        Ok(output) => Status::Ok {
                            output: json!({"summary": output.summary, "content": output.content}),
                        },
                        Err(error) => Status::Error {
                            error: error_body(error),
                        },
                    },
                    host_calls: outcome.host_calls.calls,
                    host_call_failures: outcome.host_calls.failures,
                    diagnostics: outcome.diagnostics,
                })
            })
            .collect::<Result<_, AdapterFailure>>()?;
        Ok(Response {
            protocol: PROTOCOL_VERSION,
            outcomes,
        })
    }
}

/// The outcome of a call whose package did not load: the guest never ran.
fn load_failure(error: &Error) -> Outcome {
    Outcome {
        status: Status::Error {
            error: error_body(error),
        },
        host_calls: Default::default(),
        host_call_failures: Default::default(),
        diagnostics: None,
    }
}

/// Runs `call`, cancelling `token` from another thread `after_ms` after it starts (if it is still
/// running then).
fn with_cancel_after<T>(after_ms: Option<u64>, token: &CancelToken, call: impl FnOnce() -> T) -> T {
    let Some(after_ms) = after_ms else {
        return call();
    };
    let (done, finished) = mpsc::channel::<()>();
    let canceller = {
        let token = token.clone();
        thread::spawn(move || {
            if finished.recv_timeout(Duration::from_millis(after_ms))
                == Err(mpsc::RecvTimeoutError::Timeout)
            {
                token.cancel();
            }
        })
    };
    let result = call();
    drop(done);
    let _ = canceller.join();
    result
}

fn error_body(error: &Error) -> ErrorBody {
    ErrorBody {
        code: error.code().as_str().to_string(),
        phase: error.phase().as_str().to_string(),
        message: error.message().to_string(),
        details: Value::Object(error.details().clone()),
    }
}

/// The runtime's limits with a request's overrides applied.
pub fn apply(mut limits: Limits, overrides: &LimitOverrides) -> Limits {
    let size = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
    if let Some(v) = overrides.input_bytes {
        limits.input_bytes = size(v);
    }
    if let Some(v) = overrides.output_bytes {
        limits.output_bytes = size(v);
    }
    if let Some(v) = overrides.summary_bytes {
        limits.summary_bytes = size(v);
    }
    if let Some(v) = overrides.deadline_ms {
        limits.deadline = Duration::from_millis(v);
    }
    if let Some(v) = overrides.memory_bytes {
        limits.memory_bytes = size(v);
    }
    if let Some(v) = overrides.table_elements {
        limits.table_elements = size(v);
    }
    if let Some(v) = overrides.module_bytes {
        limits.module_bytes = size(v);
    }
    if let Some(v) = overrides.message_bytes {
        limits.message_bytes = size(v);
    }
    if let Some(v) = overrides.diagnostic_bytes {
        limits.diagnostic_bytes = size(v);
    }
    if let Some(v) = overrides.fuel {
        limits.fuel = Some(v);
    }
    limits
}
