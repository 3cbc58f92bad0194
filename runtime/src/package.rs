//! Reading a plugin package: the manifest, the path rules, the caps, and the digest.
//!
//! One pass over the package (through directory handles, `walk`) reads every file once, hashes
//! it, and keeps the module's bytes, so the bytes that get compiled are exactly the bytes that
//! were hashed: there is no window in which the module could be swapped between verification
//! and use. Every size is checked against its cap before anything is read or allocated.

use crate::cache::Bounded;
use crate::digest::{Digest, DigestBuilder};
use crate::error::{Error, ErrorCode};
use crate::mutants::Mutant;
use crate::walk::{self, Budget, DirHandle, Identity, Kind};
use rustix::io::Errno;
use serde::Deserialize;
use sha2::Digest as _;
use std::collections::BTreeMap;
use std::path::{Component, Path};
use std::sync::Arc;
use std::time::Duration;

/// Largest `plugin.toml` read.
const MANIFEST_BYTES: u64 = 64 * 1024;
/// Most files and directories a package may hold.
const PACKAGE_ENTRIES: usize = 4096;
/// Deepest directory nesting below the package root.
const PACKAGE_DEPTH: usize = 32;
/// Most bytes a package may hold, module included; so also the most any one file may hold.
const PACKAGE_BYTES: u64 = 64 * 1024 * 1024;
/// The runtime kind and ABI this runtime implements.
pub const RUNTIME_KIND: &str = "wasm";
/// The guest ABI this runtime implements.
pub const ABI: &str = "yoi-plugin-wasm-1";
/// The runtime kind of the component profile (docs/SPEC.md section 13).
pub const COMPONENT_KIND: &str = "wasm-component";
/// The one world the component profile implements.
pub const WORLD: &str = "yoi:plugin/tool@1.0.0";

/// Which guest profile a package declares: its manifest's `runtime.kind` alone decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Profile {
    /// `kind = "wasm"`: a core module speaking ABI `yoi-plugin-wasm-1`.
    Core,
    /// `kind = "wasm-component"`: a component of world `yoi:plugin/tool@1.0.0`.
    Component,
}

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

/// `[runtime]`: the keys of both profiles, each optional here; which ones a manifest must and
/// must not have depends on its `kind` (checked in `runtime_profile`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuntimeToml {
    kind: String,
    entry: Option<String>,
    abi: Option<String>,
    component: Option<String>,
    world: Option<String>,
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
    /// Path of the module (`runtime.entry`) or component (`runtime.component`) inside the
    /// package, `/`-separated, validated not to escape.
    pub entry: String,
    /// The guest profile, from `runtime.kind`.
    pub profile: Profile,
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

fn parse_manifest(text: &str, entry_normalised: bool) -> Result<Manifest, Error> {
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
    let (profile, entry) = runtime_profile(raw.runtime)?;
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
    check_entry(&entry, entry_normalised)?;
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
        entry,
        profile,
        tools,
    })
}

