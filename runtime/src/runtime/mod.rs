//! `Runtime` (what calls share: engines, linkers, caches, the ticker) and `Plugin` (one loaded,
//! verified, linked package), and the call path: check input, fresh store, instantiate, call,
//! classify, check output.
//!
//! One module per part: `config` (how a runtime and a call are set up), `load` (package to
//! linked plugin), `call` (one call: input, store, run, output) and `classify` (engine failure to
//! code).

mod call;
mod classify;
mod config;
mod load;

pub use call::{CallOutcome, HostCallCounts};
pub use config::{CallOptions, Config, DiagnosticSink};
pub use load::Plugin;

use crate::cache::{self, Bounded, DiskCache};
#[cfg(feature = "mutants")]
use crate::digest::Digest;
use crate::engine::{self, Ticker};
use crate::error::Error;
use crate::host::HostState;
use crate::link::{self, LinkPolicy};
use crate::mutants::Mutant;
use crate::package::Manifest;
use load::LoadedTool;
use std::sync::{Arc, OnceLock};
use wasmtime::{Engine, InstancePre, Linker};

/// What was made of a module on one engine: linked and ready to instantiate, or why not.
type Prepared = Result<InstancePre<HostState>, Error>;

/// A guest linked and ready to instantiate: a core module or a component (the manifest's
/// profile decides which it was compiled as).
#[derive(Clone)]
pub(crate) enum Guest {
    Core(InstancePre<HostState>),
    Component(wasmtime::component::InstancePre<HostState>),
}

struct EngineParts {
    engine: Engine,
    linker: Linker<HostState>,
    /// The host interfaces (docs/SPEC.md 14): a component links them only where its load's
    /// grants allow, which the import check decides before linking.
    component_linker: wasmtime::component::Linker<HostState>,
    disk: DiskCache,
    /// By module SHA-256: depends only on the bytes, the engine and the link policy, all fixed
    /// for this engine, so an entry is never stale (failures included).
    prepared: Bounded<Prepared>,
    /// The same for components, by component SHA-256: the same bytes are another guest (or
    /// another failure) under the other profile, so the two never share a map.
    components: Bounded<Result<wasmtime::component::Component, Error>>,
}

struct Inner {
    config: Config,
    policy: LinkPolicy,
    plain: EngineParts,
    fueled: OnceLock<Result<EngineParts, Error>>,
    ticker: Ticker,
    /// Parsed manifests and compiled input schemas, by the SHA-256 of `plugin.toml`.
    manifests: Bounded<Arc<Manifest>>,
    tools: Bounded<Result<Arc<[LoadedTool]>, Error>>,
    #[cfg(feature = "mutants")]
    loaded: std::sync::Mutex<std::collections::HashMap<Digest, Plugin>>,
}

/// The reference runtime: create one per process and share it (it is cheap to clone).
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

impl Runtime {
    /// Builds the engine, its linker and caches, and starts the epoch ticker.
    pub fn new(config: Config) -> Result<Runtime, Error> {
        let policy = LinkPolicy {
            diagnostics: true,
            #[cfg(feature = "mutants")]
            mutant: config.mutant,
        };
        let ticker = Ticker::start()?;
        if let (Some(dir), None, Some(sink)) =
            (&config.cache_dir, &config.cache_key, &config.diagnostics)
        {
            sink.notice(&format!(
                "compiled-code cache: {} is not used without a cache key (docs/SPEC.md 2.2)",
                dir.display()
            ));
        }
        let plain = Self::parts(&config, policy, false)?;
        let capacity = config.memory_cache_entries;
        ticker.watch(&plain.engine);
        Ok(Runtime {
            inner: Arc::new(Inner {
                config,
                policy,
                plain,
                fueled: OnceLock::new(),
                ticker,
                manifests: Bounded::new(capacity),
                tools: Bounded::new(capacity),
                #[cfg(feature = "mutants")]
                loaded: Default::default(),
            }),
        })
    }

    fn parts(config: &Config, policy: LinkPolicy, fuel: bool) -> Result<EngineParts, Error> {
        let engine = engine::build(&config.engine, fuel)?;
        let linker = link::linker(&engine, policy)?;
        let notify = config
            .diagnostics
            .clone()
            .map(|sink| Arc::new(move |text: &str| sink.notice(text)) as cache::Notify);
        #[allow(unused_mut)]
        let mut check = cache::Check::Authenticated;
        #[cfg(feature = "mutants")]
        if config.mutant == Some(Mutant::DiskCacheUnauthenticated) {
            check = cache::Check::ChecksumOnly;
        }
        let disk = DiskCache::new(
            &engine,
            config.cache_dir.clone(),
            config.cache_key.clone(),
            check,
            notify,
        );
        Ok(EngineParts {
            component_linker: crate::host_api::linker(&engine)?,
            engine,
            linker,
            disk,
            prepared: Bounded::new(config.memory_cache_entries),
            components: Bounded::new(config.memory_cache_entries),
        })
    }

    fn fueled(&self) -> Result<&EngineParts, Error> {
        let inner = &self.inner;
        let parts = inner.fueled.get_or_init(|| {
            let parts = Self::parts(&inner.config, inner.policy, true)?;
            inner.ticker.watch(&parts.engine);
            Ok(parts)
        });
        parts.as_ref().map_err(Clone::clone)
    }

    /// The name reported to the conformance kit.
    pub fn name(&self) -> &'static str {
        "toolcage-runtime"
    }

    /// This crate's version.
    pub fn version(&self) -> &'static str {
        env!("CARGO_PKG_VERSION")
    }

    /// The optional extensions this runtime implements (docs/SPEC.md §10): ABI extensions, and
    /// the package forms and manifest keys it reads.
    pub fn capabilities(&self) -> &'static [&'static str] {
        &[
            "diagnostics",
            "fuel",
            "disk_cache",
            "package_zip",
            "host_manifest",
            "host_api_fs",
        ]
    }

    /// The guest profiles this runtime runs (docs/SPEC.md section 13), chosen per package by
    /// its manifest.
    pub fn profiles(&self) -> &'static [&'static str] {
        &["core", "component"]
    }

    /// The runtime's configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    fn mutant(&self, _m: Mutant) -> bool {
        #[cfg(feature = "mutants")]
        return self.inner.config.mutant == Some(_m);
        #[cfg(not(feature = "mutants"))]
        false
    }
}
