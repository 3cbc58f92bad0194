//! The registry's seam in the mutant build, compiled as `registry::seam` in place of
//! `registry/seam.rs`: the same items, each asking the switch first. The bugs: a load cache that
//! skips re-verification (`digest-not-reverified-on-cache-hit`) or is keyed by plugin id
//! (`load-cache-keyed-by-plugin-id`), disk cache entries trusted on their checksum
//! (`disk-cache-unauthenticated`) or in a directory refused only when world-writable
//! (`cache-dir-world-writable-only`), schemas read in another draft (`schema-*`), a compile before the pin check
//! (`compile-before-digest-check`), and the link checks with a hole (`import-*`,
//! `only-first-denied-import-named`, `denied-imports-linked-as-traps`, `wasi-linked`,
//! and the host imports' check with a hole: `granted-import-types-unchecked`,
//! `granted-instance-checked-by-name`, `grant-or-manifest-suffices`, `host-apis-by-default`).
//! It also
//! hands the switch on to the package reader's and the call's seams.

pub use crate::mutants::Mutant;

use super::config::Config;
use super::plugin::Plugin;
use super::prepare;
use super::runtime::Prepared;
use crate::call::{self, HostState};
use crate::compiled::{component, link, Check, Import, LinkPolicy};
use crate::error::{Error, DETAIL_LIST_CAP};
use crate::host_api::{self, Granted, HostApi};
use crate::package::{self, Digest, DigestBuilder};
use std::collections::HashMap;
use std::sync::Mutex;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, InstancePre as ComponentPre, Linker as ComponentLinker};
use wasmtime::{Engine, ExternType, Linker, Module};

/// What a runtime holds for the self-test: the switch, and the plugins its load-cache mutants
/// keep (each holds the runtime: a cycle those mutants accept).
pub(super) struct Seam {
    mutant: Option<Mutant>,
    loaded: Mutex<HashMap<Digest, Plugin>>,
}

impl Seam {
    pub(super) fn new(config: &Config) -> Seam {
        Seam {
            mutant: config.mutant,
            loaded: Mutex::default(),
        }
    }

    fn on(&self, mutant: Mutant) -> bool {
        self.mutant == Some(mutant)
    }

    pub(super) fn disk_cache_check(&self) -> Check {
        if self.on(Mutant::DiskCacheUnauthenticated) {
            return Check::ChecksumOnly;
        }
        if self.on(Mutant::CacheDirWorldWritableOnly) {
            return Check::DirWorldWritableOnly;
        }
        Check::Authenticated
    }

    /// `schema-default-draft-7`: a schema without `$schema` read as draft 7, as validators of
    /// that era default; `schema-draft-ignored`: every schema read as 2020-12, whatever its
    /// `$schema` names; `schema-unknown-draft-as-default`: an unknown `$schema` read as the
    /// default draft instead of refused.
    pub(super) fn schema_drafts(&self) -> call::Drafts {
        let mut drafts = call::Drafts::SPEC;
        if self.on(Mutant::SchemaDefaultDraft7) {
            drafts.default = jsonschema::Draft::Draft7;
        }
        drafts.named_honoured = !self.on(Mutant::SchemaDraftIgnored);
        drafts.unknown_refused = !self.on(Mutant::SchemaUnknownDraftAsDefault);
        drafts
    }

    pub(super) fn load(
        &self,
        pin: Option<&Digest>,
        load: impl FnOnce() -> Result<Plugin, Error>,
    ) -> Result<Plugin, Error> {
        let reused = self.on(Mutant::DigestNotReverifiedOnCacheHit);
        if reused {
            if let Some(plugin) = pin.and_then(|p| self.loaded.lock().ok()?.get(p).cloned()) {
                return Ok(plugin);
            }
        }
        let plugin = load()?;
        if self.on(Mutant::LoadCacheKeyedByPluginId) {
            let key = plugin_id_key(&plugin.inner.manifest.id);
            if let Ok(mut loaded) = self.loaded.lock() {
                return Ok(loaded.entry(key).or_insert(plugin).clone());
            }
        }
        if reused {
            if let Ok(mut loaded) = self.loaded.lock() {
                loaded.insert(plugin.inner.digest, plugin.clone());
            }
        }
        Ok(plugin)
    }

    /// `grant-not-bound-to-digest`: a grant for the package's id applies whatever its version
    /// and digest.
    pub(super) fn grant_binding_ignored(&self) -> bool {
        self.on(Mutant::GrantNotBoundToDigest)
    }

    pub(super) fn package(&self) -> package::Seam {
        package::Seam::new(self.mutant)
    }

    pub(super) fn before_pin_check(
        &self,
        compile: impl FnOnce() -> Result<(), Error>,
    ) -> Result<(), Error> {
        if self.on(Mutant::CompileBeforeDigestCheck) {
            return compile();
        }
        Ok(())
    }

    pub(super) fn call(&self) -> call::Seam {
        call::Seam::new(self.mutant)
    }

    pub(super) fn link_module(
        &self,
        linker: &Linker<HostState>,
        module: &Module,
        policy: LinkPolicy,
    ) -> Prepared {
        let holes = [
            Mutant::ImportModuleUnchecked,
            Mutant::ImportTypesUnchecked,
            Mutant::OnlyFirstDeniedImportNamed,
            Mutant::DeniedImportsLinkedAsTraps,
        ];
        match self.mutant {
            Some(mutant) if holes.contains(&mutant) => {
                check_with_hole(module, policy, mutant)?;
                if mutant == Mutant::DeniedImportsLinkedAsTraps {
                    let mut linker = linker.clone();
                    let _ = linker.define_unknown_imports_as_traps(module);
                    return prepare::instantiate(&linker, module);
                }
                prepare::instantiate(linker, module)
            }
            _ => prepare::link_module(linker, module, policy),
        }
    }

