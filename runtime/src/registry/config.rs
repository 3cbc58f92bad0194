//! How a runtime is built and how one call is bounded.

#[cfg(feature = "mutants")]
use super::seam::Mutant;
use crate::call::{CancelToken, Limits};
use crate::compiled::{CacheKey, EngineConfig};
use std::path::PathBuf;
use std::sync::Arc;

/// Receives what guests write through `diagnostic_write`: operator-facing text that never
/// enters a tool result or the model's history.
pub trait DiagnosticSink: Send + Sync {
    /// Called once per call that wrote diagnostics, with the text already cut at the cap.
    fn receive(&self, plugin_id: &str, tool: &str, text: &str);

    /// Called when the runtime declines something the host configured but cannot trust (a
    /// cache directory, key or entry, docs/SPEC.md §2.2) and works without it, so an operator
    /// learns why loads compile instead of hitting the cache. The call is unaffected; the
    /// default drops the notice.
    fn notice(&self, text: &str) {
        let _ = text;
    }
}

/// How a [`Runtime`](super::Runtime) is built.
#[derive(Clone)]
pub struct Config {
    /// Bounds used when a load or call does not bring its own.
    pub limits: Limits,
    /// A directory for compiled modules, shared between processes; `None` keeps them in memory.
    /// It must be owned by the process's effective user and writable by nobody else (and so
    /// must every directory above it, unless sticky); otherwise it is not used (docs/SPEC.md
    /// §2.2).
    pub cache_dir: Option<PathBuf>,
    /// The secret that authenticates disk cache entries. Without it the disk cache is neither
    /// read nor written: an entry anyone who can write the directory could have made is never
    /// deserialized. Keep it outside `cache_dir`.
    pub cache_key: Option<CacheKey>,
    /// Compiled modules kept in memory.
    pub memory_cache_entries: usize,
    /// Engine-wide settings.
    pub engine: EngineConfig,
    /// Where guest diagnostics go; `None` drops them (they are still returned in
    /// [`CallOutcome::diagnostics`](crate::CallOutcome::diagnostics)).
    pub diagnostics: Option<Arc<dyn DiagnosticSink>>,
    /// The one guarantee this runtime switches off (kit self-test only).
    #[cfg(feature = "mutants")]
    pub mutant: Option<Mutant>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            limits: Limits::default(),
            cache_dir: None,
            cache_key: None,
            memory_cache_entries: 64,
            engine: EngineConfig::default(),
            diagnostics: None,
            #[cfg(feature = "mutants")]
            mutant: None,
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("limits", &self.limits)
            .field("cache_dir", &self.cache_dir)
            .field("cache_key", &self.cache_key)
            .field("memory_cache_entries", &self.memory_cache_entries)
            .field("engine", &self.engine)
            .field("diagnostics", &self.diagnostics.is_some())
            .finish()
    }
}

/// Options of one call.
#[derive(Clone, Debug, Default)]
pub struct CallOptions {
    /// Bounds for this call; `None` uses the ones the plugin was loaded with.
    pub limits: Option<Limits>,
    /// Cancels the call from another thread.
    pub cancel: Option<CancelToken>,
}