/// `[runtime]` of either profile: the kind first (`abi_unsupported`), then exactly that kind's
/// keys (`manifest_invalid`), then its ABI or world (`abi_unsupported`). Returns the profile and
/// the path of the module or component.
fn runtime_profile(runtime: RuntimeToml) -> Result<(Profile, String), Error> {
    let unsupported = |key: &str, want: &str, got: String| {
        Error::new(
            ErrorCode::AbiUnsupported,
            format!("runtime.{key} must be \"{want}\""),
        )
        .with(key, got)
    };
    let (profile, path, version, other) = match runtime.kind.as_str() {
        RUNTIME_KIND => (
            Profile::Core,
            ("entry", runtime.entry),
            ("abi", runtime.abi, ABI),
            [("component", runtime.component), ("world", runtime.world)],
        ),
        COMPONENT_KIND => (
            Profile::Component,
            ("component", runtime.component),
            ("world", runtime.world, WORLD),
            [("entry", runtime.entry), ("abi", runtime.abi)],
        ),
        _ => {
            return Err(Error::new(
                ErrorCode::AbiUnsupported,
                format!("runtime.kind must be \"{RUNTIME_KIND}\" or \"{COMPONENT_KIND}\""),
            )
            .with("kind", runtime.kind))
        }
    };
    if let Some((key, _)) = other.iter().find(|(_, value)| value.is_some()) {
        return Err(manifest_error(format!(
            "plugin.toml: runtime.{key} is not a key of runtime.kind \"{}\"",
            runtime.kind
        ))
        .with("key", *key));
    }
    let missing = |key: &str| {
        manifest_error(format!(
            "plugin.toml: runtime.kind \"{}\" needs runtime.{key}",
            runtime.kind
        ))
        .with("key", key)
    };
    let path = path.1.ok_or_else(|| missing(path.0))?;
    let (key, value, want) = version;
    let value = value.ok_or_else(|| missing(key))?;
    if value != want {
        return Err(unsupported(key, want, value));
    }
    Ok((profile, path))
}

/// The entry must name a file inside the package by plain components, split on `/` exactly as
/// written: `Path::components` would drop `.` and empty components and a trailing slash, so
/// `sub/./plugin.wasm` would pass as `sub/plugin.wasm` and then name no listed file.
fn check_entry(entry: &str, normalised: bool) -> Result<(), Error> {
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
    if normalised {
        return check_entry_normalised(entry, escape);
    }
    if entry.starts_with('/') {
        return Err(escape("it is absolute"));
    }
    for component in entry.split('/') {
        match component {
            "" => return Err(escape("it has an empty component ('//' or a trailing '/')")),
            "." => return Err(escape("it contains '.'")),
            ".." => return Err(escape("it contains '..'")),
            _ => {}
        }
    }
    Ok(())
}

/// The mutant `entry-normalised`: the check as it was, through `Path::components`.
fn check_entry_normalised(entry: &str, escape: impl Fn(&str) -> Error) -> Result<(), Error> {
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

/// What a load may spend reading a package.
pub(crate) struct ReadLimits {
    /// The module cap, decided from the module's size before it is read.
    pub module_bytes: usize,
    /// The load's time budget.
    pub budget: Duration,
}

/// One regular file of the package as hashed for the digest.
struct Hashed {
    len: u64,
    hash: [u8; 32],
}

/// The state of one walk: what was hashed, what was counted, and the module's bytes.
struct Walk<'a> {
    entry: &'a str,
    module_bytes: usize,
    budget: Budget,
    /// The manifest, read before the walk: met again in the root, it must be the same file.
    manifest: (Identity, [u8; 32]),
    files: BTreeMap<String, Hashed>,
    entries: usize,
    bytes: u64,
    module: Option<Vec<u8>>,
}

/// Reads, checks and hashes a package. `manifests` holds manifests already parsed, by the
/// SHA-256 of their bytes: the bytes are read and hashed on every load, only the parsing is
/// skipped. `mutant` tells which guarantee the kit's self-test switched off.
pub(crate) fn read(
    dir: &Path,
    limits: &ReadLimits,
    manifests: &Bounded<Arc<Manifest>>,
    mutant: impl Fn(Mutant) -> bool,
) -> Result<Package, Error> {
    let budget = Budget::start(limits.budget);
    read_within(dir, budget, limits.module_bytes, manifests, mutant)
}

