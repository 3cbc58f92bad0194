//! Generated-module fuzzing of the reference runtime: random guests from wasm-smith, each loaded
//! and called under a short deadline, to show that no module makes the host panic, hang, leak a
//! thread or answer outside the ABI's outcomes.
//!
//! Module `i` is generated from seed `i` alone, so any finding is reproduced by its seed
//! (`cargo xtask fuzz --count 1 --seed S`). Seeds cycle through four families, each with an
//! oracle that does not come from the runtime's code:
//!
//! - [`Family::Allowed`]: only the ABI's imports, both required exports with their types. Any
//!   load- or link-phase failure is a finding; the call may fail at run or output time.
//! - [`Family::Denied`]: imports drawn from a pool mixing allowed ones with WASI, `env`, unknown
//!   `yoi:tool` names, allowed names with the wrong type, an imported table, global and memory.
//!   The call must fail with `import_denied` naming exactly the denied imports the generated
//!   module has, in order, or behave as an allowed module when it drew none.
//! - [`Family::Exports`]: allowed imports, and exports with `memory` or `yoi_tool_call` missing
//!   or of the wrong kind or type: the call must fail with the one export error the spec names.
//! - [`Family::Abi`]: not wasm-smith's but [`crate::abi_family`]'s guests, which call every
//!   import with pointers and lengths at and around the edges and write valid and near-valid
//!   outputs, under small output, summary and diagnostic caps. They always link and always end:
//!   any load- or link-phase failure is a finding, as is a trap (they have none but a final
//!   `unreachable`, which is `trap` `unreachable`). `cargo xtask fuzz --differential` compares
//!   what other runtimes make of them.
//!
//! Every outcome also has to be well-formed: a known code in its own phase, a bounded message
//! without control characters, and an answer within the deadline plus a slack. Each module is
//! called twice: with a fresh instance per call, both calls must end alike (timeouts aside).
//! A late outcome is tried again, twice: generated modules are deterministic, so lateness that
//! does not reproduce is the machine stalling the process and is listed apart, not a finding.
//!
//! Compiled twice from these files, against `super::rt`: `toolcage_selftest::fuzz` runs the runtime as
//! hosts build it; `toolcage_selftest::mutant_runtime::fuzz` runs its mutant build, to show the oracles
//! catch a guarantee switched off.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use super::rt::{self, Config};

mod generate;
mod oracle;
mod run;

pub use generate::{generate, generate_from, import_names, smith_config, Expect, Generated};
pub use run::{run, thread_count};

/// How a fuzz run is set up.
#[derive(Clone, Debug)]
pub struct FuzzConfig {
    /// Modules to generate and run.
    pub count: u64,
    /// Seed of the first module; module `i` of the run uses `seed + i`.
    pub seed: u64,
    /// The deadline of every call: short, since generated code often loops forever.
    pub deadline: Duration,
    /// An instruction budget for every call (the runtime's fuel engine), or none.
    pub fuel: Option<u64>,
    /// How late after the deadline an outcome may come before it counts as a hang.
    pub slack: Duration,
    /// Where to write the module of every finding (`seed-<S>.wasm`), for shrinking.
    pub save_dir: Option<PathBuf>,
    /// The configuration of the runtime under test (a mutant, to show the oracles catch it).
    pub runtime: Config,
    /// Stop once this many findings were made; `None` runs every seed.
    pub max_findings: Option<usize>,
}

impl Default for FuzzConfig {
    fn default() -> FuzzConfig {
        FuzzConfig {
            count: 300,
            seed: 0,
            deadline: Duration::from_millis(50),
            fuel: None,
            slack: Duration::from_millis(250),
            save_dir: None,
            runtime: Config::default(),
            max_findings: None,
        }
    }
}

/// The kind of module a seed generates, chosen by `seed % 4`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// Allowed imports and the required exports.
    Allowed,
    /// Imports drawn from a pool that includes denied ones.
    Denied,
    /// A required export missing or of the wrong kind or type.
    Exports,
    /// Every import called with edge pointers and lengths; valid and near-valid outputs.
    Abi,
}

impl Family {
    /// Every family, in seed order.
    pub const ALL: [Family; 4] = [
        Family::Allowed,
        Family::Denied,
        Family::Exports,
        Family::Abi,
    ];

    /// The family of a seed.
    pub fn of(seed: u64) -> Family {
        Family::ALL[(seed % 4) as usize]
    }

    /// A short name for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Allowed => "allowed",
            Family::Denied => "denied",
            Family::Exports => "exports",
            Family::Abi => "abi",
        }
    }
}

/// Something a generated module made the runtime do that it must not.
#[derive(Clone, Debug)]
pub struct Finding {
    /// The seed that reproduces it.
    pub seed: u64,
    /// The family of that seed.
    pub family: Family,
    /// What went wrong, in one line.
    pub what: String,
}

