//! Targets `core_call` and `component_call`: a whole load and call of a guest made from the
//! input, through the public API, under a short deadline.
//!
//! First input byte: bit 0 set, the rest drives wasm-smith (a WebAssembly 2.0 module with only
//! the ABI's imports and both required exports; for a component, a core module with `memory`,
//! `realloc` and `call`, placed in a fixed component that lifts `call` as the world's export);
//! clear, the rest is the module or component file itself (the seeds: the corpus's guests).
//! Bits 1-2 pick the call's input.
//!
//! Asserted, as `cargo xtask fuzz` does: every error well-formed (ERR-01); a wasm-smith core
//! module loads and links (only run- and output-phase outcomes, a trap only of a normative
//! kind); an outcome within the deadline plus slack; a second call of the same plugin ending
//! alike (a fresh instance each, timeouts aside); no thread or descriptor left behind.

use crate::oracle::{well_formed, Resources};
use arbitrary::Unstructured;
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use toolcage_runtime::{
    CallOptions, Config, Digest, Error, ErrorCode, Limits, Phase, Runtime, ToolOutput,
};

/// Every call's deadline: generated code often loops forever.
const DEADLINE: Duration = Duration::from_millis(50);
/// How late an outcome may come before it counts as a hang (a shared machine stalls).
const SLACK: Duration = Duration::from_millis(500);
const INPUTS: [&str; 4] = [
    "{}",
    r#"{"summary":"hi","content":"there"}"#,
    r#"{"text":"é\u0000"}"#,
    r#"{"summary":""}"#,
];

const ALLOWED_IMPORTS: &str = r#"(module
  (import "yoi:tool" "tool_name_len" (func (result i32)))
  (import "yoi:tool" "tool_name_read" (func (param i32 i32) (result i32)))
  (import "yoi:tool" "input_len" (func (result i32)))
  (import "yoi:tool" "input_read" (func (param i32 i32) (result i32)))
  (import "yoi:tool" "output_write" (func (param i32 i32) (result i32))))"#;
const CORE_EXPORTS: &str =
    r#"(module (memory (export "memory") 1) (func (export "yoi_tool_call")))"#;
const COMPONENT_CORE: &str = r#"(module
  (memory (export "memory") 1)
  (func (export "realloc") (param i32 i32 i32 i32) (result i32) unreachable)
  (func (export "call") (param i32 i32 i32 i32) (result i32) unreachable))"#;
/// The component around a generated core module: the module's section is replaced.
fn component_template() -> String {
    format!(
        r#"(component
  (core module {})
  (core instance $i (instantiate 0))
  (alias core export $i "memory" (core memory $mem))
  (alias core export $i "realloc" (core func $realloc))
  (alias core export $i "call" (core func $call))
  (type $t (func (param "tool-name" string) (param "input-json" string) (result string)))
  (func (export "call") (type $t)
    (canon lift (core func $call) (memory $mem) (realloc $realloc))))"#,
        &COMPONENT_CORE["(module".len()..COMPONENT_CORE.len() - 1]
    )
}

const CORE_MANIFEST: &str = r#"schema_version = 1
id = "fuzz.call"
name = "fuzz"
version = "0.0.0"
[runtime]
kind = "wasm"
entry = "plugin.wasm"
abi = "yoi-plugin-wasm-1"
[[tools]]
name = "run"
description = "the fuzzed guest"
input_schema = { type = "object" }
"#;
const COMPONENT_MANIFEST: &str = r#"schema_version = 1
id = "fuzz.call"
name = "fuzz"
version = "0.0.0"
[runtime]
kind = "wasm-component"
component = "plugin.wasm"
world = "yoi:plugin/tool@1.0.0"
[[tools]]
name = "run"
description = "the fuzzed guest"
input_schema = { type = "object" }
"#;

fn wat(text: &str) -> Vec<u8> {
    wat::parse_str(text).unwrap_or_else(|e| panic!("a fixed text does not parse: {e}"))
}

/// The fuzzer's shared wasm-smith configuration; here `exports` always define `memory`.
fn smith_config() -> wasm_smith::Config {
    wasm_smith::Config {
        max_memories: 0,
        ..toolcage_selftest::fuzz::smith_config()
    }
}

/// What the first byte and the rest make: the guest's bytes, whether wasm-smith made it, and
/// the call's input.
fn guest(data: &[u8], component: bool) -> Option<(Vec<u8>, bool, &'static str)> {
    let (&mode, rest) = data.split_first()?;
    let input = INPUTS[usize::from(mode >> 1) % INPUTS.len()];
    if mode & 1 == 0 {
        return Some((rest.to_vec(), false, input));
    }
    let mut config = smith_config();
    if component {
        config.exports = Some(wat(COMPONENT_CORE));
        config.max_imports = 0;
    } else {
        config.available_imports = Some(wat(ALLOWED_IMPORTS));
        config.exports = Some(wat(CORE_EXPORTS));
    }
    let module = wasm_smith::Module::new(config, &mut Unstructured::new(rest)).ok()?;
    let module = module.to_bytes();
    let guest = if component {
        in_component(&module)
    } else {
        module
    };
    Some((guest, true, input))
}

