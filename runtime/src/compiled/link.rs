//! Linking a module against ABI v1: the only authority a guest gets is what this module lets
//! through.
//!
//! Every import is checked against the allowlist, with its type, before anything is
//! instantiated, and the error names every offender (the wasmtime linker alone would name only
//! the first). Exports are checked with their types. The linker defines exactly the `yoi:tool`
//! functions: no WASI, no `env`, nothing ambient.

use crate::error::{Error, ErrorCode, DETAIL_LIST_CAP};
use wasmtime::wasmparser::{Parser, Payload, TypeRef};
use wasmtime::{ExternType, FuncType, Module, ValType};

/// The imports of ABI v1, in the order the spec lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Import {
    ToolNameLen,
    ToolNameRead,
    InputLen,
    InputRead,
    OutputWrite,
    DiagnosticWrite,
}

impl Import {
    pub(crate) const MODULE: &'static str = "yoi:tool";
    pub(crate) const ALL: [Import; 6] = [
        Import::ToolNameLen,
        Import::ToolNameRead,
        Import::InputLen,
        Import::InputRead,
        Import::OutputWrite,
        Import::DiagnosticWrite,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Import::ToolNameLen => "tool_name_len",
            Import::ToolNameRead => "tool_name_read",
            Import::InputLen => "input_len",
            Import::InputRead => "input_read",
            Import::OutputWrite => "output_write",
            Import::DiagnosticWrite => "diagnostic_write",
        }
    }

    /// Number of i32 parameters; every import returns one i32.
    pub(crate) fn arity(self) -> usize {
        match self {
            Import::ToolNameLen | Import::InputLen => 0,
            _ => 2,
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Import> {
        Import::ALL.into_iter().find(|i| i.name() == name)
    }
}

/// What the runtime must know about a module before compiling it.
pub(crate) struct Scan {
    pub tables: usize,
    pub largest_table: u64,
    /// The largest initial size of a memory the module defines, in bytes.
    pub largest_memory: u64,
}

/// Validates the module with exactly the allowed features and notes its tables, so that
/// modules the engine's pool could not hold fail with their own limit code rather than as
/// invalid.
pub(crate) fn scan(bytes: &[u8]) -> Result<Scan, Error> {
    let mut validator =
        wasmtime::wasmparser::Validator::new_with_features(super::engine::allowed_features());
    validator.validate_all(bytes).map_err(|e| {
        // The validator's text can quote the module's names: details only.
        Error::new(
            ErrorCode::ModuleInvalid,
            "the module is not a valid WebAssembly 2.0 core module",
        )
        .with("offset", e.offset() as u64)
        .with("cause", e.message())
    })?;
    let mut scan = Scan {
        tables: 0,
        largest_table: 0,
        largest_memory: 0,
    };
    let invalid = |_| Error::new(ErrorCode::ModuleInvalid, "the module could not be parsed");
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(invalid)? {
            Payload::TableSection(reader) => {
                for table in reader {
                    let table = table.map_err(invalid)?;
                    scan.tables += 1;
                    scan.largest_table = scan.largest_table.max(table.ty.initial);
                }
            }
            Payload::MemorySection(reader) => {
                for memory in reader {
                    let pages = memory.map_err(invalid)?.initial;
                    scan.largest_memory = scan.largest_memory.max(pages.saturating_mul(1 << 16));
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    if let TypeRef::Table(t) = import.map_err(invalid)?.ty {
                        scan.tables += 1;
                        scan.largest_table = scan.largest_table.max(t.initial);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(scan)
}

/// Refuses modules that could never fit the engine's table pool or the one-table limit.
pub(crate) fn check_scan(scan: &Scan) -> Result<(), Error> {
    if scan.tables > 1 {
        return Err(Error::new(
            ErrorCode::TableLimit,
            format!(
                "the module declares {} tables; at most one is allowed",
                scan.tables
            ),
        )
        .with("tables", scan.tables as u64));
    }
    if scan.largest_table > super::engine::TABLE_CEILING as u64 {
        return Err(Error::new(
            ErrorCode::TableLimit,
            format!(
                "the module declares a table of {} elements, over the runtime's ceiling of {}",
                scan.largest_table,
                super::engine::TABLE_CEILING
            ),
        )
        .with("table_elements", scan.largest_table));
    }
    Ok(())
}

/// Options that change what linking accepts.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct LinkPolicy {
    pub diagnostics: bool,
}

/// Whether an allowed import's function type is the one ABI v1 gives it.
pub(crate) fn import_type_ok(import: Import, ty: &FuncType) -> bool {
    ty.params().len() == import.arity()
        && ty.params().all(|p| matches!(p, ValType::I32))
        && ty.results().len() == 1
        && ty.results().all(|r| matches!(r, ValType::I32))
}

/// Checks every import and both required exports.
pub(crate) fn check(module: &Module, policy: LinkPolicy) -> Result<(), Error> {
    let mut denied = Vec::new();
    let mut total = 0usize;
    for import in module.imports() {
        let allowed = import.module() == Import::MODULE
            && match (Import::from_name(import.name()), import.ty()) {
                (Some(Import::DiagnosticWrite), _) if !policy.diagnostics => false,
                (Some(i), ExternType::Func(ty)) => import_type_ok(i, &ty),
                _ => false,
            };
        if !allowed {
            total += 1;
            if denied.len() < DETAIL_LIST_CAP {
                denied.push(format!("{}::{}", import.module(), import.name()));
            }
        }
    }
    if !denied.is_empty() {
        return Err(imports_denied(total, denied));
    }
    check_exports(module)
}

/// The error naming the imports outside the allowlist (`total` of them, the first
/// `DETAIL_LIST_CAP` in `denied`).
pub(crate) fn imports_denied(total: usize, denied: Vec<String>) -> Error {
    // The names are the module's bytes: they go to details (sanitized, bounded), never into
    // the message.
    Error::new(
        ErrorCode::ImportDenied,
        format!(
            "the module imports {total} function(s) or object(s) outside ABI yoi-plugin-wasm-1 (named in details.imports)"
        ),
    )
    .with("count", total as u64)
    .with("imports", denied)
}

/// `memory` and `yoi_tool_call`, with their types.
pub(crate) fn check_exports(module: &Module) -> Result<(), Error> {
    let memory = module.get_export("memory");
    match memory {
        None => {
            return Err(export_error(
                ErrorCode::ExportMissing,
                "memory",
                "is missing",
            ))
        }
        Some(ExternType::Memory(_)) => {}
        Some(_) => {
            return Err(export_error(
                ErrorCode::ExportInvalid,
                "memory",
                "is not a memory",
            ))
        }
    }
    match module.get_export("yoi_tool_call") {
        None => Err(export_error(
            ErrorCode::ExportMissing,
            "yoi_tool_call",
            "is missing",
        )),
        Some(ExternType::Func(ty)) if ty.params().len() == 0 && ty.results().len() == 0 => Ok(()),
        Some(_) => Err(export_error(
            ErrorCode::ExportInvalid,
            "yoi_tool_call",
            "must be a function of type [] -> []",
        )),
    }
}

fn export_error(code: ErrorCode, export: &str, why: &str) -> Error {
    Error::new(code, format!("the module's export `{export}` {why}")).with("export", export)
}
