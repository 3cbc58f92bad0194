//! Generated-module fuzzing of the reference runtime: random guests from wasm-smith, each loaded
//! and called under a short deadline, to show that no module makes the host panic, hang, leak a
//! thread or answer outside the ABI's outcomes.
//!
//! Module `i` is generated from seed `i` alone, so any finding is reproduced by its seed
//! (`cargo xtask fuzz --count 1 --seed S`). Seeds cycle through four families, each with an
//! oracle that does not come from the runtime's code:
//!
//! - [`Family::Allowed`]: only the ABI's imports, both required exports with their types. Any
//!   load- or link-phase failure is a finding; the call may fail at run or output time.
//! - [`Family::Denied`]: imports drawn from a pool mixing allowed ones with WASI, `env`, unknown
//!   `yoi:tool` names, allowed names with the wrong type, an imported table, global and memory.
//!   The call must fail with `import_denied` naming exactly the denied imports the generated
//!   module has, in order, or behave as an allowed module when it drew none.
//! - [`Family::Exports`]: allowed imports, and exports with `memory` or `yoi_tool_call` missing
//!   or of the wrong kind or type: the call must fail with the one export error the spec names.
//! - [`Family::Abi`]: not wasm-smith's but [`crate::abi_family`]'s guests, which call every
//!   import with pointers and lengths at and around the edges and write valid and near-valid
//!   outputs, under small output, summary and diagnostic caps. They always link and always end:
//!   any load- or link-phase failure is a finding, as is a trap (they have none but a final
//!   `unreachable`, which is `trap` `unreachable`). `cargo xtask fuzz --differential` compares
//!   what other runtimes make of them.
//!
//! Every outcome also has to be well-formed: a known code in its own phase, a bounded message
//! without control characters, and an answer within the deadline plus a slack. Each module is
//! called twice: with a fresh instance per call, both calls must end alike (timeouts aside).
//! A late outcome is tried again, twice: generated modules are deterministic, so lateness that
//! does not reproduce is the machine stalling the process and is listed apart, not a finding.
//!
//! Compiled twice from this one file, against `super::rt`: `toolcage::fuzz` runs the runtime as
//! hosts build it; `toolcage::mutant_runtime::fuzz` runs its mutant build, to show the oracles
//! catch a guarantee switched off.

use std::collections::BTreeMap;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::rt::{self, CallOptions, Config, Digest, Error, ErrorCode, Limits, Runtime};
use crate::abi_family::{self, AbiLimits, SplitMix};
use arbitrary::Unstructured;
use serde_json::Value;

/// How a fuzz run is set up.
#[derive(Clone, Debug)]
pub struct FuzzConfig {
    /// Modules to generate and run.
    pub count: u64,
    /// Seed of the first module; module `i` of the run uses `seed + i`.
    pub seed: u64,
    /// The deadline of every call: short, since generated code often loops forever.
    pub deadline: Duration,
    /// An instruction budget for every call (the runtime's fuel engine), or none.
    pub fuel: Option<u64>,
    /// How late after the deadline an outcome may come before it counts as a hang.
    pub slack: Duration,
    /// Where to write the module of every finding (`seed-<S>.wasm`), for shrinking.
    pub save_dir: Option<PathBuf>,
    /// The configuration of the runtime under test (a mutant, to show the oracles catch it).
    pub runtime: Config,
    /// Stop once this many findings were made; `None` runs every seed.
    pub max_findings: Option<usize>,
}

impl Default for FuzzConfig {
    fn default() -> FuzzConfig {
        FuzzConfig {
            count: 300,
            seed: 0,
            deadline: Duration::from_millis(50),
            fuel: None,
            slack: Duration::from_millis(250),
            save_dir: None,
            runtime: Config::default(),
            max_findings: None,
        }
    }
}

/// The kind of module a seed generates, chosen by `seed % 4`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// Allowed imports and the required exports.
    Allowed,
    /// Imports drawn from a pool that includes denied ones.
    Denied,
    /// A required export missing or of the wrong kind or type.
    Exports,
    /// Every import called with edge pointers and lengths; valid and near-valid outputs.
    Abi,
}