fn read_within(
    dir: &Path,
    budget: Budget,
    module_bytes: usize,
    manifests: &Bounded<Arc<Manifest>>,
    mutant: impl Fn(Mutant) -> bool,
) -> Result<Package, Error> {
    let follow = mutant(Mutant::PackageLinksFollowed);
    let root = DirHandle::open_root(dir, follow).map_err(|errno| match errno {
        Errno::NOENT | Errno::NOTDIR => {
            manifest_error("the package directory does not exist or is not a directory")
        }
        _ => Error::new(
            walk::classify(errno),
            "the package directory could not be opened",
        )
        .with("errno", errno.raw_os_error()),
    })?;
    let listed = root.stat("plugin.toml").map_err(|errno| match errno {
        Errno::NOENT => manifest_error("the package has no plugin.toml"),
        _ => Error::new(walk::classify(errno), "plugin.toml could not be inspected")
            .with("errno", errno.raw_os_error()),
    })?;
    match listed.kind {
        Kind::File => {}
        Kind::Link => {
            return Err(Error::new(
                ErrorCode::PathEscape,
                "plugin.toml is a symlink",
            ))
        }
        Kind::Dir | Kind::Special => {
            return Err(manifest_error("plugin.toml is not a regular file"))
        }
    }
    if listed.size > MANIFEST_BYTES {
        return Err(manifest_error(format!(
            "plugin.toml is larger than {MANIFEST_BYTES} bytes"
        )));
    }
    let file = root.open_file("plugin.toml", "plugin.toml", listed)?;
    let mut manifest_bytes = Vec::new();
    walk::read_exact_len(file, listed.size, "plugin.toml", &budget, |chunk| {
        manifest_bytes.extend_from_slice(chunk)
    })?;
    let manifest_hash: [u8; 32] = sha2::Sha256::digest(&manifest_bytes).into();
    let manifest = match manifests.get(&manifest_hash) {
        Some(manifest) => manifest,
        None => {
            let text = std::str::from_utf8(&manifest_bytes)
                .map_err(|_| manifest_error("plugin.toml is not UTF-8"))?;
            let manifest = Arc::new(parse_manifest(text, mutant(Mutant::EntryNormalised))?);
            manifests.insert(manifest_hash, manifest.clone());
            manifest
        }
    };

    let mut walk = Walk {
        entry: &manifest.entry,
        module_bytes,
        budget,
        manifest: (listed, manifest_hash),
        files: BTreeMap::new(),
        entries: 0,
        bytes: 0,
        module: None,
    };
    walk.dir(&root, "", 0)?;
    let Some(module) = walk.module.take() else {
        return Err(Error::new(
            ErrorCode::ModuleMissing,
            "the module named by runtime.entry does not exist in the package",
        )
        .with("entry", manifest.entry.as_str()));
    };
    // BTreeMap<String, _> iterates in byte order of the UTF-8 paths, as the digest requires.
    let mut digest = DigestBuilder::new();
    for (path, file) in &walk.files {
        digest.hashed_file(path, file.len, &file.hash);
    }
    let module_hash = walk.files[&manifest.entry].hash;
    Ok(Package {
        manifest,
        manifest_hash,
        digest: digest.finish(),
        module,
        module_hash,
    })
}

