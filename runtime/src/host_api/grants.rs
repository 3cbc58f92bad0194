//! The host's grants: what each package, named by exact id, version and digest, may reach
//! through the host interfaces (docs/SPEC.md section 14.2).
//!
//! A grant is host configuration, never package text: the package asks (its manifest's
//! `permissions` and targets), the host grants, and only what both sides name is given. A grant
//! binds to one exact (id, version, digest): a package that differs in any of the three gets
//! nothing from it, so a grant cannot follow a plugin to a new build by accident.

use super::net::{Interface, Resolver, Side, SystemResolver, Target, TargetSpec};
use crate::package::{Digest, HostApi};
use serde::Deserialize;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// One fs operation a grant may give. Write does not imply read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FsOperation {
    /// `fs.read`.
    Read,
    /// `fs.list`.
    List,
    /// `fs.write`.
    Write,
}

impl FsOperation {
    /// Every operation, in the order the interface lists them.
    pub const ALL: [FsOperation; 3] = [FsOperation::Read, FsOperation::List, FsOperation::Write];

    /// The name in grants, interface functions and error details.
    pub fn as_str(self) -> &'static str {
        match self {
            FsOperation::Read => "read",
            FsOperation::List => "list",
            FsOperation::Write => "write",
        }
    }

    fn from_name(name: &str) -> Option<FsOperation> {
        FsOperation::ALL.into_iter().find(|o| o.as_str() == name)
    }
}

/// A directory a grant opens to fs operations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FsGrant {
    /// An absolute directory; opened once per load, every operation resolved beneath it.
    pub root: PathBuf,
    /// What may be done below it.
    pub operations: Vec<FsOperation>,
}

/// What the host grants one package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// The package's `id`, exactly.
    pub id: String,
    /// The package's `version`, exactly.
    pub version: String,
    /// The package's digest, exactly.
    pub digest: Digest,
    /// The interfaces granted (the `host_api` permissions of the grant).
    pub apis: Vec<HostApi>,
    /// At most one fs root in this version.
    pub fs: Option<FsGrant>,
    /// Request targets granted (with `addresses`, the special-use ranges their names may
    /// resolve to; docs/SPEC.md 15.5).
    pub request: Vec<TargetSpec>,
    /// WebSocket targets granted.
    pub websocket: Vec<TargetSpec>,
}

/// The host's grants for every package it runs. Empty (the default) grants nothing: every host
/// import is then `import_denied`, as without host APIs.
///
/// The grants also carry the resolver the network interfaces use: a name in a grant target
/// means whatever the host's resolver answers for it, so how names resolve is part of what the
/// host gives (the system's resolver unless [`Grants::with_resolver`] says otherwise; the kit
/// supplies a table per case).
#[derive(Clone, Default)]
pub struct Grants {
    grants: Vec<Grant>,
    resolver: Option<Arc<dyn Resolver>>,
}

impl fmt::Debug for Grants {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Grants")
            .field("grants", &self.grants)
            .field(
                "resolver",
                &self.resolver.as_ref().map_or("system", |_| "host's"),
            )
            .finish()
    }
}

/// Host configuration that is not a valid set of grants: the host's mistake, reported to it
/// (the CLI exits 2), never a load outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantsError(String);

impl fmt::Display for GrantsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid grants: {}", self.0)
    }
}

impl std::error::Error for GrantsError {}

