//! Reading a package: the manifest rules, the path rules and the digest (SPEC §2, §2.1).
//!
//! Every file is read once; the module bytes kept are the bytes hashed, so nothing can be
//! swapped between verification and compilation. Nothing is cached across loads: every load
//! re-reads and re-hashes the whole package.

use crate::error::{Code, Error};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};
use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Component, Path};

const MANIFEST_BYTES: u64 = 64 * 1024;
const PACKAGE_FILES: usize = 4096;
const PACKAGE_BYTES: u64 = 64 * 1024 * 1024;
const DOMAIN: &[u8] = b"yoi-plugin-package-digest-v1\0";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestToml {
    schema_version: i64,
    id: String,
    name: String,
    version: String,
    description: String,
    runtime: RuntimeToml,
    tools: Vec<ToolToml>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuntimeToml {
    kind: String,
    entry: String,
    abi: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ToolToml {
    name: String,
    #[allow(dead_code)]
    description: String,
    input_schema: toml::Value,
}

/// A tool as the manifest declares it.
pub struct ToolSpec {
    pub name: String,
    pub input_schema: serde_json::Value,
}

/// A package read from disk: its tools, its digest and the module's bytes.
pub struct Package {
    pub tools: Vec<ToolSpec>,
    pub digest: String,
    pub module: Vec<u8>,
}

fn invalid(message: impl AsRef<str>) -> Error {
    Error::new(Code::ManifestInvalid, message)
}

fn valid_tool_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn valid_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// serde's struct reader takes an array as the fields in order, so `runtime` and each `tools`
/// entry are checked to be tables before the typed read (SPEC §2, PKG-03).
fn check_tables(text: &str) -> Result<(), Error> {
    let Ok(table) = toml::from_str::<toml::Table>(text) else {
        return Ok(()); // the typed read reports the syntax error
    };
    let mistyped = |key: &str| invalid(format!("plugin.toml's {key} must be a table"));
    if table.get("runtime").is_some_and(|v| !v.is_table()) {
        return Err(mistyped("runtime"));
    }
    if let Some(toml::Value::Array(tools)) = table.get("tools") {
        if tools.iter().any(|t| !t.is_table()) {
            return Err(mistyped("tools entry"));
        }
    }
    Ok(())
}

fn parse_manifest(text: &str) -> Result<(String, Vec<ToolSpec>), Error> {
    check_tables(text)?;
    let raw: ManifestToml = toml::from_str(text).map_err(|e| {
        invalid(format!(
            "plugin.toml is not a valid manifest: {}",
            e.message()
        ))
    })?;
    if raw.schema_version != 1 {
        return Err(invalid("plugin.toml schema_version must be 1")
            .with("schema_version", raw.schema_version));
    }
    if raw.runtime.kind != "wasm" {
        return Err(
            Error::new(Code::AbiUnsupported, "runtime.kind must be \"wasm\"")
                .with("kind", raw.runtime.kind),
        );
    }
    if raw.runtime.abi != "yoi-plugin-wasm-1" {
        return Err(Error::new(
            Code::AbiUnsupported,
            "runtime.abi must be \"yoi-plugin-wasm-1\"",
        )
        .with("abi", raw.runtime.abi));
    }
    if !valid_id(&raw.id) {
        return Err(invalid(
            "the plugin id must be 1-128 of ASCII letters, digits, '.', '_' or '-'",
        ));
    }
    for (field, value) in [
        ("name", &raw.name),
        ("version", &raw.version),
        ("description", &raw.description),
    ] {
        if value.len() > 4096 {
            return Err(invalid(format!("{field} is longer than 4096 bytes")));
        }
    }
    check_entry(&raw.runtime.entry)?;
    if raw.tools.is_empty() {
        return Err(invalid("the manifest declares no [[tools]]"));
    }
    let mut tools: Vec<ToolSpec> = Vec::with_capacity(raw.tools.len());
    for tool in raw.tools {
        if !valid_tool_name(&tool.name) {
            return Err(
                invalid("a tool name must be 1-64 of ASCII letters, digits, '_' or '-'")
                    .with("tool", tool.name),
            );
        }
        if tools.iter().any(|t| t.name == tool.name) {
            return Err(invalid("two tools share one name").with("tool", tool.name));
        }
        let input_schema = serde_json::to_value(&tool.input_schema)
            .map_err(|_| invalid("an input_schema cannot be represented as JSON"))?;
        tools.push(ToolSpec {
            name: tool.name,
            input_schema,
        });
    }
    Ok((raw.runtime.entry, tools))
}

fn check_entry(entry: &str) -> Result<(), Error> {
    let escape = |why: &str| {
        Error::new(
            Code::PathEscape,
            format!("runtime.entry must be a relative path inside the package: {why}"),
        )
        .with("entry", entry)
    };
    if entry.is_empty() {
        return Err(escape("it is empty"));
    }
    if entry.contains('\\') || entry.contains('\0') {
        return Err(escape("it contains a backslash or NUL"));
    }
    // Split by hand rather than with `Path::components`, which silently drops `.` components
    // and repeated separators.
    if entry.starts_with('/') {
        return Err(escape("it is absolute"));
    }
    for part in entry.split('/') {
        match part {
            "" => return Err(escape("it has an empty component")),
            "." => return Err(escape("it contains '.'")),
            ".." => return Err(escape("it contains '..'")),
            _ => {}
        }
    }
    if Path::new(entry)
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return Err(escape("it is not a plain relative path"));
    }
    Ok(())
}

/// Reads, checks and hashes the package at `dir`; the module must be at most `module_bytes`.
pub fn read(dir: &Path, module_bytes: usize) -> Result<Package, Error> {
    let manifest_path = dir.join("plugin.toml");
    let meta = fs::symlink_metadata(&manifest_path)
        .map_err(|_| invalid("the package has no plugin.toml"))?;
    if meta.file_type().is_symlink() {
        return Err(Error::new(Code::PathEscape, "plugin.toml is a symlink"));
    }
    if !meta.is_file() {
        return Err(invalid("plugin.toml is not a regular file"));
    }
    if meta.len() > MANIFEST_BYTES {
        return Err(invalid(format!(
            "plugin.toml is larger than {MANIFEST_BYTES} bytes"
        )));
    }
    let manifest = read_bounded(&manifest_path, MANIFEST_BYTES)?;
    let text = std::str::from_utf8(&manifest).map_err(|_| invalid("plugin.toml is not UTF-8"))?;
    let (entry, tools) = parse_manifest(text)?;

    let mut files = BTreeMap::new();
    list(dir, "", &mut files)?;
    let Some(&entry_len) = files.get(&entry) else {
        return Err(Error::new(
            Code::ModuleMissing,
            "the module named by runtime.entry does not exist in the package",
        )
        .with("entry", entry));
    };
    if entry_len > module_bytes as u64 {
        return Err(Error::new(
            Code::ModuleTooLarge,
            format!("the module is {entry_len} bytes, over the {module_bytes}-byte cap"),
        )
        .with("module_bytes", entry_len)
        .with("limit", module_bytes as u64));
    }
    // A BTreeMap of String iterates in byte order of the UTF-8 paths, as the digest requires.
    let mut digest = Sha256::new();
    digest.update(DOMAIN);
    let mut module = None;
    for (path, len) in &files {
        let content = if path == "plugin.toml" {
            manifest.clone()
        } else {
            read_bounded(&dir.join(path), *len)?
        };
        digest.update(path.as_bytes());
        digest.update([0u8]);
        digest.update((content.len() as u64).to_be_bytes());
        digest.update(Sha256::digest(&content));
        if *path == entry {
            module = Some(content);
        }
    }
    let hex: String = digest
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Package {
        tools,
        digest: format!("sha256:{hex}"),
        module: module.ok_or_else(|| {
            Error::new(Code::ModuleMissing, "the module vanished while it was read")
        })?,
    })
}

