//! `plugin.toml`: its tables and keys checked before the typed parse, then the typed parse and
//! the checks of every field (id, `[runtime]` of either profile, tools, surfaces, permissions).
//! Text in, a [`Manifest`] out, or `manifest_invalid` / `abi_unsupported` / `path_escape`.

use super::host_apis::{HostApi, Target};
use super::names::{valid_id, valid_tool_name};
pub use super::permissions::Permission;
use super::permissions::{check_permissions, check_surfaces, check_targets, PermissionToml};
use super::seam::Seam;
use crate::error::{Error, ErrorCode};
use serde::Deserialize;

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
    request: Option<Vec<Target>>,
    websocket: Option<Vec<Target>>,
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
    "request",
    "websocket",
    "runtime",
    "tools",
];
/// The keys a `[[tools]]` entry may hold.
const TOOL_KEYS: &[&str] = &["name", "description", "input_schema", "external_write"];
/// The originating host's manifest keys that describe something other than a tool plugin: named
/// in the refusal, since a host author will recognise them.
const NOT_TOOL_PLUGIN_KEYS: &[&str] = &["hooks"];

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
    /// `[[request]]` targets the manifest asks for (docs/SPEC.md 14.1): granted only where a
    /// host grant names them too.
    pub request: Vec<Target>,
    /// `[[websocket]]` targets, likewise.
    pub websocket: Vec<Target>,
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
    /// The originating host's `external_write` flag: carried for the host to show, it grants
    /// nothing (a guest has no way to write anywhere but its output).
    pub external_write: bool,
}

pub(super) fn manifest_error(message: impl AsRef<str>) -> Error {
    Error::new(ErrorCode::ManifestInvalid, message)
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

pub(super) fn parse_manifest(text: &str, seam: Seam) -> Result<Manifest, Error> {
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
    seam.check_entry(&entry)?;
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
    let request = check_targets(raw.request, HostApi::Request)?;
    let websocket = check_targets(raw.websocket, HostApi::Websocket)?;
    Ok(Manifest {
        id: raw.id,
        name: raw.name,
        version: raw.version,
        description: raw.description,
        surfaces,
        permissions,
        request,
        websocket,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest_code(extra_top: &str, extra_tool: &str, tool: &str) -> Result<Manifest, ErrorCode> {
        let text = format!(
            "schema_version = 1\nid = \"t\"\nname = \"t\"\nversion = \"1\"\n{extra_top}\n\
             [runtime]\nkind = \"wasm\"\nentry = \"plugin.wasm\"\nabi = \"yoi-plugin-wasm-1\"\n\
             [[tools]]\nname = {tool:?}\ndescription = \"t\"\ninput_schema = {{ type = \"object\" }}\n\
             {extra_tool}\n"
        );
        parse_manifest(&text, Seam::REAL).map_err(|e| e.code())
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
        let e = parse_manifest("hooks = 1\n", Seam::REAL).unwrap_err();
        assert_eq!(e.details()["key"], "hooks");
        assert!(e.message().contains("hooks"), "{}", e.message());
    }
}
