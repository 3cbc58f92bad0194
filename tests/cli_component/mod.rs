//! A component package through the CLI, end to end: `toolcage-runtime call` loads a
//! `kind = "wasm-component"` package with its pin and calls the component's `call` export
//! (docs/SPEC.md section 13), and refuses one that imports WASI, naming the import.

use std::path::Path;
use std::process::Command;

use crate::common::digest_of;

/// Laid out as component tooling lays out a component without imports: one core module whose
/// `call` is lifted with `cabi_realloc` and the post-return `cabi_post_call`, and the WIT names
/// of the world's parameters. The function echoes its `input-json` argument.
const ECHO: &str = r#"(component
  (core module $m
    (memory (export "memory") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (global.get $bump))
      (global.set $bump (i32.add (local.get $p) (local.get 3)))
      (local.get $p))
    (func (export "call") (param i32 i32 i32 i32) (result i32)
      (i32.store (i32.const 0) (local.get 2))
      (i32.store (i32.const 4) (local.get 3))
      (i32.const 0))
    (func (export "cabi_post_call") (param i32)))
  (core instance $i (instantiate $m))
  (alias core export $i "memory" (core memory $mem))
  (alias core export $i "cabi_realloc" (core func $realloc))
  (alias core export $i "call" (core func $call))
  (alias core export $i "cabi_post_call" (core func $post))
  (type $t (func (param "tool-name" string) (param "input-json" string) (result string)))
  (func (export "call") (type $t)
    (canon lift (core func $call) (memory $mem) (realloc $realloc) (post-return $post))))"#;

const MANIFEST: &str = r#"schema_version = 1
id = "test.component"
name = "Component"
version = "1.0.0"
description = "an echo component"

[runtime]
kind = "wasm-component"
component = "plugin.component.wasm"
world = "yoi:plugin/tool@1.0.0"

[[tools]]
name = "echo"
description = "returns its input"
input_schema = { type = "object" }
"#;

fn call(binary: &Path, component: &str, input: &str) -> Result<serde_json::Value, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    std::fs::write(dir.path().join("plugin.toml"), MANIFEST).map_err(|e| e.to_string())?;
    let bytes = wat::parse_str(component).map_err(|e| e.to_string())?;
    std::fs::write(dir.path().join("plugin.component.wasm"), bytes).map_err(|e| e.to_string())?;
    let out = Command::new(binary)
        .env_remove("TOOLCAGE_CACHE_DIR")
        .env_remove("TOOLCAGE_CACHE_KEY_FILE")
        .args(["call", "--tool", "echo", "--input", input, "--package"])
        .arg(dir.path())
        .arg("--digest")
        .arg(digest_of(dir.path()).to_string())
        .output()
        .map_err(|e| format!("cannot run: {e}"))?;
    serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("stdout is not JSON ({e}): {:?}", out.stdout))
}

pub fn cli_component_call(binary: &Path) -> Result<(), String> {
    let ok = call(
        binary,
        ECHO,
        r#"{"summary":"hi","content":"from a component"}"#,
    )?;
    if ok["status"] != "ok"
        || ok["output"]["summary"] != "hi"
        || ok["output"]["content"] != "from a component"
    {
        return Err(format!("the echo component did not echo: {ok}"));
    }
    let wasi = ECHO.replacen(
        "(component",
        "(component\n  (import \"wasi:cli/stdout@0.2.6\" (instance (export \"unused\" (func))))",
        1,
    );
    let denied = call(binary, &wasi, "{}")?;
    if denied["error"]["code"] != "import_denied"
        || denied["error"]["details"]["imports"] != serde_json::json!(["wasi:cli/stdout@0.2.6"])
    {
        return Err(format!("a WASI import was not denied by name: {denied}"));
    }
    Ok(())
}
