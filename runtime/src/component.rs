//! The component profile (docs/SPEC.md section 13): a component of world
//! `yoi:plugin/tool@1.0.0` validated with exactly the allowed features, refused when it imports
//! anything or lacks `call: func(string, string) -> string`, and called with its result bounded
//! before the host copies it.
//!
//! The result is lifted as [`WasmStr`], a bounds-checked view into the guest's memory that copies
//! nothing; its bytes are validated and measured in place and copied only when they fit the
//! output cap, so a guest returning a huge string never makes the host allocate it.

use crate::error::{Error, ErrorCode, DETAIL_LIST_CAP};
use crate::host::HostState;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, InstancePre, Linker, Type, WasmStr};
use wasmtime::wasmparser::{
    CanonicalFunction, CanonicalOption, ComponentType, Parser, Payload, Validator, WasmFeatures,
};
use wasmtime::{AsContextMut, Engine};

/// The export the world `yoi:plugin/tool@1.0.0` requires.
pub(crate) const EXPORT: &str = "call";
/// Core instances, memories and tables a component may hold once flattened (pooling limits).
pub(crate) const MAX_CORE_INSTANCES: u32 = 16;
/// See [`MAX_CORE_INSTANCES`].
pub(crate) const MAX_MEMORIES: u32 = 4;
/// See [`MAX_CORE_INSTANCES`].
pub(crate) const MAX_TABLES: u32 = 4;

/// The features a component may use: the core profile's WebAssembly 2.0 for its modules, plus
/// the component model itself and none of its proposals (async, error-context, threading, GC).
pub(crate) fn allowed_features() -> WasmFeatures {
    crate::engine::allowed_features() | WasmFeatures::COMPONENT_MODEL
}

/// What the runtime must know about a component before compiling it.
pub(crate) struct Scan {
    /// The largest initial memory any of its core modules defines, in bytes.
    pub largest_memory: u64,
    /// The largest initial table any of its core modules defines.
    pub largest_table: u64,
}

fn invalid(message: &'static str) -> Error {
    Error::new(ErrorCode::ModuleInvalid, message)
}

