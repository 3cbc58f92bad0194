//! The generators: the module of a seed, from wasm-smith within each family's constraints (or
//! `abi_family`'s WAT guests), with the call it gets and what its outcome must be.

use super::rt::{ErrorCode, Limits};
use super::Family;
use crate::abi_family::{self, AbiLimits, SplitMix};
use arbitrary::Unstructured;

const ALLOWED_IMPORTS: &str = r#"(module
  (import "yoi:tool" "tool_name_len" (func (result i32)))
  (import "yoi:tool" "tool_name_read" (func (param i32 i32) (result i32)))
  (import "yoi:tool" "input_len" (func (result i32)))
  (import "yoi:tool" "input_read" (func (param i32 i32) (result i32)))
  (import "yoi:tool" "output_write" (func (param i32 i32) (result i32)))
  (import "yoi:tool" "diagnostic_write" (func (param i32 i32) (result i32))))"#;

/// Every `module::name` here is unique, so whether a generated import is denied follows from its
/// names alone: the ones marked denied have a wrong type, name or module, or are not functions.
const IMPORT_POOL: &[(&str, &str, &str, bool)] = &[
    ("yoi:tool", "input_len", "(func (result i32))", false),
    (
        "yoi:tool",
        "output_write",
        "(func (param i32 i32) (result i32))",
        false,
    ),
    (
        "yoi:tool",
        "tool_name_read",
        "(func (param i32 i32) (result i32))",
        false,
    ),
    (
        "yoi:tool",
        "diagnostic_write",
        "(func (param i32 i32) (result i32))",
        false,
    ),
    (
        "wasi_snapshot_preview1",
        "fd_write",
        "(func (param i32 i32 i32 i32) (result i32))",
        true,
    ),
    (
        "wasi_snapshot_preview1",
        "proc_exit",
        "(func (param i32))",
        true,
    ),
    (
        "wasi_snapshot_preview1",
        "clock_time_get",
        "(func (param i32 i64 i32) (result i32))",
        true,
    ),
    ("env", "abort", "(func)", true),
    ("env", "now", "(func (result f64))", true),
    (
        "yoi:tool",
        "input_read",
        "(func (param i64 i64) (result i32))",
        true,
    ),
    ("yoi:tool", "tool_name_len", "(func (result i64))", true),
    (
        "yoi:tool",
        "http_get",
        "(func (param i32 i32) (result i32))",
        true,
    ),
    ("yoi:tool", "counter", "(global (mut i32))", true),
    ("env", "base", "(global i32)", true),
    ("yoi:tool", "table", "(table 4 funcref)", true),
    (
        "wasi_snapshot_preview1",
        "path_open",
        "(func (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32))",
        true,
    ),
    (
        "wasi_snapshot_preview1",
        "environ_get",
        "(func (param i32 i32) (result i32))",
        true,
    ),
    (
        "wasi_snapshot_preview1",
        "random_get",
        "(func (param i32 i32) (result i32))",
        true,
    ),
    (
        "wasi_snapshot_preview1",
        "sock_accept",
        "(func (param i32 i32 i32) (result i32))",
        true,
    ),
    (
        "env",
        "memcpy",
        "(func (param i32 i32 i32) (result i32))",
        true,
    ),
    ("YOI:TOOL", "input_len", "(func (result i32))", true),
    ("yoi:tool", "Input_len", "(func (result i32))", true),
    (
        "yoi:tool",
        "output_write_v2",
        "(func (param i32 i32) (result i32))",
        true,
    ),
    (
        "yoi:tool",
        "diagnostic_write ",
        "(func (param i32 i32) (result i32))",
        true,
    ),
];

/// At most how many `env::host_fn_<k>` functions the denied pool adds.
const EXTRA_ENV_FUNCTIONS: usize = 16;

/// The imported memory, offered only when the exports do not define one (two memories would be
/// multi-memory, which is invalid for another reason).
const IMPORTED_MEMORY: (&str, &str, &str, bool) = ("env", "memory", "(memory 1)", true);

