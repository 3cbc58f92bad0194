//! `Runtime` (what calls share: engines, linkers, caches, the ticker) and `Plugin` (one loaded,
//! verified, linked package), and the call path: check input, fresh store, instantiate, call,
//! classify, check output.

use crate::cache::{Bounded, CacheSource, DiskCache, ModuleHash};
use crate::cancel::CancelToken;
use crate::digest::Digest;
use crate::engine::{self, EngineConfig, Ticker};
use crate::error::{Error, ErrorCode};
use crate::host::{HostLimits, HostState, LimitHit, Stop};
use crate::limits::Limits;
use crate::link::{self, LinkPolicy};
use crate::mutants::Mutant;
use crate::output::{self, ToolOutput};
use crate::package::{self, Manifest};
use crate::schema;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Instant;
use wasmtime::{Engine, InstancePre, Linker, Module, Store, Trap, UpdateDeadline};

/// Receives what guests write through `diagnostic_write`: operator-facing text that never
/// enters a tool result or the model's history.
pub trait DiagnosticSink: Send + Sync {
    /// Called once per call that wrote diagnostics, with the text already cut at the cap.
    fn receive(&self, plugin_id: &str, tool: &str, text: &str);
}

/// How a [`Runtime`] is built.
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
    /// Bounds for this call; `None` uses the runtime's.
    pub limits: Option<Limits>,
    /// Cancels the call from another thread.
    pub cancel: Option<CancelToken>,
}

/// How often the guest called each import, and how often the import returned -1.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostCallCounts {
    /// Import name to number of calls.
    pub calls: BTreeMap<String, u64>,
    /// Import name to number of calls that returned -1.
    pub failures: BTreeMap<String, u64>,
}

/// The full result of a call: the tool result or error, plus what the host observed.
#[derive(Clone, Debug)]
pub struct CallOutcome {
    /// The tool output, or why there is none.
    pub result: Result<ToolOutput, Error>,
    /// What the guest asked of the host, as evidence of what it did.
    pub host_calls: HostCallCounts,
    /// Operator-facing diagnostics of this call, cut at the cap.
    pub diagnostics: Option<String>,
}

/// What was made of a module on one engine: linked and ready to instantiate, or why not.
type Prepared = Result<InstancePre<HostState>, Error>;

