//! From a package directory to a [`Plugin`]: read and verify it, compile its tools' schemas,
//! compile (or find) and link its module.

use super::{EngineParts, Guest, Prepared, Runtime};
use crate::cache::{CacheSource, ModuleHash};
use crate::component;
use crate::digest::Digest;
use crate::error::{Error, ErrorCode};
use crate::host::HostState;
use crate::host_api::{self, Granted, Grants};
use crate::limits::Limits;
use crate::link;
use crate::mutants::Mutant;
use crate::package::{self, Manifest, Profile};
use crate::schema::{self, InputSchema};
use std::path::Path;
use std::sync::{Arc, OnceLock};
use wasmtime::component::{Component, InstancePre as ComponentPre};
#[cfg(feature = "mutants")]
use wasmtime::Store;
use wasmtime::{InstancePre, Module};

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
        #[cfg(feature = "mutants")]
        if self.mutant(Mutant::DigestNotReverifiedOnCacheHit) {
            if let Some(plugin) = pin.and_then(|p| self.inner.loaded.lock().ok()?.get(p).cloned()) {
                return Ok(plugin);
            }
        }
        let plugin = self
            .load_inner(dir, pin, limits, grants)
            .map_err(|e| e.bounded(limits.message_bytes))?;
        #[cfg(feature = "mutants")]
        if self.mutant(Mutant::LoadCacheKeyedByPluginId) {
            let key = crate::mutants::plugin_id_key(&plugin.inner.manifest.id);
            if let Ok(mut loaded) = self.inner.loaded.lock() {
                return Ok(loaded.entry(key).or_insert(plugin).clone());
            }
        }
        // Only that mutant keeps plugins (each holds the runtime: a cycle the mutant accepts).
        #[cfg(feature = "mutants")]
        if self.mutant(Mutant::DigestNotReverifiedOnCacheHit) {
            if let Ok(mut loaded) = self.inner.loaded.lock() {
                loaded.insert(plugin.inner.digest, plugin.clone());
            }
        }
        Ok(plugin)
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
        let package = package::read(dir, &read_limits, &self.inner.manifests, |m| self.mutant(m))?;
        #[cfg(feature = "mutants")]
        let package = crate::mutants::digest_by_components(self.inner.config.mutant, dir, package);
        let profile = package.manifest.profile;
        if self.mutant(Mutant::CompileBeforeDigestCheck) {
            self.prepare_guest(
                &self.inner.plain,
                profile,
                &package.module,
                &package.module_hash,
                &host_api::bind(grants, &package.manifest, &package.digest, false),
            )?;
        }
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
                let tools = compile_tools(&package.manifest);
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
            self.mutant(Mutant::GrantNotBoundToDigest),
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
                #[cfg(feature = "mutants")]
                reused: Default::default(),
            }),
        })
    }

    /// Compiles (or finds) and links the package's guest as its manifest's profile says.
    pub(super) fn prepare_guest(
        &self,
        parts: &EngineParts,
        profile: Profile,
        bytes: &[u8],
        hash: &ModuleHash,
        granted: &Granted,
    ) -> Result<(Guest, CacheSource), Error> {
        match profile {
            Profile::Core => self
                .prepare(parts, bytes, hash)
                .map(|(pre, source)| (Guest::Core(pre), source)),
            Profile::Component => self
                .prepare_component(parts, bytes, hash, granted)
                .map(|(pre, source)| (Guest::Component(pre), source)),
        }
    }

    /// Compiles (or finds) a component, then checks its imports against what this load was
    /// granted and links it. The compiled component is cached in memory by its hash, failures
    /// included (the disk cache holds core modules only, so a component is compiled once per
    /// process); the import check and the link depend on the grants and run on every load.
    fn prepare_component(
        &self,
        parts: &EngineParts,
        bytes: &[u8],
        hash: &ModuleHash,
        granted: &Granted,
    ) -> Result<(ComponentPre<HostState>, CacheSource), Error> {
        let (compiled, source) = match parts.components.get(hash) {
            Some(compiled) => (compiled, CacheSource::Memory),
            None => {
                let compiled = self.compile_component(parts, bytes);
                parts.components.insert(*hash, compiled.clone());
                (compiled, CacheSource::Compiled)
            }
        };
        let compiled = compiled?;
        let wasi = self.mutant(Mutant::WasiLinked);
        component::check(&compiled, &parts.engine, wasi, granted)?;
        component::link(&parts.component_linker, &compiled, wasi).map(|pre| (pre, source))
    }

    fn compile_component(&self, parts: &EngineParts, bytes: &[u8]) -> Result<Component, Error> {
        let scan = component::scan(bytes)?;
        link::check_scan(&link::Scan {
            tables: 0,
            largest_table: scan.largest_table,
            largest_memory: scan.largest_memory,
        })?;
        self.inner
            .config
            .engine
            .check_initial_memory(scan.largest_memory)?;
        // It validated, and every memory and table fits the pool: what the engine still refuses
        // is a component that does not fit the pool's per-component structure (docs/SPEC.md
        // 13.2: core instances, memories, tables).
        Component::new(&parts.engine, bytes).map_err(|e| {
            Error::new(
                ErrorCode::TableLimit,
                format!(
                    "the component holds more than {} core instances, {} memories or {} tables",
                    component::MAX_CORE_INSTANCES,
                    component::MAX_MEMORIES,
                    component::MAX_TABLES
                ),
            )
            .with("cause", format!("{e:#}"))
        })
    }

    /// Compiles (or finds) and links a module. Cached by module hash, failures included, so
    /// a module is compiled and checked once per engine however often it is loaded.
    pub(super) fn prepare(
        &self,
        parts: &EngineParts,
        bytes: &[u8],
        hash: &ModuleHash,
    ) -> Result<(InstancePre<HostState>, CacheSource), Error> {
        if let Some(prepared) = parts.prepared.get(hash) {
            return prepared.map(|pre| (pre, CacheSource::Memory));
        }
        let (prepared, source) = match parts.disk.get(&parts.engine, hash) {
            Some(module) => (self.link(parts, &module), CacheSource::Disk),
            None => (
                self.compile_and_link(parts, bytes, hash),
                CacheSource::Compiled,
            ),
        };
        parts.prepared.insert(*hash, prepared.clone());
        prepared.map(|pre| (pre, source))
    }

    fn compile_and_link(&self, parts: &EngineParts, bytes: &[u8], hash: &ModuleHash) -> Prepared {
        let scan = link::scan(bytes)?;
        link::check_scan(&scan)?;
        self.inner
            .config
            .engine
            .check_initial_memory(scan.largest_memory)?;
        let module = Module::new(&parts.engine, bytes).map_err(|e| {
            Error::new(ErrorCode::ModuleInvalid, "the module could not be compiled")
                .with("cause", format!("{e:#}"))
        })?;
        parts.disk.put(hash, &module);
        self.link(parts, &module)
    }

    fn link(&self, parts: &EngineParts, module: &Module) -> Prepared {
        link::check(module, self.inner.policy)?;
        let linked = if self.mutant(Mutant::DeniedImportsLinkedAsTraps) {
            let mut linker = parts.linker.clone();
            let _ = linker.define_unknown_imports_as_traps(module);
            linker.instantiate_pre(module)
        } else {
            parts.linker.instantiate_pre(module)
        };
        linked.map_err(|_| {
            Error::new(
                ErrorCode::ImportDenied,
                "the module's imports could not be linked",
            )
        })
    }
}

