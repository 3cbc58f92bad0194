//! The host interfaces of `yoi:host@1.0.0` as a store sees them (docs/SPEC.md section 14): the
//! linker every component is linked with, and each function's glue. What a component may import
//! is decided before linking (`host_api::allowed`, per load); here every host call runs inside
//! the call's budget, on a worker the call waits for only until its deadline or a cancel, and a
//! refusal ends the call with a stable code, as the originating host's trap does.

use super::budget::{Budget, Over};
use super::host::{HostState, Stop};
use crate::error::{Error, ErrorCode};
use crate::host_api::fs;
use crate::host_api::{FsOperation, HostApi, Refusal};
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
    request.func_wrap("request", |store, (_,): (String,)| {
        unavailable(store, HostApi::Request, "request")
    })?;
    let mut ws = linker.instance(HostApi::Websocket.instance())?;
    ws.func_wrap("open", |store, (_,): (String,)| {
        unavailable(store, HostApi::Websocket, "open")
    })?;
    ws.func_wrap("send-text", |store, (_, _): (u32, String)| {
        unavailable(store, HostApi::Websocket, "send-text")
    })?;
    ws.func_wrap("recv", |store, (_, _): (u32, u32)| {
        unavailable(store, HostApi::Websocket, "recv")
    })?;
    ws.func_wrap("close", |store, (_,): (u32,)| {
        unavailable(store, HostApi::Websocket, "close")
    })?;
    Ok(())
}

/// The network interfaces are linked, so granted packages load, but this version does not
/// reach the network: every call is refused (issue 19 implements them).
fn unavailable(mut store: StoreContextMut<'_, HostState>, api: HostApi, op: &str) -> Reply {
    let error = refused(Refusal::denied("not_implemented"), api, op, None);
    fail(store.data_mut(), error)
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
        Err(Over::NoWorker) => fail(
            state,
            Error::new(
                ErrorCode::ResourceExhausted,
                "the host has no free worker for the host call right now",
            ),
        ),
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
        ErrorCode::HostApiDenied => "was refused: the grant does not allow it",
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
