//! How a runtime is built and how one call is bounded.

use crate::cancel::CancelToken;
use crate::engine::EngineConfig;
use crate::limits::Limits;
#[cfg(feature = "mutants")]
use crate::mutants::Mutant;
use std::path::PathBuf;
use std::sync::Arc;

/// Receives what guests write through `diagnostic_write`: operator-facing text that never
/// enters a tool result or the model's history.
pub trait DiagnosticSink: Send + Sync {
    /// Called once per call that wrote diagnostics, with the text already cut at the cap.
    fn receive(&self, plugin_id: &str, tool: &str, text: &str);
}

/// How a [`Runtime`](super::Runtime) is built.
#[derive(Clone)]
pub struct Config {
    /// Bounds used when a load or call does not bring its own.
    pub limits: Limits,
    /// A directory for compiled modules, shared between processes; `None` keeps them in memory.
    pub cache_dir: Option<PathBuf>,
    /// Compiled modules kept in memory.
    pub memory_cache_entries: usize,
    /// Engine-wide settings.
    pub engine: EngineConfig,
    /// Where guest diagnostics go; `None` drops them (they are still returned in
    /// [`CallOutcome::diagnostics`]).
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
