//! Binding the host's grants to one loaded package: what the manifest asks for and the grant
//! for exactly this id, version and digest gives, and nothing else (docs/SPEC.md 14.2).
//!
//! The fs root is opened here, once per load, as a directory handle: every fs operation of
//! every call is resolved beneath that handle, never by the root's name again.

use super::fs::Root;
use super::grants::Grants;
use super::net::{Interface, Resolver, Side, Target, TargetSpec};
use crate::package::Digest;
use crate::package::{HostApi, Target as ManifestTarget};
use crate::package::{Manifest, Permission};
use std::sync::Arc;

/// A set of host interfaces.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct Apis(u8);

impl Apis {
    pub(crate) fn contains(self, api: HostApi) -> bool {
        self.0 & api.bit() != 0
    }

    fn insert(&mut self, api: HostApi) {
        self.0 |= api.bit();
    }

    fn remove(&mut self, api: HostApi) {
        self.0 &= !api.bit();
    }
}

/// What one package was given.
#[derive(Debug, Default)]
pub(crate) struct Granted {
    /// Interfaces both the manifest and the bound grant name.
    pub apis: Apis,
    /// Why each interface outside `apis` is not given: import_denied details.
    pub refused: Vec<(HostApi, &'static str)>,
    /// The fs root, opened, with its operations.
    pub fs: Option<Root>,
    /// The request targets of both sides: a URL must be inside one of each.
    pub request: NetTargets,
    /// The WebSocket targets of both sides.
    pub websocket: NetTargets,
    /// How names resolve for this package's network calls (the host's choice).
    pub resolver: Option<Arc<dyn Resolver>>,
}

/// One network interface's targets as both sides name them, checked. Matching needs both lists
/// (docs/SPEC.md 15.4): a URL inside a manifest target and inside a grant target.
#[derive(Clone, Debug, Default)]
#[allow(dead_code)] // read by the wire client, next commit
pub(crate) struct NetTargets {
    pub manifest: Vec<Target>,
    pub grant: Vec<Target>,
}

/// Binds `grants` to the package. `ignore_binding` is the grant-not-bound-to-digest mutant:
/// a grant for the id applies whatever version and digest the package has.
pub(crate) fn bind(
    grants: &Grants,
    manifest: &Manifest,
    digest: &Digest,
    ignore_binding: bool,
) -> Granted {
    let asked = |api: HostApi| {
        manifest
            .permissions
            .iter()
            .any(|p| matches!(p, Permission::HostApi(a) if *a == api))
    };
    let for_id: Vec<_> = grants
        .grants()
        .iter()
        .filter(|g| g.id == manifest.id)
        .collect();
    let exact = for_id
        .iter()
        .find(|g| ignore_binding || (g.version == manifest.version && g.digest == *digest));
    let mut granted = Granted::default();
    let Some(grant) = exact else {
        let why = match for_id.first() {
            None => "no_grant",
            Some(g) if g.version != manifest.version => "grant_for_another_version",
            Some(_) => "grant_for_another_digest",
        };
        granted.refused = HostApi::ALL.iter().map(|a| (*a, why)).collect();
        return granted;
    };
    for api in HostApi::ALL {
        match (asked(api), grant.apis.contains(&api)) {
            (true, true) => granted.apis.insert(api),
            (false, _) => granted.refused.push((api, "not_in_manifest")),
            (true, false) => granted.refused.push((api, "not_in_grant")),
        }
    }
    if granted.apis.contains(HostApi::Fs) {
        granted.fs = grant.fs.as_ref().map(Root::open);
    }
    for (api, interface, asked, given) in [
        (
            HostApi::Request,
            Interface::Request,
            &manifest.request,
            &grant.request,
        ),
        (
            HostApi::Websocket,
            Interface::WebSocket,
            &manifest.websocket,
            &grant.websocket,
        ),
    ] {
        if !granted.apis.contains(api) {
            continue;
        }
        match targets(asked, given, interface) {
            Some(targets) if api == HostApi::Request => granted.request = targets,
            Some(targets) => granted.websocket = targets,
            None => {
                // A manifest target the network policy cannot read matches nothing silently
                // nowhere: the interface is not given, and the load says why.
                granted.apis.remove(api);
                granted.refused.push((api, "target_invalid"));
            }
        }
    }
    if granted.apis.contains(HostApi::Request) || granted.apis.contains(HostApi::Websocket) {
        granted.resolver = Some(grants.resolver());
    }
    granted
}

/// Both sides' targets, checked by the network policy. The grant's were checked when the grants
/// were read; a manifest target passed the package's checks, which are looser than the policy's
/// (a host `127.1`, a prefix with `..`): `None` when one of them fails the policy.
fn targets(
    asked: &[ManifestTarget],
    given: &[TargetSpec],
    interface: Interface,
) -> Option<NetTargets> {
    let manifest = asked
        .iter()
        .map(|t| {
            let spec = TargetSpec {
                scheme: t.scheme.clone(),
                host: t.host.clone(),
                port: t.port,
                methods: t.methods.clone(),
                path_prefixes: (!t.path_prefixes.is_empty()).then(|| t.path_prefixes.clone()),
                addresses: Vec::new(),
            };
            Target::new(&spec, interface, Side::Manifest).ok()
        })
        .collect::<Option<Vec<_>>>()?;
    let grant = given
        .iter()
        .map(|t| Target::new(t, interface, Side::Grant).ok())
        .collect::<Option<Vec<_>>>()?;
    Some(NetTargets { manifest, grant })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host_api::grants::{FsGrant, FsOperation, Grant};
    use crate::package::Profile;

    fn manifest(asks: &[HostApi]) -> Manifest {
        Manifest {
            id: "acme.files".into(),
            name: "files".into(),
            version: "1.0.0".into(),
            description: None,
            surfaces: Vec::new(),
            permissions: asks.iter().map(|a| Permission::HostApi(*a)).collect(),
            request: Vec::new(),
            websocket: Vec::new(),
            entry: "plugin.component.wasm".into(),
            profile: Profile::Component,
            tools: Vec::new(),
        }
    }

    fn digest(last: u8) -> Digest {
        format!("sha256:{}{:02x}", "00".repeat(31), last)
            .parse()
            .unwrap()
    }

    fn grants(version: &str, digest: Digest, apis: &[HostApi]) -> Grants {
        let fs = apis.contains(&HostApi::Fs).then(|| FsGrant {
            root: std::env::temp_dir(),
            operations: vec![FsOperation::Read],
        });
        Grants::new(vec![Grant {
            id: "acme.files".into(),
            version: version.into(),
            digest,
            apis: apis.to_vec(),
            fs,
            request: Vec::new(),
            websocket: Vec::new(),
        }])
        .unwrap()
    }

    #[test]
    fn both_sides_must_name_the_interface() {
        let g = grants("1.0.0", digest(1), &[HostApi::Fs]);
        let both = bind(&g, &manifest(&[HostApi::Fs]), &digest(1), false);
        assert!(both.apis.contains(HostApi::Fs) && both.fs.is_some());
        let manifest_only = bind(
            &g,
            &manifest(&[HostApi::Fs, HostApi::Request]),
            &digest(1),
            false,
        );
        assert!(!manifest_only.apis.contains(HostApi::Request));
        assert!(manifest_only
            .refused
            .contains(&(HostApi::Request, "not_in_grant")));
        let grant_only = bind(&g, &manifest(&[]), &digest(1), false);
        assert_eq!(grant_only.apis, Apis::default());
        assert!(grant_only.fs.is_none());
    }

    #[test]
    fn a_grant_binds_to_exact_version_and_digest() {
        let asks = manifest(&[HostApi::Fs]);
        for (g, why) in [
            (
                grants("1.0.1", digest(1), &[HostApi::Fs]),
                "grant_for_another_version",
            ),
            (
                grants("1.0.0", digest(2), &[HostApi::Fs]),
                "grant_for_another_digest",
            ),
        ] {
            let bound = bind(&g, &asks, &digest(1), false);
            assert_eq!(bound.apis, Apis::default(), "{why}");
            assert!(bound.fs.is_none());
            assert!(bound.refused.contains(&(HostApi::Fs, why)));
            // The grant-not-bound-to-digest mutant's hole, for contrast.
            assert!(bind(&g, &asks, &digest(1), true).apis.contains(HostApi::Fs));
        }
        let none = bind(&Grants::none(), &asks, &digest(1), false);
        assert!(none.refused.contains(&(HostApi::Fs, "no_grant")));
    }
}
