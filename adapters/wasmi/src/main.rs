//! `toolcage-wasmi`: guest ABI `yoi-plugin-wasm-1` on the wasmi interpreter, speaking the kit's
//! process adapter protocol (docs/ADAPTER.md): `describe`, and `run` with one request on stdin.
//!
//! An implementation independent of the reference runtime: it shares no code with it, only
//! docs/SPEC.md, so the kit's verdicts through it test the specification, not one codebase.
//!
//! Modules, bottom up; each imports only modules above it in this list: `error` (the SPEC's
//! codes, safe messages), `protocol` (the wire format and a request's effective limits),
//! `package` (manifest, paths, digest), `schema_bound` and `schema` (input schemas), `output` (the
//! output contract), `host` (one call's state and the imports), `module` (bytes to a linkable
//! module), `call` (one call, and its outcome as the protocol reports it); `main` reads the
//! request and writes the response.

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
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

/// A loaded plugin: its checked module and compiled input schemas.
struct Plugin {
    checked: module::Checked,
    tools: Vec<call::Tool>,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("describe") if args.len() == 1 => print(&serde_json::json!({
            "protocol": PROTOCOL,
            "name": "toolcage-wasmi",
            "version": env!("CARGO_PKG_VERSION"),
            "capabilities": ["fuel", "diagnostics"],
        })),
        Some("run") if args.len() == 1 => run(),
        _ => {
            eprintln!("usage: toolcage-wasmi describe | toolcage-wasmi run < request.json");
            ExitCode::from(2)
        }
    }
}

fn print(value: &impl serde::Serialize) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let written = serde_json::to_writer(&mut out, value)
        .map_err(std::io::Error::from)
        .and_then(|()| writeln!(out));
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(3),
    }
}

fn run() -> ExitCode {
    let mut text = String::new();
    if std::io::stdin().read_to_string(&mut text).is_err() {
        eprintln!("toolcage-wasmi: the request on stdin is not UTF-8");
        return ExitCode::from(2);
    }
    let request: Request = match serde_json::from_str(&text) {
        Ok(request) => request,
        Err(e) => {
            eprintln!("toolcage-wasmi: not a protocol {PROTOCOL} request: {e}");
            return ExitCode::from(2);
        }
    };
    if request.protocol != PROTOCOL {
        eprintln!(
            "toolcage-wasmi: protocol {} requested, this adapter speaks {PROTOCOL}",
            request.protocol
        );
        return ExitCode::from(2);
    }
    let limits = request.limits.apply();
    let outcomes = execute(&request, &limits);
    print(&Response {
        protocol: PROTOCOL,
        outcomes,
    })
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
