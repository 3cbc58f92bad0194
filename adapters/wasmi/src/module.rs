//! From bytes to a linkable module, in the order SPEC §3-§5 fixes: WebAssembly 2.0 validity,
//! the table count and ceiling, every import against the allowlist, then the exports.

use crate::error::{Code, Error, DETAIL_LIST_CAP};
use crate::host::IMPORTS;
use wasmi::{Engine, ExternType, Module};
use wasmparser::{CompositeInnerType, Parser, Payload, TypeRef, Validator, WasmFeatures};

/// The largest table a module may declare at all (per-call caps apply below it).
const TABLE_CEILING: u64 = 1 << 16;
/// Guest call frames before `stack_overflow`.
const MAX_RECURSION_DEPTH: usize = 16 * 1024;
/// wasmi's value stack before `stack_overflow`, bytes.
const MAX_STACK_HEIGHT: usize = 8 * 1024 * 1024;

/// A module that passed every load-time check of SPEC §3-§5.
pub struct Checked {
    pub module: Module,
}

/// The engine: every feature beyond WebAssembly 2.0 off, fuel on (the deadline is enforced
/// between fuel slices).
pub fn engine() -> Engine {
    let mut c = wasmi::Config::default();
    c.wasm_mutable_global(true)
        .wasm_sign_extension(true)
        .wasm_saturating_float_to_int(true)
        .wasm_multi_value(true)
        .wasm_bulk_memory(true)
        .wasm_reference_types(true)
        .wasm_simd(true)
        // The crate feature is on only to keep wasmi's offset encoding consistent (Cargo.toml);
        // the proposal stays off, as every other beyond WebAssembly 2.0.
        .wasm_memory64(false)
        .wasm_multi_memory(false)
        .wasm_tail_call(false)
        .wasm_extended_const(false)
        .wasm_custom_page_sizes(false)
        .wasm_wide_arithmetic(false)
        .wasm_relaxed_simd(false)
        .consume_fuel(true)
        // The reference runtime's 512 KiB wasm stack holds between 15,000 and 20,000 frames of
        // a small recursive function; wasmi's defaults (1,000 frames) would fail guests the
        // reference runs. Both stacks live on the heap here, so the host thread cannot overflow.
        .set_max_recursion_depth(MAX_RECURSION_DEPTH)
        .set_max_stack_height(MAX_STACK_HEIGHT);
    Engine::new(&c)
}

/// WebAssembly 2.0 exactly: with `funcref` but without `externref` (SPEC §3), which wasmi's
/// `Config` cannot separate from reference types, so the module is validated here first.
fn features() -> WasmFeatures {
    WasmFeatures::WASM2.difference(WasmFeatures::GC_TYPES)
}

pub fn load(engine: &Engine, bytes: &[u8], diagnostics: bool) -> Result<Checked, Error> {
    Validator::new_with_features(features())
        .validate_all(bytes)
        .map_err(|e| {
            Error::new(
                Code::ModuleInvalid,
                format!(
                    "the module is not a valid WebAssembly 2.0 core module: {}",
                    e.message()
                ),
            )
            .with("offset", e.offset() as u64)
        })?;
    let (tables, largest) = scan(bytes)?;
    if tables > 1 {
        return Err(Error::new(
            Code::TableLimit,
            format!("the module declares {tables} tables; at most one is allowed"),
        )
        .with("tables", tables as u64));
    }
    if largest > TABLE_CEILING {
        return Err(Error::new(
            Code::TableLimit,
            format!("the module declares a table of {largest} elements, over the ceiling of {TABLE_CEILING}"),
        )
        .with("table_elements", largest));
    }
    let module = Module::new(engine, bytes).map_err(|e| {
        Error::new(Code::ModuleInvalid, "the module could not be compiled")
            .with("cause", e.to_string())
    })?;
    check_imports(bytes, diagnostics)?;
    check_exports(&module)?;
    Ok(Checked { module })
}

/// Tables (defined and imported) and the largest declared size.
fn scan(bytes: &[u8]) -> Result<(usize, u64), Error> {
    let invalid = |_| Error::new(Code::ModuleInvalid, "the module could not be parsed");
    let (mut tables, mut largest) = (0usize, 0u64);
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(invalid)? {
            Payload::TableSection(reader) => {
                for table in reader {
                    tables += 1;
                    largest = largest.max(table.map_err(invalid)?.ty.initial);
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader {
                    if let TypeRef::Table(t) = import.map_err(invalid)?.ty {
                        tables += 1;
                        largest = largest.max(t.initial);
                    }
                }
            }
            _ => {}
        }
    }
    Ok((tables, largest))
}

/// Every import against the allowlist, read from the import section itself: SPEC §4 names
/// the offenders in the module's import order, and `wasmi::Module::imports` lists functions
/// before tables, memories and globals, whatever their order in the module.
fn check_imports(bytes: &[u8], diagnostics: bool) -> Result<(), Error> {
    use wasmparser::ValType as Ty;
    let invalid = |_| Error::new(Code::ModuleInvalid, "the module could not be parsed");
    let mut types = Vec::new();
    let mut denied = Vec::new();
    let mut count = 0u64;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(invalid)? {
            Payload::TypeSection(reader) => {
                for group in reader {
                    types.extend(group.map_err(invalid)?.into_types());
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader {
                    let import = import.map_err(invalid)?;
                    let signature = match import.ty {
                        TypeRef::Func(index) => types
                            .get(index as usize)
                            .and_then(|t| match &t.composite_type.inner {
                                CompositeInnerType::Func(f) => Some(f),
                                _ => None,
                            }),
                        _ => None,
                    };
                    let allowed = import.module == "yoi:tool"
                        && IMPORTS.iter().any(|(name, arity)| {
                            *name == import.name
                                && (diagnostics || *name != "diagnostic_write")
                                && signature.is_some_and(|f| {
                                    f.params().len() == *arity
                                        && f.params().iter().all(|p| *p == Ty::I32)
                                        && f.results() == [Ty::I32]
                                })
                        });
                    if !allowed {
                        count += 1;
                        if denied.len() < DETAIL_LIST_CAP {
                            denied.push(format!("{}::{}", import.module, import.name));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if denied.is_empty() {
        return Ok(());
    }
    let shown = denied.join(", ");
    Err(Error::new(
        Code::ImportDenied,
        format!("the module imports {count} item(s) outside ABI yoi-plugin-wasm-1: {shown}"),
    )
    .with("imports", denied)
    .with("count", count))
}

fn check_exports(module: &Module) -> Result<(), Error> {
    let error = |code, export: &str, why: &str| {
        Err(Error::new(code, format!("the export {export} {why}")).with("export", export))
    };
    match module.get_export("memory") {
        None => return error(Code::ExportMissing, "memory", "is missing"),
        Some(ExternType::Memory(_)) => {}
        Some(_) => return error(Code::ExportInvalid, "memory", "is not a memory"),
    }
    match module.get_export("yoi_tool_call") {
        None => error(Code::ExportMissing, "yoi_tool_call", "is missing"),
        Some(ExternType::Func(f)) if f.params().is_empty() && f.results().is_empty() => Ok(()),
        Some(_) => error(
            Code::ExportInvalid,
            "yoi_tool_call",
            "is not a function [] -> []",
        ),
    }
}
