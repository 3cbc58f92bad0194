//! The guests every engine runs (one echo per ABI, so engines are compared on the same work),
//! the 1 KiB input, and plugin packages on disk with their pinned digest.

use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};
use std::path::Path;
use tempfile::TempDir;
use toolcage_runtime::Digest;

/// Echo for ABI `yoi-plugin-wasm-1`: reads its input and writes it back as its output. The
/// same text as the ECHO fixture of the workspace's tests, plus an optional inert data segment
/// that gives each cache-benchmark package its own module hash.
pub fn yoi_echo(variant: Option<u32>) -> String {
    let data = match variant {
        Some(n) => format!("(data (i32.const 65536) \"variant-{n}\")"),
        None => String::new(),
    };
    format!(
        r#"(module
  (import "yoi:tool" "input_len" (func $input_len (result i32)))
  (import "yoi:tool" "input_read" (func $input_read (param i32 i32) (result i32)))
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 2)
  {data}
  (func (export "yoi_tool_call")
    (local $n i32)
    (local.set $n (call $input_len))
    (drop (call $input_read (i32.const 0) (local.get $n)))
    (drop (call $output_write (i32.const 0) (local.get $n)))))"#
    )
}

/// The echo plus `funcs` internal functions of ordinary integer code (never called): a module
/// of the size real plugins have, so compile-bound figures can be read at a realistic size too.
pub fn yoi_echo_large(variant: Option<u32>, funcs: u32) -> String {
    let mut wat = yoi_echo(variant);
    wat.pop(); // the module's closing parenthesis
    for k in 0..funcs {
        wat.push_str(&format!(
            r#"
  (func $f{k} (param $a i32) (param $b i32) (result i32)
    (local $i i32) (local $acc i32)
    (local.set $acc (i32.const {k}))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $b)))
        (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 31))
          (i32.xor (local.get $a) (i32.shl (local.get $i) (i32.const 3)))))
        (if (i32.and (local.get $acc) (i32.const 1))
          (then (local.set $acc (i32.rotl (local.get $acc) (i32.const 5))))
          (else (local.set $acc (i32.sub (local.get $acc) (local.get $a)))))
        (i32.store (i32.and (local.get $acc) (i32.const 0xfffc)) (local.get $acc))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.add (local.get $acc) (i32.load (i32.and (local.get $a) (i32.const 0xfffc)))))"#
        ));
    }
    wat.push(')');
    wat
}

/// Echo for the component profile (world `yoi:plugin/tool@1.0.0`): `call` hands back the
/// `input-json` string the host lowered into its memory through `realloc`. The corpus's own
/// `component.echo` guest (its `;;!` header is a WAT comment).
pub const COMPONENT_ECHO: &str = include_str!("../../corpus/component/echo.wat");

/// A guest that spins without touching the host: only the epoch check can stop it.
pub const SPIN: &str = r#"(module
  (memory (export "memory") 1)
  (func (export "yoi_tool_call") (loop $l (br $l))))"#;

/// A guest that spins through host imports: most of its time is spent outside wasm code, where
/// an epoch cannot interrupt it, so this bounds how long the runtime takes to notice there.
pub const SPIN_IN_HOST: &str = r#"(module
  (import "yoi:tool" "input_len" (func $input_len (result i32)))
  (import "yoi:tool" "tool_name_len" (func $tool_name_len (result i32)))
  (memory (export "memory") 1)
  (func (export "yoi_tool_call")
    (loop $l (drop (call $input_len)) (drop (call $tool_name_len)) (br $l))))"#;

/// Reads its whole input into memory and writes a fixed result: the guest of the large-input
/// row, whose cost is the host's input checks, not the output's.
pub const TAKE: &str = r#"(module
  (import "yoi:tool" "input_len" (func $input_len (result i32)))
  (import "yoi:tool" "input_read" (func $input_read (param i32 i32) (result i32)))
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 0) "{\"summary\":\"ok\"}")
  (func (export "yoi_tool_call")
    (local $n i32)
    (local.set $n (call $input_len))
    (drop (call $input_read (i32.const 1024) (local.get $n)))
    (drop (call $output_write (i32.const 0) (i32.const 16)))))"#;

/// Echo for Extism's ABI: the kernel already holds the input, so an echo hands the same
/// (offset, length) back as the output; the export returns 0 for success.
pub const EXTISM_ECHO: &str = r#"(module
  (import "extism:host/env" "input_offset" (func $input_offset (result i64)))
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (func (export "echo") (result i32)
    (call $output_set (call $input_offset) (call $input_length))
    (i32.const 0)))"#;

