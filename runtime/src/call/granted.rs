//! The host interfaces of `yoi:host@1.0.0` as a store sees them (docs/SPEC.md section 14): the
//! linker every component is linked with, and each function's glue. What a component may import
//! is decided before linking (`host_api::allowed`, per load); here every host call runs inside
//! the call's budget, on a worker the call waits for only until its deadline or a cancel, and a
//! refusal ends the call with a stable code, as the originating host's trap does.

use super::budget::{Budget, Over};
use super::host::{HostState, Stop};
use crate::error::{Error, ErrorCode};
use crate::host_api::fs;
use crate::host_api::net::wire::http;
use crate::host_api::net::wire::websocket::Sockets;
use crate::host_api::net::wire::{Halt, Holes, Limit, WireError};
use crate::host_api::net::Resolver;
use crate::host_api::{FsOperation, Granted, HostApi, Refusal};
use std::sync::Arc;
use wasmtime::component::Linker;
use wasmtime::{Engine, StoreContextMut, Trap};

/// A component linker with the three interfaces defined.
pub(crate) fn linker(engine: &Engine) -> Result<Linker<HostState>, Error> {
    let mut linker = Linker::new(engine);
    define(&mut linker).map_err(|e| {
        Error::new(
            ErrorCode::ResourceExhausted,
            "the host interfaces could not be linked",
        )
        .with("cause", format!("{e:#}"))
    })?;
    Ok(linker)
}

type Reply = wasmtime::Result<(String,)>;

fn define(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    let mut fs = linker.instance(HostApi::Fs.instance())?;
    for op in FsOperation::ALL {
        fs.func_wrap(op.as_str(), move |store, (request,): (String,)| {
            fs_call(store, op, request)
        })?;
    }
    let mut request = linker.instance(HostApi::Request.instance())?;
    request.func_wrap("request", |store, (json,): (String,)| {
        request_call(store, json)
    })?;
    let mut ws = linker.instance(HostApi::Websocket.instance())?;
    ws.func_wrap("open", |store, (json,): (String,)| {
        websocket_call(store, "open", |sockets, granted, resolver, limit, holes| {
            sockets.open(&granted.websocket, resolver, &json, limit, holes)
        })
    })?;
    ws.func_wrap("send-text", |store, (handle, text): (u32, String)| {
        websocket_call(store, "send-text", |sockets, _, _, limit, _| {
            sockets.send_text(handle, text, limit)
        })
    })?;
    ws.func_wrap("recv", |store, (handle, timeout_ms): (u32, u32)| {
        websocket_call(store, "recv", |sockets, _, _, limit, _| {
            sockets.recv(handle, timeout_ms, limit)
        })
    })?;
    ws.func_wrap("close", |store, (handle,): (u32,)| {
        websocket_call(store, "close", |sockets, _, _, _, _| sockets.close(handle))
    })?;
    Ok(())
}

fn budget_of(state: &HostState) -> Budget {
    Budget {
        deadline: state.deadline,
        cancel: state.cancel.clone(),
    }
}

/// What the grant gave, and the resolver it came with; `None` when the interface was not
/// given (a component is linked with an interface only when it is, so this is a second fence).
fn net_grant(state: &HostState, api: HostApi) -> Option<(Arc<Granted>, Arc<dyn Resolver>)> {
    let granted = state.host_api.clone()?;
    if !granted.apis.contains(api) {
        return None;
    }
    let resolver = granted.resolver.clone()?;
    Some((granted, resolver))
}

