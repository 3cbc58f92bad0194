//! The comparison: each module's answers from the reference and one adapter, call by call
//! (status and code, normative details, output, diagnostics, import counters), every
//! disagreement a finding with its rerun line and, with `--dump`, its files.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use toolcage_kit::{
    truncate, universal_checks, AdapterFailure, ConformanceRuntime, LimitOverrides, Outcome,
    Request, Response, Status, DEFAULT_MESSAGE_BYTES,
};

use super::{limits, request, DiffConfig, Finding, Module, RuntimeTally, Subject};
use crate::fuzz::Family;
use crate::ReferenceRuntime;

/// Codes whose agreement across engines SPEC does not promise: when either side answers one of
/// these, the pair is inconclusive, not a finding.
const ENGINE_BOUND: &[&str] = &[
    "timeout",
    "fuel_exhausted",
    "stack_overflow",
    "resource_exhausted",
];

/// The detail keys SPEC section 9 names normative; the kit checks them, so they are compared.
const NORMATIVE_DETAILS: &[&str] = &["imports", "count", "export", "trap"];

pub(super) fn compare_batch(
    config: &DiffConfig,
    reference: &ReferenceRuntime,
    subjects: &mut [Subject],
    batch: &[Module],
) {
    if batch.is_empty() {
        return;
    }
    for subject in subjects.iter_mut() {
        let sent: Vec<&Module> = batch
            .iter()
            .filter(|m| !m.diagnostics || subject.info.has("diagnostics"))
            .collect();
        subject.report.skipped += (batch.len() - sent.len()) as u64;
        if sent.is_empty() {
            continue;
        }
        let limits = limits(config, sent[0], &subject.info);
        let zip = subject.info.has("package_zip");
        let whole = request(&sent, limits.clone(), zip);
        // The reference and the adapter answer the same request side by side.
        let (ours, theirs) = std::thread::scope(|scope| {
            let theirs = scope.spawn(|| subject.runtime.run(&whole));
            let ours = reference.run(&whole);
            (ours, theirs.join())
        });
        let theirs = theirs.unwrap_or_else(|_| {
            Err(AdapterFailure::Unavailable {
                reason: "the thread running the adapter panicked".into(),
            })
        });
        match (ours, theirs) {
            (Ok(ours), Ok(theirs))
                if ours.outcomes.len() == whole.calls.len()
                    && theirs.outcomes.len() == whole.calls.len() =>
            {
                for (i, module) in sent.iter().enumerate() {
                    let pick = |r: &Response| r.outcomes[2 * i..2 * i + 2].to_vec();
                    compare_module(
                        config,
                        subject,
                        module,
                        &limits,
                        &pick(&ours),
                        &pick(&theirs),
                    );
                }
            }
            // Module by module, so a failure is pinned to the module that caused it.
            _ => {
                for &module in &sent {
                    let one = request(&[module], limits.clone(), zip);
                    let ours = reference.run(&one);
                    let theirs = subject.runtime.run(&one);
                    match (ours, theirs) {
                        (Ok(ours), Ok(theirs))
                            if ours.outcomes.len() == 2 && theirs.outcomes.len() == 2 =>
                        {
                            compare_module(
                                config,
                                subject,
                                module,
                                &limits,
                                &ours.outcomes,
                                &theirs.outcomes,
                            )
                        }
                        (ours, theirs) => {
                            let what = match (ours, theirs) {
                                (Err(e), _) => format!("the reference failed: {e}"),
                                (_, Err(e)) => format!(
                                    "{e}{}",
                                    e.stderr()
                                        .map(|s| format!(" (stderr: {})", truncate(s, 300)))
                                        .unwrap_or_default()
                                ),
                                (_, Ok(r)) => {
                                    format!("{} outcomes for 2 calls", r.outcomes.len())
                                }
                            };
                            subject.report.compared += 1;
                            finding(config, subject, module, &one, what, None);
                        }
                    }
                }
            }
        }
    }
}

