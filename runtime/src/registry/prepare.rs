//! Compiling (or finding) and linking a guest, as its manifest's profile says: the compiled-code
//! boundary's checks and caches, then the call boundary's imports.

use super::runtime::{EngineParts, Prepared, Runtime};
use crate::call::{self, Guest, HostState};
use crate::compiled::{component, link, CacheSource, LinkPolicy, ModuleHash};
use crate::error::{Error, ErrorCode};
use crate::host_api::Granted;
use crate::package::Profile;
use wasmtime::component::{Component, InstancePre as ComponentPre, Linker as ComponentLinker};
use wasmtime::{Engine, InstancePre, Linker, Module};

impl Runtime {
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
        self.inner
            .seam
            .link_component(&parts.component_linker, &compiled, &parts.engine, granted)
            .map(|pre| (pre, source))
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
    fn prepare(
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
        self.inner
            .seam
            .link_module(&parts.linker, module, self.inner.policy)
    }
}

/// Checks a module's imports and exports, then links it with the call's imports.
pub(super) fn link_module(
    linker: &Linker<HostState>,
    module: &Module,
    policy: LinkPolicy,
) -> Prepared {
    link::check(module, policy)?;
    instantiate(linker, module)
}

/// Links a checked module with the call's imports.
pub(super) fn instantiate(linker: &Linker<HostState>, module: &Module) -> Prepared {
    linker.instantiate_pre(module).map_err(|_| {
        Error::new(
            ErrorCode::ImportDenied,
            "the module's imports could not be linked",
        )
    })
}

/// Checks a component's imports and export, then links it against the empty world.
pub(super) fn link_component(
    linker: &ComponentLinker<HostState>,
    compiled: &Component,
    engine: &Engine,
    granted: &Granted,
) -> Result<ComponentPre<HostState>, Error> {
    component::check(compiled, engine, granted)?;
    call::component::link(linker, compiled)
}
