//! The originating host's `surfaces` and `permissions`: checked to name the one surface this
//! runtime serves and the tools the manifest declares, and the `host_api` permissions and
//! targets a manifest asks the host's grants for. Asking grants nothing by itself.

use super::host_apis::{HostApi, Target};
use super::manifest::{manifest_error, ToolSpec};
use crate::error::Error;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PermissionToml {
    kind: String,
    surface: Option<String>,
    name: Option<String>,
    api: Option<String>,
}

/// The one surface a plugin this runtime loads can serve.
pub const TOOL_SURFACE: &str = "tool";

/// One entry of the originating host's `permissions` array.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Permission {
    /// `{ kind = "surface", surface = "tool" }`
    Surface(String),
    /// `{ kind = "tool", name = "<a declared tool>" }`
    Tool(String),
    /// `{ kind = "host_api", api = "fs" | "request" | "websocket" }`: asks for a host
    /// interface, which the host's grant must give too (docs/SPEC.md 14.1).
    HostApi(HostApi),
}

/// The originating host's `surfaces`: absent, or a non-empty list of distinct surfaces of which
/// this runtime serves exactly one, `tool`.
pub(super) fn check_surfaces(surfaces: Option<Vec<String>>) -> Result<Vec<String>, Error> {
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
pub(super) fn check_permissions(
    permissions: Option<Vec<PermissionToml>>,
    surfaces: &[String],
    tools: &[ToolSpec],
) -> Result<Vec<Permission>, Error> {
    let mut out = Vec::new();
    for raw in permissions.unwrap_or_default() {
        let permission = match (raw.kind.as_str(), raw.surface, raw.name) {
            ("host_api", None, None) => {
                let api = raw.api.as_deref().and_then(HostApi::from_name);
                match api {
                    Some(api) => Permission::HostApi(api),
                    None => {
                        return Err(manifest_error(
                            "a host_api permission must name api = \"fs\", \"request\" or \"websocket\"",
                        ))
                    }
                }
            }
            (_, _, _) if raw.api.is_some() => {
                return Err(manifest_error("only a host_api permission names an api")
                    .with("kind", raw.kind))
            }
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

/// `[[request]]` / `[[websocket]]` targets: each well-formed for its interface.
pub(super) fn check_targets(
    targets: Option<Vec<Target>>,
    api: HostApi,
) -> Result<Vec<Target>, Error> {
    let targets = targets.unwrap_or_default();
    for target in &targets {
        target
            .check(api)
            .map_err(|why| manifest_error(why).with("key", api.as_str()))?;
    }
    Ok(targets)
}