/// Exactly 1024 bytes of JSON that is also a valid tool output, so the echo succeeds.
pub fn input_1k() -> String {
    let summary = "s".repeat(400);
    let fixed = r#"{"summary":"","content":""}"#.len() + summary.len();
    let content: String = "abcdefghijklmnopqrstuvwxyz"
        .chars()
        .cycle()
        .take(1024 - fixed)
        .collect();
    let input = format!(r#"{{"summary":"{summary}","content":"{content}"}}"#);
    assert_eq!(input.len(), 1024);
    input
}

/// A schema of `properties` required properties (strings, integers, arrays of numbers and small
/// objects in turn; no others allowed) and an input of exactly `bytes` bytes that matches it,
/// most of its size in the strings.
pub fn wide_schema_and_input(properties: usize, bytes: usize) -> (Value, String) {
    let mut props = serde_json::Map::new();
    let mut required = Vec::new();
    for i in 0..properties {
        let name = format!("p{i}");
        let schema = match i % 4 {
            0 => json!({"type": "string", "maxLength": 4096}),
            1 => json!({"type": "integer", "minimum": 0}),
            2 => json!({"type": "array", "items": {"type": "number"}, "maxItems": 16}),
            _ => {
                json!({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]})
            }
        };
        props.insert(name.clone(), schema);
        required.push(Value::String(name));
    }
    let schema = json!({
        "type": "object",
        "properties": props,
        "required": required,
        "additionalProperties": false,
    });
    let strings = properties.div_ceil(4);
    let with = |pad: usize, last: usize| {
        let mut object = serde_json::Map::new();
        for i in 0..properties {
            let value = match i % 4 {
                0 if i / 4 == strings - 1 => json!("x".repeat(last)),
                0 => json!("x".repeat(pad)),
                1 => json!(i * 1000),
                2 => json!([1.5, 2, 3.25, 4]),
                _ => json!({"a": "nested"}),
            };
            object.insert(format!("p{i}"), value);
        }
        serde_json::to_string(&Value::Object(object)).expect("JSON")
    };
    let bare = with(0, 0).len();
    let pad = (bytes - bare) / strings;
    let last = pad + (bytes - bare - pad * strings);
    let input = with(pad, last);
    assert_eq!(input.len(), bytes);
    (schema, input)
}

/// `value` as a TOML inline value, for a manifest's `input_schema`.
pub fn toml_inline(value: &Value) -> String {
    match value {
        Value::Null => panic!("TOML has no null"),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => serde_json::to_string(s).expect("string"),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(toml_inline).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(map) => {
            let entries: Vec<String> = map
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{} = {}",
                        serde_json::to_string(k).expect("key"),
                        toml_inline(v)
                    )
                })
                .collect();
            format!("{{ {} }}", entries.join(", "))
        }
    }
}

pub fn wasm(wat: &str) -> Vec<u8> {
    wat::parse_str(wat).expect("bench WAT compiles")
}

/// A plugin package in a temporary directory, with the digest a host would pin.
pub struct Package {
    pub dir: TempDir,
    pub digest: Digest,
}

impl Package {
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// A package holding `wat` as its module and one tool, `tool`, taking any JSON object.
pub fn package(wat: &str, tool: &str) -> Package {
    package_with_schema(wat, tool, "{ type = \"object\" }")
}

/// The same with the tool's `input_schema` given as a TOML inline value.
pub fn package_with_schema(wat: &str, tool: &str, schema: &str) -> Package {
    packaged(
        "kind = \"wasm\"\nentry = \"plugin.wasm\"\nabi = \"yoi-plugin-wasm-1\"",
        "plugin.wasm",
        wat,
        tool,
        schema,
    )
}

/// A component-profile package holding the component `wat` and one tool, `tool`.
pub fn component_package(wat: &str, tool: &str) -> Package {
    packaged(
        "kind = \"wasm-component\"\ncomponent = \"plugin.component.wasm\"\n\
         world = \"yoi:plugin/tool@1.0.0\"",
        "plugin.component.wasm",
        wat,
        tool,
        "{ type = \"object\" }",
    )
}

fn packaged(runtime_table: &str, file: &str, wat: &str, tool: &str, schema: &str) -> Package {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = format!(
        "schema_version = 1\nid = \"bench.plugin\"\nname = \"Bench\"\nversion = \"1.0.0\"\n\
         description = \"a benchmark plugin\"\n\n[runtime]\n{runtime_table}\n\n\
         [[tools]]\nname = \"{tool}\"\n\
         description = \"bench\"\ninput_schema = {schema}\n"
    );
    std::fs::write(dir.path().join("plugin.toml"), manifest).expect("write manifest");
    std::fs::write(dir.path().join(file), wasm(wat)).expect("write module");
    let digest = digest_of(dir.path());
    Package { dir, digest }
}

/// The package digest of the brief, computed here as a host resolving the plugin would.
pub fn digest_of(dir: &Path) -> Digest {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("read package dir")
        .map(|e| {
            let path = e.expect("dir entry").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .expect("utf-8 name")
                .to_owned();
            (name, std::fs::read(&path).expect("read package file"))
        })
        .collect();
    files.sort();
    let mut h = Sha256::new();
    h.update(b"yoi-plugin-package-digest-v1\0");
    for (path, content) in files {
        h.update(path.as_bytes());
        h.update([0u8]);
        h.update((content.len() as u64).to_be_bytes());
        h.update(Sha256::digest(&content));
    }
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}").parse().expect("digest syntax")
}

#[cfg(test)]
mod tests {
    #[test]
    fn input_is_1k_json_and_large_module_is_larger() {
        let input = super::input_1k();
        let v: serde_json::Value = serde_json::from_str(&input).unwrap();
        assert_eq!(v["summary"].as_str().map(str::len), Some(400));
        let small = super::wasm(&super::yoi_echo(None)).len();
        let large = super::wasm(&super::yoi_echo_large(None, 1000)).len();
        println!("echo {small} bytes, large echo {large} bytes");
        assert!(large > 50 * small);
    }

    #[test]
    fn wide_input_matches_its_schema_and_size() {
        let (schema, input) = super::wide_schema_and_input(200, 64 * 1024);
        assert_eq!(input.len(), 64 * 1024);
        let value: serde_json::Value = serde_json::from_str(&input).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        assert!(validator.is_valid(&value));
        let mut wrong = value.clone();
        wrong["p1"] = serde_json::json!("not a number");
        assert!(!validator.is_valid(&wrong));
        let toml = format!("s = {}", super::toml_inline(&schema));
        let back: toml::Table = toml.parse().unwrap();
        assert_eq!(serde_json::to_value(&back["s"]).unwrap(), schema);
    }
}
