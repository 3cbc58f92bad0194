//! Binding the host's grants to one loaded package: what the manifest asks for and the grant
//! for exactly this id, version and digest gives, and nothing else (docs/SPEC.md 14.2).
//!
//! The fs root is opened here, once per load, as a directory handle: every fs operation of
//! every call is resolved beneath that handle, never by the root's name again.

use super::fs::Root;
use super::grants::{Grants, HostApi, Target};
use crate::digest::Digest;
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