fn compile_tools(manifest: &Manifest) -> Result<Arc<[LoadedTool]>, Error> {
    manifest
        .tools
        .iter()
        .map(|spec| {
            Ok(LoadedTool {
                name: Arc::from(spec.name.as_str()),
                schema: schema::compile(&spec.name, &spec.input_schema)?,
            })
        })
        .collect()
}

pub(super) struct LoadedTool {
    pub(super) name: Arc<str>,
    pub(super) schema: InputSchema,
}

pub(super) struct PluginInner {
    pub(super) runtime: Runtime,
    pub(super) manifest: Arc<Manifest>,
    pub(super) digest: Digest,
    pub(super) module: Vec<u8>,
    pub(super) hash: ModuleHash,
    pub(super) tools: Arc<[LoadedTool]>,
    pub(super) plain: Guest,
    pub(super) fueled: OnceLock<Result<Guest, Error>>,
    pub(super) source: CacheSource,
    /// The limits it was loaded with: the default of its calls.
    pub(super) limits: Limits,
    /// What the host's grants gave it, bound at load.
    pub(super) granted: Arc<Granted>,
    #[cfg(feature = "mutants")]
    pub(super) reused: std::sync::Mutex<Option<(Store<HostState>, wasmtime::Instance)>>,
}

/// A loaded plugin: verified, compiled and linked; call its tools from any thread.
#[derive(Clone)]
pub struct Plugin {
    pub(super) inner: Arc<PluginInner>,
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin")
            .field("id", &self.inner.manifest.id)
            .field("digest", &self.inner.digest)
            .finish()
    }
}

impl Plugin {
    /// The validated manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.inner.manifest
    }

    /// The digest of the bytes this plugin was loaded from.
    pub fn digest(&self) -> &Digest {
        &self.inner.digest
    }

    /// The SHA-256 of the module, which selects the compiled code.
    pub fn module_sha256(&self) -> &[u8; 32] {
        &self.inner.hash
    }

    /// Where the compiled module came from on this load.
    pub fn cache_source(&self) -> CacheSource {
        self.inner.source
    }
}
