//! The kit proving its own teeth: the corpus against the reference runtime and against each of
//! its mutants (the same runtime with exactly one guarantee switched off), so that a guarantee no
//! case really checks shows up as a mutant that survives.
//!
//! A mutant is *killed* when at least one case the reference runtime passes fails against it;
//! the cases that kill it, and how, are the matrix `cargo xtask conformance --mutants` prints.
//! Every runtime is judged by the kit's own [`run_case`], exactly as a runtime under test is.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::mutant_runtime::{Limits, Mutant, ReferenceRuntime};
use serde_json::{json, Value};
use toolcage_kit::report::KIT_VERSION;
use toolcage_kit::{
    describe, run_case, select, Case, CaseResult, ExpectedOutcome, Failure, KitError, KitErrors,
    RunReport, Suite, Verdict,
};

/// What a mutant run covers.
#[derive(Debug, Clone)]
pub struct Options {
    /// Cases whose id contains this text (as `cargo xtask conformance --filter`).
    pub filter: Option<String>,
    /// Cases run at once, over all runtimes together (at least 1).
    pub jobs: usize,
    /// Whether the unmutated runtime runs too. Without it, every failure of a mutant counts as a
    /// kill; with it, only failures of cases the reference passes do, and a reference failure
    /// fails the run.
    pub reference: bool,
    /// The mutants to run.
    pub mutants: Vec<Mutant>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            filter: None,
            jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
            reference: true,
            mutants: Mutant::ALL.to_vec(),
        }
    }
}

/// Why a mutant run could not produce a matrix.
#[derive(Debug)]
pub enum MutantsError {
    /// The corpus is broken, or the filter selects nothing.
    Kit(KitErrors),
    /// A runtime could not be built.
    Runtime(String),
}

impl fmt::Display for MutantsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MutantsError::Kit(errors) => write!(f, "{errors}"),
            MutantsError::Runtime(message) => write!(f, "{message}"),
        }
    }
}

impl std::error::Error for MutantsError {}

/// One case that kills a mutant, and how.
#[derive(Debug, Clone)]
pub struct Kill {
    /// The case id.
    pub id: String,
    /// The guarantee the case checks.
    pub guarantee: String,
    /// How the mutant failed the case: the reason the case gives for catching it.
    pub failure: Failure,
}

/// One mutant and the cases that kill it.
#[derive(Debug, Clone)]
pub struct MutantResult {
    /// The mutant.
    pub mutant: Mutant,
    /// Every killing case, in id order.
    pub kills: Vec<Kill>,
    /// The full run against the mutant.
    pub report: RunReport,
}

impl MutantResult {
    /// Whether some case caught the mutant.
    pub fn killed(&self) -> bool {
        !self.kills.is_empty()
    }
}

/// The mutant x case matrix.
#[derive(Debug, Clone)]
pub struct Matrix {
    /// The run against the unmutated runtime, when [`Options::reference`] asked for it.
    pub reference: Option<RunReport>,
    /// One entry per mutant, in [`Options::mutants`] order.
    pub mutants: Vec<MutantResult>,
    /// The ids of the cases that ran, in id order.
    pub cases: Vec<String>,
    /// Wall time of the whole run.
    pub wall: Duration,
}

impl Matrix {
    /// Whether the run fails: a mutant survived, or the reference failed a case.
    pub fn failed(&self) -> bool {
        self.reference.as_ref().is_some_and(RunReport::failed)
            || self.mutants.iter().any(|m| !m.killed())
    }

    /// The mutants no case caught.
    pub fn survivors(&self) -> Vec<Mutant> {
        self.mutants
            .iter()
            .filter(|m| !m.killed())
            .map(|m| m.mutant)
            .collect()
    }

    /// The cases that kill no mutant: not a failure (most cases check what no mutant breaks),
    /// but where to look first when adding a mutant.
    pub fn cases_killing_nothing(&self) -> Vec<&str> {
        self.cases
            .iter()
            .filter(|id| {
                !self
                    .mutants
                    .iter()
                    .any(|m| m.kills.iter().any(|k| &k.id == *id))
            })
            .map(String::as_str)
            .collect()
    }