impl Family {
    /// Every family, in seed order.
    pub const ALL: [Family; 4] = [
        Family::Allowed,
        Family::Denied,
        Family::Exports,
        Family::Abi,
    ];

    /// The family of a seed.
    pub fn of(seed: u64) -> Family {
        Family::ALL[(seed % 4) as usize]
    }

    /// A short name for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Allowed => "allowed",
            Family::Denied => "denied",
            Family::Exports => "exports",
            Family::Abi => "abi",
        }
    }
}

/// Something a generated module made the runtime do that it must not.
#[derive(Clone, Debug)]
pub struct Finding {
    /// The seed that reproduces it.
    pub seed: u64,
    /// The family of that seed.
    pub family: Family,
    /// What went wrong, in one line.
    pub what: String,
}

/// What a fuzz run saw.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Seeds tried.
    pub count: u64,
    /// Seeds for which wasm-smith produced no module (not a runtime finding).
    pub not_generated: u64,
    /// Outcome codes (`ok` for a tool result) per family.
    pub outcomes: BTreeMap<(Family, String), u64>,
    /// Every panic, oracle violation, late outcome or leaked thread.
    pub findings: Vec<Finding>,
    /// Loads or calls that panicked (each is also a finding).
    pub panics: u64,
    /// Late outcomes that did not reproduce (seed, how long the late call took): the machine
    /// stalled the whole process, not the runtime. A late outcome is retried twice and is a
    /// finding only when every try is late, since a module's behaviour is deterministic.
    pub stalls: Vec<(u64, Duration)>,
    /// The slowest call (deadline included) and its seed; each module is called twice.
    pub worst_call: (Duration, u64),
    /// The slowest load (read, hash, compile, link) and its seed.
    pub worst_load: (Duration, u64),
    /// Threads of the process once the runtime was warm, and after the last call.
    pub threads: (usize, usize),
    /// Calls the generated guests made to each import, and how many of them returned -1, per
    /// family (the first call of each module; the reference runtime counts them for every call).
    pub host_calls: BTreeMap<(Family, String), (u64, u64)>,
    /// Wall-clock time of the whole run.
    pub elapsed: Duration,
    /// The `cargo xtask fuzz` flags besides the seed that reproduce this run's calls.
    pub rerun_flags: String,
}

impl Report {
    /// True when no module produced a finding.
    pub fn passed(&self) -> bool {
        self.findings.is_empty()
    }

    /// Outcome codes over all families.
    pub fn histogram(&self) -> BTreeMap<String, u64> {
        let mut all = BTreeMap::new();
        for ((_, code), n) in &self.outcomes {
            *all.entry(code.clone()).or_insert(0) += n;
        }
        all
    }
}

/// One family's outcome codes and its import counts, as the fuzz report and the differential
/// report both print them; `with_empty` prints the codes line for a family with no outcome too.
pub(crate) fn write_family(
    f: &mut fmt::Formatter<'_>,
    indent: &str,
    family: Family,
    outcomes: &BTreeMap<(Family, String), u64>,
    host_calls: &BTreeMap<(Family, String), (u64, u64)>,
    with_empty: bool,
) -> fmt::Result {
    let codes: Vec<String> = outcomes
        .iter()
        .filter(|((fam, _), _)| *fam == family)
        .map(|((_, code), n)| format!("{code}={n}"))
        .collect();
    if codes.is_empty() && !with_empty {
        return Ok(());
    }
    writeln!(f, "{indent}{:<8} {}", family.as_str(), codes.join(" "))?;
    let calls: Vec<String> = host_calls
        .iter()
        .filter(|((fam, _), _)| *fam == family)
        .map(|((_, name), (n, failed))| format!("{name}={n} ({failed} returned -1)"))
        .collect();
    if !calls.is_empty() {
        writeln!(f, "{indent}{:<8} imports: {}", "", calls.join(" "))?;
    }
    Ok(())
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "fuzz: {} modules ({} not generated) in {:.1} s, {} finding(s), {} panic(s)",
            self.count,
            self.not_generated,
            self.elapsed.as_secs_f64(),
            self.findings.len(),
            self.panics
        )?;
        writeln!(
            f,
            "worst call {:.1} ms (seed {}), worst load {:.1} ms (seed {}), threads {} -> {}",
            self.worst_call.0.as_secs_f64() * 1e3,
            self.worst_call.1,
            self.worst_load.0.as_secs_f64() * 1e3,
            self.worst_load.1,
            self.threads.0,
            self.threads.1
        )?;
        for family in Family::ALL {
            write_family(f, "  ", family, &self.outcomes, &self.host_calls, true)?;
        }
        if !self.stalls.is_empty() {
            let stalls: Vec<String> = self
                .stalls
                .iter()
                .map(|(seed, took)| format!("seed {seed} {:.0} ms", took.as_secs_f64() * 1e3))
                .collect();
            writeln!(
                f,
                "  late once, in time on retry (machine stalls): {}",
                stalls.join(", ")
            )?;
        }
        for finding in self.findings.iter().take(50) {
            writeln!(
                f,
                "  FINDING seed {} ({}): {}  [rerun: cargo xtask fuzz --count 1 --seed {}{}]",
                finding.seed,
                finding.family.as_str(),
                finding.what,
                finding.seed,
                self.rerun_flags
            )?;
        }
        if self.findings.len() > 50 {
            writeln!(f, "  ... and {} more", self.findings.len() - 50)?;
        }
        Ok(())
    }
}