struct EngineParts {
    engine: Engine,
    linker: Linker<HostState>,
    disk: DiskCache,
    /// By module SHA-256: depends only on the bytes, the engine and the link policy, all fixed
    /// for this engine, so an entry is never stale (failures included).
    prepared: Bounded<Prepared>,
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
        let disk = DiskCache::new(&engine, config.cache_dir.clone());
        Ok(EngineParts {
            engine,
            linker,
            disk,
            prepared: Bounded::new(config.memory_cache_entries),
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

    /// The optional ABI extensions this runtime implements.
    pub fn capabilities(&self) -> &'static [&'static str] {
        &["diagnostics", "fuel"]
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

    /// Loads a package with the runtime's limits. With `pin`, the package must hash to it.
    pub fn load(&self, dir: &Path, pin: Option<&Digest>) -> Result<Plugin, Error> {
        self.load_with_limits(dir, pin, &self.inner.config.limits)
    }

    /// Loads a package, reading and hashing every file again (cache hits included: the cache
    /// holds compiled code keyed by the module's own hash, never a verdict about a path).
    pub fn load_with_limits(
        &self,
        dir: &Path,
        pin: Option<&Digest>,
        limits: &Limits,
    ) -> Result<Plugin, Error> {
        #[cfg(feature = "mutants")]
        if self.mutant(Mutant::DigestNotReverifiedOnCacheHit) {
            if let Some(plugin) = pin.and_then(|p| self.inner.loaded.lock().ok()?.get(p).cloned()) {
                return Ok(plugin);
            }
        }
        let plugin = self
            .load_inner(dir, pin, limits)
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
    ) -> Result<Plugin, Error> {
        let package = package::read(dir, limits.module_bytes, &self.inner.manifests)?;
        #[cfg(feature = "mutants")]
        let package = crate::mutants::digest_by_components(self.inner.config.mutant, dir, package);
        if self.mutant(Mutant::CompileBeforeDigestCheck) {
            self.prepare(&self.inner.plain, &package.module, &package.module_hash)?;
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
        let (plain, source) = self.prepare(&self.inner.plain, &package.module, &hash)?;
        Ok(Plugin {
            inner: Arc::new(PluginInner {
                runtime: self.clone(),
                manifest: package.manifest,
                digest: package.digest,
                module: package.module,
                hash,
                tools,
                plain,
                fueled: OnceLock::new(),
                source,
                #[cfg(feature = "mutants")]
                reused: Default::default(),
            }),
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
        link::check_scan(&link::scan(bytes)?)?;
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
                validator: schema::compile(&spec.name, &spec.input_schema)?,
            })
        })
        .collect()
}

struct LoadedTool {
    name: Arc<str>,
    validator: jsonschema::Validator,
}

struct PluginInner {
    runtime: Runtime,
    manifest: Arc<Manifest>,
    digest: Digest,
    module: Vec<u8>,
    hash: ModuleHash,
    tools: Arc<[LoadedTool]>,
    plain: InstancePre<HostState>,
    fueled: OnceLock<Result<InstancePre<HostState>, Error>>,
    source: CacheSource,
    #[cfg(feature = "mutants")]
    reused: std::sync::Mutex<Option<(Store<HostState>, wasmtime::Instance)>>,
}

/// A loaded plugin: verified, compiled and linked; call its tools from any thread.
#[derive(Clone)]
pub struct Plugin {
    inner: Arc<PluginInner>,
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

    /// Calls a tool. Never panics on anything the guest or the input does; every failure is in
    /// [`CallOutcome::result`].
    pub fn call(&self, tool: &str, input: &str, options: &CallOptions) -> CallOutcome {
        let runtime = &self.inner.runtime;
        let limits = options
            .limits
            .as_ref()
            .unwrap_or(&runtime.inner.config.limits);
        let mut outcome = self.call_inner(tool, input, limits, options.cancel.as_ref());
        outcome.result = outcome.result.map_err(|e| e.bounded(limits.message_bytes));
        if let (Some(sink), Some(text)) = (&runtime.inner.config.diagnostics, &outcome.diagnostics)
        {
            sink.receive(&self.inner.manifest.id, tool, text);
        }
        if runtime.mutant(Mutant::DiagnosticsInResult) {
            if let (Ok(out), Some(text)) = (&mut outcome.result, &outcome.diagnostics) {
                out.content = Some(format!("{}{text}", out.content.as_deref().unwrap_or("")));
            }
        }
        outcome
    }

    fn fueled(&self) -> Result<&InstancePre<HostState>, Error> {
        let inner = &self.inner;
        let pre = inner.fueled.get_or_init(|| {
            let parts = inner.runtime.fueled()?;
            inner
                .runtime
                .prepare(parts, &inner.module, &inner.hash)
                .map(|(pre, _)| pre)
        });
        pre.as_ref().map_err(Clone::clone)
    }

    fn check_input(&self, tool: &LoadedTool, input: &str, limits: &Limits) -> Result<(), Error> {
        let runtime = &self.inner.runtime;
        let size = if runtime.mutant(Mutant::InputCapCountsChars) {
            input.chars().count()
        } else {
            input.len()
        };
        if size > limits.input_bytes && !runtime.mutant(Mutant::NoInputCap) {
            return Err(Error::new(
                ErrorCode::InputTooLarge,
                format!(
                    "the tool input is {} bytes, over the {}-byte cap",
                    input.len(),
                    limits.input_bytes
                ),
            )
            .with("input_bytes", input.len() as u64)
            .with("limit", limits.input_bytes as u64));
        }
        let value: serde_json::Value = serde_json::from_str(input).map_err(|e| {
            Error::new(
                ErrorCode::InputMalformed,
                format!("the tool input is not JSON: {e}"),
            )
        })?;
        if runtime.mutant(Mutant::NoInputSchema) {
            return Ok(());
        }
        let tool = if runtime.mutant(Mutant::InputSchemaOfFirstTool) {
            self.inner.tools.first().unwrap_or(tool)
        } else {
            tool
        };
        schema::check(&tool.validator, &value)
    }

    fn call_inner(
        &self,
        tool: &str,
        input: &str,
        limits: &Limits,
        cancel: Option<&CancelToken>,
    ) -> CallOutcome {
        let early = |error: Error| CallOutcome {
            result: Err(error),
            host_calls: HostCallCounts::default(),
            diagnostics: None,
        };
        let Some(loaded) = self.inner.tools.iter().find(|t| &*t.name == tool) else {
            return early(
                Error::new(
                    ErrorCode::ToolUnknown,
                    format!("plugin {} has no tool named {tool}", self.inner.manifest.id),
                )
                .with("tool", tool),
            );
        };
        if let Err(e) = self.check_input(loaded, input, limits) {
            return early(e);
        }
        let pre = if limits.fuel.is_some() {
            match self.fueled() {
                Ok(pre) => pre,
                Err(e) => return early(e),
            }
        } else {
            &self.inner.plain
        };
        let runtime = &self.inner.runtime;
        let host_limits = HostLimits {
            output_bytes: limits.output_bytes,
            memory_bytes: limits.memory_bytes,
            table_elements: limits.table_elements,
            diagnostic_bytes: limits.diagnostic_bytes,
        };
        let deadline = Instant::now() + limits.deadline;
        #[allow(unused_mut)]
        let mut state = HostState::new(
            loaded.name.clone(),
            input.as_bytes(),
            host_limits,
            deadline,
            cancel.cloned(),
        );
        #[cfg(feature = "mutants")]
        {
            state.mutant = runtime.inner.config.mutant;
        }
        let engine = pre.module().engine();
        if let Some(cancel) = cancel {
            cancel.watch(engine);
        }

        #[cfg(feature = "mutants")]
        if runtime.mutant(Mutant::InstanceReused) {
            return self.call_reused(pre, state, limits);
        }

        let mut store = Store::new(engine, state);
        let result = run(&mut store, pre, limits);
        finish(store.into_data(), result, limits, runtime)
    }

    /// The mutant that keeps one instance per plugin: globals and memory leak between calls.
    #[cfg(feature = "mutants")]
    fn call_reused(
        &self,
        pre: &InstancePre<HostState>,
        state: HostState,
        limits: &Limits,
    ) -> CallOutcome {
        let runtime = &self.inner.runtime;
        let placeholder = || {
            let limits = HostLimits {
                output_bytes: 0,
                memory_bytes: limits.memory_bytes,
                table_elements: limits.table_elements,
                diagnostic_bytes: 0,
            };
            HostState::new(Arc::from(""), b"", limits, Instant::now(), None)
        };
        let mut slot = self.inner.reused.lock().unwrap_or_else(|p| p.into_inner());
        let (store, instance) = match slot.as_mut() {
            Some((store, instance)) => {
                *store.data_mut() = state;
                store.set_epoch_deadline(1);
                (store, *instance)
            }
            None => {
                let mut store = Store::new(pre.module().engine(), state);
                arm(&mut store, limits);
                match pre.instantiate(&mut store) {
                    Ok(instance) => {
                        let (store, _) = slot.insert((store, instance));
                        (store, instance)
                    }
                    Err(e) => return finish(store.into_data(), Err(e), limits, runtime),
                }
            }
        };
        let result = instance
            .get_typed_func::<(), ()>(&mut *store, "yoi_tool_call")
            .and_then(|f| f.call(&mut *store, ()));
        let data = std::mem::replace(store.data_mut(), placeholder());
        finish(data, result, limits, runtime)
    }
}

/// Sets the store's deadline machinery; done before instantiation so a start function is
/// covered too.
fn arm(store: &mut Store<HostState>, limits: &Limits) {
    store.limiter(|state| state);
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(|mut ctx| {
        let state = ctx.data_mut();
        let cancelled = state.cancel.as_ref().is_some_and(CancelToken::is_cancelled)
            && !state.mutant(Mutant::CancelIgnored);
        if cancelled {
            state.stop = Some(Stop::Cancelled);
            return Ok(UpdateDeadline::Interrupt);
        }
        let now = Instant::now();
        if now >= state.deadline {
            // The no-deadline mutant still stops three seconds late, so a kit run cannot hang;
            // the kit catches it by the time the call took.
            let backstop = state.deadline + std::time::Duration::from_secs(3);
            if !state.mutant(Mutant::NoDeadline) || now >= backstop {
                state.stop = Some(Stop::Timeout);
                return Ok(UpdateDeadline::Interrupt);
            }
        }
        Ok(UpdateDeadline::Continue(1))
    });
    if let Some(fuel) = limits.fuel {
        // Only the fuel engine meters; `set_fuel` cannot fail on it.
        let _ = store.set_fuel(fuel);
    }
}

fn run(
    store: &mut Store<HostState>,
    pre: &InstancePre<HostState>,
    limits: &Limits,
) -> wasmtime::Result<()> {
    arm(store, limits);
    if store
        .data()
        .cancel
        .as_ref()
        .is_some_and(CancelToken::is_cancelled)
        && !store.data().mutant(Mutant::CancelIgnored)
    {
        store.data_mut().stop = Some(Stop::Cancelled);
        return Err(wasmtime::Error::new(Trap::Interrupt));
    }
    let instance = pre.instantiate(&mut *store)?;
    let entry = instance.get_typed_func::<(), ()>(&mut *store, "yoi_tool_call")?;
    entry.call(&mut *store, ())
}

fn finish(
    state: HostState,
    result: wasmtime::Result<()>,
    limits: &Limits,
    runtime: &Runtime,
) -> CallOutcome {
    let host_calls = state.host_calls();
    let diagnostics = state.diagnostics_text();
    let result = match result {
        Ok(()) => match (state.poisoned, state.output) {
            (Some(error), _) => Err(error),
            (None, None) => Err(Error::new(
                ErrorCode::OutputMissing,
                "the guest returned without writing any output",
            )),
            (None, Some(bytes)) => output::parse(&bytes, limits.summary_bytes),
        },
        Err(error) => {
            let failure = classify(&error, state.stop, state.limit_hit, limits, runtime);
            let is_trap = failure.code() == ErrorCode::Trap;
            match state.output {
                Some(bytes) if is_trap && runtime.mutant(Mutant::TrapAfterOutputIsSuccess) => {
                    output::parse(&bytes, limits.summary_bytes)
                }
                _ => Err(failure),
            }
        }
    };
    CallOutcome {
        result,
        host_calls,
        diagnostics,
    }
}

/// Maps an engine failure to a code by its type (trap code, our own limit marker, the pool's
/// error), never by its text.
fn classify(
    error: &wasmtime::Error,
    stop: Option<Stop>,
    limit: Option<LimitHit>,
    limits: &Limits,
    runtime: &Runtime,
) -> Error {
    let swapped = runtime.mutant(Mutant::TimeoutCancelSwapped);
    let timeout = || {
        let ms = limits.deadline.as_millis() as u64;
        Error::new(
            ErrorCode::Timeout,
            format!("the tool call exceeded its {ms} ms deadline"),
        )
        .with("deadline_ms", ms)
    };
    let cancelled = || {
        Error::new(
            ErrorCode::Cancelled,
            "the tool call was cancelled by the host",
        )
    };
    if let Some(trap) = error.downcast_ref::<Trap>() {
        if *trap == Trap::Interrupt {
            return match (stop.unwrap_or(Stop::Timeout), swapped) {
                (Stop::Timeout, false) | (Stop::Cancelled, true) => timeout(),
                (Stop::Cancelled, false) | (Stop::Timeout, true) => cancelled(),
            };
        }
    }
    if let Some(hit) = limit {
        let (code, what, cap, unit) = match hit {
            LimitHit::Memory => (
                ErrorCode::MemoryLimit,
                "memory",
                limits.memory_bytes,
                "byte",
            ),
            LimitHit::Table => (
                ErrorCode::TableLimit,
                "table",
                limits.table_elements,
                "element",
            ),
        };
        let message = format!("the guest's {what} would exceed the {cap}-{unit} cap");
        return Error::new(code, message).with("limit", cap as u64);
    }
    if error
        .downcast_ref::<wasmtime::PoolConcurrencyLimitError>()
        .is_some()
    {
        return Error::new(
            ErrorCode::ResourceExhausted,
            "the runtime is running as many calls as it allows; try again later",
        );
    }
    let Some(trap) = error.downcast_ref::<Trap>() else {
        return Error::new(ErrorCode::Trap, "the guest failed in an unexpected way")
            .with("trap", "other");
    };
    let (code, name) = match trap {
        Trap::OutOfFuel => {
            return Error::new(
                ErrorCode::FuelExhausted,
                "the tool call used up its instruction budget",
            )
            .with("fuel", limits.fuel.unwrap_or(0))
        }
        Trap::StackOverflow => {
            return Error::new(
                ErrorCode::StackOverflow,
                "the guest exhausted its call stack",
            )
        }
        Trap::UnreachableCodeReached => (ErrorCode::Trap, "unreachable"),
        Trap::MemoryOutOfBounds => (ErrorCode::Trap, "memory_out_of_bounds"),
        Trap::TableOutOfBounds => (ErrorCode::Trap, "table_out_of_bounds"),
        Trap::IndirectCallToNull => (ErrorCode::Trap, "indirect_call_to_null"),
        Trap::BadSignature => (ErrorCode::Trap, "bad_signature"),
        Trap::IntegerOverflow => (ErrorCode::Trap, "integer_overflow"),
        Trap::IntegerDivisionByZero => (ErrorCode::Trap, "integer_divide_by_zero"),
        Trap::BadConversionToInteger => (ErrorCode::Trap, "bad_conversion_to_integer"),
        Trap::NullReference => (ErrorCode::Trap, "null_reference"),
        Trap::ArrayOutOfBounds => (ErrorCode::Trap, "array_out_of_bounds"),
        _ => (ErrorCode::Trap, "other"),
    };
    Error::new(
        code,
        format!("the guest trapped: {}", name.replace('_', " ")),
    )
    .with("trap", name)
}
