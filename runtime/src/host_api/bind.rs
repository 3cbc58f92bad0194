//! Binding the host's grants to one loaded package: what the manifest asks for and the grant
//! for exactly this id, version and digest gives, and nothing else (docs/SPEC.md 14.2).
//!
//! The fs root is opened here, once per load, as a directory handle: every fs operation of
//! every call is resolved beneath that handle, never by the root's name again.

use super::fs::Root;
use super::grants::Grants;
use crate::package::Digest;
use crate::package::{HostApi, Target};
use crate::package::{Manifest, Permission};

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
    /// Targets both sides name, kept for the network interfaces (issue 19).
    #[allow(dead_code)]
    pub request: Vec<Target>,
    #[allow(dead_code)]
    pub websocket: Vec<Target>,
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
    if granted.apis.contains(HostApi::Request) {
        granted.request = common(&manifest.request, &grant.request);
    }
    if granted.apis.contains(HostApi::Websocket) {
        granted.websocket = common(&manifest.websocket, &grant.websocket);
    }
    granted
}

/// Targets named identically on both sides: matching of requests against them, and any
/// narrowing of one by the other, is the network interfaces' (issue 19).
fn common(asked: &[Target], given: &[Target]) -> Vec<Target> {
    asked
        .iter()
        .filter(|t| given.contains(t))
        .cloned()
        .collect()
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
