//! Reading a plugin package: the manifest, the path rules, the caps, and the digest.
//!
//! A package is a directory or one stored zip archive (the originating host's `.yoi-plugin`
//! file). One pass over it (through directory handles, `walk`, or over the archive's bytes read
//! once under a cap, `archive`) reads every file once, hashes it, and keeps the module's bytes,
//! so the bytes that get compiled are exactly the bytes that were hashed: there is no window in
//! which the module could be swapped between verification and use. Every size is checked
//! against its cap before anything is read or allocated. Both forms end in the same manifest
//! parse and the same digest over `(path, length, SHA-256)` of every regular file.

use crate::archive::{self, EntryKind};
use crate::cache::Bounded;
use crate::digest::{Digest, DigestBuilder};
use crate::error::{Error, ErrorCode};
use crate::mutants::Mutant;
use crate::walk::{self, Budget, DirHandle, Identity, Kind, Root};
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
pub(crate) const PACKAGE_ENTRIES: usize = 4096;
/// Deepest directory nesting below the package root.
pub(crate) const PACKAGE_DEPTH: usize = 32;
/// Most bytes a package may hold, module included; so also the most any one file may hold.
pub(crate) const PACKAGE_BYTES: u64 = 64 * 1024 * 1024;
/// Largest package archive read: the package's bytes plus room for the headers and names of its
/// entries. Decided from the open handle's size before anything is read.
const ARCHIVE_BYTES: u64 = PACKAGE_BYTES + 8 * 1024 * 1024;
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
    description: Option<String>,
    surfaces: Option<Vec<String>>,
    permissions: Option<Vec<PermissionToml>>,
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
    external_write: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PermissionToml {
    kind: String,
    surface: Option<String>,
    name: Option<String>,
}

/// The top-level keys a manifest may hold: ours, and the originating host's keys that describe
/// a tool plugin (`surfaces`, `permissions`).
const MANIFEST_KEYS: &[&str] = &[
    "schema_version",
    "id",
    "name",
    "version",
    "description",
    "surfaces",
    "permissions",
    "runtime",
    "tools",
];
/// The keys a `[[tools]]` entry may hold.
const TOOL_KEYS: &[&str] = &["name", "description", "input_schema", "external_write"];
/// The originating host's manifest keys that describe something other than a tool plugin: named
/// in the refusal, since a host author will recognise them.
const NOT_TOOL_PLUGIN_KEYS: &[&str] = &["hooks"];
/// The one surface a plugin this runtime loads can serve.
pub const TOOL_SURFACE: &str = "tool";
/// The longest tool name, in bytes (the originating host's rule).
const TOOL_NAME_BYTES: usize = 128;

/// A validated `plugin.toml`.
#[derive(Clone, Debug)]
pub struct Manifest {
    /// The plugin's id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The plugin's own version string.
    pub version: String,
    /// What the plugin does, when the manifest says.
    pub description: Option<String>,
    /// The surfaces the manifest declares (the originating host's `surfaces`): empty when it
    /// declares none, else exactly `["tool"]`.
    pub surfaces: Vec<String>,
    /// The permissions the manifest declares, checked to reference a declared surface or tool.
    /// They are metadata: they grant a guest nothing (every guest gets the same five imports)
    /// and withhold nothing (every declared tool can be called).
    pub permissions: Vec<Permission>,
    /// Path of the module (`runtime.entry`) or component (`runtime.component`) inside the
    /// package, `/`-separated, validated not to escape.
    pub entry: String,
    /// The guest profile, from `runtime.kind`.
    pub profile: Profile,
    /// The declared tools, in manifest order.
    pub tools: Vec<ToolSpec>,
}

/// One entry of the originating host's `permissions` array.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Permission {
    /// `{ kind = "surface", surface = "tool" }`
    Surface(String),
    /// `{ kind = "tool", name = "<a declared tool>" }`
    Tool(String),
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
    /// The originating host's `external_write` flag: carried for the host to show, it grants
    /// nothing (a guest has no way to write anywhere but its output).
    pub external_write: bool,
}

