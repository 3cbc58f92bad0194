//! The component profile's checks (docs/SPEC.md section 13): a component of world
//! `yoi:plugin/tool@1.0.0` validated with exactly the allowed features, and refused when it
//! imports anything or lacks `call: func(string, string) -> string`. The call itself is the call
//! boundary's (`call::component`).

use crate::error::{Error, ErrorCode, DETAIL_LIST_CAP};
use crate::host_api::{self, Granted};
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, Type};
use wasmtime::wasmparser::{
    CanonicalFunction, CanonicalOption, ComponentType, Parser, Payload, Validator, WasmFeatures,
};
use wasmtime::Engine;

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
    super::engine::allowed_features() | WasmFeatures::COMPONENT_MODEL
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
/// every other import) and exports `call` with the world's type.
pub(crate) fn check(
    component: &Component,
    engine: &Engine,
    granted: &Granted,
) -> Result<(), Error> {
    let ty = component.component_type();
    let mut denied = Vec::new();
    let mut total = 0usize;
    for (name, item) in ty.imports(engine) {
        if host_api::allowed(name, &item.ty, engine, granted.apis) {
            continue;
        }
        total += 1;
        if denied.len() < DETAIL_LIST_CAP {
            denied.push(name.to_owned());
        }
    }
    if total > 0 {
        return Err(imports_denied(total, denied, granted));
    }
    check_exports(component, engine)
}

/// The error naming a component's imports (`total` of them, the first `DETAIL_LIST_CAP` in
/// `denied`), with why a host interface among them was not given (`details.grants`).
pub(crate) fn imports_denied(total: usize, denied: Vec<String>, granted: &Granted) -> Error {
    let why = host_api::refused_detail(&denied, granted);
    let message = if why.is_empty() {
        format!("the component imports {total} item(s); world yoi:plugin/tool@1.0.0 has no imports (named in details.imports)")
    } else {
        format!("the component imports {total} item(s) that neither its world nor its grants allow (named in details.imports; details.grants says why a host interface was not given)")
    };
    let mut error = Error::new(ErrorCode::ImportDenied, message).with("count", total as u64);
    if !why.is_empty() {
        error = error.with("grants", why);
    }
    error.with("imports", denied)
}

/// `call`, with the world's type.
pub(crate) fn check_exports(component: &Component, engine: &Engine) -> Result<(), Error> {
    let ty = component.component_type();
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