/// The component template with `module` as its core module: the placeholder's section (id 1,
/// a one-byte size, since the placeholder is under 128 bytes) is replaced.
pub fn in_component(module: &[u8]) -> Vec<u8> {
    static TEMPLATE: OnceLock<(Vec<u8>, usize, usize)> = OnceLock::new();
    let (template, start, end) = TEMPLATE.get_or_init(|| {
        let template = wat(&component_template());
        let placeholder = wat(COMPONENT_CORE);
        let at = template
            .windows(placeholder.len())
            .position(|w| w == placeholder)
            .expect("the placeholder module is in the template");
        assert!(placeholder.len() < 128 && at >= 2);
        assert_eq!(template[at - 2..at], [1, placeholder.len() as u8]);
        (template.clone(), at - 2, at + placeholder.len())
    });
    let mut out = template[..*start].to_vec();
    out.push(1);
    let mut len = module.len();
    loop {
        let byte = (len & 0x7f) as u8;
        len >>= 7;
        if len == 0 {
            out.push(byte);
            break;
        }
        out.push(byte | 0x80);
    }
    out.extend_from_slice(module);
    out.extend_from_slice(&template[*end..]);
    out
}

/// One runtime for every input, warmed up (its compiler threads started) before any count.
pub(crate) fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        let runtime = Runtime::new(Config::default()).expect("the default runtime starts");
        let wasm = wat(r#"(module (memory (export "memory") 1) (func (export "yoi_tool_call")))"#);
        let dir = tempfile::tempdir().expect("a temporary directory");
        let _ = load_and_call(&runtime, dir.path(), CORE_MANIFEST, &wasm, "{}");
        let _ = load_and_call(
            &runtime,
            dir.path(),
            COMPONENT_MANIFEST,
            &in_component(&wat(COMPONENT_CORE)),
            "{}",
        );
        runtime
    })
}

/// Two calls of one plugin: each outcome and how long it took.
type Calls = [(Result<ToolOutput, Error>, Duration); 2];

/// Writes the package, loads it pinned with the kit's digest and calls `run` twice.
fn load_and_call(
    runtime: &Runtime,
    dir: &Path,
    manifest: &str,
    guest: &[u8],
    input: &str,
) -> Result<Calls, Error> {
    std::fs::write(dir.join("plugin.toml"), manifest).expect("plugin.toml written");
    std::fs::write(dir.join("plugin.wasm"), guest).expect("plugin.wasm written");
    let pin: Digest = toolcage_kit::package_digest(dir)
        .expect("the package hashed")
        .parse()
        .expect("a digest");
    let limits = Limits {
        deadline: DEADLINE,
        ..Limits::default()
    };
    let plugin = runtime.load_with_limits(dir, Some(&pin), &limits)?;
    let options = CallOptions {
        limits: Some(limits),
        cancel: None,
    };
    let once = || {
        let started = Instant::now();
        let outcome = plugin.call("run", input, &options);
        (outcome.result, started.elapsed())
    };
    Ok([once(), once()])
}

fn code(result: &Result<ToolOutput, Error>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(e) => e.code().as_str(),
    }
}

fn run(data: &[u8], component: bool) {
    let Some((guest, generated, input)) = guest(data, component) else {
        return;
    };
    let runtime = runtime();
    let manifest = if component {
        COMPONENT_MANIFEST
    } else {
        CORE_MANIFEST
    };
    let message_bytes = Limits::default().message_bytes;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let before = Resources::now();
    // A late outcome is tried again twice: a generated guest is deterministic, so lateness that
    // does not repeat is the machine stalling this process.
    let mut attempts = 0;
    let calls = loop {
        attempts += 1;
        let calls = load_and_call(runtime, dir.path(), manifest, &guest, input);
        let late = calls
            .as_ref()
            .is_ok_and(|c| c.iter().any(|(_, took)| *took > DEADLINE + SLACK));
        if !late || attempts == 3 {
            break calls;
        }
    };
    match &calls {
        Err(error) => {
            well_formed(error, message_bytes);
            if generated && !component {
                runs(error);
            }
        }
        Ok(calls) => {
            for (result, took) in calls {
                assert!(
                    *took <= DEADLINE + SLACK,
                    "{} after {took:?}, over the {DEADLINE:?} deadline plus slack",
                    code(result)
                );
                if let Err(error) = result {
                    well_formed(error, message_bytes);
                    if generated && !component {
                        runs(error);
                    }
                }
            }
            let (first, second) = (code(&calls[0].0), code(&calls[1].0));
            let timeout = ErrorCode::Timeout.as_str();
            assert!(
                first == second || first == timeout || second == timeout,
                "two calls of one plugin ended differently: {first} then {second}"
            );
        }
    }
    drop(calls);
    before.assert_none_left("a call");
}

/// A valid module that links may fail only while it runs or in its output, and a trap only in
/// one of the named ways.
fn runs(error: &Error) {
    let code = error.code();
    assert!(
        matches!(code.phase(), Phase::Run | Phase::Output) && code != ErrorCode::ResourceExhausted,
        "a valid, linkable module failed with {}: {}",
        code.as_str(),
        error.message()
    );
    if code == ErrorCode::Trap {
        let kind = error
            .details()
            .get("trap")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("");
        assert!(
            kind != "other" && toolcage_kit::TRAP_KINDS.contains(&kind),
            "a trap of no normative kind ({kind:?}): {}",
            error.message()
        );
    }
}

/// The oracle of target `core_call`.
pub fn core(data: &[u8]) {
    run(data, false);
}

/// The oracle of target `component_call`.
pub fn component(data: &[u8]) {
    run(data, true);
}
