//! Runs cases against a runtime: describe once, then for each selected case build its package,
//! send the request, judge the answer, and apply the expectations file. Parallel over `jobs`
//! threads; a panicking in-process runtime is a failed case, not a dead kit.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::archive;
use crate::case::Case;
use crate::corpus::{Expectations, Suite};
use crate::declared::{self, Evidence, FixedLimit};
use crate::disk_cache;
use crate::error::{KitError, KitErrors};
use crate::judge::{expected_json, judge, judge_stopped, observed_json, Failure, Verdict};
use crate::package;
use crate::protocol::{LimitOverrides, Request, Response, RuntimeInfo, PROTOCOL_VERSION};
use crate::runtime::{AdapterFailure, ConformanceRuntime};
use crate::{fixtures, liveness, timing};

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

/// The result of one case.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// The case id.
    pub id: String,
    /// The guarantee it checks.
    pub guarantee: String,
    /// The guarantee's area.
    pub area: String,
    /// The case file, so a reader of a failure goes straight to it.
    pub file: PathBuf,
    /// The guarantee's MUST sentence (set by [`run_suite`], which has the guarantee lists).
    pub must: Option<String>,
    /// The verdict.
    pub verdict: Verdict,
    /// The expectation, as JSON.
    pub expected: Value,
    /// What the runtime answered, as JSON (`null` when the case did not run).
    pub observed: Value,
    /// What the request asked, as JSON: its limits (after any fixed-limit substitution), the
    /// tool, the input, the number of calls and the cancel time (`null` when the case did not
    /// run).
    pub request: Value,
    /// Whether the case's evidence counters were checked.
    pub evidence: Evidence,
    /// `[limits]` overrides judged at the runtime's declared fixed value instead.
    pub fixed_limits: Vec<FixedLimit>,
    /// Time spent in the runtime's `run` (not in building the package): what the time bound of
    /// cases expecting `timeout` or `cancelled` is checked against.
    pub duration: Duration,
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
                result.must = suite
                    .guarantees
                    .iter()
                    .find(|g| g.id == result.guarantee && g.area == result.area)
                    .or_else(|| suite.guarantees.iter().find(|g| g.id == result.guarantee))
                    .map(|g| g.must.clone());
                results.push(result);
            }
            Err(e) => errors.push(e),
        }
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

/// Asks the runtime who it is, turning a panic, a wrong protocol or a limit the kit does not
/// know into an adapter failure.
pub fn describe(runtime: &dyn ConformanceRuntime) -> Result<RuntimeInfo, AdapterFailure> {
    let info = catch_unwind(AssertUnwindSafe(|| runtime.describe()))
        .unwrap_or_else(|panic| Err(panicked(panic)))?;
    if info.protocol != PROTOCOL_VERSION {
        return Err(AdapterFailure::Protocol {
            found: info.protocol,
        });
    }
    // A misspelt limit would silently read as configurable and fail cases it meant to fit.
    if let Some(unknown) = info
        .limits
        .keys()
        .find(|name| !LimitOverrides::NAMES.contains(&name.as_str()))
    {
        return Err(AdapterFailure::Garbage {
            reason: format!(
                "`describe` declares the limit {unknown:?}, which is not one of {:?}",
                LimitOverrides::NAMES
            ),
            stderr: String::new(),
        });
    }
    Ok(info)
}