impl Walk<'_> {
    /// Lists and reads one directory, depth first. Every entry counts toward the entry cap and
    /// every file's listed size toward the byte cap before anything of it is read.
    fn dir(&mut self, handle: &DirHandle, prefix: &str, depth: usize) -> Result<(), Error> {
        if depth > PACKAGE_DEPTH {
            return Err(Error::new(
                ErrorCode::PackageTooLarge,
                format!("the package nests directories more than {PACKAGE_DEPTH} deep"),
            )
            .with("path", prefix));
        }
        let room = PACKAGE_ENTRIES - self.entries;
        let names = handle
            .names(prefix, room, &self.budget)
            .map_err(|e| e.unwrap_or_else(too_many_entries))?;
        self.entries += names.len();
        for name in names {
            self.budget.check()?;
            let path = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}/{name}")
            };
            let listed = handle.stat(&name).map_err(|errno| {
                Error::new(
                    walk::classify(errno),
                    "a package entry could not be inspected",
                )
                .with("path", path.as_str())
                .with("errno", errno.raw_os_error())
            })?;
            match listed.kind {
                Kind::Dir => {
                    let sub = handle.open_dir(&name, &path, listed)?;
                    self.dir(&sub, &path, depth + 1)?;
                }
                Kind::File => self.file(handle, &name, path, listed)?,
                Kind::Link => {
                    return Err(
                        Error::new(ErrorCode::PathEscape, "the package contains a symlink")
                            .with("path", path),
                    )
                }
                Kind::Special => {
                    return Err(Error::new(
                        ErrorCode::PathEscape,
                        "the package contains a special file (not a regular file or directory)",
                    )
                    .with("path", path))
                }
            }
        }
        Ok(())
    }

    /// Hashes one regular file, keeping its bytes only when it is the module. Sizes are added
    /// with overflow checked and capped before the file is opened; a file is then read only up
    /// to the length its open handle reports (and that must equal the listing).
    fn file(
        &mut self,
        handle: &DirHandle,
        name: &str,
        path: String,
        listed: Identity,
    ) -> Result<(), Error> {
        self.bytes = self
            .bytes
            .checked_add(listed.size)
            .filter(|total| *total <= PACKAGE_BYTES)
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::PackageTooLarge,
                    format!("the package holds more than {PACKAGE_BYTES} bytes"),
                )
                .with("path", path.as_str())
            })?;
        if path == "plugin.toml" {
            // Read and hashed before the walk; the digest reuses those bytes, if it is the same
            // file.
            let (manifest, hash) = self.manifest;
            if listed != manifest {
                return Err(walk_changed("plugin.toml"));
            }
            if self.entry == "plugin.toml" {
                return Err(Error::new(
                    ErrorCode::ModuleInvalid,
                    "runtime.entry names plugin.toml, which is not a module",
                ));
            }
            self.files.insert(
                path,
                Hashed {
                    len: listed.size,
                    hash,
                },
            );
            return Ok(());
        }
        let is_module = path == self.entry;
        if is_module && listed.size > self.module_bytes as u64 {
            return Err(Error::new(
                ErrorCode::ModuleTooLarge,
                format!(
                    "the module is {} bytes, over the {}-byte cap",
                    listed.size, self.module_bytes
                ),
            )
            .with("module_bytes", listed.size)
            .with("limit", self.module_bytes as u64));
        }
        let file = handle.open_file(name, &path, listed)?;
        let mut hasher = sha2::Sha256::new();
        let mut module = Vec::new();
        walk::read_exact_len(file, listed.size, &path, &self.budget, |chunk| {
            hasher.update(chunk);
            if is_module {
                module.extend_from_slice(chunk);
            }
        })?;
        if is_module {
            self.module = Some(module);
        }
        self.files.insert(
            path,
            Hashed {
                len: listed.size,
                hash: hasher.finalize().into(),
            },
        );
        Ok(())
    }
}

fn walk_changed(path: &str) -> Error {
    Error::new(
        ErrorCode::PathEscape,
        "a package entry changed while the package was read: the file listed is not the one read",
    )
    .with("path", path)
}

