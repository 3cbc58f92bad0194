//! Runs one case against a runtime: describe once, then for the case build its package, send
//! the request, judge the answer, and apply the expectations file.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::{disk_cache, network, timing};
use crate::judge::answer::{expected_json, judge, judge_stopped, observed_json};
use crate::judge::confinement;
use crate::judge::declared::{self, Evidence, FixedLimit};
use crate::judge::network::judge as judge_network;
use crate::judge::verdict::{Failure, FailureClass, Verdict};
use crate::model::case::Case;
use crate::model::corpus::GuaranteeClass;
use crate::model::error::KitError;
use crate::model::protocol::{LimitOverrides, Request, Response, RuntimeInfo, PROTOCOL_VERSION};
use crate::model::spec::PACKAGE_ZIP;
use crate::package::archive::{self, zip_package};
use crate::package::{build, fixture};
use crate::runtime::liveness;
use crate::runtime::seam::{panicked, AdapterFailure, ConformanceRuntime};

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
    /// The guarantee's class (set by [`run_suite`] with `must`).
    pub class: Option<GuaranteeClass>,
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
        class: None,
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
    // From here on the case is judged as this runtime can be judged on it.
    let (case, evidence, fixed_limits) = match fit_case(case, info) {
        Ok(fitted) => fitted,
        Err(missing) => {
            result.verdict = Verdict::Skip { missing };
            return Ok(result);
        }
    };
    // A network case gets fresh servers before its package is built: their ports are in its
    // manifest, grant and input. They stop when `net` is dropped, after judging.
    let net = network::start(&case)?;
    let case = net.as_ref().map_or(&case, |net| &net.case);
    result.evidence = evidence;
    result.fixed_limits = fixed_limits;
    let package = build::build(case)?;
    let mut request = case.request(&package);
    request.names = net.as_ref().map(|net| net.names.clone());
    // A `[zip]` case's package is its archive already (`package::build`).
    if case.zip.is_none() && info.has(PACKAGE_ZIP) {
        if let Err(reason) = attach_zips(case, &mut request)? {
            result.verdict = Verdict::Skip {
                missing: vec![format!("{}: {reason}", PACKAGE_ZIP)],
            };
            return Ok(result);
        }
    }
    // With `[fs]` or `[grants]`: the granted root and its canaries, alive until judged.
    let fixture = fixture::attach(case, &package.digest, &mut request)?;
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
    liveness::take_sweep();
    let start = Instant::now();
    let response: Result<Response, AdapterFailure> =
        catch_unwind(AssertUnwindSafe(|| runtime.run(&request)))
            .unwrap_or_else(|panic| Err(panicked(panic)));
    result.duration = start.elapsed();
    drop(swapper);
    // Before anything runs the request again: what this call left on the network.
    let net_seen = net.as_ref().map(network::NetRun::observe);
    // A serving adapter is swept after every answer: CPU burned after it, in any case.
    let swept = liveness::take_sweep()
        .and_then(|first| liveness::confirm_sweep(first, || runtime.run(&request)));
    let leftover = watch
        .and_then(liveness::Watch::finish)
        .and_then(|first| liveness::confirm(first, || runtime.run(&request)));
    result.observed = observed_json(response.as_ref());
    // The answer first (a wrong code is the headline), then how long it took, then whether the
    // guest was really stopped.
    // A misreported refusal or stop is only that when the guest was also stopped in time and
    // not left running: a safety failure found after it is the verdict, the misreport a note.
    let safety = || {
        timing::judge_time_twice(runtime, case, &request, result.duration)
            .and_then(|()| judge_stopped(case, leftover))
            .and_then(|()| judge_swept(swept))
    };
    // Confinement first: an escape is the headline whatever code came with it.
    // Then the network: the sentinel, sockets left open, what reached the servers.
    let judged = match confinement::judge(fixture.as_ref(), response.as_ref())
        .and_then(|()| match &net_seen {
            Some(seen) => judge_network(&case.expect.net, seen),
            None => Ok(()),
        })
        .and_then(|()| judge(case, response.as_ref()))
    {
        Ok(()) => safety(),
        Err(misreported) if matches!(misreported.class, FailureClass::Reporting(_)) => {
            Err(match safety() {
                Ok(()) => misreported,
                Err(found) => Failure {
                    message: format!("{}; also {misreported}", found.message),
                    ..found
                },
            })
        }
        Err(failure) => Err(failure),
    };
    result.verdict = match judged {
        Ok(()) => Verdict::Pass,
        Err(failure) => Verdict::Fail(failure),
    }
    .with_xfail(xfail);
    Ok(result)
}

/// Work a serving adapter kept running after answering a case that does not watch its guest:
/// no call's work may outlive its answer (docs/SPEC.md section 6, CPU-05 for a timeout; for any
/// answer the host's CPU is spent on a call no one waits for), so it fails the case whatever its
/// expected outcome.
fn judge_swept(swept: Option<String>) -> Result<(), Failure> {
    match swept {
        Some(message) => Err(Failure {
            kind: crate::judge::verdict::FailureKind::GuestLeftRunning,
            class: FailureClass::Safety,
            call: None,
            message: format!("after the answer: {message}"),
        }),
        None => Ok(()),
    }
}

/// The case as `info` lets the kit judge it (see [`declared::fit`]), or why it is skipped: a
/// profile or capabilities the runtime lacks, or a fixed limit at which the case would prove
/// another guarantee. Public so a corpus can be audited against a declaration without running
/// anything (which guarantees a runtime declaring that could still be judged on): the same
/// decision the run makes, never a copy of it.
pub fn fit_case(
    case: &Case,
    info: &RuntimeInfo,
) -> Result<(Case, Evidence, Vec<FixedLimit>), Vec<String>> {
    if !info.supports(case.profile) {
        return Err(vec![format!("profile {}", case.profile.as_str())]);
    }
    let missing: Vec<String> = case
        .capabilities
        .iter()
        .filter(|c| !info.has(c))
        .cloned()
        .collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    declared::fit(case, info).map_err(|reason| vec![reason])
}

/// Writes each package of the request as a stored zip beside its directory and names it in the
/// request. The inner `Err` is a package a zip cannot hold faithfully (the case is skipped).
fn attach_zips(case: &Case, request: &mut Request) -> Result<Result<(), String>, KitError> {
    let zip_of = |dir: &PathBuf| -> Result<Result<PathBuf, String>, KitError> {
        let out = dir.with_extension("zip");
        match zip_package(dir, &out) {
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