/// A package as read: its manifest, its digest and its module's bytes, with the SHA-256 of the
/// manifest and of the module as computed for the digest.
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

/// The originating host's tool-name rule, which the model sees and the host routes on: 1 to 128
/// bytes, no whitespace, no control character, and (beyond the host's rule) none of the
/// characters that make text display differently from what it says (`sanitize`), since a tool
/// name is shown to the model verbatim.
pub(crate) fn valid_tool_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= TOOL_NAME_BYTES
        && !name
            .chars()
            .any(|c| c.is_whitespace() || crate::sanitize::is_unsafe_char(c))
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// serde-derived structs also read an array by field order (`runtime = ["wasm", ...]`), so the
/// manifest's tables are checked to be tables before the typed parse; and a key no table of the
/// manifest knows is refused here, by name, in the details. Syntax errors are left to the typed
/// parse, which reports them.
fn check_tables(text: &str) -> Result<(), Error> {
    let Ok(table) = text.parse::<toml::Table>() else {
        return Ok(());
    };
    if let Some(key) = table.keys().find(|k| !MANIFEST_KEYS.contains(&k.as_str())) {
        let message = if NOT_TOOL_PLUGIN_KEYS.contains(&key.as_str()) {
            format!("plugin.toml declares `{key}`, which does not describe a tool plugin: this runtime loads tool plugins only")
        } else {
            "plugin.toml has a top-level key this runtime does not read".to_string()
        };
        return Err(manifest_error(message).with("key", key.as_str()));
    }
    if table.get("runtime").is_some_and(|v| !v.is_table()) {
        return Err(manifest_error("plugin.toml: runtime must be a table"));
    }
    let tools = table.get("tools").and_then(toml::Value::as_array);
    if tools.is_some_and(|tools| tools.iter().any(|t| !t.is_table())) {
        return Err(manifest_error(
            "plugin.toml: every tools entry must be a table",
        ));
    }
    let unknown_tool_key = tools
        .into_iter()
        .flatten()
        .filter_map(toml::Value::as_table)
        .flat_map(|t| t.keys())
        .find(|k| !TOOL_KEYS.contains(&k.as_str()));
    if let Some(key) = unknown_tool_key {
        return Err(
            manifest_error("a [[tools]] entry has a key this runtime does not read")
                .with("key", key.as_str()),
        );
    }
    let permissions = table.get("permissions").and_then(toml::Value::as_array);
    if permissions.is_some_and(|p| p.iter().any(|p| !p.is_table())) {
        return Err(manifest_error(
            "plugin.toml: every permissions entry must be a table",
        ));
    }
    Ok(())
}