/// Broken export sets and the error each must produce.
const BROKEN_EXPORTS: &[(&str, ErrorCode, &str)] = &[
    (
        r#"(func (export "yoi_tool_call"))"#,
        ErrorCode::ExportMissing,
        "memory",
    ),
    (
        r#"(func (export "memory")) (func (export "yoi_tool_call"))"#,
        ErrorCode::ExportInvalid,
        "memory",
    ),
    (
        r#"(global (export "memory") i32 (i32.const 0)) (func (export "yoi_tool_call"))"#,
        ErrorCode::ExportInvalid,
        "memory",
    ),
    (
        r#"(memory (export "mem") 1) (func (export "yoi_tool_call"))"#,
        ErrorCode::ExportMissing,
        "memory",
    ),
    ("", ErrorCode::ExportMissing, "memory"),
    (
        r#"(memory (export "memory") 1)"#,
        ErrorCode::ExportMissing,
        "yoi_tool_call",
    ),
    (
        r#"(memory (export "memory") 1) (func (export "yoi_tool_call") (param i32))"#,
        ErrorCode::ExportInvalid,
        "yoi_tool_call",
    ),
    (
        r#"(memory (export "memory") 1) (func (export "yoi_tool_call") (result i32) i32.const 0)"#,
        ErrorCode::ExportInvalid,
        "yoi_tool_call",
    ),
    (
        r#"(memory (export "memory") 1) (table (export "yoi_tool_call") 1 funcref)"#,
        ErrorCode::ExportInvalid,
        "yoi_tool_call",
    ),
    (
        r#"(memory (export "memory") 1) (global (export "yoi_tool_call") i32 (i32.const 0))"#,
        ErrorCode::ExportInvalid,
        "yoi_tool_call",
    ),
];

/// Memory types of the required `memory` export: around the 2 MiB (32-page) default cap, with
/// and without a declared maximum.
const MEMORIES: &[&str] = &["0", "1", "1 1", "2 40", "17", "32", "32 32", "33", "40 100"];

/// What the oracle expects of a generated module, beyond well-formedness.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Run- or output-phase outcomes only: the module is valid and links.
    Runs,
    /// As [`Expect::Runs`], and the only trap is `unreachable`: an ABI-family guest's memory
    /// accesses are all in bounds, so any other trap is the runtime's.
    Abi,
    /// `import_denied` naming these imports (`module::name`, the first 16 in import order) in
    /// `details.imports`, with `details.count` the number of all of them. Imports are checked
    /// before exports, so a module lacking `memory` too still gets this.
    Denied {
        /// The first 16 denied imports, in order.
        imports: Vec<String>,
        /// How many imports are denied in all.
        count: u64,
    },
    /// This export error, naming this export.
    Export(ErrorCode, &'static str),
}

/// A module generated from a seed, with the call it gets and what its outcome must be.
#[derive(Clone, Debug)]
pub struct Generated {
    /// The seed's family.
    pub family: Family,
    /// The module's bytes.
    pub wasm: Vec<u8>,
    /// The module's text, when it was generated as text (the ABI family).
    pub wat: Option<String>,
    /// The tool the manifest declares and the call names.
    pub tool: String,
    /// The call's input.
    pub input: String,
    /// Limit overrides of the call (the ABI family's small caps).
    pub limits: AbiLimits,
    /// What the oracle expects.
    pub expect: Expect,
}

impl Generated {
    /// The package's manifest: one tool, named as the call names it, taking any object.
    pub fn manifest(&self) -> String {
        MANIFEST.replace("{TOOL}", &self.tool)
    }

    /// `limits` with this module's overrides applied.
    pub fn limits(&self, mut limits: Limits) -> Limits {
        let size = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
        if let Some(v) = self.limits.output_bytes {
            limits.output_bytes = size(v);
        }
        if let Some(v) = self.limits.summary_bytes {
            limits.summary_bytes = size(v);
        }
        if let Some(v) = self.limits.diagnostic_bytes {
            limits.diagnostic_bytes = size(v);
        }
        limits
    }
}

fn wat(text: &str) -> Vec<u8> {
    // The texts are this file's constants and cannot fail to parse; a failure is a bug here.
    wat::parse_str(text).unwrap_or_else(|e| panic!("fuzz template does not parse: {e}\n{text}"))
}