    /// The terse console matrix: per mutant, killed or SURVIVED, the killing case ids grouped by
    /// failure kind, and the first kill's reason.
    pub fn console(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "toolcage-kit {KIT_VERSION}: {} case(s) against {} mutant(s) of toolcage-runtime{}",
            self.cases.len(),
            self.mutants.len(),
            if self.reference.is_some() {
                " and the runtime itself"
            } else {
                ""
            }
        );
        if let Some(reference) = &self.reference {
            if reference.failed() {
                let _ = writeln!(
                    out,
                    "the unmutated runtime fails; kills mean nothing until it passes:"
                );
                let report = toolcage_kit::report::console(reference, "cargo xtask conformance");
                for line in report.lines().filter(|l| !l.is_empty()) {
                    let _ = writeln!(out, "  {line}");
                }
            } else {
                let _ = writeln!(
                    out,
                    "reference: every case passes ({} case(s))",
                    reference.results.len()
                );
            }
        }
        let width = self
            .mutants
            .iter()
            .map(|m| m.mutant.name().len())
            .max()
            .unwrap_or(0);
        for result in &self.mutants {
            let name = result.mutant.name();
            if !result.killed() {
                let _ = writeln!(
                    out,
                    "SURVIVED {name:width$}  no case fails against it: write a case for the \
                     guarantee it breaks (docs/MUTANTS.md)"
                );
                continue;
            }
            let mut by_kind: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
            for kill in &result.kills {
                by_kind
                    .entry(kill.failure.kind.as_str())
                    .or_default()
                    .push(&kill.id);
            }
            let groups: Vec<String> = by_kind
                .iter()
                .map(|(kind, ids)| format!("{kind}: {}", ids.join(", ")))
                .collect();
            let _ = writeln!(
                out,
                "killed   {name:width$}  {:>3} case(s)  {}",
                result.kills.len(),
                groups.join("; ")
            );
            let first = &result.kills[0];
            let _ = writeln!(
                out,
                "         {:width$}  reason: {} [{}] {}",
                "",
                first.id,
                first.guarantee,
                truncate(&first.failure.to_string(), 220)
            );
        }
        let idle = self.cases_killing_nothing();
        let _ = writeln!(
            out,
            "cases that kill no mutant (informative, not a failure): {} of {}",
            idle.len(),
            self.cases.len()
        );
        let mut line = String::from(" ");
        for id in idle {
            if line.len() + id.len() + 1 > 100 {
                let _ = writeln!(out, "{line}");
                line = String::from(" ");
            }
            line.push(' ');
            line.push_str(id);
        }
        if !line.trim().is_empty() {
            let _ = writeln!(out, "{line}");
        }
        let survivors = self.survivors();
        let verdict = match (self.failed(), survivors.is_empty()) {
            (false, _) => "ok: every mutant killed".to_string(),
            (true, true) => "FAILED: the unmutated runtime fails".to_string(),
            (true, false) => format!(
                "FAILED: {} mutant(s) survived: {}",
                survivors.len(),
                survivors
                    .iter()
                    .map(|m| m.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let runtimes = self.mutants.len() + usize::from(self.reference.is_some());
        let _ = writeln!(
            out,
            "{verdict}; {runtimes} runtime(s) x {} case(s) in {:.2} s",
            self.cases.len(),
            self.wall.as_secs_f64()
        );
        out
    }

    /// The matrix as JSON: per mutant its verdict and every kill with its reason, the reference
    /// run's report, and the cases that kill nothing.
    pub fn json(&self) -> Value {
        let mutants: Vec<Value> = self
            .mutants
            .iter()
            .map(|m| {
                let kills: Vec<Value> = m
                    .kills
                    .iter()
                    .map(|k| {
                        json!({
                            "id": k.id,
                            "guarantee": k.guarantee,
                            "reason": k.failure.kind.as_str(),
                            "message": k.failure.to_string(),
                        })
                    })
                    .collect();
                json!({
                    "name": m.mutant.name(),
                    "runtime": m.report.runtime.as_ref().ok().map(|i| i.name.clone()),
                    "killed": m.killed(),
                    "kills": kills,
                })
            })
            .collect();
        json!({
            "kit": {"name": "toolcage-kit", "version": KIT_VERSION},
            "failed": self.failed(),
            "reference": self.reference.as_ref().map(toolcage_kit::report::json),
            "mutants": mutants,
            "survivors": self.survivors().iter().map(|m| m.name()).collect::<Vec<_>>(),
            "cases": self.cases,
            "cases_killing_nothing": self.cases_killing_nothing(),
            "wall_ms": self.wall.as_secs_f64() * 1000.0,
        })
    }
}

/// `text` cut to `max` bytes, with `...` when something was cut.
fn truncate(text: &str, max: usize) -> String {
    let kept = toolcage_kit::truncate(text, max);
    if kept.len() < text.len() {
        format!("{kept}...")
    } else {
        kept.to_owned()
    }
}

/// Runs the selected cases of `suite` against the reference runtime (if asked) and every mutant
/// of `options`, all in one pool of `options.jobs` threads, and builds the matrix.
pub fn run(suite: &Suite, options: &Options) -> Result<Matrix, MutantsError> {
    let start = Instant::now();
    let cases = select(suite, options.filter.as_deref());
    if cases.is_empty() {
        return Err(MutantsError::Kit(
            KitError::NoCases {
                filter: options.filter.clone(),
            }
            .into(),
        ));
    }
    let mut runtimes = Vec::new();
    if options.reference {
        runtimes.push(build(None)?);
    }
    for &mutant in &options.mutants {
        runtimes.push(build(Some(mutant))?);
    }
    let infos: Vec<_> = runtimes.iter().map(|r| describe(r)).collect();

    // Longest first, so the pool does not end waiting on one slow case: the cases that must stop
    // a runaway guest take their deadline (several seconds against the mutants that overrun it).
    let mut work: Vec<(usize, usize)> = (0..runtimes.len())
        .flat_map(|r| (0..cases.len()).map(move |c| (r, c)))
        .collect();
    work.sort_by_key(|&(r, c)| (std::cmp::Reverse(stop_budget_ms(cases[c])), r, c));

    let next = AtomicUsize::new(0);
    type Slot = Option<Result<CaseResult, KitError>>;
    let slots: Mutex<Vec<Vec<Slot>>> = Mutex::new(vec![vec![None; cases.len()]; runtimes.len()]);
    std::thread::scope(|scope| {
        for _ in 0..options.jobs.clamp(1, work.len()) {
            scope.spawn(|| {
                while let Some(&(r, c)) = work.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let result = run_case(&runtimes[r], &infos[r], cases[c], None);
                    slots.lock().unwrap_or_else(|e| e.into_inner())[r][c] = Some(result);
                }
            });
        }
    });
    let wall = start.elapsed();

    let mut errors = Vec::new();
    let mut reports = Vec::new();
    let slots = slots.into_inner().unwrap_or_else(|e| e.into_inner());
    for (row, info) in slots.into_iter().zip(infos) {
        let mut results = Vec::new();
        for slot in row {
            match slot.expect("every work item ran") {
                Ok(result) => results.push(result),
                // The same package error repeats for every runtime: report it once.
                Err(e) if !errors.contains(&e) => errors.push(e),
                Err(_) => {}
            }
        }
        reports.push(RunReport {
            runtime: info,
            results,
            wall,
        });
    }
    if !errors.is_empty() {
        return Err(MutantsError::Kit(KitErrors(errors)));
    }

    let mut reports = reports.into_iter();
    let reference = if options.reference {
        reports.next()
    } else {
        None
    };
    let mutants = options
        .mutants
        .iter()
        .zip(reports)
        .map(|(&mutant, report)| MutantResult {
            mutant,
            kills: kills(&report, reference.as_ref()),
            report,
        })
        .collect();
    Ok(Matrix {
        reference,
        mutants,
        cases: cases.iter().map(|c| c.id.clone()).collect(),
        wall,
    })
}

fn build(mutant: Option<Mutant>) -> Result<ReferenceRuntime, MutantsError> {
    let runtime = match mutant {
        Some(m) => ReferenceRuntime::with_mutant(m),
        None => ReferenceRuntime::new(),
    };
    runtime.map_err(|e| {
        MutantsError::Runtime(format!(
            "cannot build the reference runtime{}: {}",
            mutant.map_or(String::new(), |m| format!(" with mutant {}", m.name())),
            e.message()
        ))
    })
}

/// The cases a mutant fails, among those the reference passes (all of them without a reference
/// run). Same case order as the reports, so the kill list is in id order.
fn kills(report: &RunReport, reference: Option<&RunReport>) -> Vec<Kill> {
    report
        .results
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            reference.is_none_or(|r| {
                r.results
                    .get(*i)
                    .is_some_and(|r| r.verdict == Verdict::Pass)
            })
        })
        .filter_map(|(_, result)| match &result.verdict {
            Verdict::Fail(failure) => Some(Kill {
                id: result.id.clone(),
                guarantee: result.guarantee.clone(),
                failure: failure.clone(),
            }),
            _ => None,
        })
        .collect()
}

/// How long a correct runtime may spend on a case that must stop its guest (a scheduling hint
/// only: 0 for every other case).
fn stop_budget_ms(case: &Case) -> u64 {
    let stops = matches!(&case.expect.outcome,
        ExpectedOutcome::Error { code, .. } if code == "timeout" || code == "cancelled");
    if !stops {
        return 0;
    }
    let deadline = case
        .limits
        .deadline_ms
        .unwrap_or(Limits::default().deadline.as_millis() as u64);
    let per_call = case.cancel_after_ms.map_or(deadline, |c| c.min(deadline));
    per_call * (u64::from(case.repeat) + case.warm_up_calls() as u64)
}

#[cfg(test)]
mod tests;