// --- generation ---------------------------------------------------------------------------------

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

/// The wasm-smith configuration every family shares: WebAssembly 2.0 without reference types
/// (so no `externref`, which the runtime does not compile in), small enough to compile fast.
fn base_config() -> wasm_smith::Config {
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
    let mut config = base_config();
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
    let data = rng.bytes(64 * 1024);
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

// --- running ------------------------------------------------------------------------------------

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

/// Threads of this process right now.
pub fn thread_count() -> usize {
    std::fs::read_dir("/proc/self/task")
        .map(|d| d.count())
        .unwrap_or(0)
}

/// What one module did: the outcome code (or `ok`), and any finding.
struct Observed {
    code: String,
    /// The outcome came after the deadline plus the slack.
    late: bool,
    host_calls: rt::HostCallCounts,
    call: Duration,
    load: Duration,
    finding: Option<String>,
}

/// Generates and runs `config.count` modules against a fresh reference runtime.
pub fn run(config: &FuzzConfig) -> Report {
    let started = Instant::now();
    let mut report = Report {
        rerun_flags: format!(" --deadline-ms {}", config.deadline.as_millis()),
        ..Report::default()
    };
    if let Some(fuel) = config.fuel {
        report.rerun_flags.push_str(&format!(" --fuel {fuel}"));
    }
    let runtime = match Runtime::new(config.runtime.clone()) {
        Ok(runtime) => runtime,
        Err(e) => {
            report.findings.push(Finding {
                seed: config.seed,
                family: Family::of(config.seed),
                what: format!("the runtime could not be created: {}", e.message()),
            });
            return report;
        }
    };
    let dir = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(e) => {
            report.findings.push(Finding {
                seed: config.seed,
                family: Family::of(config.seed),
                what: format!("no temporary directory: {e}"),
            });
            return report;
        }
    };
    // Warm up first: the engine's compiler threads start with the first compile and stay.
    if let Some(generated) = generate(config.seed) {
        let _ = catch_unwind(AssertUnwindSafe(|| {
            run_one(&runtime, dir.path(), &generated, config)
        }));
    }
    let before = thread_count();

    for seed in config.seed..config.seed.saturating_add(config.count) {
        report.count += 1;
        let family = Family::of(seed);
        let Some(generated) = generate(seed) else {
            report.not_generated += 1;
            continue;
        };
        let attempt = || {
            catch_unwind(AssertUnwindSafe(|| {
                run_one(&runtime, dir.path(), &generated, config)
            }))
        };
        let mut observed = attempt();
        if let Ok(late) = &observed {
            if late.late {
                let first = late.call;
                for _ in 0..2 {
                    let retry = attempt();
                    if matches!(&retry, Ok(r) if !r.late) {
                        report.stalls.push((seed, first));
                        observed = retry;
                        break;
                    }
                }
            }
        }
        let observed = match observed {
            Ok(observed) => observed,
            Err(panic) => {
                report.panics += 1;
                let text = panic
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| panic.downcast_ref::<&str>().copied())
                    .unwrap_or("(no message)");
                Observed {
                    code: "panic".into(),
                    late: false,
                    host_calls: Default::default(),
                    call: Duration::ZERO,
                    load: Duration::ZERO,
                    finding: Some(format!("the host panicked: {text}")),
                }
            }
        };
        *report
            .outcomes
            .entry((family, observed.code.clone()))
            .or_insert(0) += 1;
        for (name, n) in &observed.host_calls.calls {
            let failed = observed.host_calls.failures.get(name).copied().unwrap_or(0);
            let entry = report
                .host_calls
                .entry((family, name.clone()))
                .or_insert((0, 0));
            entry.0 += n;
            entry.1 += failed;
        }
        if observed.call > report.worst_call.0 {
            report.worst_call = (observed.call, seed);
        }
        if observed.load > report.worst_load.0 {
            report.worst_load = (observed.load, seed);
        }
        if let Some(what) = observed.finding {
            if let Some(save) = &config.save_dir {
                let _ = std::fs::create_dir_all(save);
                let _ = std::fs::write(save.join(format!("seed-{seed}.wasm")), &generated.wasm);
            }
            report.findings.push(Finding { seed, family, what });
            if config
                .max_findings
                .is_some_and(|max| report.findings.len() >= max)
            {
                break;
            }
        }
    }

    let after = thread_count();
    report.threads = (before, after);
    if after > before {
        report.findings.push(Finding {
            seed: config.seed,
            family: Family::of(config.seed),
            what: format!("threads grew from {before} to {after} over the run"),
        });
    }
    report.elapsed = started.elapsed();
    report
}

