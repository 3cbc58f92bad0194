//! Reading a plugin package: the manifest, the path rules, and the digest.
//!
//! One pass over the package reads every file once, hashes it, and keeps the module's bytes, so
//! the bytes that get compiled are exactly the bytes that were hashed: there is no window in
//! which the module could be swapped between verification and use.

use crate::cache::Bounded;
use crate::digest::{Digest, DigestBuilder};
use crate::error::{Error, ErrorCode};
use serde::Deserialize;
use sha2::Digest as _;
use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Component, Path};
use std::sync::Arc;

/// Largest `plugin.toml` read.
const MANIFEST_BYTES: u64 = 64 * 1024;
/// Most files a package may hold.
const PACKAGE_FILES: usize = 4096;
/// Most bytes a package may hold, module included.
const PACKAGE_BYTES: u64 = 64 * 1024 * 1024;
/// The runtime kind and ABI this runtime implements.
pub const RUNTIME_KIND: &str = "wasm";
/// The guest ABI this runtime implements.
pub const ABI: &str = "yoi-plugin-wasm-1";

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
    description: String,
    input_schema: toml::Value,
}

/// A validated `plugin.toml`.
#[derive(Clone, Debug)]
pub struct Manifest {
    /// The plugin's id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The plugin's own version string.
    pub version: String,
    /// What the plugin does.
    pub description: String,
    /// Path of the module inside the package, `/`-separated, validated not to escape.
    pub entry: String,
    /// The declared tools, in manifest order.
    pub tools: Vec<ToolSpec>,
}

/// One tool of a plugin as declared in its manifest.
#[derive(Clone, Debug)]
pub struct ToolSpec {
    /// The tool's name, unique within the plugin.
    pub name: String,
    /// What the tool does, for the model.
    pub description: String,
    /// The JSON Schema the input must match.
    pub input_schema: serde_json::Value,
}

/// A package as read from disk: its manifest, its digest and its module's bytes, with the
/// SHA-256 of the manifest and of the module as computed for the digest.
pub(crate) struct Package {
    pub manifest: Arc<Manifest>,
    pub manifest_hash: [u8; 32],
    pub digest: Digest,
    pub module: Vec<u8>,
    pub module_hash: [u8; 32],
}

fn manifest_error(message: impl AsRef<str>) -> Error {
    Error::new(ErrorCode::ManifestInvalid, message)
}

/// Names the model sees and the host routes on: short, ASCII, no separators that could be
/// confused with namespacing by a host.
pub(crate) fn valid_tool_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// serde-derived structs also read an array by field order (`runtime = ["wasm", ...]`), so the
/// manifest's tables are checked to be tables before the typed parse. Syntax errors are left to
/// the typed parse, which reports them.
fn check_tables(text: &str) -> Result<(), Error> {
    let Ok(table) = text.parse::<toml::Table>() else {
        return Ok(());
    };
    if table.get("runtime").is_some_and(|v| !v.is_table()) {
        return Err(manifest_error("plugin.toml: runtime must be a table"));
    }
    let tools = table.get("tools").and_then(toml::Value::as_array);
    if tools.is_some_and(|tools| tools.iter().any(|t| !t.is_table())) {
        return Err(manifest_error(
            "plugin.toml: every tools entry must be a table",
        ));
    }
    Ok(())
}