fn invalid(message: impl Into<String>) -> GrantsError {
    GrantsError(message.into())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GrantsToml {
    #[serde(default)]
    grant: Vec<GrantToml>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GrantToml {
    id: String,
    version: String,
    digest: String,
    #[serde(default)]
    permissions: Vec<PermissionToml>,
    #[serde(default)]
    fs: Vec<FsToml>,
    #[serde(default)]
    request: Vec<TargetSpec>,
    #[serde(default)]
    websocket: Vec<TargetSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PermissionToml {
    kind: String,
    api: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FsToml {
    root: PathBuf,
    operations: Vec<String>,
}

impl Grants {
    /// No grants at all.
    pub fn none() -> Grants {
        Grants::default()
    }

    /// Grants from values, checked as [`Grants::from_toml`] checks them.
    pub fn new(grants: Vec<Grant>) -> Result<Grants, GrantsError> {
        for (i, grant) in grants.iter().enumerate() {
            check_grant(grant)?;
            let same = |other: &Grant| {
                other.id == grant.id
                    && other.version == grant.version
                    && other.digest == grant.digest
            };
            if grants[..i].iter().any(same) {
                return Err(invalid(format!(
                    "two grants for {} {} with one digest",
                    grant.id, grant.version
                )));
            }
        }
        Ok(Grants {
            grants,
            resolver: None,
        })
    }

    /// These grants with `resolver` answering the network interfaces' name lookups.
    pub fn with_resolver(mut self, resolver: Arc<dyn Resolver>) -> Grants {
        self.resolver = Some(resolver);
        self
    }

    /// The resolver the network interfaces ask: the host's, or the system's.
    pub fn resolver(&self) -> Arc<dyn Resolver> {
        self.resolver
            .clone()
            .unwrap_or_else(|| Arc::new(SystemResolver))
    }

    /// Reads the grants file (TOML, `[[grant]]` tables; docs/SPEC.md 14.2). Unknown keys,
    /// relative roots, unknown interfaces or operations and repeats are refused.
    pub fn from_toml(text: &str) -> Result<Grants, GrantsError> {
        let raw: GrantsToml = toml::from_str(text).map_err(|e| invalid(e.message()))?;
        Grants::from_raw(raw.grant)
    }

    /// Reads grants as the adapter protocol carries them (docs/ADAPTER.md, `grants`): a JSON
    /// array of objects shaped as the grants file's `[[grant]]` tables, checked the same way.
    pub fn from_json(text: &str) -> Result<Grants, GrantsError> {
        let raw: Vec<GrantToml> = serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
        Grants::from_raw(raw)
    }

    fn from_raw(raw: Vec<GrantToml>) -> Result<Grants, GrantsError> {
        let mut grants = Vec::with_capacity(raw.len());
        for g in raw {
            let digest = g
                .digest
                .parse::<Digest>()
                .map_err(|_| invalid("a grant's digest is not sha256:<64 lowercase hex>"))?;
            let mut apis = Vec::new();
            for p in g.permissions {
                if p.kind != "host_api" {
                    return Err(invalid(
                        "a grant's permission must be { kind = \"host_api\", api = ... }",
                    ));
                }
                let api = HostApi::from_name(&p.api).ok_or_else(|| {
                    invalid("a grant names an interface that is not fs, request or websocket")
                })?;
                if apis.contains(&api) {
                    return Err(invalid("a grant names an interface twice"));
                }
                apis.push(api);
            }
            if g.fs.len() > 1 {
                return Err(invalid("a grant holds at most one fs root in this version"));
            }
            let fs = match g.fs.into_iter().next() {
                None => None,
                Some(fs) => {
                    let mut operations = Vec::new();
                    for name in fs.operations {
                        let op = FsOperation::from_name(&name)
                            .ok_or_else(|| invalid("an fs operation is not read, list or write"))?;
                        if operations.contains(&op) {
                            return Err(invalid("an fs operation is named twice"));
                        }
                        operations.push(op);
                    }
                    Some(FsGrant {
                        root: fs.root,
                        operations,
                    })
                }
            };
            grants.push(Grant {
                id: g.id,
                version: g.version,
                digest,
                apis,
                fs,
                request: g.request,
                websocket: g.websocket,
            });
        }
        Grants::new(grants)
    }

    /// Every grant, in the order given.
    pub fn grants(&self) -> &[Grant] {
        &self.grants
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.grants.is_empty()
    }
}

fn check_grant(grant: &Grant) -> Result<(), GrantsError> {
    if let Some(fs) = &grant.fs {
        if !grant.apis.contains(&HostApi::Fs) {
            return Err(invalid("a grant gives an fs root without the fs interface"));
        }
        if !fs.root.is_absolute() {
            return Err(invalid("an fs root must be an absolute path"));
        }
        if fs.operations.is_empty() {
            return Err(invalid("an fs root must name at least one operation"));
        }
    }
    for (api, targets) in [
        (HostApi::Request, &grant.request),
        (HostApi::Websocket, &grant.websocket),
    ] {
        if !targets.is_empty() && !grant.apis.contains(&api) {
            return Err(invalid(format!(
                "a grant gives {} targets without the {} interface",
                api.as_str(),
                api.as_str()
            )));
        }
        let interface = match api {
            HostApi::Request => Interface::Request,
            _ => Interface::WebSocket,
        };
        for target in targets {
            Target::new(target, interface, Side::Grant)
                .map_err(|e| invalid(format!("a {} target: {e}", api.as_str())))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

    #[test]
    fn a_full_grant_reads() {
        let text = format!(
            r#"[[grant]]
id = "acme.files"
version = "1.0.0"
digest = "{DIGEST}"
permissions = [{{ kind = "host_api", api = "fs" }}, {{ kind = "host_api", api = "request" }}]
fs = [{{ root = "/srv/data", operations = ["read", "list"] }}]
[[grant.request]]
scheme = "https"
host = "api.example.com"
methods = ["GET"]
path_prefixes = ["/v1/"]
"#
        );
        let grants = Grants::from_toml(&text).unwrap();
        let g = &grants.grants()[0];
        assert_eq!(g.apis, [HostApi::Fs, HostApi::Request]);
        assert_eq!(
            g.fs.as_ref().unwrap().operations,
            [FsOperation::Read, FsOperation::List]
        );
        assert_eq!(g.request[0].port, None);
    }

    #[test]
    fn mistakes_are_refused() {
        let grant = |body: &str| {
            format!("[[grant]]\nid = \"a\"\nversion = \"1\"\ndigest = \"{DIGEST}\"\n{body}")
        };
        for body in [
            "permissions = [{ kind = \"host_api\", api = \"shell\" }]",
            "permissions = [{ kind = \"tool\", api = \"fs\" }]",
            "fs = [{ root = \"/x\", operations = [\"read\"] }]",
            "permissions = [{ kind = \"host_api\", api = \"fs\" }]\nfs = [{ root = \"x\", operations = [\"read\"] }]",
            "permissions = [{ kind = \"host_api\", api = \"fs\" }]\nfs = [{ root = \"/x\", operations = [\"exec\"] }]",
            "permissions = [{ kind = \"host_api\", api = \"fs\" }]\nfs = [{ root = \"/x\", operations = [] }]",
            "unknown = 1",
        ] {
            assert!(Grants::from_toml(&grant(body)).is_err(), "{body}");
        }
        let twice = format!("{}\n{}", grant(""), grant(""));
        assert!(Grants::from_toml(&twice).is_err());
        assert!(Grants::from_toml(&grant("")).is_ok());
    }
}