fn too_many_entries() -> Error {
    Error::new(
        ErrorCode::PackageTooLarge,
        format!("the package holds more than {PACKAGE_ENTRIES} files and directories"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn entry_paths_that_escape_are_refused() {
        for bad in [
            "",
            "../x.wasm",
            "/etc/passwd",
            "a/../../b",
            "./a.wasm",
            "a\\b",
            "sub/./plugin.wasm",
            "sub//plugin.wasm",
            "plugin.wasm/",
            "sub/.",
            "/",
            "//plugin.wasm",
        ] {
            let e = check_entry(bad, false).unwrap_err();
            assert_eq!(e.code(), ErrorCode::PathEscape, "{bad}");
        }
        check_entry("lib/plugin.wasm", false).unwrap();
        check_entry("lib/.plugin.wasm", false).unwrap();
        check_entry("lib/..plugin.wasm", false).unwrap();
    }

    fn package_with(extra: &[(&str, usize)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let manifest = "schema_version = 1\nid = \"t\"\nname = \"t\"\nversion = \"1\"\n\
            description = \"t\"\n[runtime]\nkind = \"wasm\"\nentry = \"plugin.wasm\"\n\
            abi = \"yoi-plugin-wasm-1\"\n[[tools]]\nname = \"t\"\ndescription = \"t\"\n\
            input_schema = { type = \"object\" }\n";
        fs::write(dir.path().join("plugin.toml"), manifest).unwrap();
        fs::write(dir.path().join("plugin.wasm"), b"\0asm\x01\0\0\0").unwrap();
        for (name, len) in extra {
            fs::write(dir.path().join(name), vec![7u8; *len]).unwrap();
        }
        dir
    }

    fn read_after_checks(dir: &Path, checks: u32) -> Result<Package, Error> {
        let manifests = Bounded::new(4);
        read_within(
            dir,
            Budget::after_checks(checks),
            1 << 20,
            &manifests,
            |_| false,
        )
    }

    /// The smallest number of budget checks a read of `dir` passes with.
    fn checks_needed(dir: &Path) -> u32 {
        let (mut lo, mut hi) = (0, 100_000);
        assert!(read_after_checks(dir, hi).is_ok(), "the package reads");
        while lo < hi {
            let mid = (lo + hi) / 2;
            if read_after_checks(dir, mid).is_ok() {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        lo
    }

    #[test]
    fn the_load_budget_is_checked_per_entry_and_per_read_chunk() {
        let small = package_with(&[]);
        let base = checks_needed(small.path());
        for n in 0..base {
            let e = read_after_checks(small.path(), n).err().unwrap();
            assert_eq!(e.code(), ErrorCode::LoadTimeout, "{n}: {e}");
        }
        // 100 more files: at least one check each.
        let names: Vec<String> = (0..100).map(|i| format!("f{i}")).collect();
        let many: Vec<(&str, usize)> = names.iter().map(|n| (n.as_str(), 1)).collect();
        let many = package_with(&many);
        assert!(checks_needed(many.path()) >= base + 100);
        // One file of 1 MiB: at least one check per 64 KiB read.
        let big = package_with(&[("big", 1 << 20)]);
        assert!(checks_needed(big.path()) >= base + 16);
    }

    fn read_code(dir: &Path) -> Result<(), ErrorCode> {
        read_after_checks(dir, u32::MAX)
            .map(drop)
            .map_err(|e| e.code())
    }

    #[test]
    fn entries_and_depth_are_capped_at_their_limits_exactly() {
        // plugin.toml and plugin.wasm are two entries; directories count like files.
        let names: Vec<String> = (0..PACKAGE_ENTRIES - 2).map(|i| format!("f{i}")).collect();
        let at: Vec<(&str, usize)> = names.iter().map(|n| (n.as_str(), 0)).collect();
        let at = package_with(&at);
        assert_eq!(read_code(at.path()), Ok(()));
        fs::create_dir(at.path().join("one-more")).unwrap();
        assert_eq!(read_code(at.path()), Err(ErrorCode::PackageTooLarge));

        let deep = package_with(&[]);
        let mut dir = deep.path().to_owned();
        for _ in 0..PACKAGE_DEPTH {
            dir.push("d");
        }
        fs::create_dir_all(&dir).unwrap();
        assert_eq!(read_code(deep.path()), Ok(()));
        fs::create_dir(dir.join("d")).unwrap();
        assert_eq!(read_code(deep.path()), Err(ErrorCode::PackageTooLarge));
    }

    #[test]
    fn tool_names() {
        assert!(valid_tool_name("echo_2-x"));
        for bad in ["", "a b", "a/b", "ツール", &"x".repeat(65)] {
            assert!(!valid_tool_name(bad), "{bad}");
        }
    }
}