/// Runs one case. `info` is the runtime's self-description (a failure there fails every case);
/// `xfail` is the expectations-file reason when the case is listed.
pub fn run_case(
    runtime: &dyn ConformanceRuntime,
    info: &Result<RuntimeInfo, AdapterFailure>,
    case: &Case,
    xfail: Option<&str>,
) -> Result<CaseResult, KitError> {
    let mut result = CaseResult {
        id: case.id.clone(),
        guarantee: case.guarantee.clone(),
        area: case.area.clone(),
        file: case.path.clone(),
        must: None,
        verdict: Verdict::Pass,
        expected: expected_json(case),
        observed: Value::Null,
        request: Value::Null,
        evidence: Evidence::None,
        fixed_limits: Vec::new(),
        duration: Duration::ZERO,
    };
    let info = match info {
        Ok(info) => info,
        Err(failure) => {
            result.observed = observed_json(Err(failure));
            result.verdict = Verdict::Fail(Failure::from(failure.clone())).with_xfail(xfail);
            return Ok(result);
        }
    };
    if !info.supports(case.profile) {
        result.verdict = Verdict::Skip {
            missing: vec![format!("profile {}", case.profile.as_str())],
        };
        return Ok(result);
    }
    let missing: Vec<String> = case
        .capabilities
        .iter()
        .filter(|c| !info.has(c))
        .cloned()
        .collect();
    if !missing.is_empty() {
        result.verdict = Verdict::Skip { missing };
        return Ok(result);
    }
    // From here on the case is judged as this runtime can be judged on it.
    let (case, evidence, fixed_limits) = match declared::fit(case, info) {
        Ok(fitted) => fitted,
        Err(reason) => {
            result.verdict = Verdict::Skip {
                missing: vec![reason],
            };
            return Ok(result);
        }
    };
    let case = &case;
    result.evidence = evidence;
    result.fixed_limits = fixed_limits;
    let package = package::build(case)?;
    let mut request = case.request(&package);
    // A `[zip]` case's package is its archive already (`package::build`).
    if case.zip.is_none() && info.has(archive::PACKAGE_ZIP) {
        if let Err(reason) = attach_zips(case, &mut request)? {
            result.verdict = Verdict::Skip {
                missing: vec![format!("{}: {reason}", archive::PACKAGE_ZIP)],
            };
            return Ok(result);
        }
    }
    // With `[fs]` or `[grants]`: the granted root and its canaries, alive until judged.
    let fixture = fixtures::attach(case, &package.digest, &mut request)?;
    result.request = request_json(case, &request);
    // With `[disk_cache]`, earlier requests warm and attack a cache directory first; it lives
    // until the judged request has run.
    let _cache = match case.disk_cache {
        None => None,
        Some(attack) => match disk_cache::prepare(runtime, case, attack, &package, &mut request)? {
            Ok(cache) => Some(cache),
            Err(failure) => {
                result.verdict = Verdict::Fail(failure).with_xfail(xfail);
                return Ok(result);
            }
        },
    };
    // A case that checks its guest was stopped runs alone, so the threads it watches are its own.
    let _turn = liveness::turn(case.expect.guest_stopped);
    let watch = case.expect.guest_stopped.then(liveness::Watch::start);
    let swapper = fixture.as_ref().and_then(|f| f.swapper(case.fs.as_ref()?));
    let start = Instant::now();
    let response: Result<Response, AdapterFailure> =
        catch_unwind(AssertUnwindSafe(|| runtime.run(&request)))
            .unwrap_or_else(|panic| Err(panicked(panic)));
    result.duration = start.elapsed();
    drop(swapper);
    let leftover = watch
        .and_then(liveness::Watch::finish)
        .and_then(|first| liveness::confirm(first, || runtime.run(&request)));
    result.observed = observed_json(response.as_ref());
    // The answer first (a wrong code is the headline), then how long it took, then whether the
    // guest was really stopped.
    // Confinement first: an escape is the headline whatever code came with it.
    let judged = fixtures::judge(fixture.as_ref(), response.as_ref())
        .and_then(|()| judge(case, response.as_ref()))
        .and_then(|()| timing::judge_time_twice(runtime, case, &request, result.duration))
        .and_then(|()| judge_stopped(case, leftover));
    result.verdict = match judged {
        Ok(()) => Verdict::Pass,
        Err(failure) => Verdict::Fail(failure),
    }
    .with_xfail(xfail);
    Ok(result)
}

/// Writes each package of the request as a stored zip beside its directory and names it in the
/// request. The inner `Err` is a package a zip cannot hold faithfully (the case is skipped).
fn attach_zips(case: &Case, request: &mut Request) -> Result<Result<(), String>, KitError> {
    let zip_of = |dir: &PathBuf| -> Result<Result<PathBuf, String>, KitError> {
        let out = dir.with_extension("zip");
        match archive::zip_package(dir, &out) {
            Ok(()) => Ok(Ok(out)),
            Err(archive::ZipError::Unrepresentable(why)) => Ok(Err(why)),
            Err(archive::ZipError::Io(e)) => Err(KitError::Package {
                id: case.id.clone(),
                message: format!("cannot write {}: {e}", out.display()),
            }),
        }
    };
    request.package_zip = match zip_of(&request.package)? {
        Ok(zip) => Some(zip),
        Err(why) => return Ok(Err(why)),
    };
    let mut zipped: Vec<(PathBuf, PathBuf)> = Vec::new();
    for call in &mut request.calls {
        let Some(dir) = call.package.clone() else {
            continue;
        };
        let zip = match zipped.iter().find(|(d, _)| *d == dir) {
            Some((_, zip)) => zip.clone(),
            None => match zip_of(&dir)? {
                Ok(zip) => {
                    zipped.push((dir, zip.clone()));
                    zip
                }
                Err(why) => return Ok(Err(why)),
            },
        };
        call.package_zip = Some(zip);
    }
    Ok(Ok(()))
}

/// The request as reports carry it: what was asked, not where the temporary package lived.
fn request_json(case: &Case, request: &Request) -> Value {
    json!({
        "limits": request.limits,
        "tool": case.tool,
        "input": case.input,
        "calls": request.calls.len(),
        "cancel_after_ms": case.cancel_after_ms,
    })
}

pub(crate) fn panicked(panic: Box<dyn std::any::Any + Send>) -> AdapterFailure {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string payload".into());
    AdapterFailure::Crashed {
        status: format!("panic: {message}"),
        stderr: String::new(),
    }
}