fn run_one(runtime: &Runtime, dir: &Path, generated: &Generated, config: &FuzzConfig) -> Observed {
    let mut observed = Observed {
        code: String::new(),
        late: false,
        host_calls: Default::default(),
        call: Duration::ZERO,
        load: Duration::ZERO,
        finding: None,
    };
    let written = std::fs::write(dir.join("plugin.toml"), generated.manifest())
        .and_then(|()| std::fs::write(dir.join("plugin.wasm"), &generated.wasm))
        .and_then(|()| toolcage_kit::package_digest(dir));
    let digest: Digest = match written.map(|d| d.parse()) {
        Ok(Ok(digest)) => digest,
        _ => {
            observed.code = "harness_error".into();
            observed.finding = Some("the package could not be written or hashed".into());
            return observed;
        }
    };
    let limits = generated.limits(Limits {
        deadline: config.deadline,
        fuel: config.fuel,
        ..Limits::default()
    });
    let started = Instant::now();
    let loaded = runtime.load_with_limits(dir, Some(&digest), &limits);
    observed.load = started.elapsed();
    let mut repeat = None;
    let result = match loaded {
        Err(e) => Err(e),
        Ok(plugin) => {
            let options = CallOptions {
                limits: Some(limits.clone()),
                cancel: None,
            };
            let started = Instant::now();
            let outcome = plugin.call(&generated.tool, &generated.input, &options);
            observed.call = started.elapsed();
            // ISO-01 and CPU-03: a second call gets a fresh instance, so it must end the same
            // way, with the same imports called, unless one of the two ran into the clock.
            let started = Instant::now();
            let again = plugin.call(&generated.tool, &generated.input, &options);
            observed.call = observed.call.max(started.elapsed());
            repeat = Some((
                outcome_code(&again.result),
                again.host_calls != outcome.host_calls,
            ));
            observed.host_calls = outcome.host_calls;
            outcome.result
        }
    };
    observed.code = outcome_code(&result);
    let budget = config.deadline + config.slack;
    observed.late = observed.call > budget;
    observed.finding = if observed.late {
        Some(format!(
            "the outcome ({}) came after {:.1} ms, over the {} ms deadline plus slack",
            observed.code,
            observed.call.as_secs_f64() * 1e3,
            config.deadline.as_millis()
        ))
    } else {
        judge(&generated.expect, &result, &limits).err()
    };
    if let (None, Some((again, calls_differ))) = (&observed.finding, repeat) {
        let clock = |code: &str| code == ErrorCode::Timeout.as_str();
        if !clock(&observed.code) && !clock(&again) && (again != observed.code || calls_differ) {
            observed.finding = Some(format!(
                "two calls of the same module ended differently: {} then {again}{}",
                observed.code,
                if calls_differ {
                    " (different imports called)"
                } else {
                    ""
                }
            ));
        }
    }
    observed
}

