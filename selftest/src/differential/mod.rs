//! Differential fuzzing (`cargo xtask fuzz --differential ADAPTER...`): the fuzzer's generated
//! modules, every family, run by the reference runtime in-process and by each process adapter
//! (docs/ADAPTER.md), and their answers compared call by call: status and code, the details SPEC
//! makes normative (`imports`, `count`, `export`, `trap`), the output, the diagnostics, and the
//! import counters. No single oracle knows the right answer for a generated guest; two
//! independent runtimes disagreeing on one is a finding for SPEC.md to settle.
//!
//! What a runtime declares is honoured, so a declared difference is never a finding: a module
//! importing `diagnostic_write` is not sent to a runtime without `diagnostics`; a limit the
//! runtime declares fixed is sent to both at its fixed value; a disagreement whose reference
//! code is one the runtime's expectations file lists as a known failure (an xfailed case
//! expecting that code) is counted as declared. Outcomes that depend on the engine's speed or
//! stack (`timeout`, `fuel_exhausted`, `stack_overflow`, `resource_exhausted`) are not
//! normative across engines and are counted as inconclusive.
//!
//! Fast by batching: one adapter process answers a whole batch of modules (each call of the
//! request names its own package, as the protocol allows), and the reference runs the same
//! batch beside it. A batch the adapter cannot answer is retried module by module, so a crash
//! is pinned to its module.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use toolcage_kit::{
    truncate, Call, ConformanceRuntime, Expectations, ExpectedOutcome, LimitOverrides,
    ProcessRuntime, Profile, Request, RuntimeInfo, Suite, PROTOCOL_VERSION,
};

use crate::fuzz::{self, Family, Generated};
use crate::ReferenceRuntime;

mod compare;

use compare::compare_batch;

/// One runtime to compare with the reference.
#[derive(Clone, Debug)]
pub struct AdapterSpec {
    /// The adapter command, split on whitespace (as `cargo xtask conformance --adapter`).
    pub command: String,
    /// Its expectations file, whose xfailed cases declare what it knowingly gets wrong.
    pub expectations: Option<PathBuf>,
}

/// How a differential run is set up.
#[derive(Clone, Debug)]
pub struct DiffConfig {
    /// Modules to generate; module `i` uses seed `seed + i`, as in `cargo xtask fuzz`.
    pub count: u64,
    /// The first seed.
    pub seed: u64,
    /// The deadline of every call.
    pub deadline: Duration,
    /// An instruction budget for every call, or none.
    pub fuel: Option<u64>,
    /// The runtimes to compare with the reference.
    pub adapters: Vec<AdapterSpec>,
    /// The corpora the expectations files name cases of.
    pub corpus: Vec<PathBuf>,
    /// Where to write each finding's package, module text, request and answers.
    pub dump: Option<PathBuf>,
    /// Modules per adapter process.
    pub batch: usize,
    /// Only seeds of this family (the others are passed over, not counted).
    pub family: Option<Family>,
    /// Stop once some adapter has this many findings.
    pub max_findings: Option<usize>,
    /// The `cargo xtask fuzz` flags besides `--seed` and `--count` that reproduce the run.
    pub rerun_flags: String,
}

/// A disagreement between the reference and one adapter on one module.
#[derive(Clone, Debug)]
pub struct Finding {
    /// The module's seed (its index in the run is `seed - config.seed`).
    pub seed: u64,
    /// The module's family.
    pub family: Family,
    /// The adapter's name.
    pub runtime: String,
    /// What differed, in one line.
    pub what: String,
}

/// What one runtime did over the run.
#[derive(Clone, Debug, Default)]
pub struct RuntimeTally {
    /// Outcome codes (`ok` for a tool result) of first calls, per family.
    pub outcomes: BTreeMap<(Family, String), u64>,
    /// Import calls and calls that returned -1, per family, over every call made.
    pub host_calls: BTreeMap<(Family, String), (u64, u64)>,
}

/// What a differential run saw, per adapter.
#[derive(Clone, Debug, Default)]
pub struct AdapterReport {
    /// The adapter's name and version as it describes itself.
    pub name: String,
    /// Its command line.
    pub command: String,
    /// Modules compared call by call.
    pub compared: u64,
    /// Modules not sent to it: it lacks a capability they need.
    pub skipped: u64,
    /// Calls where the two agreed.
    pub agreed: u64,
    /// Calls where either answered an engine-bound code: `reference/adapter` code pairs.
    pub inconclusive: BTreeMap<String, u64>,
    /// Disagreements its expectations file declares: `reference/adapter (case)` pairs.
    pub declared: BTreeMap<String, u64>,
    /// The reference's tally on the modules sent to this adapter.
    pub reference: RuntimeTally,
    /// The adapter's tally.
    pub tally: RuntimeTally,
    /// Every disagreement not declared.
    pub findings: Vec<Finding>,
}