/// `request.request`: judged on the call thread, carried out on a worker the call waits for
/// within its budget; a deadline or cancel shuts the exchange's sockets down before the call
/// reports, so the worker ends at once and nothing is left open.
fn request_call(mut store: StoreContextMut<'_, HostState>, json: String) -> Reply {
    let state = store.data_mut();
    state.record_host_api("request.request");
    let budget = budget_of(state);
    let Some((granted, resolver)) = net_grant(state, HostApi::Request) else {
        let error = refused(
            Refusal::denied("not_granted"),
            HostApi::Request,
            "request",
            None,
        );
        return fail(state, error);
    };
    if let Err(over) = budget.check() {
        return stopped(state, over);
    }
    let holes = state.seam.net_holes();
    let prepared = match http::prepare(&granted.request, &json, state.deadline, holes) {
        Ok(prepared) => prepared,
        Err(error) => return wire_failed(state, error, HostApi::Request, "request"),
    };
    let url = prepared.url().to_owned();
    let shutdown = prepared.shutdown_handle();
    let done = if holes.outside_budget {
        // The outside-the-budget mutant: the exchange on the call thread, to its own timeout.
        Ok(prepared.send(&*resolver))
    } else {
        budget.run(move |_| prepared.send(&*resolver))
    };
    match done {
        Ok(Ok(answer)) => match budget.check() {
            Ok(()) => Ok((answer,)),
            Err(over) => stopped(state, over),
        },
        Ok(Err(WireError::Refused { refusal, detail })) => {
            let detail = if detail.is_empty() { url } else { detail };
            let error = refused_net(refusal, HostApi::Request, "request", Some(&detail));
            fail(state, error)
        }
        Ok(Err(WireError::Halted(halt))) => stopped(state, over_of(halt)),
        Err(over @ (Over::Timeout | Over::Cancelled)) => {
            shutdown.shutdown();
            stopped(state, over)
        }
        Err(Over::NoWorker) => fail(state, no_worker()),
        Err(Over::Failed) => {
            let error = refused(
                Refusal::failed("io_error"),
                HostApi::Request,
                "request",
                None,
            );
            fail(state, error)
        }
    }
}

/// A `websocket` function: on the call thread, every blocking step in slices that look at the
/// call's budget ([`Limit`]).
fn websocket_call(
    mut store: StoreContextMut<'_, HostState>,
    op: &'static str,
    work: impl FnOnce(
        &mut Sockets,
        &Granted,
        &dyn Resolver,
        &Limit<'_>,
        Holes,
    ) -> Result<String, WireError>,
) -> Reply {
    let state = store.data_mut();
    state.record_host_api(match op {
        "open" => "websocket.open",
        "send-text" => "websocket.send-text",
        "recv" => "websocket.recv",
        _ => "websocket.close",
    });
    let holes = state.seam.net_holes();
    let mut budget = budget_of(state);
    if holes.outside_budget {
        // The outside-the-budget mutant: no deadline, no cancel for the host call.
        budget = Budget::start(std::time::Duration::from_secs(3600), None);
    }
    let Some((granted, resolver)) = net_grant(state, HostApi::Websocket) else {
        let error = refused(Refusal::denied("not_granted"), HostApi::Websocket, op, None);
        return fail(state, error);
    };
    let halted = || match budget.check() {
        Ok(()) => None,
        Err(Over::Cancelled) => Some(Halt::Cancelled),
        Err(_) => Some(Halt::Timeout),
    };
    let limit = Limit {
        deadline: budget.deadline,
        halted: &halted,
    };
    if let Some(halt) = halted() {
        return stopped(state, over_of(halt));
    }
    match work(&mut state.sockets, &granted, &*resolver, &limit, holes) {
        Ok(answer) => Ok((answer,)),
        Err(error) => wire_failed(state, error, HostApi::Websocket, op),
    }
}

fn over_of(halt: Halt) -> Over {
    match halt {
        Halt::Timeout => Over::Timeout,
        Halt::Cancelled => Over::Cancelled,
    }
}

fn wire_failed(state: &mut HostState, error: WireError, api: HostApi, op: &str) -> Reply {
    match error {
        WireError::Refused { refusal, detail } => {
            let detail = (!detail.is_empty()).then_some(detail);
            let error = refused_net(refusal, api, op, detail.as_deref());
            fail(state, error)
        }
        WireError::Halted(halt) => stopped(state, over_of(halt)),
    }
}

