//! `toolcage-runtime call --package X.yoi-plugin`: the originating host's package shape (one
//! stored zip, no directory entries needed, its tool-plugin manifest keys, a tool named
//! `echo.v2`) loads unchanged from the command line, pinned with the digest of its files.

use std::path::Path;
use std::process::Command;

use crate::common::{constant, package_with_manifest};

const HOST_MANIFEST: &str = r#"schema_version = 1
id = "example.echo"
name = "Echo"
version = "0.1.0"
surfaces = ["tool"]
permissions = [
  { kind = "surface", surface = "tool" },
  { kind = "tool", name = "echo.v2" },
]

[runtime]
kind = "wasm"
entry = "plugin.wasm"
abi = "yoi-plugin-wasm-1"

[[tools]]
name = "echo.v2"
description = "Echo input text."
input_schema = { type = "object", properties = { text = { type = "string" } }, required = ["text"], additionalProperties = false }
external_write = false
"#;

fn call(binary: &Path, package: &Path, digest: &str) -> Result<serde_json::Value, String> {
    let out = Command::new(binary)
        .env_remove("TOOLCAGE_CACHE_DIR")
        .env_remove("TOOLCAGE_CACHE_KEY_FILE")
        .args(["call", "--tool", "echo.v2", "--input", r#"{"text":"hi"}"#])
        .arg("--package")
        .arg(package)
        .args(["--digest", digest])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    serde_json::from_slice(&out.stdout).map_err(|e| format!("stdout is not JSON ({e}): {out:?}"))
}

pub fn cli_host_zip_package(binary: &Path) -> Result<(), String> {
    let pkg = package_with_manifest(&constant(r#"{"summary":"echoed"}"#), HOST_MANIFEST);
    let zip = pkg.path().with_extension("yoi-plugin");
    toolcage_kit::zip_package(pkg.path(), &zip).map_err(|e| e.to_string())?;
    let digest = pkg.digest.to_string();
    let ok = call(binary, &zip, &digest);
    let tampered = {
        let mut bytes = std::fs::read(&zip).map_err(|e| e.to_string())?;
        // The last byte of the module's data, which `zip_package` wrote last of the entries:
        // just before the central directory, found by its signature.
        let cd = bytes
            .windows(4)
            .position(|w| w == b"PK\x01\x02")
            .ok_or("no central directory")?;
        bytes[cd - 1] ^= 1;
        std::fs::write(&zip, bytes).map_err(|e| e.to_string())?;
        call(binary, &zip, &digest)
    };
    let _ = std::fs::remove_file(&zip);
    let ok = ok?;
    if ok["status"] != "ok" || ok["output"]["summary"] != "echoed" {
        return Err(format!(
            "the host-shaped archive did not load and run: {ok}"
        ));
    }
    // A changed byte of the module: its CRC no longer matches (the archive is refused before its
    // digest is even compared).
    let tampered = tampered?;
    if tampered["error"]["code"] != "package_invalid" {
        return Err(format!("a tampered archive was not refused: {tampered}"));
    }
    Ok(())
}