/// The whole run.
#[derive(Clone, Debug, Default)]
pub struct DiffReport {
    /// Seeds tried.
    pub count: u64,
    /// Seeds for which wasm-smith produced no module.
    pub not_generated: u64,
    /// One report per adapter, in the order given.
    pub adapters: Vec<AdapterReport>,
    /// Problems that stopped the run from comparing anything (an adapter that cannot describe
    /// itself, a corpus or expectations file that does not load).
    pub errors: Vec<String>,
    /// Wall-clock time of the run.
    pub elapsed: Duration,
    /// Flags that reproduce the run (`--differential ... --deadline-ms ...`).
    pub rerun_flags: String,
}

impl DiffReport {
    /// True when every module was compared without a finding and nothing stopped the run.
    pub fn passed(&self) -> bool {
        self.errors.is_empty() && self.adapters.iter().all(|a| a.findings.is_empty())
    }

    /// Every finding, over all adapters.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.adapters.iter().flat_map(|a| a.findings.iter())
    }
}

fn tally_lines(f: &mut fmt::Formatter<'_>, who: &str, tally: &RuntimeTally) -> fmt::Result {
    writeln!(f, "  {who}")?;
    for family in Family::ALL {
        fuzz::write_family(f, "    ", family, &tally.outcomes, &tally.host_calls, false)?;
    }
    Ok(())
}

impl fmt::Display for DiffReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "differential fuzz: {} modules ({} not generated) in {:.1} s, {} finding(s)",
            self.count,
            self.not_generated,
            self.elapsed.as_secs_f64(),
            self.findings().count()
        )?;
        for error in &self.errors {
            writeln!(f, "  ERROR {error}")?;
        }
        for adapter in &self.adapters {
            writeln!(
                f,
                "{} ({}): {} modules compared, {} skipped (capability), {} calls agreed, {} \
                 finding(s)",
                adapter.name,
                adapter.command,
                adapter.compared,
                adapter.skipped,
                adapter.agreed,
                adapter.findings.len()
            )?;
            let pairs = |map: &BTreeMap<String, u64>| {
                map.iter()
                    .map(|(pair, n)| format!("{pair}={n}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            if !adapter.inconclusive.is_empty() {
                writeln!(
                    f,
                    "  inconclusive (engine-bound codes, reference/adapter): {}",
                    pairs(&adapter.inconclusive)
                )?;
            }
            if !adapter.declared.is_empty() {
                writeln!(
                    f,
                    "  declared (xfailed in its expectations): {}",
                    pairs(&adapter.declared)
                )?;
            }
            tally_lines(f, "reference (toolcage-runtime)", &adapter.reference)?;
            tally_lines(f, &adapter.name, &adapter.tally)?;
            let shown = 50;
            for finding in adapter.findings.iter().take(shown) {
                let what = truncate(&finding.what, 1200);
                writeln!(
                    f,
                    "  FINDING seed {} ({}): {what}{}\n    rerun: cargo xtask fuzz --seed {} --count 1{}",
                    finding.seed,
                    finding.family.as_str(),
                    if what.len() < finding.what.len() { "…" } else { "" },
                    finding.seed,
                    self.rerun_flags
                )?;
            }
            if adapter.findings.len() > shown {
                writeln!(f, "  ... and {} more", adapter.findings.len() - shown)?;
            }
        }
        Ok(())
    }
}

/// A runtime to compare with the reference: a process adapter, or an in-process runtime (the
/// tests compare the reference's mutants, to show the comparison catches a broken runtime).
pub struct Candidate {
    /// The runtime.
    pub runtime: Box<dyn ConformanceRuntime>,
    /// How reports name it: the adapter's command line.
    pub label: String,
    /// Its expectations file.
    pub expectations: Option<PathBuf>,
}

/// One adapter ready to be compared.
struct Subject {
    runtime: Box<dyn ConformanceRuntime>,
    info: RuntimeInfo,
    /// Reference codes of the cases its expectations xfail, with one such case's id.
    known: BTreeMap<String, String>,
    report: AdapterReport,
}

/// A generated module written as a package.
struct Module {
    seed: u64,
    generated: Generated,
    dir: PathBuf,
    zip: Option<PathBuf>,
    digest: String,
    /// It imports `diagnostic_write`.
    diagnostics: bool,
}

/// Runs the differential comparison against `config.adapters`.
pub fn run(config: &DiffConfig) -> DiffReport {
    let mut candidates = Vec::new();
    for spec in &config.adapters {
        match ProcessRuntime::new(&spec.command) {
            Ok(runtime) => candidates.push(Candidate {
                label: runtime.command_line(),
                runtime: Box::new(runtime),
                expectations: spec.expectations.clone(),
            }),
            Err(e) => {
                return DiffReport {
                    errors: vec![format!("adapter `{}`: {e}", spec.command)],
                    ..DiffReport::default()
                }
            }
        }
    }
    run_against(config, candidates)
}