/// The wasm-smith configuration every generated guest starts from, here and in the cargo-fuzz
/// targets (crate `toolcage-fuzzing`): WebAssembly 2.0 without reference types (so no
/// `externref`, which the runtime does not compile in), small enough to compile fast. At most one
/// memory of wasm-smith's own: a caller whose `exports` already define `memory` sets
/// `max_memories = 0` (a second memory would be multi-memory, invalid for another reason).
pub fn smith_config() -> wasm_smith::Config {
    wasm_smith::Config {
        reference_types_enabled: false,
        gc_enabled: false,
        exceptions_enabled: false,
        memory64_enabled: false,
        threads_enabled: false,
        tail_call_enabled: false,
        relaxed_simd_enabled: false,
        wide_arithmetic_enabled: false,
        extended_const_enabled: false,
        custom_page_sizes_enabled: false,
        compact_imports_enabled: false,
        shared_everything_threads_enabled: false,
        custom_descriptors_enabled: false,
        simd_enabled: true,
        bulk_memory_enabled: true,
        max_memories: 1,
        max_memory32_bytes: 4 << 20,
        max_tables: 1,
        max_table_elements: 300,
        max_funcs: 24,
        max_instructions: 200,
        max_types: 24,
        max_globals: 16,
        max_data_segments: 8,
        max_element_segments: 8,
        max_elements: 32,
        max_exports: 16,
        ..wasm_smith::Config::default()
    }
}

/// The module of `seed`, or `None` when wasm-smith could not build one from its bytes.
pub fn generate(seed: u64) -> Option<Generated> {
    generate_from(seed, None)
}

