//! [`Runtime`]: what every load and call of a host's plugins shares (engines, linkers, caches,
//! the ticker).

use super::config::Config;
use super::seam::Seam;
use crate::call::{self, HostState, LoadedTool};
use crate::compiled::{self, engine, DiskCache, LinkPolicy, Ticker};
use crate::error::Error;
use crate::package::{Bounded, Manifest};
use std::sync::{Arc, OnceLock};
use wasmtime::{Engine, InstancePre, Linker};

/// What was made of a module on one engine: linked and ready to instantiate, or why not.
pub(super) type Prepared = Result<InstancePre<HostState>, Error>;

pub(super) struct EngineParts {
    pub(super) engine: Engine,
    pub(super) linker: Linker<HostState>,
    /// The host interfaces (docs/SPEC.md 14): a component links them only where its load's
    /// grants allow, which the import check decides before linking.
    pub(super) component_linker: wasmtime::component::Linker<HostState>,
    pub(super) disk: DiskCache,
    /// By module SHA-256: depends only on the bytes, the engine and the link policy, all fixed
    /// for this engine, so an entry is never stale (failures included).
    pub(super) prepared: Bounded<Prepared>,
    /// The same for components, by component SHA-256: the same bytes are another guest (or
    /// another failure) under the other profile, so the two never share a map.
    pub(super) components: Bounded<Result<wasmtime::component::Component, Error>>,
}

pub(super) struct Inner {
    pub(super) config: Config,
    pub(super) policy: LinkPolicy,
    pub(super) plain: EngineParts,
    fueled: OnceLock<Result<EngineParts, Error>>,
    /// Shared with calls, so a call can keep it ticking for as long as it runs.
    pub(super) ticker: Arc<Ticker>,
    /// Parsed manifests and compiled input schemas, by the SHA-256 of `plugin.toml`.
    pub(super) manifests: Bounded<Arc<Manifest>>,
    pub(super) tools: Bounded<Result<Arc<[LoadedTool]>, Error>>,
    /// The kit's self-test: empty in a host's build.
    pub(super) seam: Seam,
}

/// The reference runtime: create one per process and share it (it is cheap to clone).
#[derive(Clone)]
pub struct Runtime {
    pub(super) inner: Arc<Inner>,
}

impl Runtime {
    /// Builds the engine, its linker and caches, and starts the epoch ticker.
    pub fn new(config: Config) -> Result<Runtime, Error> {
        let policy = LinkPolicy { diagnostics: true };
        let seam = Seam::new(&config);
        let ticker = Arc::new(Ticker::start()?);
        if let (Some(dir), None, Some(sink)) =
            (&config.cache_dir, &config.cache_key, &config.diagnostics)
        {
            sink.notice(&format!(
                "compiled-code cache: {} is not used without a cache key (docs/SPEC.md 2.2)",
                dir.display()
            ));
        }
        let plain = Self::parts(&config, policy, &seam, false)?;
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
                seam,
            }),
        })
    }

    fn parts(
        config: &Config,
        policy: LinkPolicy,
        seam: &Seam,
        fuel: bool,
    ) -> Result<EngineParts, Error> {
        let engine = engine::build(&config.engine, fuel)?;
        let linker = call::linker(&engine, policy)?;
        let notify = config
            .diagnostics
            .clone()
            .map(|sink| Arc::new(move |text: &str| sink.notice(text)) as compiled::Notify);
        let disk = DiskCache::new(
            &engine,
            config.cache_dir.clone(),
            config.cache_key.clone(),
            seam.disk_cache_check(),
            notify,
        );
        Ok(EngineParts {
            component_linker: call::host_api_linker(&engine)?,
            engine,
            linker,
            disk,
            prepared: Bounded::new(config.memory_cache_entries),
            components: Bounded::new(config.memory_cache_entries),
        })
    }

    pub(super) fn fueled(&self) -> Result<&EngineParts, Error> {
        let inner = &self.inner;
        let parts = inner.fueled.get_or_init(|| {
            let parts = Self::parts(&inner.config, inner.policy, &inner.seam, true)?;
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
            "host_api_net",
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
}