fn compare_module(
    config: &DiffConfig,
    subject: &mut Subject,
    module: &Module,
    limits: &LimitOverrides,
    ours: &[Outcome],
    theirs: &[Outcome],
) {
    let family = module.generated.family;
    subject.report.compared += 1;
    tally(&mut subject.report.reference, family, ours);
    tally(&mut subject.report.tally, family, theirs);
    let message_bytes = limits.message_bytes.unwrap_or(DEFAULT_MESSAGE_BYTES);
    let diagnostics = subject.info.has("diagnostics");
    let mut problems = Vec::new();
    for (call, (a, b)) in ours.iter().zip(theirs).enumerate() {
        let (code_a, code_b) = (code(a), code(b));
        for (who, outcome) in [("reference", a), ("adapter", b)] {
            if let Status::Error { error } = &outcome.status {
                if let Err(why) = universal_checks(error, message_bytes) {
                    problems.push(format!("call {}: {who}: {why}", call + 1));
                }
            }
        }
        if code_a != code_b {
            if ENGINE_BOUND.contains(&code_a.as_str()) || ENGINE_BOUND.contains(&code_b.as_str()) {
                *subject
                    .report
                    .inconclusive
                    .entry(format!("{code_a}/{code_b}"))
                    .or_insert(0) += 1;
                continue;
            }
            if let Some(case) = subject.known.get(&code_a) {
                *subject
                    .report
                    .declared
                    .entry(format!("{code_a}/{code_b} ({case})"))
                    .or_insert(0) += 1;
                continue;
            }
            problems.push(format!(
                "call {}: reference {}, adapter {}",
                call + 1,
                describe(a),
                describe(b)
            ));
            continue;
        }
        let mut differs = Vec::new();
        match (&a.status, &b.status) {
            (Status::Ok { output: x }, Status::Ok { output: y }) if !same_output(x, y) => {
                differs.push(format!("output {x} vs {y}"));
            }
            (Status::Error { error: x }, Status::Error { error: y }) => {
                for key in NORMATIVE_DETAILS {
                    let (vx, vy) = (x.details.get(key), y.details.get(key));
                    if vx != vy {
                        differs.push(format!(
                            "details.{key} {} vs {}",
                            vx.map_or("absent".into(), Value::to_string),
                            vy.map_or("absent".into(), Value::to_string)
                        ));
                    }
                }
            }
            _ => {}
        }
        if diagnostics && a.diagnostics != b.diagnostics {
            differs.push(format!(
                "diagnostics {:?} vs {:?}",
                a.diagnostics, b.diagnostics
            ));
        }
        // A runtime that counts imports is held to its counts (a timeout stops mid-way, and is
        // excluded above only when the codes differ).
        let counts = subject.info.has(toolcage_kit::EVIDENCE) || !b.host_calls.is_empty();
        if counts && !ENGINE_BOUND.contains(&code_a.as_str()) {
            if a.host_calls != b.host_calls {
                differs.push(format!(
                    "host_calls {:?} vs {:?}",
                    a.host_calls, b.host_calls
                ));
            }
            if a.host_call_failures != b.host_call_failures {
                differs.push(format!(
                    "host_call_failures {:?} vs {:?}",
                    a.host_call_failures, b.host_call_failures
                ));
            }
        }
        if differs.is_empty() {
            subject.report.agreed += 1;
        } else {
            problems.push(format!(
                "call {}: both {code_a}, but {}",
                call + 1,
                differs.join("; ")
            ));
        }
    }
    if !problems.is_empty() {
        let one = request(&[module], limits.clone(), subject.info.has("package_zip"));
        let answers = json!({"reference": ours, "adapter": theirs});
        finding(
            config,
            subject,
            module,
            &one,
            problems.join(" | "),
            Some(answers),
        );
    }
}

fn finding(
    config: &DiffConfig,
    subject: &mut Subject,
    module: &Module,
    request: &Request,
    what: String,
    answers: Option<Value>,
) {
    let mut what = what;
    if let Some(dir) = &config.dump {
        match dump(dir, module, request, answers) {
            Ok(path) => what.push_str(&format!(" [dumped to {}]", path.display())),
            Err(e) => what.push_str(&format!(" [dump failed: {e}]")),
        }
    }
    subject.report.findings.push(Finding {
        seed: module.seed,
        family: module.generated.family,
        runtime: subject.report.name.clone(),
        what,
    });
}

/// `DIR/seed-S/`: the package (`pkg/`), the module text when there is one, the request an
/// adapter reruns with `ADAPTER run < request.json`, and both answers.
fn dump(
    dir: &Path,
    module: &Module,
    request: &Request,
    answers: Option<Value>,
) -> std::io::Result<PathBuf> {
    let out = dir.join(format!("seed-{}", module.seed));
    let pkg = out.join("pkg");
    std::fs::create_dir_all(&pkg)?;
    let out = out.canonicalize()?;
    let pkg = pkg.canonicalize()?;
    std::fs::write(pkg.join("plugin.toml"), module.generated.manifest())?;
    std::fs::write(pkg.join("plugin.wasm"), &module.generated.wasm)?;
    let text = match &module.generated.wat {
        Some(wat) => Some(wat.clone()),
        None => wasmprinter::print_bytes(&module.generated.wasm).ok(),
    };
    if let Some(text) = text {
        std::fs::write(out.join("module.wat"), text)?;
    }
    let mut request = request.clone();
    request.package = pkg.clone();
    request.package_zip = None;
    for call in &mut request.calls {
        call.package = None;
        call.package_zip = None;
        call.digest = None;
    }
    let text = serde_json::to_string_pretty(&request).map_err(std::io::Error::other)?;
    std::fs::write(out.join("request.json"), text)?;
    if let Some(answers) = answers {
        let text = serde_json::to_string_pretty(&answers).map_err(std::io::Error::other)?;
        std::fs::write(out.join("answers.json"), text)?;
    }
    Ok(out)
}

fn tally(tally: &mut RuntimeTally, family: Family, outcomes: &[Outcome]) {
    if let Some(first) = outcomes.first() {
        *tally.outcomes.entry((family, code(first))).or_insert(0) += 1;
    }
    for outcome in outcomes {
        for (name, n) in &outcome.host_calls {
            let failed = outcome.host_call_failures.get(name).copied().unwrap_or(0);
            let entry = tally
                .host_calls
                .entry((family, name.clone()))
                .or_insert((0, 0));
            entry.0 += n;
            entry.1 += failed;
        }
    }
}

fn code(outcome: &Outcome) -> String {
    match &outcome.status {
        Status::Ok { .. } => "ok".into(),
        Status::Error { error } => error.code.clone(),
    }
}

fn describe(outcome: &Outcome) -> String {
    match &outcome.status {
        Status::Ok { output } => format!("ok {}", truncate(&output.to_string(), 200)),
        Status::Error { error } => format!(
            "{} {} ({})",
            error.code,
            truncate(&error.details.to_string(), 200),
            truncate(&error.message, 120)
        ),
    }
}

/// Equal tool results: the same summary and content, an absent content equal to null.
fn same_output(a: &Value, b: &Value) -> bool {
    let content = |v: &Value| v.get("content").cloned().unwrap_or(Value::Null);
    a.get("summary") == b.get("summary")
        && content(a) == content(b)
        && a.as_object()
            .map(|m| m.len() - usize::from(m.contains_key("content")))
            == b.as_object()
                .map(|m| m.len() - usize::from(m.contains_key("content")))
}