fn parse_manifest(text: &str) -> Result<Manifest, Error> {
    check_tables(text)?;
    let raw: ManifestToml = toml::from_str(text).map_err(|e| {
        manifest_error(format!(
            "plugin.toml is not a valid manifest: {}",
            e.message()
        ))
    })?;
    if raw.schema_version != 1 {
        return Err(manifest_error(format!(
            "plugin.toml schema_version {} is not supported (this runtime reads 1)",
            raw.schema_version
        ))
        .with("schema_version", raw.schema_version));
    }
    if raw.runtime.kind != RUNTIME_KIND {
        return Err(Error::new(
            ErrorCode::AbiUnsupported,
            format!("runtime.kind must be \"{RUNTIME_KIND}\""),
        )
        .with("kind", raw.runtime.kind));
    }
    if raw.runtime.abi != ABI {
        return Err(Error::new(
            ErrorCode::AbiUnsupported,
            format!("runtime.abi must be \"{ABI}\""),
        )
        .with("abi", raw.runtime.abi));
    }
    if !valid_id(&raw.id) {
        return Err(manifest_error(
            "plugin id must be 1-128 characters of ASCII letters, digits, '.', '_' or '-'",
        ));
    }
    for (field, value) in [
        ("name", &raw.name),
        ("version", &raw.version),
        ("description", &raw.description),
    ] {
        if value.len() > 4096 {
            return Err(manifest_error(format!("{field} is longer than 4096 bytes")));
        }
    }
    check_entry(&raw.runtime.entry)?;
    if raw.tools.is_empty() {
        return Err(manifest_error("the manifest declares no [[tools]]"));
    }
    let mut tools = Vec::with_capacity(raw.tools.len());
    let mut seen = std::collections::HashSet::new();
    for tool in raw.tools {
        if !valid_tool_name(&tool.name) {
            return Err(manifest_error(
                "a tool name must be 1-64 characters of ASCII letters, digits, '_' or '-'",
            )
            .with("tool", tool.name));
        }
        if !seen.insert(tool.name.clone()) {
            return Err(manifest_error("two tools share one name").with("tool", tool.name));
        }
        let input_schema = serde_json::to_value(&tool.input_schema)
            .map_err(|_| manifest_error("input_schema cannot be represented as JSON"))?;
        tools.push(ToolSpec {
            name: tool.name,
            description: tool.description,
            input_schema,
        });
    }
    Ok(Manifest {
        id: raw.id,
        name: raw.name,
        version: raw.version,
        description: raw.description,
        entry: raw.runtime.entry,
        tools,
    })
}

