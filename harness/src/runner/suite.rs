//! Runs the selected cases of a suite against a runtime, in parallel over `jobs` threads, and
//! gathers their results into the run's report; a panicking in-process runtime is a failed case,
//! not a dead kit.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use std::path::PathBuf;

use serde_json::{json, Value};

use super::case::{describe, run_case, CaseResult};
use crate::judge::declared::{self, Evidence};
use crate::judge::verdict::Verdict;
use crate::model::case::Case;
use crate::model::corpus::{Expectations, Suite};
use crate::model::error::{KitError, KitErrors};
use crate::model::protocol::RuntimeInfo;
use crate::runtime::seam::{AdapterFailure, ConformanceRuntime};

/// How a run selects and schedules cases.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Cases whose id contains this text; text equal to an id selects only that case.
    pub filter: Option<String>,
    /// Cases run at once (at least 1).
    pub jobs: usize,
    /// The runtime's xfail list.
    pub expectations: Expectations,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            filter: None,
            jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
            expectations: Expectations::default(),
        }
    }
}

/// Everything a report needs about one run.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// The runtime as it described itself, or why it could not.
    pub runtime: Result<RuntimeInfo, AdapterFailure>,
    /// One result per selected case, in id order.
    pub results: Vec<CaseResult>,
    /// Wall time of the whole run.
    pub wall: Duration,
}

impl RunReport {
    /// Whether any verdict fails the run.
    pub fn failed(&self) -> bool {
        self.results.iter().any(|r| r.verdict.is_failure())
    }
}

/// One failing result per limit the runtime declared fixed although the host sets it (see
/// [`declared::fixed_limit_findings`]), under the guarantee that names the limit, so a fixed
/// deadline is a finding of its own rather than only the skips it causes. A filter selects
/// them by id as it selects cases; the expectations file may list them.
fn fixed_limit_results(suite: &Suite, info: &RuntimeInfo, options: &RunOptions) -> Vec<CaseResult> {
    declared::fixed_limit_findings(info)
        .into_iter()
        .filter(|(id, _)| options.filter.as_deref().is_none_or(|f| id.contains(f)))
        .map(|(id, failure)| {
            let limit = id.trim_start_matches(declared::FIXED_FINDING);
            let guarantee = suite.guarantees.iter().find(|g| g.must.contains(limit));
            let xfail = options.expectations.xfail.get(&id).map(String::as_str);
            CaseResult {
                guarantee: guarantee.map_or_else(|| "SPEC-8".into(), |g| g.id.clone()),
                area: guarantee.map_or_else(|| "limits".into(), |g| g.area.clone()),
                must: guarantee.map(|g| g.must.clone()),
                class: guarantee.map(|g| g.class),
                file: PathBuf::from("docs/SPEC.md"),
                verdict: Verdict::Fail(failure).with_xfail(xfail),
                expected: json!({"limits": {limit: "configurable"}}),
                observed: json!({"limits": {limit: info.fixed_limit(limit)}}),
                request: Value::Null,
                evidence: Evidence::None,
                fixed_limits: Vec::new(),
                duration: Duration::ZERO,
                id,
            }
        })
        .collect()
}

/// The cases `filter` selects (see [`RunOptions::filter`]).
pub fn select<'a>(suite: &'a Suite, filter: Option<&str>) -> Vec<&'a Case> {
    match filter {
        None => suite.cases.iter().collect(),
        Some(filter) if suite.cases.iter().any(|c| c.id == filter) => {
            suite.cases.iter().filter(|c| c.id == filter).collect()
        }
        Some(filter) => suite
            .cases
            .iter()
            .filter(|c| c.id.contains(filter))
            .collect(),
    }
}

/// Runs the selected cases of `suite` against `runtime`. This is the one entry point every
/// front end uses (xtask, the libtest-mimic harness, the mutant self-test), so each runtime is
/// judged by the same code.
pub fn run_suite(
    runtime: &dyn ConformanceRuntime,
    suite: &Suite,
    options: &RunOptions,
) -> Result<RunReport, KitErrors> {
    let start = Instant::now();
    let info = describe(runtime);
    let cases = select(suite, options.filter.as_deref());
    let next = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<Result<CaseResult, KitError>>>> =
        Mutex::new(vec![None; cases.len()]);
    std::thread::scope(|scope| {
        for _ in 0..options.jobs.clamp(1, cases.len().max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(case) = cases.get(i) else { break };
                let xfail = options.expectations.xfail.get(&case.id).map(String::as_str);
                let result = run_case(runtime, &info, case, xfail);
                slots.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(result);
            });
        }
    });
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for slot in slots.into_inner().unwrap_or_else(|e| e.into_inner()) {
        match slot.expect("every selected case ran") {
            Ok(mut result) => {
                // Corpora may reuse each other's ids: the case's own area picks its list's entry.
                let guarantee = suite
                    .guarantees
                    .iter()
                    .find(|g| g.id == result.guarantee && g.area == result.area)
                    .or_else(|| suite.guarantees.iter().find(|g| g.id == result.guarantee));
                result.must = guarantee.map(|g| g.must.clone());
                result.class = guarantee.map(|g| g.class);
                results.push(result);
            }
            Err(e) => errors.push(e),
        }
    }
    if let Ok(info) = &info {
        results.extend(fixed_limit_results(suite, info, options));
        results.sort_by(|a, b| a.id.cmp(&b.id));
    }
    if errors.is_empty()
        && results
            .iter()
            .all(|r| matches!(r.verdict, Verdict::Skip { .. }))
    {
        errors.push(KitError::NoCases {
            filter: options.filter.clone(),
        });
    }
    if !errors.is_empty() {
        return Err(KitErrors(errors));
    }
    Ok(RunReport {
        runtime: info,
        results,
        wall: start.elapsed(),
    })
}