    pub(super) fn link_component(
        &self,
        linker: &ComponentLinker<HostState>,
        compiled: &Component,
        engine: &Engine,
        granted: &Granted,
    ) -> Result<ComponentPre<HostState>, Error> {
        let holes = [
            Mutant::GrantedImportTypesUnchecked,
            Mutant::GrantedInstanceCheckedByName,
            Mutant::GrantOrManifestSuffices,
            Mutant::HostApisByDefault,
        ];
        if let Some(mutant) = self.mutant.filter(|m| holes.contains(m)) {
            return link_with_hole(linker, compiled, engine, granted, mutant);
        }
        if !self.on(Mutant::WasiLinked) {
            return prepare::link_component(linker, compiled, engine, granted);
        }
        // `wasi-linked`: WASI imports are let through and linked as trapping stubs.
        let ty = compiled.component_type();
        let others: Vec<String> = ty
            .imports(engine)
            .filter(|(name, item)| {
                !name.starts_with("wasi:")
                    && !crate::host_api::allowed(name, &item.ty, engine, granted.apis)
            })
            .map(|(name, _)| name.to_owned())
            .collect();
        if !others.is_empty() {
            let total = others.len();
            let named = others.into_iter().take(DETAIL_LIST_CAP).collect();
            return Err(component::imports_denied(total, named, granted));
        }
        component::check_exports(compiled, engine)?;
        let mut linker = linker.clone();
        let _ = linker.define_unknown_imports_as_traps(compiled);
        call::component::link(&linker, compiled)
    }
}

/// The link check of `compiled::link::check` with the hole `mutant` names: the import's module
/// or type not compared, only the first offender named, or offenders let through.
fn check_with_hole(module: &Module, policy: LinkPolicy, mutant: Mutant) -> Result<(), Error> {
    let mut denied = Vec::new();
    let mut total = 0usize;
    for import in module.imports() {
        let allowed = (import.module() == Import::MODULE
            || mutant == Mutant::ImportModuleUnchecked)
            && match (Import::from_name(import.name()), import.ty()) {
                (Some(Import::DiagnosticWrite), _) if !policy.diagnostics => false,
                (Some(i), ExternType::Func(ty)) => {
                    link::import_type_ok(i, &ty) || mutant == Mutant::ImportTypesUnchecked
                }
                _ => false,
            };
        if !allowed {
            total += 1;
            if denied.len() < DETAIL_LIST_CAP {
                denied.push(format!("{}::{}", import.module(), import.name()));
            }
        }
    }
    if mutant == Mutant::OnlyFirstDeniedImportNamed {
        denied.truncate(1);
        total = total.min(1);
    }
    if !denied.is_empty() && mutant != Mutant::DeniedImportsLinkedAsTraps {
        return Err(link::imports_denied(total, denied));
    }
    link::check_exports(module)
}

/// The component import check with the hole `mutant` names; what passes is linked, and the
/// linker refuses a mistyped function without naming it. `granted-import-types-unchecked`: a
/// granted instance's functions compared by name only; `granted-instance-checked-by-name`: not
/// compared at all; `grant-or-manifest-suffices`: an interface one side names is granted;
/// `host-apis-by-default`: every `yoi:host` instance passes, its functions compared by name.
fn link_with_hole(
    linker: &ComponentLinker<HostState>,
    compiled: &Component,
    engine: &Engine,
    granted: &Granted,
    mutant: Mutant,
) -> Result<ComponentPre<HostState>, Error> {
    let given = |api: HostApi| match mutant {
        Mutant::HostApisByDefault => true,
        // Refused for lack of one side only: the other side named it.
        Mutant::GrantOrManifestSuffices => {
            granted.apis.contains(api)
                || granted
                    .refused
                    .iter()
                    .any(|(a, why)| *a == api && ["not_in_manifest", "not_in_grant"].contains(why))
        }
        _ => granted.apis.contains(api),
    };
    let passes = |name: &str, item: &ComponentItem| {
        let Some(api) = HostApi::ALL.into_iter().find(|a| a.instance() == name) else {
            return false;
        };
        let ComponentItem::ComponentInstance(instance) = item else {
            return false;
        };
        match mutant {
            _ if !given(api) => false,
            Mutant::GrantedInstanceCheckedByName => true,
            Mutant::GrantedImportTypesUnchecked | Mutant::HostApisByDefault => {
                instance.exports(engine).all(|(export, _)| {
                    host_api::imports::functions(api)
                        .iter()
                        .any(|(n, _)| *n == export)
                })
            }
            // Both sides' word taken from `given`, the types compared as the runtime does.
            _ => host_api::imports::typed(api, instance, engine),
        }
    };
    let ty = compiled.component_type();
    let denied: Vec<String> = ty
        .imports(engine)
        .filter(|(name, item)| !passes(name, &item.ty))
        .map(|(name, _)| name.to_owned())
        .collect();
    if !denied.is_empty() {
        let total = denied.len();
        let named = denied.into_iter().take(DETAIL_LIST_CAP).collect();
        return Err(component::imports_denied(total, named, granted));
    }
    component::check_exports(compiled, engine)?;
    call::component::link(linker, compiled)
}

/// The key `load-cache-keyed-by-plugin-id` files a plugin under (the mutant reuses the map of
/// loaded plugins, which is keyed by digest).
fn plugin_id_key(id: &str) -> Digest {
    let mut key = DigestBuilder::new();
    key.file(id, b"plugin id");
    key.finish()
}