/// What a fuzz run saw.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Seeds tried.
    pub count: u64,
    /// Seeds for which wasm-smith produced no module (not a runtime finding).
    pub not_generated: u64,
    /// Outcome codes (`ok` for a tool result) per family.
    pub outcomes: BTreeMap<(Family, String), u64>,
    /// Every panic, oracle violation, late outcome or leaked thread.
    pub findings: Vec<Finding>,
    /// Loads or calls that panicked (each is also a finding).
    pub panics: u64,
    /// Late outcomes that did not reproduce (seed, how long the late call took): the machine
    /// stalled the whole process, not the runtime. A late outcome is retried twice and is a
    /// finding only when every try is late, since a module's behaviour is deterministic.
    pub stalls: Vec<(u64, Duration)>,
    /// The slowest call (deadline included) and its seed; each module is called twice.
    pub worst_call: (Duration, u64),
    /// The slowest load (read, hash, compile, link) and its seed.
    pub worst_load: (Duration, u64),
    /// Threads of the process once the runtime was warm, and after the last call.
    pub threads: (usize, usize),
    /// Calls the generated guests made to each import, and how many of them returned -1, per
    /// family (the first call of each module; the reference runtime counts them for every call).
    pub host_calls: BTreeMap<(Family, String), (u64, u64)>,
    /// Wall-clock time of the whole run.
    pub elapsed: Duration,
    /// The `cargo xtask fuzz` flags besides the seed that reproduce this run's calls.
    pub rerun_flags: String,
}

impl Report {
    /// True when no module produced a finding.
    pub fn passed(&self) -> bool {
        self.findings.is_empty()
    }

    /// Outcome codes over all families.
    pub fn histogram(&self) -> BTreeMap<String, u64> {
        let mut all = BTreeMap::new();
        for ((_, code), n) in &self.outcomes {
            *all.entry(code.clone()).or_insert(0) += n;
        }
        all
    }
}

/// One family's outcome codes and its import counts, as the fuzz report and the differential
/// report both print them; `with_empty` prints the codes line for a family with no outcome too.
pub(crate) fn write_family(
    f: &mut fmt::Formatter<'_>,
    indent: &str,
    family: Family,
    outcomes: &BTreeMap<(Family, String), u64>,
    host_calls: &BTreeMap<(Family, String), (u64, u64)>,
    with_empty: bool,
) -> fmt::Result {
    let codes: Vec<String> = outcomes
        .iter()
        .filter(|((fam, _), _)| *fam == family)
        .map(|((_, code), n)| format!("{code}={n}"))
        .collect();
    if codes.is_empty() && !with_empty {
        return Ok(());
    }
    writeln!(f, "{indent}{:<8} {}", family.as_str(), codes.join(" "))?;
    let calls: Vec<String> = host_calls
        .iter()
        .filter(|((fam, _), _)| *fam == family)
        .map(|((_, name), (n, failed))| format!("{name}={n} ({failed} returned -1)"))
        .collect();
    if !calls.is_empty() {
        writeln!(f, "{indent}{:<8} imports: {}", "", calls.join(" "))?;
    }
    Ok(())
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "fuzz: {} modules ({} not generated) in {:.1} s, {} finding(s), {} panic(s)",
            self.count,
            self.not_generated,
            self.elapsed.as_secs_f64(),
            self.findings.len(),
            self.panics
        )?;
        writeln!(
            f,
            "worst call {:.1} ms (seed {}), worst load {:.1} ms (seed {}), threads {} -> {}",
            self.worst_call.0.as_secs_f64() * 1e3,
            self.worst_call.1,
            self.worst_load.0.as_secs_f64() * 1e3,
            self.worst_load.1,
            self.threads.0,
            self.threads.1
        )?;
        for family in Family::ALL {
            write_family(f, "  ", family, &self.outcomes, &self.host_calls, true)?;
        }
        if !self.stalls.is_empty() {
            let stalls: Vec<String> = self
                .stalls
                .iter()
                .map(|(seed, took)| format!("seed {seed} {:.0} ms", took.as_secs_f64() * 1e3))
                .collect();
            writeln!(
                f,
                "  late once, in time on retry (machine stalls): {}",
                stalls.join(", ")
            )?;
        }
        for finding in self.findings.iter().take(50) {
            writeln!(
                f,
                "  FINDING seed {} ({}): {}  [rerun: cargo xtask fuzz --count 1 --seed {}{}]",
                finding.seed,
                finding.family.as_str(),
                finding.what,
                finding.seed,
                self.rerun_flags
            )?;
        }
        if self.findings.len() > 50 {
            writeln!(f, "  ... and {} more", self.findings.len() - 50)?;
        }
        Ok(())
    }
}