/// Reads at most `len` bytes; a file that grew since it was listed is a changed package.
fn read_bounded(path: &Path, len: u64) -> Result<Vec<u8>, Error> {
    let file = fs::File::open(path)
        .map_err(|_| Error::new(Code::ModuleMissing, "a package file could not be opened"))?;
    let mut buf = Vec::new();
    file.take(len + 1)
        .read_to_end(&mut buf)
        .map_err(|_| Error::new(Code::ModuleMissing, "a package file could not be read"))?;
    if buf.len() as u64 > len {
        return Err(Error::new(
            Code::DigestMismatch,
            "a package file changed while it was read",
        ));
    }
    Ok(buf)
}

fn list(dir: &Path, prefix: &str, out: &mut BTreeMap<String, u64>) -> Result<(), Error> {
    let unreadable = || invalid("a package directory could not be read");
    for entry in fs::read_dir(dir.join(prefix)).map_err(|_| unreadable())? {
        let entry = entry.map_err(|_| unreadable())?;
        let name = entry.file_name();
        let name = name
            .to_str()
            .ok_or_else(|| Error::new(Code::PathEscape, "a package file name is not UTF-8"))?;
        let rel = if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}/{name}")
        };
        let kind = entry.file_type().map_err(|_| unreadable())?;
        if kind.is_symlink() {
            return Err(
                Error::new(Code::PathEscape, "the package contains a symlink").with("path", rel),
            );
        } else if kind.is_dir() {
            list(dir, &rel, out)?;
        } else if kind.is_file() {
            let len = entry.metadata().map_err(|_| unreadable())?.len();
            out.insert(rel, len);
        } else {
            return Err(
                Error::new(Code::PathEscape, "the package contains a special file")
                    .with("path", rel),
            );
        }
        if out.len() > PACKAGE_FILES {
            return Err(Error::new(
                Code::PackageTooLarge,
                format!("the package holds more than {PACKAGE_FILES} files"),
            ));
        }
    }
    if out.values().sum::<u64>() > PACKAGE_BYTES {
        return Err(Error::new(
            Code::PackageTooLarge,
            format!("the package holds more than {PACKAGE_BYTES} bytes"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_that_escape_are_refused() {
        for bad in [
            "",
            "../x.wasm",
            "/etc/passwd",
            "a/../../b",
            "./a.wasm",
            "a//b",
            "a\\b",
            "a\0b",
        ] {
            assert_eq!(
                check_entry(bad).unwrap_err().code,
                Code::PathEscape,
                "{bad:?}"
            );
        }
        check_entry("lib/plugin.wasm").unwrap();
    }
}
