//! `toolcage-wasmi` as a library: guest ABI `yoi-plugin-wasm-1` on the wasmi interpreter, one
//! protocol request (docs/ADAPTER.md) in, its response out. The binary (`main.rs`) speaks it over
//! stdin and stdout; the in-process differential fuzz target (`fuzz/`, target `differential`)
//! calls [`answer`] directly, so a crash of the interpreter is a crash the fuzzer sees.
//!
//! An implementation independent of the reference runtime: it shares no code with it, only
//! docs/SPEC.md, so the kit's verdicts through it test the specification, not one codebase.
//!
//! Modules, bottom up; each imports only modules above it in this list: `error` (the SPEC's
//! codes, safe messages), `protocol` (the wire format and a request's effective limits),
//! `package` (manifest, paths, digest), `schema_bound` and `schema` (input schemas), `output` (the
//! output contract), `host` (one call's state and the imports), `module` (bytes to a linkable
//! module), `call` (one call, and its outcome as the protocol reports it); this file reads the
//! request and answers it.

mod call;
mod error;
mod host;
mod module;
mod output;
mod package;
mod protocol;
mod schema;
mod schema_bound;

use error::{Code, Error};
use protocol::{Limits, Outcome, Request, Response, PROTOCOL};
use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

/// What `describe` answers: the protocol, this runtime's name and version, its capabilities.
pub fn describe() -> serde_json::Value {
    serde_json::json!({
        "protocol": PROTOCOL,
        "name": "toolcage-wasmi",
        "version": env!("CARGO_PKG_VERSION"),
        "capabilities": ["fuel", "diagnostics"],
    })
}

/// A request this runtime cannot answer at all (every guest failure is an outcome instead).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    /// Not a protocol request: the JSON error.
    Malformed(String),
    /// A request of another protocol version.
    Protocol(u32),
}

impl RequestError {
    /// A stable name for the kind of refusal.
    pub fn code(&self) -> &'static str {
        match self {
            RequestError::Malformed(_) => "request_malformed",
            RequestError::Protocol(_) => "protocol_unsupported",
        }
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::Malformed(e) => write!(f, "not a protocol {PROTOCOL} request: {e}"),
            RequestError::Protocol(v) => {
                write!(f, "protocol {v} requested, this adapter speaks {PROTOCOL}")
            }
        }
    }
}

impl std::error::Error for RequestError {}

/// Answers one `run` request (its JSON text) with the response's JSON.
pub fn answer(request: &str) -> Result<String, RequestError> {
    let request: Request =
        serde_json::from_str(request).map_err(|e| RequestError::Malformed(e.to_string()))?;
    if request.protocol != PROTOCOL {
        return Err(RequestError::Protocol(request.protocol));
    }
    let limits = request.limits.apply();
    let outcomes = execute(&request, &limits);
    serde_json::to_string(&Response {
        protocol: PROTOCOL,
        outcomes,
    })
    .map_err(|e| RequestError::Malformed(e.to_string()))
}

/// A loaded plugin: its checked module and compiled input schemas.
struct Plugin {
    checked: module::Checked,
    tools: Vec<call::Tool>,
}

/// Each distinct (package, digest) pair is loaded once, at its first call, with its digest
/// pinned; later calls naming the same pair reuse that plugin (but never an instance).
fn execute(request: &Request, limits: &Limits) -> Vec<Outcome> {
    let engine = module::engine();
    let linker = match host::linker(&engine) {
        Ok(linker) => linker,
        Err(e) => {
            let error = Error::new(
                Code::ResourceExhausted,
                "the host functions could not be defined",
            )
            .with("cause", e.to_string());
            return request
                .calls
                .iter()
                .map(|_| Outcome::error(&error, limits))
                .collect();
        }
    };
    let mut loaded: Vec<(&PathBuf, &String, Result<Plugin, Error>)> = Vec::new();
    let mut outcomes = Vec::with_capacity(request.calls.len());
    for call in &request.calls {
        let package = call.package.as_ref().unwrap_or(&request.package);
        let digest = call.digest.as_ref().unwrap_or(&request.digest);
        let index = match loaded
            .iter()
            .position(|(p, d, _)| *p == package && *d == digest)
        {
            Some(index) => index,
            None => {
                loaded.push((package, digest, load(&engine, package, digest, limits)));
                loaded.len() - 1
            }
        };
        outcomes.push(match &loaded[index].2 {
            Ok(plugin) => call_with_cancel(plugin, &linker, call, limits).into_protocol(limits),
            Err(error) => Outcome::error(error, limits),
        });
    }
    outcomes
}

fn load(
    engine: &wasmi::Engine,
    dir: &std::path::Path,
    pin: &str,
    limits: &Limits,
) -> Result<Plugin, Error> {
    let valid_pin = pin.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    });
    if !valid_pin {
        return Err(Error::new(
            Code::DigestMismatch,
            "a pinned digest must be written sha256:<64 lowercase hex digits>",
        ));
    }
    let package = package::read(dir, limits.module_bytes)?;
    if package.digest != pin {
        return Err(Error::new(
            Code::DigestMismatch,
            "the package does not match the digest pinned when it was resolved",
        )
        .with("expected", pin)
        .with("actual", package.digest));
    }
    let tools = package
        .tools
        .iter()
        .map(|t| {
            Ok(call::Tool {
                name: t.name.clone(),
                validator: std::sync::Arc::new(schema::compile(&t.name, &t.input_schema)?),
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let checked = module::load(engine, &package.module, true)?;
    Ok(Plugin { checked, tools })
}

/// Makes the call; with `cancel_after_ms`, another thread raises the cancel flag that long after
/// the call starts, as a host cancelling from elsewhere would.
fn call_with_cancel(
    plugin: &Plugin,
    linker: &wasmi::Linker<host::HostState>,
    request: &protocol::CallRequest,
    limits: &Limits,
) -> call::Outcome {
    let cancel = Arc::new(AtomicBool::new(false));
    let make = |cancel: &Arc<AtomicBool>| {
        call::call(
            &plugin.checked,
            linker,
            &plugin.tools,
            &request.tool,
            &request.input,
            limits,
            cancel,
        )
    };
    let Some(ms) = request.cancel_after_ms else {
        return make(&cancel);
    };
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let flag = cancel.clone();
    let canceller = std::thread::spawn(move || {
        if let Err(mpsc::RecvTimeoutError::Timeout) =
            done_rx.recv_timeout(Duration::from_millis(ms))
        {
            flag.store(true, Ordering::SeqCst);
        }
    });
    let outcome = make(&cancel);
    drop(done_tx);
    let _ = canceller.join();
    outcome
}