/// Validates the bytes as a component of the profile (docs/SPEC.md 13.2): a component at all,
/// the allowed features, no resource types or builtins beyond `lift` and `lower`, UTF-8 strings.
pub(crate) fn scan(bytes: &[u8]) -> Result<Scan, Error> {
    if !Parser::is_component(bytes) {
        return Err(invalid(
            "the package declares a component, but the file is not a WebAssembly component",
        ));
    }
    Validator::new_with_features(allowed_features())
        .validate_all(bytes)
        .map_err(|e| {
            // The validator's text can quote the component's names: details only.
            invalid("the component is not valid under the component profile")
                .with("offset", e.offset() as u64)
                .with("cause", e.message())
        })?;
    let parse = |_| invalid("the component could not be parsed");
    let mut scan = Scan {
        largest_memory: 0,
        largest_table: 0,
    };
    // `parse_all` walks nested modules and components too.
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(parse)? {
            Payload::MemorySection(reader) => {
                for memory in reader {
                    let pages = memory.map_err(parse)?.initial;
                    scan.largest_memory = scan.largest_memory.max(pages.saturating_mul(1 << 16));
                }
            }
            Payload::TableSection(reader) => {
                for table in reader {
                    scan.largest_table = scan.largest_table.max(table.map_err(parse)?.ty.initial);
                }
            }
            Payload::ComponentTypeSection(reader) => {
                for ty in reader {
                    if let ComponentType::Resource { .. } = ty.map_err(parse)? {
                        return Err(invalid("the component defines a resource type"));
                    }
                }
            }
            Payload::ComponentCanonicalSection(reader) => {
                for function in reader {
                    let options =
                        match function.map_err(parse)? {
                            CanonicalFunction::Lift { options, .. }
                            | CanonicalFunction::Lower { options, .. } => options,
                            _ => return Err(invalid(
                                "the component uses a canonical built-in other than lift and lower",
                            )),
                        };
                    if options.iter().any(|o| {
                        matches!(o, CanonicalOption::UTF16 | CanonicalOption::CompactUTF16)
                    }) {
                        return Err(invalid(
                            "the component uses a string encoding other than UTF-8",
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(scan)
}

/// Checks that the component imports nothing but the host interfaces `granted` allows (naming
/// every other import) and exports `call` with the world's type. `wasi_allowed` is the
/// wasi-linked mutant's hole.
pub(crate) fn check(
    component: &Component,
    engine: &Engine,
    wasi_allowed: bool,
    granted: &crate::host_api::Granted,
) -> Result<(), Error> {
    let ty = component.component_type();
    let mut denied = Vec::new();
    let mut total = 0usize;
    for (name, item) in ty.imports(engine) {
        if wasi_allowed && name.starts_with("wasi:") {
            continue;
        }
        if crate::host_api::allowed(name, &item.ty, engine, granted.apis) {
            continue;
        }
        total += 1;
        if denied.len() < DETAIL_LIST_CAP {
            denied.push(name.to_owned());
        }
    }
    if total > 0 {
        let why = crate::host_api::refused_detail(&denied, granted);
        let message = if why.is_empty() {
            format!("the component imports {total} item(s); world yoi:plugin/tool@1.0.0 has no imports (named in details.imports)")
        } else {
            format!("the component imports {total} item(s) that neither its world nor its grants allow (named in details.imports; details.grants says why a host interface was not given)")
        };
        let mut error = Error::new(ErrorCode::ImportDenied, message).with("count", total as u64);
        if !why.is_empty() {
            error = error.with("grants", why);
        }
        return Err(error.with("imports", denied));
    }
    let export_error = |code, why: &str| {
        Error::new(code, format!("the component's export `{EXPORT}` {why}")).with("export", EXPORT)
    };
    match ty.get_export(engine, EXPORT).map(|e| e.ty) {
        None => Err(export_error(ErrorCode::ExportMissing, "is missing")),
        Some(ComponentItem::ComponentFunc(func))
            if !func.async_()
                && func.params().len() == 2
                && func.params().all(|(_, t)| t == Type::String)
                && func.results().len() == 1
                && func.results().all(|t| t == Type::String) =>
        {
            Ok(())
        }
        Some(_) => Err(export_error(
            ErrorCode::ExportInvalid,
            "must be a function of type func(string, string) -> string",
        )),
    }
}

/// A linker with nothing in it: the world has no imports. The wasi-linked mutant fills it.
pub(crate) fn link(
    linker: &Linker<HostState>,
    component: &Component,
    wasi_linked: bool,
) -> Result<InstancePre<HostState>, Error> {
    let linked = if wasi_linked {
        let mut linker = linker.clone();
        let _ = linker.define_unknown_imports_as_traps(component);
        linker.instantiate_pre(component)
    } else {
        linker.instantiate_pre(component)
    };
    linked.map_err(|_| {
        Error::new(
            ErrorCode::ImportDenied,
            "the component's imports could not be linked",
        )
    })
}

/// Where a component call failed: the step decides what an error that is not a trap means.
pub(crate) enum Failed {
    /// Instantiating (start functions included): classified as a core instantiation.
    Instantiate(wasmtime::Error),
    /// `call` could not be found with the world's type.
    Export,
    /// Lowering the arguments (the guest's `realloc`), `call`, lifting the result or
    /// post-return. A failure that is not a trap, a stop or a limit is the guest breaking the
    /// canonical ABI: a pointer or length out of bounds or misaligned.
    Call(wasmtime::Error),
}

/// Instantiates the component and calls `call`; the store is armed by the caller. The result
/// is a view into the guest's memory, not yet read.
pub(crate) fn run(
    mut store: impl AsContextMut<Data = HostState>,
    pre: &InstancePre<HostState>,
    tool: &str,
    input: &str,
) -> Result<WasmStr, Failed> {
    let instance = pre
        .instantiate(store.as_context_mut())
        .map_err(Failed::Instantiate)?;
    #[cfg(feature = "mutants")]
    {
        store.as_context_mut().data_mut().wasm_entries = Some(0);
    }
    let func = instance
        .get_typed_func::<(&str, &str), (WasmStr,)>(store.as_context_mut(), EXPORT)
        .map_err(|_| Failed::Export)?;
    let (result,) = func
        .call(store.as_context_mut(), (tool, input))
        .map_err(Failed::Call)?;
    Ok(result)
}

/// The returned string as output bytes: UTF-8 checked and measured in place, copied only when
/// within `cap` (docs/SPEC.md 13.4 step 6). `uncapped` is the string-lifted-before-cap mutant.
pub(crate) fn output(
    store: &wasmtime::Store<HostState>,
    result: &WasmStr,
    cap: usize,
    uncapped: bool,
) -> Result<Vec<u8>, Error> {
    let text = result.to_str(store).map_err(|_| {
        Error::new(
            ErrorCode::OutputMalformed,
            "the string returned by `call` is not UTF-8",
        )
    })?;
    if text.len() > cap && !uncapped {
        return Err(Error::new(
            ErrorCode::OutputTooLarge,
            format!(
                "the guest returned {} bytes of output, over the {cap}-byte cap",
                text.len()
            ),
        )
        .with("output_bytes", text.len() as u64)
        .with("limit", cap as u64));
    }
    Ok(text.as_bytes().to_vec())
}