/// The originating host's `surfaces`: absent, or a non-empty list of distinct surfaces of which
/// this runtime serves exactly one, `tool`.
fn check_surfaces(surfaces: Option<Vec<String>>) -> Result<Vec<String>, Error> {
    let Some(surfaces) = surfaces else {
        return Ok(Vec::new());
    };
    if surfaces.is_empty() {
        return Err(manifest_error(
            "surfaces is empty: a tool plugin declares the \"tool\" surface",
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for surface in &surfaces {
        if surface != TOOL_SURFACE {
            return Err(manifest_error(
                "surfaces names a surface this runtime does not serve (only \"tool\")",
            )
            .with("surface", surface.as_str()));
        }
        if !seen.insert(surface) {
            return Err(
                manifest_error("surfaces names a surface twice").with("surface", surface.as_str())
            );
        }
    }
    Ok(surfaces)
}

/// The originating host's `permissions`: each a declared surface or a declared tool, once.
fn check_permissions(
    permissions: Option<Vec<PermissionToml>>,
    surfaces: &[String],
    tools: &[ToolSpec],
) -> Result<Vec<Permission>, Error> {
    let mut out = Vec::new();
    for raw in permissions.unwrap_or_default() {
        let permission = match (raw.kind.as_str(), raw.surface, raw.name) {
            ("surface", Some(surface), None) => {
                if !surfaces.contains(&surface) {
                    return Err(manifest_error(
                        "a surface permission names a surface the manifest does not declare",
                    )
                    .with("surface", surface));
                }
                Permission::Surface(surface)
            }
            ("tool", None, Some(name)) => {
                if !tools.iter().any(|t| t.name == name) {
                    return Err(manifest_error(
                        "a tool permission names a tool the manifest does not declare",
                    )
                    .with("tool", name));
                }
                Permission::Tool(name)
            }
            ("surface" | "tool", _, _) => {
                return Err(manifest_error(
                    "a permission must be { kind = \"surface\", surface = ... } or { kind = \"tool\", name = ... }",
                )
                .with("kind", raw.kind))
            }
            _ => {
                return Err(
                    manifest_error("a permission has a kind this runtime does not know")
                        .with("kind", raw.kind),
                )
            }
        };
        if out.contains(&permission) {
            return Err(manifest_error("a permission is declared twice"));
        }
        out.push(permission);
    }
    Ok(out)
}

pub(crate) fn parse_manifest(text: &str, entry_normalised: bool) -> Result<Manifest, Error> {
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
        ("name", Some(&raw.name)),
        ("version", Some(&raw.version)),
        ("description", raw.description.as_ref()),
    ] {
        if value.is_some_and(|v| v.len() > 4096) {
            return Err(manifest_error(format!("{field} is longer than 4096 bytes")));
        }
    }
    check_entry(&entry, entry_normalised)?;
    if raw.tools.is_empty() {
        return Err(manifest_error("the manifest declares no [[tools]]"));
    }
    let surfaces = check_surfaces(raw.surfaces)?;
    let mut tools = Vec::with_capacity(raw.tools.len());
    let mut seen = std::collections::HashSet::new();
    for tool in raw.tools {
        if !valid_tool_name(&tool.name) {
            return Err(manifest_error(
                "a tool name must be 1-128 bytes without whitespace or control characters",
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
            external_write: tool.external_write.unwrap_or(false),
        });
    }
    let permissions = check_permissions(raw.permissions, &surfaces, &tools)?;
    Ok(Manifest {
        id: raw.id,
        name: raw.name,
        version: raw.version,
        description: raw.description,
        surfaces,
        permissions,
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
    path: &Path,
    budget: Budget,
    module_bytes: usize,
    manifests: &Bounded<Arc<Manifest>>,
    mutant: impl Fn(Mutant) -> bool,
) -> Result<Package, Error> {
    let follow = mutant(Mutant::PackageLinksFollowed);
    let root = walk::open_package(path, follow).map_err(|errno| match errno {
        Errno::NOENT | Errno::NOTDIR => manifest_error(
            "the package does not exist or is neither a directory nor an archive file",
        ),
        _ => Error::new(walk::classify(errno), "the package could not be opened")
            .with("errno", errno.raw_os_error()),
    })?;
    match root {
        Root::Dir(root) => read_dir(&root, budget, module_bytes, manifests, mutant),
        Root::File(file, listed) => {
            read_archive(file, listed, budget, module_bytes, manifests, mutant)
        }
        Root::Special => Err(manifest_error(
            "the package is neither a directory nor a regular (archive) file",
        )),
    }
}

/// The manifest from its bytes: parsed, or taken from the cache of manifests parsed before.
fn manifest_of(
    bytes: &[u8],
    manifests: &Bounded<Arc<Manifest>>,
    mutant: &impl Fn(Mutant) -> bool,
) -> Result<([u8; 32], Arc<Manifest>), Error> {
    let hash: [u8; 32] = sha2::Sha256::digest(bytes).into();
    if let Some(manifest) = manifests.get(&hash) {
        return Ok((hash, manifest));
    }
    let text =
        std::str::from_utf8(bytes).map_err(|_| manifest_error("plugin.toml is not UTF-8"))?;
    let manifest = Arc::new(parse_manifest(text, mutant(Mutant::EntryNormalised))?);
    manifests.insert(hash, manifest.clone());
    Ok((hash, manifest))
}

/// The package from what either reader found: the digest over every regular file, and the
/// module (absent: `module_missing`).
fn assemble(
    manifest: Arc<Manifest>,
    manifest_hash: [u8; 32],
    files: &BTreeMap<String, Hashed>,
    module: Option<Vec<u8>>,
) -> Result<Package, Error> {
    let Some(module) = module else {
        return Err(Error::new(
            ErrorCode::ModuleMissing,
            "the module named by runtime.entry does not exist in the package",
        )
        .with("entry", manifest.entry.as_str()));
    };
    // BTreeMap<String, _> iterates in byte order of the UTF-8 paths, as the digest requires.
    let mut digest = DigestBuilder::new();
    for (path, file) in files {
        digest.hashed_file(path, file.len, &file.hash);
    }
    let module_hash = files[&manifest.entry].hash;
    Ok(Package {
        manifest,
        manifest_hash,
        digest: digest.finish(),
        module,
        module_hash,
    })
}

fn module_too_large(size: u64, cap: usize) -> Error {
    Error::new(
        ErrorCode::ModuleTooLarge,
        format!("the module is {size} bytes, over the {cap}-byte cap"),
    )
    .with("module_bytes", size)
    .with("limit", cap as u64)
}

fn read_dir(
    root: &DirHandle,
    budget: Budget,
    module_bytes: usize,
    manifests: &Bounded<Arc<Manifest>>,
    mutant: impl Fn(Mutant) -> bool,
) -> Result<Package, Error> {
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
    let (manifest_hash, manifest) = manifest_of(&manifest_bytes, manifests, &mutant)?;

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
    walk.dir(root, "", 0)?;
    let (files, module) = (std::mem::take(&mut walk.files), walk.module.take());
    assemble(manifest, manifest_hash, &files, module)
}

/// A package archive (docs/SPEC.md §2.4): read whole, once, under `ARCHIVE_BYTES` (decided from
/// the open handle before reading), then checked entry by entry (`archive::parse`) before the
/// manifest is looked at. Nothing is extracted: files are slices of that one buffer.
fn read_archive(
    file: std::fs::File,
    listed: Identity,
    budget: Budget,
    module_bytes: usize,
    manifests: &Bounded<Arc<Manifest>>,
    mutant: impl Fn(Mutant) -> bool,
) -> Result<Package, Error> {
    if listed.size > ARCHIVE_BYTES {
        return Err(Error::new(
            ErrorCode::PackageTooLarge,
            format!("the package archive is larger than {ARCHIVE_BYTES} bytes"),
        ));
    }
    let mut bytes = Vec::new();
    walk::read_exact_len(file, listed.size, "", &budget, |chunk| {
        bytes.extend_from_slice(chunk)
    })?;
    let caps = archive::Caps {
        entries: PACKAGE_ENTRIES,
        depth: PACKAGE_DEPTH,
        bytes: PACKAGE_BYTES,
    };
    let entries = archive::parse(&bytes, &caps, &budget, &mutant)?;
    let manifest_entry = entries
        .iter()
        .find(|e| e.path == "plugin.toml")
        .ok_or_else(|| manifest_error("the package has no plugin.toml"))?;
    if manifest_entry.kind != EntryKind::File {
        return Err(manifest_error("plugin.toml is not a regular file"));
    }
    if manifest_entry.data.len() as u64 > MANIFEST_BYTES {
        return Err(manifest_error(format!(
            "plugin.toml is larger than {MANIFEST_BYTES} bytes"
        )));
    }
    let (manifest_hash, manifest) = manifest_of(manifest_entry.data, manifests, &mutant)?;
    if manifest.entry == "plugin.toml" {
        return Err(Error::new(
            ErrorCode::ModuleInvalid,
            "runtime.entry names plugin.toml, which is not a module",
        ));
    }
    let mut files = BTreeMap::new();
    let mut module = None;
    for entry in entries.iter().filter(|e| e.kind == EntryKind::File) {
        let is_module = entry.path == manifest.entry;
        let len = entry.data.len() as u64;
        if is_module && len > module_bytes as u64 {
            return Err(module_too_large(len, module_bytes));
        }
        let mut hasher = sha2::Sha256::new();
        for chunk in entry.data.chunks(64 * 1024) {
            budget.check()?;
            hasher.update(chunk);
        }
        if is_module {
            module = Some(entry.data.to_vec());
        }
        let hash = hasher.finalize().into();
        files.insert(entry.path.to_owned(), Hashed { len, hash });
    }
    assemble(manifest, manifest_hash, &files, module)
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
            return Err(module_too_large(listed.size, self.module_bytes));
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

    /// The directory `dir` as an archive of its regular files (and `extra` entries), written
    /// by the archive tests' writer, beside it.
    fn archive_of(dir: &Path, extra: Vec<crate::archive::tests::E>) -> std::path::PathBuf {
        use crate::archive::tests::{file, write, Archive};
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        let mut entries: Vec<_> = names
            .iter()
            .map(|n| file(n, &fs::read(dir.join(n)).unwrap()))
            .collect();
        entries.extend(extra);
        let out = dir.with_extension("yoi-plugin");
        fs::write(&out, write(&entries, &Archive::default())).unwrap();
        out
    }

    #[test]
    fn an_archive_reads_to_the_directory_s_digest_and_module() {
        let dir = package_with(&[("notes", 3)]);
        let zip = archive_of(dir.path(), vec![]);
        let from_dir = read_after_checks(dir.path(), u32::MAX).unwrap();
        let from_zip = read_after_checks(&zip, u32::MAX).unwrap();
        assert_eq!(from_zip.digest, from_dir.digest);
        assert_eq!(from_zip.module, from_dir.module);
        assert_eq!(from_zip.module_hash, from_dir.module_hash);
        assert_eq!(from_zip.manifest_hash, from_dir.manifest_hash);
        // The archive's checks run under the same load budget.
        let e = read_after_checks(&zip, 1).err().unwrap();
        assert_eq!(e.code(), ErrorCode::LoadTimeout);
        // Caps: the module cap from the entry's size, the manifest's 64 KiB.
        let manifests = Bounded::new(4);
        let small = read_within(&zip, Budget::after_checks(u32::MAX), 4, &manifests, |_| {
            false
        });
        assert_eq!(small.err().unwrap().code(), ErrorCode::ModuleTooLarge);
        let _ = fs::remove_file(&zip);
    }

    #[test]
    fn an_archive_without_its_module_or_manifest_is_refused_as_a_directory_is() {
        use crate::archive::tests::{dir as dir_entry, file, write, Archive};
        let pkg = package_with(&[]);
        let manifest = fs::read(pkg.path().join("plugin.toml")).unwrap();
        let out = pkg.path().with_extension("yoi-plugin");
        let code = |entries: Vec<crate::archive::tests::E>| {
            fs::write(&out, write(&entries, &Archive::default())).unwrap();
            read_code(&out)
        };
        assert_eq!(
            code(vec![file("plugin.toml", &manifest)]),
            Err(ErrorCode::ModuleMissing)
        );
        assert_eq!(
            code(vec![
                file("plugin.toml", &manifest),
                dir_entry("plugin.wasm/")
            ]),
            Err(ErrorCode::ModuleMissing)
        );
        assert_eq!(code(vec![]), Err(ErrorCode::ManifestInvalid));
        assert_eq!(
            code(vec![dir_entry("plugin.toml/")]),
            Err(ErrorCode::ManifestInvalid)
        );
        assert_eq!(
            code(vec![file("plugin.toml", &vec![b'#'; 64 * 1024 + 1])]),
            Err(ErrorCode::ManifestInvalid)
        );
        // An archive over the cap is refused from its handle's size, before a byte is read (a
        // sparse file: nothing is allocated).
        let big = fs::File::create(&out).unwrap();
        big.set_len(ARCHIVE_BYTES + 1).unwrap();
        assert_eq!(read_code(&out), Err(ErrorCode::PackageTooLarge));
        big.set_len(ARCHIVE_BYTES).unwrap();
        assert_eq!(read_code(&out), Err(ErrorCode::PackageInvalid));
        let _ = fs::remove_file(&out);
        // A FIFO named as the package is refused without blocking.
        let fifo = pkg.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        assert_eq!(read_code(&fifo), Err(ErrorCode::ManifestInvalid));
    }

    fn manifest_code(extra_top: &str, extra_tool: &str, tool: &str) -> Result<Manifest, ErrorCode> {
        let text = format!(
            "schema_version = 1\nid = \"t\"\nname = \"t\"\nversion = \"1\"\n{extra_top}\n\
             [runtime]\nkind = \"wasm\"\nentry = \"plugin.wasm\"\nabi = \"yoi-plugin-wasm-1\"\n\
             [[tools]]\nname = {tool:?}\ndescription = \"t\"\ninput_schema = {{ type = \"object\" }}\n\
             {extra_tool}\n"
        );
        parse_manifest(&text, false).map_err(|e| e.code())
    }

    #[test]
    fn the_host_s_tool_plugin_keys_are_read_and_checked() {
        let host =
            "surfaces = [\"tool\"]\npermissions = [ { kind = \"surface\", surface = \"tool\" }, \
                    { kind = \"tool\", name = \"echo.v2\" } ]";
        let m = manifest_code(host, "external_write = true", "echo.v2").unwrap();
        assert_eq!(m.description, None);
        assert_eq!(m.surfaces, ["tool"]);
        assert_eq!(
            m.permissions,
            [
                Permission::Surface("tool".into()),
                Permission::Tool("echo.v2".into())
            ]
        );
        assert!(m.tools[0].external_write);
        let refused = [
            ("surfaces = []", ""),
            ("surfaces = [\"hook\"]", ""),
            ("surfaces = [\"tool\", \"tool\"]", ""),
            ("permissions = [ { kind = \"surface\", surface = \"tool\" } ]", ""),
            ("surfaces = [\"tool\"]\npermissions = [ { kind = \"tool\", name = \"other\" } ]", ""),
            ("surfaces = [\"tool\"]\npermissions = [ { kind = \"network\", name = \"t\" } ]", ""),
            ("surfaces = [\"tool\"]\npermissions = [ { kind = \"tool\", surface = \"tool\" } ]", ""),
            ("surfaces = [\"tool\"]\npermissions = [ { kind = \"tool\", name = \"t\", x = 1 } ]", ""),
            ("permissions = [ { kind = \"tool\", name = \"t\" }, { kind = \"tool\", name = \"t\" } ]", ""),
            ("permissions = [\"tool\"]", ""),
            ("hooks = []", ""),
            ("", "external_write = \"yes\""),
            ("", "hooks = 1"),
        ];
        for (top, tool) in refused {
            assert_eq!(
                manifest_code(top, tool, "t").map(drop),
                Err(ErrorCode::ManifestInvalid),
                "{top} / {tool}"
            );
        }
        let e = parse_manifest("hooks = 1\n", false).unwrap_err();
        assert_eq!(e.details()["key"], "hooks");
        assert!(e.message().contains("hooks"), "{}", e.message());
    }

    #[test]
    fn tool_names() {
        let at_cap = format!("{}xx", "ツ".repeat(42));
        for good in [
            "echo_2-x",
            "echo.v2",
            "a/b",
            "ツール",
            &"x".repeat(128),
            &at_cap,
        ] {
            assert!(valid_tool_name(good), "{good}");
        }
        let over = format!("{}x", "ツ".repeat(43 - 1) + "ツ");
        for bad in [
            "",
            "a b",
            "a\tb",
            "ツ\u{3000}ル",
            "a\u{202e}b",
            "a\u{85}b",
            &"x".repeat(129),
            &over,
        ] {
            assert!(!valid_tool_name(bad), "{bad:?}");
        }
    }
}