fn no_worker() -> Error {
    Error::new(
        ErrorCode::ResourceExhausted,
        "the host has no free worker for the host call right now",
    )
}

fn fs_call(mut store: StoreContextMut<'_, HostState>, op: FsOperation, request: String) -> Reply {
    let state = store.data_mut();
    state.record_host_api(match op {
        FsOperation::Read => "fs.read",
        FsOperation::List => "fs.list",
        FsOperation::Write => "fs.write",
    });
    let budget = Budget {
        deadline: state.deadline,
        cancel: state.cancel.clone(),
    };
    let holes = state.seam.fs_holes();
    let granted = state.host_api.clone();
    // The file work runs on a worker the call waits for only within its budget: a slow file
    // system (a hung mount) holds the worker, never the call past its deadline or a cancel.
    let done = state.seam.host_work(&budget, move |abandoned| {
        let mut path = None;
        let root = granted.as_ref().and_then(|g| g.fs.as_ref());
        let result = fs::call(root, op, &request, holes, &|| abandoned.is_set(), &mut path);
        (result, path)
    });
    match done {
        Ok((Ok(json), _)) => match state.seam.after_host_work(&budget) {
            Ok(()) => Ok((json,)),
            Err(over) => stopped(state, over),
        },
        Ok((Err(refusal), path)) => {
            let error = refused(refusal, HostApi::Fs, op.as_str(), path.as_deref());
            fail(state, error)
        }
        Err(over @ (Over::Timeout | Over::Cancelled)) => stopped(state, over),
        Err(Over::NoWorker) => fail(state, no_worker()),
        Err(Over::Failed) => {
            let error = refused(Refusal::failed("io_error"), HostApi::Fs, op.as_str(), None);
            fail(state, error)
        }
    }
}

/// The error of a refused host call: the interface, operation and reason, and the path the
/// guest named in details only (sanitized and bounded there); never any file content.
fn refused(refusal: Refusal, api: HostApi, op: &str, path: Option<&str>) -> Error {
    let what = match refusal.code {
        ErrorCode::HostApiDenied => "was refused: the manifest and the grant do not both allow it",
        ErrorCode::HostApiInvalid => "was refused: the request is malformed or over a bound",
        _ => "failed in the host",
    };
    let mut error = Error::new(
        refusal.code,
        format!(
            "the host call {}.{op} {what} ({})",
            api.as_str(),
            refusal.reason
        ),
    )
    .with("interface", api.as_str())
    .with("operation", op)
    .with("reason", refusal.reason);
    if let Some(path) = path {
        error = error.with("path", path);
    }
    error
}

/// The error of a refused network host call: as [`refused`], with the refused part (a
/// sanitized URL or a header name, never a value or a body) in `details.detail`.
fn refused_net(refusal: Refusal, api: HostApi, op: &str, detail: Option<&str>) -> Error {
    let error = refused(refusal, api, op, None);
    match detail {
        Some(detail) => error.with("detail", detail),
        None => error,
    }
}

/// Ends the call with `error`, as the originating host's trap does: the guest never sees it.
fn fail(state: &mut HostState, error: Error) -> Reply {
    if state.poisoned.is_none() {
        state.poisoned = Some(error);
    }
    Err(wasmtime::Error::new(Refused))
}

/// What a refused host call unwinds the guest with; the call is reported from
/// `HostState::poisoned`, never from this error's text.
#[derive(Debug)]
struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("host call refused")
    }
}

impl std::error::Error for Refused {}

fn stopped(state: &mut HostState, over: Over) -> Reply {
    state.stop = Some(match over {
        Over::Cancelled => Stop::Cancelled,
        _ => Stop::Timeout,
    });
    Err(wasmtime::Error::new(Trap::Interrupt))
}