fn outcome_code(result: &Result<rt::ToolOutput, Error>) -> String {
    match result {
        Ok(_) => "ok".into(),
        Err(e) => e.code().as_str().into(),
    }
}

/// The oracle: `Ok` when the outcome is one the module's family allows and is well-formed.
fn judge(
    expect: &Expect,
    result: &Result<rt::ToolOutput, Error>,
    limits: &Limits,
) -> Result<(), String> {
    let error = match result {
        Ok(_) if matches!(expect, Expect::Runs | Expect::Abi) => return Ok(()),
        Ok(output) => return Err(format!("expected {expect:?}, got output {output:?}")),
        Err(error) => error,
    };
    well_formed(error, limits)?;
    let code = error.code();
    let details = error.details();
    match expect {
        Expect::Runs | Expect::Abi => {
            use rt::Phase;
            let phase_ok = matches!(code.phase(), Phase::Run | Phase::Output);
            // memory_limit and table_limit are run-phase codes: the module may ask for too much.
            let allowed = phase_ok && code != ErrorCode::ResourceExhausted;
            if !allowed {
                return Err(format!(
                    "a valid, linkable module failed with {}: {}",
                    code.as_str(),
                    error.message()
                ));
            }
            if code == ErrorCode::Trap {
                let kind = details.get("trap").and_then(Value::as_str).unwrap_or("");
                // A WebAssembly 2.0 module can only trap in the named ways: `other` is a finding too.
                if kind == "other" || !toolcage_kit::TRAP_KINDS.contains(&kind) {
                    return Err(format!(
                        "a trap of no normative kind ({kind:?}): {}",
                        error.message()
                    ));
                }
                if *expect == Expect::Abi && kind != "unreachable" {
                    return Err(format!(
                        "an ABI guest, all of whose accesses are in bounds, trapped with \
                         {kind:?}: {}",
                        error.message()
                    ));
                }
            }
            Ok(())
        }
        Expect::Denied { imports, count } => {
            let reported = details.get("imports").cloned().unwrap_or(Value::Null);
            let reported_count = details.get("count").and_then(Value::as_u64);
            let expected = Value::from(imports.clone());
            if code != ErrorCode::ImportDenied
                || reported != expected
                || reported_count != Some(*count)
            {
                return Err(format!(
                    "expected import_denied naming {expected} (count {count}), got {} naming \
                     {reported} (count {reported_count:?}): {}",
                    code.as_str(),
                    error.message()
                ));
            }
            Ok(())
        }
        Expect::Export(want, export) => {
            let reported = details.get("export").and_then(Value::as_str).unwrap_or("");
            if code != *want || reported != *export {
                return Err(format!(
                    "expected {} of {export}, got {} of {reported:?}: {}",
                    want.as_str(),
                    code.as_str(),
                    error.message()
                ));
            }
            Ok(())
        }
    }
}

/// ERR-01 for every outcome: a known code in its phase, a bounded message with no control
/// characters.
fn well_formed(error: &Error, limits: &Limits) -> Result<(), String> {
    let code = error.code();
    if ErrorCode::from_name(code.as_str()) != Some(code) || error.phase() != code.phase() {
        return Err(format!(
            "{} reported in phase {}",
            code.as_str(),
            error.phase().as_str()
        ));
    }
    let message = error.message();
    if message.len() > limits.message_bytes {
        return Err(format!("a message of {} bytes", message.len()));
    }
    if message.chars().any(toolcage_runtime::is_unsafe_char) {
        return Err(format!("an unsafe character in the message {message:?}"));
    }
    Ok(())
}
