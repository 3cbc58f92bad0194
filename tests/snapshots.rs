//! The full structured error (code, phase, message, details) of every case that expects a code,
//! from the reference runtime in-process, snapshotted with insta: one snapshot per case id in
//! `snapshots/`. Codes are compared by the kit; this is where message text is reviewed.
//!
//! Update after an intended change with `INSTA_UPDATE=always cargo test --test snapshots` (or
//! `cargo insta review`), then read the diff.

use std::path::Path;

use libtest_mimic::{Arguments, Failed, Trial};
use toolcage_kit::{build_package, ConformanceRuntime, ExpectedOutcome, Status, Suite};
use toolcage_selftest::ReferenceRuntime;

fn main() {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let trials = match (Suite::load(&[root.join("corpus")]), ReferenceRuntime::new()) {
        (Ok(suite), Ok(runtime)) => {
            let cases: Vec<_> = suite
                .cases
                .into_iter()
                .filter(|case| matches!(case.expect.outcome, ExpectedOutcome::Error { .. }))
                .collect();
            let ids: Vec<String> = cases.iter().map(|case| case.id.clone()).collect();
            let mut trials: Vec<Trial> = cases
                .into_iter()
                .map(|case| {
                    let runtime = runtime.clone();
                    Trial::test(case.id.clone(), move || snapshot(&runtime, &case))
                })
                .collect();
            trials.push(Trial::test("no-orphan-snapshots", move || orphans(&ids)));
            trials
        }
        (Err(errors), _) => {
            let message = errors.to_string();
            vec![Trial::test("kit", move || Err(message.into()))]
        }
        (_, Err(e)) => {
            let message = format!("cannot build the reference runtime: {}", e.message());
            vec![Trial::test("kit", move || Err(message.into()))]
        }
    };
    libtest_mimic::run(&args, trials).exit()
}

fn snapshot(runtime: &ReferenceRuntime, case: &toolcage_kit::Case) -> Result<(), Failed> {
    // Network cases: their own servers, the case expanded with their ports, the name table.
    let net = toolcage_kit::start_network(case).map_err(|e| e.to_string())?;
    let case = net.as_ref().map_or(case, |net| net.case());
    let package = build_package(case).map_err(|e| e.to_string())?;
    let mut request = case.request(&package);
    request.names = net.as_ref().map(|net| net.names().clone());
    // Host-API cases: the granted root and the grant, alive until the request has run.
    let _fixture = toolcage_kit::attach_fixture(case, &package.digest, &mut request)
        .map_err(|e| e.to_string())?;
    let response = runtime.run(&request).map_err(|e| e.to_string())?;
    // The first judged call (after any warm-up call).
    let outcome = response
        .outcomes
        .get(case.warm_up_calls())
        .ok_or("no outcome")?;
    let Status::Error { error } = &outcome.status else {
        return Err(format!(
            "{}: expected an error, observed {:?}",
            case.id, outcome.status
        )
        .into());
    };
    // The package lives in a fresh temporary directory: keep its random name out of the text.
    let workdir = package
        .path
        .parent()
        .ok_or("package without parent")?
        .display()
        .to_string();
    let mut text = serde_json::to_string(error).map_err(|e| e.to_string())?;
    // The servers' ports change every run: a URL in the details names them by placeholder.
    if let Some(ports) = net.as_ref().map(|net| net.ports()) {
        for (port, name) in [
            (ports.http, "$HTTP_PORT"),
            (ports.websocket, "$WS_PORT"),
            (ports.sentinel, "$SENTINEL_PORT"),
        ] {
            text = text.replace(&format!(":{port}"), &format!(":{name}"));
        }
    }
    let stable: serde_json::Value =
        serde_json::from_str(&text.replace(&workdir, "[WORKDIR]")).map_err(|e| e.to_string())?;

    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_description(format!(
        "{} [{}]: {}",
        case.id, case.guarantee, case.summary
    ));
    settings.set_input_file(&case.path);
    // A mismatch panics inside insta; libtest-mimic turns the panic into this trial's failure.
    settings.bind(|| insta::assert_json_snapshot!(case.id.as_str(), stable));
    Ok(())
}

/// A snapshot whose case is gone or no longer expects a code would never be checked again:
/// fail until it is deleted, so `snapshots/` stays exactly the set of code-expecting cases.
fn orphans(ids: &[String]) -> Result<(), Failed> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots");
    let mut orphans = Vec::new();
    for entry in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let name = entry.map_err(|e| e.to_string())?.file_name();
        let name = name.to_string_lossy();
        if let Some(id) = name.strip_suffix(".snap") {
            if !ids.iter().any(|known| known == id) {
                orphans.push(name.into_owned());
            }
        }
    }
    if orphans.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "snapshots without a code-expecting case (delete them): {}",
            orphans.join(", ")
        )
        .into())
    }
}