/// The module of `seed`, with wasm-smith drawing its choices from `bytes` instead of the seed's
/// own stream when given (a coverage-guided fuzzer's input); the family and its constraints
/// still come from the seed. The `abi` family's guests come from the seed alone.
pub fn generate_from(seed: u64, bytes: Option<&[u8]>) -> Option<Generated> {
    let family = Family::of(seed);
    if family == Family::Abi {
        let module = abi_family::generate(seed);
        return Some(Generated {
            family,
            wasm: wat(&module.wat),
            wat: Some(module.wat),
            tool: module.tool,
            input: module.input,
            limits: module.limits,
            expect: Expect::Abi,
        });
    }
    let mut rng = SplitMix(seed);
    let mut config = smith_config();
    let memory = MEMORIES[rng.below(MEMORIES.len())];
    let required =
        format!(r#"(memory (export "memory") {memory}) (func (export "yoi_tool_call"))"#);
    let mut pool: Vec<(String, String, String, bool)> = Vec::new();
    let expect_export = match family {
        Family::Allowed => {
            // Without traps, generated code runs further and reaches more imports and loops.
            config.disallow_traps = rng.below(2) == 0;
            // Integer-only code with longer bodies runs further before it returns or traps.
            if rng.below(2) == 0 {
                config.allow_floats = false;
                config.simd_enabled = false;
                config.max_instructions = 1000;
            }
            config.available_imports = Some(wat(ALLOWED_IMPORTS));
            config.exports = Some(wat(&format!("(module {required})")));
            config.max_memories = 0;
            None
        }
        Family::Denied => {
            // Imported functions count against max_funcs: leave room to draw more than 16.
            config.max_funcs = 64;
            let owned = |(m, n, t, d): &(&str, &str, &str, bool)| {
                (m.to_string(), n.to_string(), t.to_string(), *d)
            };
            pool = IMPORT_POOL.iter().map(owned).collect();
            // Enough plain `env` functions that some modules import more than the 16 denied
            // imports the details may list (ERR-03).
            let extra = rng.below(EXTRA_ENV_FUNCTIONS + 1);
            pool.extend((0..extra).map(|k| {
                let ty = "(func (param i32) (result i32))".to_string();
                ("env".to_string(), format!("host_fn_{k}"), ty, true)
            }));
            let with_memory = rng.below(2) == 0;
            if with_memory {
                pool.push(owned(&IMPORTED_MEMORY));
                config.exports = Some(wat(r#"(module (func (export "yoi_tool_call")))"#));
            } else {
                config.exports = Some(wat(&format!("(module {required})")));
                config.max_memories = 0;
            }
            // A different order per seed, so the "in import order" rule is exercised.
            for i in (1..pool.len()).rev() {
                pool.swap(i, rng.below(i + 1));
            }
            let text: String = pool
                .iter()
                .map(|(m, n, ty, _)| format!("(import \"{m}\" \"{n}\" {ty})\n"))
                .collect();
            config.available_imports = Some(wat(&format!("(module {text})")));
            with_memory.then_some((ErrorCode::ExportMissing, "memory"))
        }
        // Generated as text above, never by wasm-smith.
        Family::Abi => return None,
        Family::Exports => {
            let (exports, code, name) = BROKEN_EXPORTS[rng.below(BROKEN_EXPORTS.len())];
            config.available_imports = Some(wat(ALLOWED_IMPORTS));
            config.exports = Some(wat(&format!("(module {exports})")));
            if exports.contains("(memory") {
                config.max_memories = 0;
            }
            if exports.contains("(table") {
                config.max_tables = 0;
            }
            Some((code, name))
        }
    };
    // wasm-smith draws every choice from these bytes; it stops early when they run out, so
    // give it more than the largest module here needs.
    let data = match bytes {
        Some(bytes) => bytes.to_vec(),
        None => rng.bytes(64 * 1024),
    };
    let module = wasm_smith::Module::new(config, &mut Unstructured::new(&data)).ok()?;
    let wasm = module.to_bytes();

    let expect = match family {
        Family::Denied => {
            let names = import_names(&wasm)?;
            let mut denied: Vec<String> = names
                .iter()
                .filter(|(m, n)| pool.iter().any(|(pm, pn, _, d)| *d && pm == m && pn == n))
                .map(|(m, n)| format!("{m}::{n}"))
                .collect();
            let count = denied.len() as u64;
            denied.truncate(16);
            match (denied.is_empty(), expect_export) {
                (false, _) => Expect::Denied {
                    imports: denied,
                    count,
                },
                (true, Some((code, name))) => Expect::Export(code, name),
                (true, None) => Expect::Runs,
            }
        }
        Family::Allowed => Expect::Runs,
        Family::Abi => return None,
        Family::Exports => {
            let (code, name) = expect_export?;
            Expect::Export(code, name)
        }
    };
    Some(Generated {
        family,
        wasm,
        wat: None,
        tool: "run".into(),
        input: "{}".into(),
        limits: AbiLimits::default(),
        expect,
    })
}

/// The (module, name) of every import, in order: a minimal reader of the import section, kept
/// apart from the runtime's own parsing so the oracle does not share its bugs. `None` for an
/// encoding it does not know (none of the disabled proposals is expected).
pub fn import_names(wasm: &[u8]) -> Option<Vec<(String, String)>> {
    let mut r = Reader {
        bytes: wasm,
        pos: 8,
    };
    if wasm.get(..8)? != b"\0asm\x01\0\0\0" {
        return None;
    }
    while r.pos < wasm.len() {
        let id = r.byte()?;
        let size = r.leb()? as usize;
        let end = r.pos.checked_add(size)?;
        if id != 2 {
            r.pos = end;
            continue;
        }
        let mut names = Vec::new();
        for _ in 0..r.leb()? {
            let module = r.name()?;
            let name = r.name()?;
            match r.byte()? {
                0 => {
                    r.leb()?;
                }
                1 => {
                    r.byte()?;
                    r.limits()?;
                }
                2 => r.limits()?,
                3 => {
                    r.byte()?;
                    r.byte()?;
                }
                4 => {
                    r.byte()?;
                    r.leb()?;
                }
                _ => return None,
            }
            names.push((module, name));
        }
        return (r.pos == end).then_some(names);
    }
    Some(Vec::new())
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    fn leb(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            value |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    fn name(&mut self) -> Option<String> {
        let len = self.leb()? as usize;
        let bytes = self.bytes.get(self.pos..self.pos.checked_add(len)?)?;
        self.pos += len;
        String::from_utf8(bytes.to_vec()).ok()
    }

    fn limits(&mut self) -> Option<()> {
        let flags = self.byte()?;
        if flags & !1 != 0 {
            return None;
        }
        self.leb()?;
        if flags & 1 == 1 {
            self.leb()?;
        }
        Some(())
    }
}

const MANIFEST: &str = r#"schema_version = 1
id = "fuzz.generated"
name = "Generated"
version = "0.0.0"
description = "a module generated by wasm-smith"

[runtime]
kind = "wasm"
entry = "plugin.wasm"
abi = "yoi-plugin-wasm-1"

[[tools]]
name = "{TOOL}"
description = "the generated module's entry"
input_schema = { type = "object" }
"#;