/// Runs the differential comparison against `candidates` (`config.adapters` is not used).
pub fn run_against(config: &DiffConfig, candidates: Vec<Candidate>) -> DiffReport {
    let started = Instant::now();
    let mut report = DiffReport {
        rerun_flags: config.rerun_flags.clone(),
        ..DiffReport::default()
    };
    let reference = match ReferenceRuntime::new() {
        Ok(reference) => reference,
        Err(e) => {
            report.errors.push(format!(
                "the reference runtime could not be created: {}",
                e.message()
            ));
            return report;
        }
    };
    let mut subjects = match subjects(config, candidates) {
        Ok(subjects) => subjects,
        Err(error) => {
            report.errors.push(error);
            return report;
        }
    };
    if let Some(fuel) = config.fuel {
        for subject in &subjects {
            if !subject.info.has("fuel") {
                report.errors.push(format!(
                    "{} does not declare `fuel`, and the run asks for --fuel {fuel}",
                    subject.info.name
                ));
            }
        }
        if !report.errors.is_empty() {
            return report;
        }
    }
    let work = match tempfile::Builder::new()
        .prefix("toolcage-differential-")
        .tempdir()
    {
        Ok(dir) => dir,
        Err(e) => {
            report
                .errors
                .push(format!("no temporary directory for the packages: {e}"));
            return report;
        }
    };
    let wants_zip = subjects.iter().any(|s| s.info.has("package_zip"));

    // Modules wait here, grouped by their limits (a request has one set), until a batch is full.
    let mut pending: BTreeMap<String, Vec<Module>> = BTreeMap::new();
    let end = config.seed.saturating_add(config.count);
    for seed in config.seed..end {
        if config
            .family
            .is_some_and(|family| Family::of(seed) != family)
        {
            continue;
        }
        if config
            .max_findings
            .is_some_and(|max| subjects.iter().any(|s| s.report.findings.len() >= max))
        {
            break;
        }
        report.count += 1;
        let Some(generated) = fuzz::generate(seed) else {
            report.not_generated += 1;
            continue;
        };
        let module = match write_package(work.path(), seed, generated, wants_zip) {
            Ok(module) => module,
            Err(e) => {
                report.errors.push(format!("seed {seed}: {e}"));
                continue;
            }
        };
        let key = format!("{:?}", module.generated.limits);
        let group = pending.entry(key.clone()).or_default();
        group.push(module);
        if group.len() >= config.batch.max(1) {
            let batch = pending.remove(&key).unwrap_or_default();
            compare_batch(config, &reference, &mut subjects, &batch);
            for module in &batch {
                let _ = std::fs::remove_dir_all(&module.dir);
            }
        }
    }
    for (_, batch) in std::mem::take(&mut pending) {
        compare_batch(config, &reference, &mut subjects, &batch);
    }
    drop(work);
    report.adapters = subjects.into_iter().map(|s| s.report).collect();
    report.elapsed = started.elapsed();
    report
}

fn subjects(config: &DiffConfig, candidates: Vec<Candidate>) -> Result<Vec<Subject>, String> {
    let suite = if candidates.iter().any(|a| a.expectations.is_some()) {
        Some(Suite::load(&config.corpus).map_err(|e| e.to_string())?)
    } else {
        None
    };
    candidates
        .into_iter()
        .map(|candidate| {
            let info = candidate
                .runtime
                .describe()
                .map_err(|e| format!("`{} describe` failed: {e}", candidate.label))?;
            let mut known = BTreeMap::new();
            if let (Some(file), Some(suite)) = (&candidate.expectations, &suite) {
                let expectations = Expectations::load(file, suite).map_err(|e| e.to_string())?;
                for case in &suite.cases {
                    if let (true, ExpectedOutcome::Error { code, .. }) = (
                        expectations.xfail.contains_key(&case.id),
                        &case.expect.outcome,
                    ) {
                        known.entry(code.clone()).or_insert_with(|| case.id.clone());
                    }
                }
            }
            Ok(Subject {
                report: AdapterReport {
                    name: format!("{} {}", info.name, info.version),
                    command: candidate.label,
                    ..AdapterReport::default()
                },
                runtime: candidate.runtime,
                info,
                known,
            })
        })
        .collect()
}