/// The entry must name a file inside the package by plain relative components.
fn check_entry(entry: &str) -> Result<(), Error> {
    let escape = |why: &str| {
        Error::new(
            ErrorCode::PathEscape,
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
    for component in Path::new(entry).components() {
        match component {
            Component::Normal(_) => {}
            Component::ParentDir => return Err(escape("it contains '..'")),
            Component::RootDir | Component::Prefix(_) => return Err(escape("it is absolute")),
            Component::CurDir => return Err(escape("it contains '.'")),
        }
    }
    Ok(())
}

/// Reads, checks and hashes a package. `module_bytes` caps the module before it is read.
/// `manifests` holds manifests already parsed, by the SHA-256 of their bytes: the bytes are
/// read and hashed on every load, only the parsing is skipped.
pub(crate) fn read(
    dir: &Path,
    module_bytes: usize,
    manifests: &Bounded<Arc<Manifest>>,
) -> Result<Package, Error> {
    let manifest_path = dir.join("plugin.toml");
    let meta = fs::symlink_metadata(&manifest_path)
        .map_err(|_| manifest_error("the package has no plugin.toml"))?;
    if meta.file_type().is_symlink() {
        return Err(Error::new(
            ErrorCode::PathEscape,
            "plugin.toml is a symlink",
        ));
    }
    if !meta.is_file() {
        return Err(manifest_error("plugin.toml is not a regular file"));
    }
    if meta.len() > MANIFEST_BYTES {
        return Err(manifest_error(format!(
            "plugin.toml is larger than {MANIFEST_BYTES} bytes"
        )));
    }
    let manifest_bytes = read_bounded(&manifest_path, MANIFEST_BYTES)?;
    let manifest_hash: [u8; 32] = sha2::Sha256::digest(&manifest_bytes).into();
    let manifest = match manifests.get(&manifest_hash) {
        Some(manifest) => manifest,
        None => {
            let text = std::str::from_utf8(&manifest_bytes)
                .map_err(|_| manifest_error("plugin.toml is not UTF-8"))?;
            let manifest = Arc::new(parse_manifest(text)?);
            manifests.insert(manifest_hash, manifest.clone());
            manifest
        }
    };

    let mut files = BTreeMap::new();
    list_files(dir, "", &mut files)?;
    let entry_len = match files.get(&manifest.entry) {
        Some(len) => *len,
        None => {
            return Err(Error::new(
                ErrorCode::ModuleMissing,
                "the module named by runtime.entry does not exist in the package",
            )
            .with("entry", manifest.entry.as_str()))
        }
    };
    if entry_len > module_bytes as u64 {
        return Err(Error::new(
            ErrorCode::ModuleTooLarge,
            format!("the module is {entry_len} bytes, over the {module_bytes}-byte cap"),
        )
        .with("module_bytes", entry_len)
        .with("limit", module_bytes as u64));
    }

    // BTreeMap<String, _> iterates in byte order of the UTF-8 paths, as the digest requires.
    let mut digest = DigestBuilder::new();
    let mut module = None;
    for (path, len) in &files {
        // The manifest was read and hashed above; the digest reuses those bytes and that hash.
        let (content, hash) = if path == "plugin.toml" {
            digest.hashed_file(path, manifest_bytes.len(), &manifest_hash);
            (None, manifest_hash)
        } else {
            let content = read_bounded(&dir.join(path), *len)?;
            let hash = digest.file(path, &content);
            (Some(content), hash)
        };
        if *path == manifest.entry {
            module = Some((content.unwrap_or_else(|| manifest_bytes.clone()), hash));
        }
    }
    let (module, module_hash) = module.ok_or_else(|| {
        Error::new(
            ErrorCode::ModuleMissing,
            "the module changed while it was read",
        )
    })?;
    Ok(Package {
        manifest,
        manifest_hash,
        digest: digest.finish(),
        module,
        module_hash,
    })
}

/// Reads a file expecting at most `len` bytes; a file that grew since it was listed is refused,
/// so a racing writer cannot make the reader allocate without bound.
fn read_bounded(path: &Path, len: u64) -> Result<Vec<u8>, Error> {
    let file = fs::File::open(path).map_err(|_| {
        Error::new(
            ErrorCode::ModuleMissing,
            "a package file could not be opened",
        )
    })?;
    let mut buf = Vec::with_capacity(len as usize);
    file.take(len + 1)
        .read_to_end(&mut buf)
        .map_err(|_| Error::new(ErrorCode::ModuleMissing, "a package file could not be read"))?;
    if buf.len() as u64 > len {
        return Err(Error::new(
            ErrorCode::DigestMismatch,
            "a package file changed while it was read",
        ));
    }
    Ok(buf)
}

/// Lists regular files under `dir` as `/`-separated relative paths with their lengths. A symlink
/// or special file anywhere is refused: the digest covers regular files only, and a link could
/// point outside the package.
fn list_files(dir: &Path, prefix: &str, out: &mut BTreeMap<String, u64>) -> Result<(), Error> {
    let entries = fs::read_dir(dir.join(prefix))
        .map_err(|_| manifest_error("a package directory could not be read"))?;
    for entry in entries {
        let entry = entry.map_err(|_| manifest_error("a package directory could not be read"))?;
        let name = entry.file_name();
        let name = name
            .to_str()
            .ok_or_else(|| Error::new(ErrorCode::PathEscape, "a package file name is not UTF-8"))?;
        let rel = if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}/{name}")
        };
        let file_type = entry
            .file_type()
            .map_err(|_| manifest_error("a package file could not be inspected"))?;
        if file_type.is_symlink() {
            return Err(
                Error::new(ErrorCode::PathEscape, "the package contains a symlink")
                    .with("path", rel),
            );
        } else if file_type.is_dir() {
            list_files(dir, &rel, out)?;
        } else if file_type.is_file() {
            let len = entry
                .metadata()
                .map_err(|_| manifest_error("a package file could not be inspected"))?
                .len();
            out.insert(rel, len);
        } else {
            return Err(Error::new(
                ErrorCode::PathEscape,
                "the package contains a special file (not a regular file or directory)",
            )
            .with("path", rel));
        }
        if out.len() > PACKAGE_FILES {
            return Err(Error::new(
                ErrorCode::PackageTooLarge,
                format!("the package holds more than {PACKAGE_FILES} files"),
            ));
        }
    }
    let total: u64 = out.values().sum();
    if total > PACKAGE_BYTES {
        return Err(Error::new(
            ErrorCode::PackageTooLarge,
            format!("the package holds more than {PACKAGE_BYTES} bytes"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_paths_that_escape_are_refused() {
        for bad in [
            "",
            "../x.wasm",
            "/etc/passwd",
            "a/../../b",
            "./a.wasm",
            "a\\b",
        ] {
            let e = check_entry(bad).unwrap_err();
            assert_eq!(e.code(), ErrorCode::PathEscape, "{bad}");
        }
        check_entry("lib/plugin.wasm").unwrap();
    }

    #[test]
    fn tool_names() {
        assert!(valid_tool_name("echo_2-x"));
        for bad in ["", "a b", "a/b", "ツール", &"x".repeat(65)] {
            assert!(!valid_tool_name(bad), "{bad}");
        }
    }
}
