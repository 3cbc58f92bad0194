//! Which host imports a component may have, and the linker that provides them.
//!
//! A component may import exactly the three instances of `yoi:host@1.0.0`, each only when the
//! manifest asks for it and the bound grant gives it, and each with only the interface's
//! functions at their exact types (it may import fewer, as component tooling does when a guest
//! uses only some). The linker defines all three for every component: what a component may
//! import is decided by the check before linking, per load, never by what happens to be defined.

use super::bind::{Apis, Granted};
use super::fs::{self, Holes};
use super::grants::{FsOperation, HostApi};
use super::Refusal;
use crate::budget::{Budget, Over};
use crate::error::{Error, ErrorCode};
use crate::host::{HostState, Stop};
use crate::mutants::Mutant;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Linker, Type};
use wasmtime::{Engine, StoreContextMut, Trap};

/// A parameter type of the interfaces' functions (every result is one `string`).
#[derive(Clone, Copy)]
enum Param {
    U32,
    Str,
}

impl Param {
    fn ty(self) -> Type {
        match self {
            Param::U32 => Type::U32,
            Param::Str => Type::String,
        }
    }
}

/// Each interface's functions, as the host's WIT declares them.
fn functions(api: HostApi) -> &'static [(&'static str, &'static [Param])] {
    use Param::{Str, U32};
    match api {
        HostApi::Fs => &[("read", &[Str]), ("list", &[Str]), ("write", &[Str])],
        HostApi::Request => &[("request", &[Str])],
        HostApi::Websocket => &[
            ("open", &[Str]),
            ("send-text", &[U32, Str]),
            ("recv", &[U32, U32]),
            ("close", &[U32]),
        ],
    }
}

/// Whether the import `name` of type `item` is one this package may have.
pub(crate) fn allowed(name: &str, item: &ComponentItem, engine: &Engine, apis: Apis) -> bool {
    let Some(api) = HostApi::ALL.into_iter().find(|a| a.instance() == name) else {
        return false;
    };
    let ComponentItem::ComponentInstance(instance) = item else {
        return false;
    };
    apis.contains(api)
        && instance.exports(engine).all(|(export, item)| {
            let Some((_, params)) = functions(api).iter().find(|(n, _)| *n == export) else {
                return false;
            };
            matches!(item.ty, ComponentItem::ComponentFunc(f)
                if !f.async_()
                    && f.params().map(|(_, t)| t).eq(params.iter().map(|p| p.ty()))
                    && f.results().eq([Type::String]))
        })
}

/// Informative details of `import_denied` for host imports: why each was not given.
pub(crate) fn refused_detail(names: &[String], granted: &Granted) -> Vec<String> {
    granted
        .refused
        .iter()
        .filter(|(api, _)| names.iter().any(|n| n == api.instance()))
        .map(|(api, why)| format!("{}: {why}", api.as_str()))
        .collect()
}

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
    let budget = Budget {
        deadline: state.deadline,
        cancel: state.cancel.clone(),
    };
    let holes = Holes {
        links_followed: state.mutant(Mutant::FsLinksFollowed),
        hard_links_allowed: state.mutant(Mutant::FsHardLinksAllowed),
        list_cut_before_sort: state.mutant(Mutant::FsListCutBeforeSort),
    };
    let granted = state.host_api.clone();
    // The file work runs on a worker the call waits for only within its budget: a slow file
    // system (a hung mount) holds the worker, never the call past its deadline or a cancel.
    let done = budget.run(move |abandoned| {
        let mut path = None;
        let root = granted.as_ref().and_then(|g| g.fs.as_ref());
        let result = fs::call(root, op, &request, holes, &abandoned, &mut path);
        (result, path)
    });
    match done {
        Ok((Ok(json), _)) => match budget.check() {
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
