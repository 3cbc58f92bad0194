//! [`Plugin`]: one loaded package, verified, compiled and linked, and the host's way into a
//! call: the call's budget starts in [`Plugin::call`], the tool is looked up, the input checked
//! and the guest run inside it (the call boundary), and what comes back is bounded and its
//! diagnostics handed to the operator's sink.

use super::config::CallOptions;
use super::runtime::Runtime;
use crate::call::{self, Budget, Call, CallOutcome, Guest, Limits, LoadedTool};
use crate::compiled::{CacheSource, ModuleHash};
use crate::error::{Error, ErrorCode};
use crate::host_api::Granted;
use crate::package::{Digest, Manifest};
use std::sync::{Arc, OnceLock};

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
    /// The kit's self-test: empty in a host's build.
    pub(super) seam: call::Seam,
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

impl Plugin {
    /// Calls a tool. Never panics on anything the guest or the input does; every failure is in
    /// [`CallOutcome::result`].
    pub fn call(&self, tool: &str, input: &str, options: &CallOptions) -> CallOutcome {
        let runtime = &self.inner.runtime;
        let limits = options.limits.as_ref().unwrap_or(&self.inner.limits);
        // The budget starts here: everything below, input checks included, runs inside it.
        let budget = Budget::start(limits.deadline, options.cancel.clone());
        let mut outcome = self.call_inner(tool, input, limits, &budget);
        outcome.result = outcome.result.map_err(|e| e.bounded(limits.message_bytes));
        if let (Some(sink), Some(text)) = (&runtime.inner.config.diagnostics, &outcome.diagnostics)
        {
            sink.receive(&self.inner.manifest.id, tool, text);
        }
        outcome
    }

    fn call_inner(&self, tool: &str, input: &str, limits: &Limits, budget: &Budget) -> CallOutcome {
        let Some(index) = self.inner.tools.iter().position(|t| &*t.name == tool) else {
            return CallOutcome::early(
                Error::new(
                    ErrorCode::ToolUnknown,
                    format!("plugin {} has no tool named {tool}", self.inner.manifest.id),
                )
                .with("tool", tool),
            );
        };
        let seam = &self.inner.seam;
        if let Err(e) = seam.check_input(&self.inner.tools, index, input, limits, budget) {
            return CallOutcome::early(e);
        }
        let guest = if limits.fuel.is_some() {
            match self.fueled_within(budget, limits) {
                Ok(guest) => guest,
                Err(e) => return CallOutcome::early(e),
            }
        } else {
            &self.inner.plain
        };
        let call = Call {
            guest,
            tool_name: &self.inner.tools[index].name,
            input,
            granted: &self.inner.granted,
        };
        call::run(call, limits, budget, &self.inner.runtime.inner.ticker, seam)
    }

    fn fueled(&self) -> Result<&Guest, Error> {
        let inner = &self.inner;
        let pre = inner.fueled.get_or_init(|| {
            let parts = inner.runtime.fueled()?;
            inner
                .runtime
                .prepare_guest(
                    parts,
                    inner.manifest.profile,
                    &inner.module,
                    &inner.hash,
                    &inner.granted,
                )
                .map(|(pre, _)| pre)
        });
        pre.as_ref().map_err(Clone::clone)
    }

    /// The fuel engine's module, prepared inside the call's budget when the load did not
    /// prepare it (a call asking for fuel on a plugin loaded without).
    fn fueled_within(&self, budget: &Budget, limits: &Limits) -> Result<&Guest, Error> {
        if self.inner.fueled.get().is_none() {
            let plugin = self.clone();
            budget
                .run(move |_| plugin.fueled().map(|_| ()))
                .map_err(|over| call::over_error(over, limits))??;
        }
        self.fueled()
    }
}
