//! The CLI's cache flags end to end: `--cache-dir` with `--cache-key-file` reuses entries across
//! processes, a planted entry never runs, and a key file or directory that fails the trust
//! checks is reported on stderr while the call still succeeds (docs/SPEC.md §2.2).

use std::path::Path;
use std::process::Command;

use crate::common::{constant, package, Package};

struct Run {
    summary: String,
    stderr: String,
}

fn call(binary: &Path, pkg: &Package, cache: &Path, key: Option<&Path>) -> Result<Run, String> {
    let mut command = Command::new(binary);
    command
        .env_remove("TOOLCAGE_CACHE_DIR")
        .env_remove("TOOLCAGE_CACHE_KEY_FILE")
        .args(["call", "--tool", "t", "--package"])
        .arg(pkg.path())
        .arg("--digest")
        .arg(pkg.digest.to_string())
        .arg("--cache-dir")
        .arg(cache);
    if let Some(key) = key {
        command.arg("--cache-key-file").arg(key);
    }
    let out = command.output().map_err(|e| format!("cannot run: {e}"))?;
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("stdout is not JSON ({e}): {:?}", out.stdout))?;
    Ok(Run {
        summary: json["output"]["summary"].as_str().unwrap_or("").to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

fn entries(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for sub in std::fs::read_dir(dir).into_iter().flatten() {
        for e in std::fs::read_dir(sub.unwrap().path()).into_iter().flatten() {
            out.push(e.unwrap().path());
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn ensure(ok: bool, what: &str) -> Result<(), String> {
    ok.then_some(()).ok_or_else(|| what.to_string())
}

#[cfg(unix)]
pub fn cli_cache_flags(binary: &Path) -> Result<(), String> {
    use sha2::{Digest as _, Sha256};
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path, m: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).map_err(|e| e.to_string())
    };
    let root = tempfile::tempdir().map_err(|e| e.to_string())?;
    let cache = root.path().join("cache");
    let key = root.path().join("key");
    std::fs::write(&key, [0x42u8; 32]).map_err(|e| e.to_string())?;
    mode(&key, 0o600)?;
    let one = package(&constant(r#"{"summary":"one"}"#), &["t"]);
    let two = package(&constant(r#"{"summary":"planted"}"#), &["t"]);

    // Without a key nothing is written, and stderr says why.
    let run = call(binary, &one, &cache, None)?;
    ensure(run.summary == "one", "keyless call")?;
    ensure(
        run.stderr.contains("without a cache key"),
        &format!("no notice without a key: {:?}", run.stderr),
    )?;
    ensure(entries(&cache).is_empty(), "keyless call wrote an entry")?;

    // With the key: one entry per module, reused by the next process.
    call(binary, &one, &cache, Some(&key))?;
    call(binary, &two, &cache, Some(&key))?;
    let all = entries(&cache);
    ensure(all.len() == 2, &format!("expected two entries: {all:?}"))?;
    let module_hash = |p: &Package| {
        hex(&Sha256::digest(
            std::fs::read(p.path().join("plugin.wasm")).unwrap(),
        ))
    };
    let (h1, h2) = (module_hash(&one), module_hash(&two));
    let source = all
        .iter()
        .find(|p| p.to_string_lossy().contains(&h2))
        .ok_or("no entry for module two")?;
    let bytes = std::fs::read(source).map_err(|e| e.to_string())?;
    let forged = toolcage_kit::forge_entry(&bytes, &[(h2.clone(), h1.clone())]);
    let target = source.to_string_lossy().replace(&h2, &h1);
    std::fs::write(&target, forged).map_err(|e| e.to_string())?;
    let run = call(binary, &one, &cache, Some(&key))?;
    ensure(run.summary == "one", "the planted entry ran")?;
    ensure(
        run.stderr.contains("failed authentication"),
        &format!("no notice for the planted entry: {:?}", run.stderr),
    )?;

    // A key file others can read is refused; the call still succeeds.
    mode(&key, 0o644)?;
    let run = call(binary, &one, &cache, Some(&key))?;
    ensure(run.summary == "one", "call with a refused key file")?;
    ensure(
        run.stderr.contains("cache key file") && run.stderr.contains("refused"),
        &format!("no notice for the key file: {:?}", run.stderr),
    )?;
    mode(&key, 0o600)?;

    // A directory others can write is refused; the call still succeeds.
    mode(&cache, 0o777)?;
    let run = call(binary, &one, &cache, Some(&key))?;
    ensure(run.summary == "one", "call with a refused directory")?;
    ensure(
        run.stderr.contains("refused"),
        &format!("no notice for the directory: {:?}", run.stderr),
    )?;
    Ok(())
}

#[cfg(not(unix))]
pub fn cli_cache_flags(_binary: &Path) -> Result<(), String> {
    Ok(())
}