fn write_package(
    work: &Path,
    seed: u64,
    generated: Generated,
    zip: bool,
) -> Result<Module, String> {
    let dir = work.join(format!("seed-{seed}"));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("plugin.toml"), generated.manifest()).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("plugin.wasm"), &generated.wasm).map_err(|e| e.to_string())?;
    let digest = toolcage_kit::package_digest(&dir).map_err(|e| e.to_string())?;
    let zip = if zip {
        let path = work.join(format!("seed-{seed}.zip"));
        toolcage_kit::zip_package(&dir, &path).map_err(|e| e.to_string())?;
        Some(path)
    } else {
        None
    };
    let diagnostics = fuzz::import_names(&generated.wasm)
        .unwrap_or_default()
        .iter()
        .any(|(m, n)| m == "yoi:tool" && n == "diagnostic_write");
    Ok(Module {
        seed,
        generated,
        dir,
        zip,
        digest,
        diagnostics,
    })
}

/// The limits a request for `subject` carries: the run's and the modules' own, with every limit
/// the runtime declares fixed set to its fixed value (both runtimes get the same request).
fn limits(config: &DiffConfig, module: &Module, info: &RuntimeInfo) -> LimitOverrides {
    let own = module.generated.limits;
    let mut limits = LimitOverrides {
        deadline_ms: Some(config.deadline.as_millis() as u64),
        fuel: config.fuel,
        output_bytes: own.output_bytes,
        summary_bytes: own.summary_bytes,
        diagnostic_bytes: own.diagnostic_bytes,
        ..LimitOverrides::default()
    };
    for name in LimitOverrides::NAMES {
        if let (Some(fixed), Some(slot)) = (info.fixed_limit(name), limits.slot(name)) {
            *slot = Some(fixed);
        }
    }
    limits
}

/// Two calls per module (a fresh instance each: they must end alike), every call naming its
/// own package.
fn request(modules: &[&Module], limits: LimitOverrides, zip: bool) -> Request {
    let first = modules[0];
    let calls = modules
        .iter()
        .flat_map(|m| {
            let call = Call {
                tool: m.generated.tool.clone(),
                input: m.generated.input.clone(),
                cancel_after_ms: None,
                package: Some(m.dir.clone()),
                package_zip: if zip { m.zip.clone() } else { None },
                digest: Some(m.digest.clone()),
            };
            [call.clone(), call]
        })
        .collect();
    Request {
        protocol: PROTOCOL_VERSION,
        package: first.dir.clone(),
        package_zip: if zip { first.zip.clone() } else { None },
        // The generators write core modules only.
        profile: Profile::Core,
        digest: first.digest.clone(),
        limits,
        calls,
        cache_dir: None,
        cache_key_file: None,
        grants: None,
        names: None,
    }
}

/// One module at a time, compared exactly as a run compares its modules (the same request, the
/// same comparison, the same declared and inconclusive outcomes): for the in-process
/// differential fuzz target (crate `toolcage-fuzzing`), whose every input is one module.
pub struct Single {
    config: DiffConfig,
    reference: ReferenceRuntime,
    subject: Subject,
    work: tempfile::TempDir,
}

impl Single {
    /// The comparison of `candidate` with the reference under `config` (its deadline, fuel and
    /// corpus; `count`, `seed`, `batch`, `family` and `adapters` are not used).
    pub fn new(config: DiffConfig, candidate: Candidate) -> Result<Single, String> {
        let reference = ReferenceRuntime::new().map_err(|e| {
            format!(
                "the reference runtime could not be created: {}",
                e.message()
            )
        })?;
        let subject = subjects(&config, vec![candidate])?
            .pop()
            .ok_or("no runtime to compare")?;
        if let (Some(fuel), false) = (config.fuel, subject.info.has("fuel")) {
            return Err(format!(
                "{} does not declare `fuel`, and the comparison asks for fuel {fuel}",
                subject.info.name
            ));
        }
        let work = tempfile::Builder::new()
            .prefix("toolcage-differential-")
            .tempdir()
            .map_err(|e| format!("no temporary directory for the packages: {e}"))?;
        Ok(Single {
            config,
            reference,
            subject,
            work,
        })
    }

    /// Compares the two runtimes on `generated` (named `seed` in reports): `Err` holds the
    /// finding, a disagreement that is neither declared nor inconclusive.
    pub fn compare(&mut self, seed: u64, generated: Generated) -> Result<(), String> {
        let zip = self.subject.info.has("package_zip");
        let module = write_package(self.work.path(), seed, generated, zip)?;
        let before = self.subject.report.findings.len();
        compare_batch(
            &self.config,
            &self.reference,
            std::slice::from_mut(&mut self.subject),
            std::slice::from_ref(&module),
        );
        let _ = std::fs::remove_dir_all(&module.dir);
        if let Some(zip) = &module.zip {
            let _ = std::fs::remove_file(zip);
        }
        match self.subject.report.findings.get(before) {
            Some(finding) => Err(finding.what.clone()),
            None => Ok(()),
        }
    }

    /// What the comparisons so far saw: agreed, skipped, inconclusive and declared calls.
    pub fn report(&self) -> &AdapterReport {
        &self.subject.report
    }
}
