//! From a package to a [`Plugin`]: read and verify it (the package boundary), compare its
//! digest with the pin, compile its tools' schemas, compile (or find) and link its guest.

use super::plugin::{Plugin, PluginInner};
use super::runtime::Runtime;
use crate::call::{self, Limits, LoadedTool};
use crate::error::{Error, ErrorCode};
use crate::host_api::{self, Grants};
use crate::package::{self, Digest, Manifest};
use std::path::Path;
use std::sync::{Arc, OnceLock};

impl Runtime {
    /// Loads a package with the runtime's limits: a directory, or a regular file holding the
    /// package as a stored zip archive (the originating host's `.yoi-plugin`), whatever its
    /// name. With `pin`, the package must hash to it (the same digest for both forms).
    pub fn load(&self, dir: &Path, pin: Option<&Digest>) -> Result<Plugin, Error> {
        self.load_with_limits(dir, pin, &self.inner.config.limits)
    }

    /// Loads a package with `limits`, reading and hashing every file again (cache hits included:
    /// the cache holds compiled code keyed by the module's own hash, never a verdict about a
    /// path). The load itself is bounded by `module_bytes` and `message_bytes`; every other bound
    /// is the plugin's default for its calls (a call's [`CallOptions::limits`] replaces them all).
    pub fn load_with_limits(
        &self,
        dir: &Path,
        pin: Option<&Digest>,
        limits: &Limits,
    ) -> Result<Plugin, Error> {
        self.load_with_grants(dir, pin, limits, &Grants::none())
    }

    /// Loads a package as [`Runtime::load_with_limits`] does, with the host's `grants`: the
    /// grant for exactly this package's id, version and digest (none when they differ in
    /// anything) gives its component the host interfaces its manifest asks for too
    /// (docs/SPEC.md section 14). Grants are bound here, once per load; an fs root is opened
    /// here as a directory handle that every call of the plugin resolves beneath.
    pub fn load_with_grants(
        &self,
        dir: &Path,
        pin: Option<&Digest>,
        limits: &Limits,
        grants: &Grants,
    ) -> Result<Plugin, Error> {
        self.inner.seam.load(pin, || {
            self.load_inner(dir, pin, limits, grants)
                .map_err(|e| e.bounded(limits.message_bytes))
        })
    }

    fn load_inner(
        &self,
        dir: &Path,
        pin: Option<&Digest>,
        limits: &Limits,
        grants: &Grants,
    ) -> Result<Plugin, Error> {
        let read_limits = package::ReadLimits {
            module_bytes: limits.module_bytes,
            budget: limits.load_budget,
        };
        let package = package::read(
            dir,
            &read_limits,
            &self.inner.manifests,
            self.inner.seam.package(),
        )?;
        let profile = package.manifest.profile;
        self.inner.seam.before_pin_check(|| {
            self.prepare_guest(
                &self.inner.plain,
                profile,
                &package.module,
                &package.module_hash,
                &host_api::bind(grants, &package.manifest, &package.digest, false),
            )
            .map(drop)
        })?;
        if let Some(pin) = pin {
            if package.digest != *pin {
                return Err(Error::new(
                    ErrorCode::DigestMismatch,
                    "the package does not match the digest pinned when it was resolved",
                )
                .with("expected", pin.to_string())
                .with("actual", package.digest.to_string()));
            }
        }
        let tools = match self.inner.tools.get(&package.manifest_hash) {
            Some(tools) => tools,
            None => {
                let tools = compile_tools(&package.manifest, self.inner.seam.schema_drafts());
                self.inner
                    .tools
                    .insert(package.manifest_hash, tools.clone());
                tools
            }
        }?;
        let hash = package.module_hash;
        // Bound only once the bytes are the pinned ones: the fs root is opened here.
        let granted = Arc::new(host_api::bind(
            grants,
            &package.manifest,
            &package.digest,
            self.inner.seam.grant_binding_ignored(),
        ));
        let (plain, source) =
            self.prepare_guest(&self.inner.plain, profile, &package.module, &hash, &granted)?;
        // A load whose limits meter fuel prepares the fuel engine's module now, so the first
        // fueled call does not pay a compile outside its budget.
        let fueled = OnceLock::new();
        if limits.fuel.is_some() {
            let pre = self
                .fueled()
                .and_then(|parts| {
                    self.prepare_guest(parts, profile, &package.module, &hash, &granted)
                })
                .map(|(pre, _)| pre);
            let _ = fueled.set(pre.clone());
            pre?;
        }
        Ok(Plugin {
            inner: Arc::new(PluginInner {
                runtime: self.clone(),
                manifest: package.manifest,
                digest: package.digest,
                module: package.module,
                hash,
                tools,
                plain,
                fueled,
                source,
                limits: limits.clone(),
                granted,
                seam: self.inner.seam.call(),
            }),
        })
    }
}

fn compile_tools(manifest: &Manifest, drafts: call::Drafts) -> Result<Arc<[LoadedTool]>, Error> {
    manifest
        .tools
        .iter()
        .map(|spec| {
            Ok(LoadedTool {
                name: Arc::from(spec.name.as_str()),
                schema: call::compile_schema(&spec.name, &spec.input_schema, drafts)?,
            })
        })
        .collect()
}
