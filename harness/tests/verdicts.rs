//! The kit judging fake in-memory runtimes: every verdict kind, every failure reason and every
//! universal check is reached here, so a bug in the judge cannot hide behind a correct runtime.

use std::fs;
use std::path::Path;
use std::sync::Mutex;

use serde_json::{json, Value};
use toolcage_kit::{
    run_case, run_suite, AdapterFailure, ConformanceRuntime, Expectations, FailureKind, KitError,
    Request, Response, RunOptions, RuntimeInfo, Suite, Verdict,
};

const MODULE: &str = "(module (memory (export \"memory\") 1) (func (export \"yoi_tool_call\")))";

type Answer = Box<dyn Fn(&Request) -> Result<Response, AdapterFailure> + Send + Sync>;

/// A runtime whose answer is whatever the test says, and which records the requests it saw.
struct Fake {
    capabilities: Vec<String>,
    profiles: Vec<String>,
    protocol: u32,
    answer: Answer,
    seen: Mutex<Vec<(Request, String, String, bool)>>,
}

impl Fake {
    fn new(
        answer: impl Fn(&Request) -> Result<Response, AdapterFailure> + Send + Sync + 'static,
    ) -> Fake {
        Fake {
            capabilities: vec![],
            profiles: vec![],
            protocol: 1,
            answer: Box::new(answer),
            seen: Mutex::new(vec![]),
        }
    }
}

impl ConformanceRuntime for Fake {
    fn describe(&self) -> Result<RuntimeInfo, AdapterFailure> {
        Ok(RuntimeInfo {
            protocol: self.protocol,
            name: "fake".into(),
            version: "0".into(),
            capabilities: self.capabilities.clone(),
            limits: Default::default(),
            profiles: self.profiles.clone(),
        })
    }
    fn run(&self, request: &Request) -> Result<Response, AdapterFailure> {
        let manifest = fs::read_to_string(request.package.join("plugin.toml")).unwrap_or_default();
        let digest = toolcage_kit::package_digest(&request.package).unwrap();
        let module = request.package.join("plugin.wasm").is_file();
        self.seen
            .lock()
            .unwrap()
            .push((request.clone(), manifest, digest, module));
        (self.answer)(request)
    }
}

fn outcomes(values: Vec<Value>) -> Response {
    serde_json::from_value(json!({"protocol": 1, "outcomes": values})).unwrap()
}

fn error(code: &str, phase: &str, message: &str, details: Value) -> Value {
    json!({"status": "error", "error": {"code": code, "phase": phase, "message": message,
           "details": details}, "host_calls": {"output_write": 2}, "host_call_failures": {"output_write": 1}})
}

fn ok(output: Value) -> Value {
    json!({"status": "ok", "output": output, "host_calls": {"output_write": 1}})
}

/// A one-guarantee corpus holding the given cases (file name, header lines).
fn corpus(cases: &[(&str, &str)]) -> (tempfile::TempDir, Suite) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("guarantees.toml"),
        "[[guarantee]]\nid = \"G-1\"\narea = \"out\"\nclass = \"safety\"\nmust = \"m\"\n",
    )
    .unwrap();
    for (id, header) in cases {
        let lines: String = format!(
            "id = \"{id}\"\nguarantee = \"G-1\"\nsince = \"0.1.0\"\nsummary = \"s\"\n{header}"
        )
        .lines()
        .map(|l| format!(";;! {}\n", l.trim()))
        .collect();
        fs::write(dir.path().join(format!("{id}.wat")), lines + MODULE).unwrap();
    }
    let suite = Suite::load(&[dir.path()]).unwrap();
    (dir, suite)
}

fn verdict_of(fake: &Fake, header: &str, xfail: Option<&str>) -> Verdict {
    let (_dir, suite) = corpus(&[("t.case", header)]);
    let info = toolcage_kit::describe(fake);
    run_case(fake, &info, &suite.cases[0], xfail)
        .unwrap()
        .verdict
}

fn failure_kind(verdict: &Verdict) -> (&'static str, String) {
    match verdict {
        Verdict::Fail(f) => (f.kind.as_str(), f.message.clone()),
        other => panic!("expected a failure, got {other:?}"),
    }
}

const TRAP: &str = "[expect]\ncode = \"trap\"\ndetails = { trap = \"unreachable\" }";

#[test]
fn pass_when_code_and_details_match_and_the_request_is_right() {
    let fake = Fake::new(|_| {
        Ok(outcomes(vec![error(
            "trap",
            "run",
            "wasm trap: unreachable",
            json!({"trap": "unreachable", "extra": 1}),
        )]))
    });
    let header = format!("input_size = 32\ninput_schema = '{{\"type\":\"object\",\"required\":[\"pad\"]}}'\n[limits]\ndeadline_ms = 50\n{TRAP}");
    assert_eq!(verdict_of(&fake, &header, None), Verdict::Pass);
    let seen = fake.seen.lock().unwrap();
    let (request, manifest, digest, module) = &seen[0];
    assert_eq!(
        &request.digest, digest,
        "pinned digest must be the package's own"
    );
    assert_eq!(request.limits.deadline_ms, Some(50));
    assert_eq!(request.calls.len(), 1);
    assert_eq!(request.calls[0].input.len(), 32);
    assert_eq!(request.calls[0].tool, "run");
    let manifest: toml::Table = manifest.parse().unwrap();
    assert_eq!(manifest["schema_version"].as_integer(), Some(1));
    assert_eq!(
        manifest["runtime"]["abi"].as_str(),
        Some("yoi-plugin-wasm-1")
    );
    assert_eq!(manifest["runtime"]["entry"].as_str(), Some("plugin.wasm"));
    assert_eq!(
        manifest["tools"][0]["input_schema"]["required"][0].as_str(),
        Some("pad")
    );
    assert!(module, "the module is written at the entry");
    assert!(
        !request.package.exists(),
        "the package is removed after the case"
    );
}

#[test]
fn code_mismatch_and_status_mismatch_fail() {
    let fake = Fake::new(|_| Ok(outcomes(vec![error("timeout", "run", "late", json!({}))])));
    let (kind, message) = failure_kind(&verdict_of(&fake, TRAP, None));
    assert_eq!(kind, "code_mismatch");
    assert!(
        message.contains("expected error `trap`") && message.contains("`timeout`"),
        "{message}"
    );

    let fake = Fake::new(|_| Ok(outcomes(vec![ok(json!({"summary": "x"}))])));
    assert_eq!(
        failure_kind(&verdict_of(&fake, TRAP, None)).0,
        "code_mismatch"
    );

    let fake = Fake::new(|_| {
        Ok(outcomes(vec![error(
            "trap",
            "run",
            "m",
            json!({"trap": "unreachable"}),
        )]))
    });
    let (kind, _) = failure_kind(&verdict_of(
        &fake,
        "[expect]\noutput = { summary = \"x\" }",
        None,
    ));
    assert_eq!(kind, "code_mismatch");
}

#[test]
fn details_mismatch_fails() {
    for details in [json!({"trap": "memory_out_of_bounds"}), json!({})] {
        let fake =
            Fake::new(move |_| Ok(outcomes(vec![error("trap", "run", "m", details.clone())])));
        assert_eq!(
            failure_kind(&verdict_of(&fake, TRAP, None)).0,
            "details_mismatch"
        );
    }
}

#[test]
fn output_must_match_exactly() {
    let expect = "[expect]\noutput = { summary = \"hi\", content = \"c\" }";
    let good = json!({"summary": "hi", "content": "c"});
    let fake = Fake::new(move |_| Ok(outcomes(vec![ok(good.clone())])));
    assert_eq!(verdict_of(&fake, expect, None), Verdict::Pass);
    for bad in [
        json!({"summary": "hi", "content": "c", "extra": true}),
        json!({"summary": "hi"}),
        json!({"summary": "ho", "content": "c"}),
        json!({"summary": "hi", "content": 1}),
        json!("hi"),
    ] {
        let fake = Fake::new(move |_| Ok(outcomes(vec![ok(bad.clone())])));
        assert_eq!(
            failure_kind(&verdict_of(&fake, expect, None)).0,
            "output_mismatch"
        );
    }
    // Absent content expected: null or absent observed are both fine.
    let expect = "[expect]\noutput = { summary = \"hi\" }";
    for good in [
        json!({"summary": "hi"}),
        json!({"summary": "hi", "content": null}),
    ] {
        let fake = Fake::new(move |_| Ok(outcomes(vec![ok(good.clone())])));
        assert_eq!(verdict_of(&fake, expect, None), Verdict::Pass);
    }
}

#[test]
fn missing_evidence_fails() {
    // Counters are judged for a runtime that declares `evidence` (tests/declared.rs has the
    // runtime that does not).
    let mut fake = Fake::new(|_| {
        Ok(outcomes(vec![error(
            "output_too_large",
            "output",
            "m",
            json!({}),
        )]))
    });
    fake.capabilities = vec!["evidence".into()];
    let base = "[expect]\ncode = \"output_too_large\"\n";
    assert_eq!(
        verdict_of(
            &fake,
            &format!("{base}min_host_call_failures = {{ output_write = 1 }}"),
            None
        ),
        Verdict::Pass
    );
    let (kind, message) = failure_kind(&verdict_of(
        &fake,
        &format!("{base}min_host_call_failures = {{ output_write = 2 }}"),
        None,
    ));
    assert_eq!(kind, "missing_evidence");
    assert!(message.contains("observed 1"), "{message}");
    let (kind, _) = failure_kind(&verdict_of(
        &fake,
        &format!("{base}min_host_calls = {{ input_read = 1 }}"),
        None,
    ));
    assert_eq!(kind, "missing_evidence");
}

#[test]
fn every_universal_check_catches_its_violation() {
    let long = "x".repeat(513);
    let big = json!({"blob": "y".repeat(4100)});
    let violations = [
        error("segfault", "run", "m", json!({})),
        error("trap", "load", "m", json!({"trap": "unreachable"})),
        error("trap", "run", "", json!({"trap": "unreachable"})),
        error("trap", "run", &long, json!({"trap": "unreachable"})),
        error("trap", "run", "line\nbreak", json!({"trap": "unreachable"})),
        error(
            "trap",
            "run",
            "c1 \u{85} control",
            json!({"trap": "unreachable"}),
        ),
        error("trap", "run", "del \u{7f}", json!({"trap": "unreachable"})),
        error("trap", "run", "m", json!(["trap"])),
        error("trap", "run", "m", big),
    ];
    // A wrong code with a broken shape reports both.
    let fake = Fake::new(|_| Ok(outcomes(vec![error("timeout", "load", "m", json!({}))])));
    let (kind, message) = failure_kind(&verdict_of(&fake, "[expect]\ncode = \"trap\"", None));
    assert_eq!(kind, "code_mismatch");
    assert!(
        message.contains("also universal_check: code `timeout` has phase `load`"),
        "{message}"
    );
    for violation in violations {
        let shown = violation.to_string();
        let fake = Fake::new(move |_| Ok(outcomes(vec![violation.clone()])));
        let (kind, message) = failure_kind(&verdict_of(&fake, "[expect]\ncode = \"trap\"", None));
        assert!(
            kind == "universal_check" || (kind == "code_mismatch" && shown.contains("segfault")),
            "{shown}: {kind} {message}"
        );
    }
    // 512 bytes is within the default bound; a case override tightens it.
    let fake = Fake::new(|_| {
        Ok(outcomes(vec![error(
            "trap",
            "run",
            &"x".repeat(512),
            json!({}),
        )]))
    });
    assert_eq!(
        verdict_of(&fake, "[expect]\ncode = \"trap\"", None),
        Verdict::Pass
    );
    let (kind, _) = failure_kind(&verdict_of(
        &fake,
        "[limits]\nmessage_bytes = 100\n[expect]\ncode = \"trap\"",
        None,
    ));
    assert_eq!(kind, "universal_check");
}

/// SPEC section 9 bounds every string of `details` (256 bytes), every list (16 items) and bans
/// bidirectional overrides from the message and the details: a runtime breaking any of them
/// fails, at any depth, and one exactly at the bounds passes.
#[test]
fn details_string_list_and_bidi_bounds_are_universal_checks() {
    let trap = |message: &str, details: Value| error("trap", "run", message, details);
    let violations = [
        (
            trap("m", json!({"trap": "unreachable", "note": "x".repeat(257)})),
            "details.note is a string of 257 bytes",
        ),
        (
            trap(
                "m",
                json!({"trap": "unreachable", "deep": {"list": [["y".repeat(300)]]}}),
            ),
            "details.deep.list[0][0] is a string of 300 bytes",
        ),
        (
            trap(
                "m",
                json!({"trap": "unreachable", "items": (0..17).collect::<Vec<_>>()}),
            ),
            "details.items is a list of 17 items",
        ),
        (
            trap(
                "m",
                json!({"trap": "unreachable", "o": {"n": [vec![0; 17]]}}),
            ),
            "details.o.n[0] is a list of 17 items",
        ),
        (
            trap("m", json!({"trap": "unreachable", "k".repeat(257): 1})),
            "is a string of 257 bytes",
        ),
        (
            trap("evil \u{202E}txt.exe", json!({"trap": "unreachable"})),
            "message holds bidirectional override U+202E",
        ),
        (
            trap("m", json!({"trap": "unreachable", "name": "a\u{2066}b"})),
            "details.name holds bidirectional override U+2066",
        ),
        (
            trap(
                "m",
                json!({"trap": "unreachable", "list": ["ok", "\u{202A}"]}),
            ),
            "details.list[1] holds bidirectional override U+202A",
        ),
        (
            trap("m", json!({"trap": "unreachable", "\u{2069}": 1})),
            "holds bidirectional override U+2069",
        ),
    ];
    for (violation, want) in violations {
        let shown = violation.to_string();
        let fake = Fake::new(move |_| Ok(outcomes(vec![violation.clone()])));
        let (kind, message) = failure_kind(&verdict_of(&fake, TRAP, None));
        assert_eq!(kind, "universal_check", "{shown}: {message}");
        assert!(message.contains(want), "{shown}: {message}");
    }
    // Exactly at the bounds (and other Unicode, such as U+206A or U+2060) passes.
    let at_bounds = trap(
        "\u{2060} and \u{206A} are not in SPEC section 9's set",
        json!({"trap": "unreachable", "s": "z".repeat(256), "l": vec!["é"; 16],
               "k".repeat(256): [vec![1; 16]]}),
    );
    let fake = Fake::new(move |_| Ok(outcomes(vec![at_bounds.clone()])));
    assert_eq!(verdict_of(&fake, TRAP, None), Verdict::Pass);
}

/// `details.count` of `import_denied` is normative: a case may pin it, and a runtime whose count
/// differs fails with details_mismatch.
#[test]
fn import_denied_count_is_a_normative_details_key() {
    let header =
        "[expect]\ncode = \"import_denied\"\ndetails = { imports = [\"env::a\"], count = 20 }";
    let denied = |count: u64| {
        error(
            "import_denied",
            "link",
            "denied",
            json!({"imports": ["env::a"], "count": count}),
        )
    };
    let right = Fake::new(move |_| Ok(outcomes(vec![denied(20)])));
    assert_eq!(verdict_of(&right, header, None), Verdict::Pass);
    let wrong = Fake::new(move |_| Ok(outcomes(vec![denied(1)])));
    let (kind, message) = failure_kind(&verdict_of(&wrong, header, None));
    assert_eq!(kind, "details_mismatch", "{message}");
    assert!(message.contains("details.count = 20"), "{message}");
}

#[test]
fn universal_checks_apply_to_unexpected_codes_too() {
    // Same code as expected is required to reach the checks on a code-expecting case; the
    // check itself is exported so every front end applies the same rules.
    let body: toolcage_kit::ErrorBody = serde_json::from_value(
        json!({"code": "timeout", "phase": "run", "message": "tab\there", "details": {}}),
    )
    .unwrap();
    assert!(toolcage_kit::universal_checks(&body, 512)
        .unwrap_err()
        .contains("U+0009"));
}

#[test]
fn repeat_requires_every_call_to_match() {
    let fake = Fake::new(|request| {
        let mut all =
            vec![error("trap", "run", "m", json!({"trap": "unreachable"})); request.calls.len()];
        all[2] = ok(json!({"summary": "leaked state"}));
        Ok(outcomes(all))
    });
    let verdict = verdict_of(&fake, &format!("repeat = 3\n{TRAP}"), None);
    match verdict {
        Verdict::Fail(f) => assert_eq!((f.kind, f.call), (FailureKind::CodeMismatch, Some(2))),
        other => panic!("{other:?}"),
    }
}

#[test]
fn wrong_count_protocol_and_panic_are_adapter_failures() {
    let fake = Fake::new(|_| Ok(outcomes(vec![])));
    let (kind, message) = failure_kind(&verdict_of(&fake, TRAP, None));
    assert_eq!(kind, "adapter_failure");
    assert!(message.contains("0 outcomes for 1 calls"), "{message}");

    let fake = Fake::new(|_| {
        Ok(Response {
            protocol: 2,
            outcomes: vec![],
        })
    });
    assert!(failure_kind(&verdict_of(&fake, TRAP, None))
        .1
        .contains("adapter_protocol"));

    let mut fake = Fake::new(|_| unreachable!("describe fails first"));
    fake.protocol = 7;
    let verdict = verdict_of(&fake, TRAP, None);
    assert!(
        matches!(&verdict, Verdict::Fail(f) if matches!(f.kind, FailureKind::Adapter(AdapterFailure::Protocol { found: 7 }))),
        "{verdict:?}"
    );

    let fake = Fake::new(|_| panic!("engine exploded"));
    let (kind, message) = failure_kind(&verdict_of(&fake, TRAP, None));
    assert_eq!(kind, "adapter_failure");
    assert!(message.contains("engine exploded"), "{message}");
}

#[test]
fn skip_when_a_capability_is_missing_and_run_when_declared() {
    let header = format!("capabilities = [\"fuel\"]\n{TRAP}");
    let mut fake = Fake::new(|_| {
        Ok(outcomes(vec![error(
            "trap",
            "run",
            "m",
            json!({"trap": "unreachable"}),
        )]))
    });
    assert_eq!(
        verdict_of(&fake, &header, None),
        Verdict::Skip {
            missing: vec!["fuel".into()]
        }
    );
    assert!(
        fake.seen.lock().unwrap().is_empty(),
        "a skipped case must not run"
    );
    fake.capabilities = vec!["fuel".into()];
    assert_eq!(verdict_of(&fake, &header, None), Verdict::Pass);
}

#[test]
fn component_cases_are_skipped_unless_the_profile_is_declared() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("guarantees.toml"),
        "[[guarantee]]\nid = \"C-1\"\narea = \"c\"\nclass = \"safety\"\nmust = \"m\"\nprofiles = [\"component\"]\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("c.wat"),
        ";;! id = \"c.case\"\n;;! guarantee = \"C-1\"\n;;! since = \"0.1.0\"\n;;! summary = \"s\"\n\
         ;;! profile = \"component\"\n;;! [expect]\n;;! code = \"trap\"\n\
         ;;! details = { trap = \"unreachable\" }\n(component)\n",
    )
    .unwrap();
    let suite = Suite::load(&[dir.path()]).unwrap();
    let mut fake = Fake::new(|_| {
        Ok(outcomes(vec![error(
            "trap",
            "run",
            "m",
            json!({"trap": "unreachable"}),
        )]))
    });
    let verdict = |fake: &Fake| {
        let info = toolcage_kit::describe(fake);
        run_case(fake, &info, &suite.cases[0], None)
            .unwrap()
            .verdict
    };
    // A runtime written before the component profile (no `profiles`) skips, never fails.
    assert_eq!(
        verdict(&fake),
        Verdict::Skip {
            missing: vec!["profile component".into()]
        }
    );
    fake.profiles = vec!["core".into()];
    assert!(matches!(verdict(&fake), Verdict::Skip { .. }));
    assert!(
        fake.seen.lock().unwrap().is_empty(),
        "a skipped case must not run"
    );

    fake.profiles = vec!["core".into(), "component".into()];
    assert_eq!(verdict(&fake), Verdict::Pass);
    let seen = fake.seen.lock().unwrap();
    let (request, manifest, _, _) = &seen[0];
    assert_eq!(request.profile, toolcage_kit::Profile::Component);
    assert!(
        manifest.contains("kind = \"wasm-component\"")
            && manifest.contains("component = \"plugin.component.wasm\"")
            && manifest.contains("world = \"yoi:plugin/tool@1.0.0\"")
            && !manifest.contains("entry =")
            && !manifest.contains("abi ="),
        "{manifest}"
    );
    let wire = serde_json::to_value(request).unwrap();
    assert_eq!(wire["profile"], "component");
}

#[test]
fn core_requests_do_not_carry_a_profile() {
    let fake = Fake::new(|_| {
        Ok(outcomes(vec![error(
            "trap",
            "run",
            "m",
            json!({"trap": "unreachable"}),
        )]))
    });
    assert_eq!(verdict_of(&fake, TRAP, None), Verdict::Pass);
    let seen = fake.seen.lock().unwrap();
    let wire = serde_json::to_value(&seen[0].0).unwrap();
    assert!(wire.get("profile").is_none(), "{wire}");
}

#[test]
fn xfail_and_xpass() {
    let failing = Fake::new(|_| Ok(outcomes(vec![ok(json!({"summary": "no"}))])));
    let verdict = verdict_of(&failing, TRAP, Some("tracking #12"));
    assert!(
        matches!(&verdict, Verdict::XFail { reason, .. } if reason == "tracking #12"),
        "{verdict:?}"
    );
    assert!(!verdict.is_failure());

    let passing = Fake::new(|_| {
        Ok(outcomes(vec![error(
            "trap",
            "run",
            "m",
            json!({"trap": "unreachable"}),
        )]))
    });
    let verdict = verdict_of(&passing, TRAP, Some("tracking #12"));
    assert_eq!(
        verdict,
        Verdict::XPass {
            reason: "tracking #12".into()
        }
    );
    assert!(verdict.is_failure());
}

#[test]
fn run_suite_reports_and_refuses_empty_runs() {
    let (_dir, suite) = corpus(&[("a.one", TRAP), ("a.two", TRAP), ("a.one-more", TRAP)]);
    let fake = Fake::new(|_| {
        Ok(outcomes(vec![error(
            "trap",
            "run",
            "m",
            json!({"trap": "unreachable"}),
        )]))
    });
    let options = RunOptions {
        jobs: 2,
        ..Default::default()
    };
    let report = run_suite(&fake, &suite, &options).unwrap();
    assert_eq!(report.results.len(), 3);
    assert!(!report.failed());

    // A filter equal to an id selects only that case; otherwise it is a substring.
    let only = RunOptions {
        filter: Some("a.one".into()),
        ..options.clone()
    };
    assert_eq!(run_suite(&fake, &suite, &only).unwrap().results.len(), 1);
    let some = RunOptions {
        filter: Some("one".into()),
        ..options.clone()
    };
    assert_eq!(run_suite(&fake, &suite, &some).unwrap().results.len(), 2);
    let none = RunOptions {
        filter: Some("zzz".into()),
        ..options
    };
    let errors = run_suite(&fake, &suite, &none).unwrap_err();
    assert!(
        matches!(&errors.0[..], [KitError::NoCases { .. }]),
        "{errors}"
    );

    let text = toolcage_kit::report::console(&report, "cargo xtask conformance");
    assert!(
        text.contains("total") && text.contains("ok: 3 cases"),
        "{text}"
    );
    let json = toolcage_kit::report::json(&report);
    assert_eq!(json["cases"][0]["verdict"], "pass");
    assert_eq!(json["cases"][0]["area"], "out");
    assert_eq!(json["runtime"]["name"], "fake");
    assert!(json["cases"][0]["duration_ms"].is_number());
}

#[test]
fn failures_get_a_rerun_command_and_junit_failure() {
    let (_dir, suite) = corpus(&[("a.one", TRAP)]);
    let fake = Fake::new(|_| Ok(outcomes(vec![ok(json!({"summary": "no"}))])));
    let report = run_suite(&fake, &suite, &RunOptions::default()).unwrap();
    assert!(report.failed());
    let text = toolcage_kit::report::console(&report, "cargo xtask conformance --adapter ./x");
    assert!(text.contains("FAIL  a.one [G-1] code_mismatch"), "{text}");
    assert!(
        text.contains("rerun: cargo xtask conformance --adapter ./x --filter a.one"),
        "{text}"
    );
    let xml = toolcage_kit::report::junit(&report);
    assert!(
        xml.contains("<failure") && xml.contains("code_mismatch"),
        "{xml}"
    );
}

#[test]
fn expectations_are_applied_by_run_suite() {
    let (dir, suite) = corpus(&[("a.one", TRAP)]);
    let file = dir.path().join("xfail.toml");
    fs::write(&file, "[[xfail]]\nid = \"a.one\"\nreason = \"known\"\n").unwrap();
    let expectations = Expectations::load(Path::new(&file), &suite).unwrap();
    let fake = Fake::new(|_| Ok(outcomes(vec![ok(json!({"summary": "no"}))])));
    let options = RunOptions {
        expectations,
        ..Default::default()
    };
    let report = run_suite(&fake, &suite, &options).unwrap();
    assert_eq!(report.results[0].verdict.as_str(), "xfail");
    assert!(!report.failed());
}

#[test]
fn warm_up_outcome_must_have_loaded_and_is_not_judged() {
    let header =
        "[package]\ntamper_after_pin = true\nwarm_up = true\n[expect]\ncode = \"digest_mismatch\"";
    let mismatch = || error("digest_mismatch", "load", "m", json!({}));
    // Warm-up trapped after loading (not judged against [expect]), judged call refused: pass.
    let fake = Fake::new(move |_| {
        Ok(outcomes(vec![
            error("trap", "run", "m", json!({"trap": "unreachable"})),
            mismatch(),
        ]))
    });
    assert_eq!(verdict_of(&fake, header, None), Verdict::Pass);
    let seen = fake.seen.lock().unwrap();
    assert_eq!(seen[0].0.calls.len(), 2);
    drop(seen);
    // Warm-up did not load: the judged refusal proves nothing about a warm cache.
    let fake = Fake::new(move |_| Ok(outcomes(vec![mismatch(), mismatch()])));
    match verdict_of(&fake, header, None) {
        Verdict::Fail(f) => assert_eq!((f.kind, f.call), (FailureKind::MissingEvidence, Some(0))),
        other => panic!("{other:?}"),
    }
    // The judged call loaded the tampered copy: fail.
    let fake = Fake::new(|_| {
        Ok(outcomes(vec![
            ok(json!({"summary": "a"})),
            ok(json!({"summary": "a"})),
        ]))
    });
    assert_eq!(
        failure_kind(&verdict_of(&fake, header, None)).0,
        "code_mismatch"
    );
    // One outcome short.
    let fake = Fake::new(move |_| Ok(outcomes(vec![mismatch()])));
    assert!(failure_kind(&verdict_of(&fake, header, None))
        .1
        .contains("1 outcomes for 2 calls"));
}

/// The bound itself, with the calibration given: deadlines, plus per call 150 ms and twice the
/// stop latency, plus 1.5 x the baseline.
#[test]
fn the_time_bound_is_deadlines_plus_slack_plus_calibration() {
    use std::time::Duration;
    use toolcage_kit::{judge_time, time_bound, Calibration};
    let ms = Duration::from_millis;
    let (_dir, suite) = corpus(&[
        ("t.timeout", "[limits]\ndeadline_ms = 50\n[expect]\ncode = \"timeout\""),
        (
            "t.cancelled",
            "cancel_after_ms = 5\nrepeat = 2\n[limits]\ndeadline_ms = 2000\n[expect]\ncode = \"cancelled\"",
        ),
        ("t.trap", TRAP),
    ]);
    let request = |id: &str| {
        let case = suite.cases.iter().find(|c| c.id == id).unwrap();
        let package = toolcage_kit::build_package(case).unwrap();
        (case, case.request(&package), package)
    };
    let idle = Calibration::default();
    let loaded = Calibration {
        baseline: ms(100),
        wakeup: ms(20),
    };
    let (case, timeout, _p1) = request("t.timeout");
    assert_eq!(time_bound(&timeout, &idle), ms(200));
    assert_eq!(time_bound(&timeout, &loaded), ms(50 + 150 + 40 + 150));
    // Two cancelled calls: their cancel times (2 x 5 ms), not the 2 s deadline, and slack twice.
    let (cancel_case, cancelled, _p2) = request("t.cancelled");
    assert_eq!(time_bound(&cancelled, &idle), ms(10 + 300));
    assert_eq!(time_bound(&cancelled, &loaded), ms(10 + 2 * 190 + 150));

    let never = || -> Calibration { panic!("calibrated although within the tight bound") };
    assert!(judge_time(case, &timeout, ms(200), never).is_ok());
    // 250 ms over a 50 ms deadline is too slow on an idle machine...
    let failure = judge_time(case, &timeout, ms(300), || idle).unwrap_err();
    assert_eq!(failure.kind.as_str(), "too_slow");
    assert!(
        failure
            .message
            .contains("after 300 ms, over the 200 ms bound"),
        "{failure}"
    );
    assert!(failure
        .message
        .contains("50 ms of deadlines or cancel times over 1 call(s)"));
    // ... and within the bound of a machine measured to be slow.
    assert!(judge_time(case, &timeout, ms(300), || loaded).is_ok());
    let failure = judge_time(cancel_case, &cancelled, ms(600), || loaded).unwrap_err();
    assert!(
        failure.message.contains("2 x the 20 ms stop latency"),
        "{failure}"
    );
    assert!(failure
        .message
        .contains("1.5 x the 100 ms this runtime took"));
    // Other cases have no time bound of their own.
    let (trap, trap_request, _p3) = request("t.trap");
    assert!(judge_time(trap, &trap_request, Duration::from_secs(60), never).is_ok());
}

#[test]
fn timeout_and_cancelled_must_be_answered_within_the_time_bound() {
    use std::time::{Duration, Instant};
    // A runtime that reports the right code, but only `delay` after its deadline. The kit's
    // baseline request (default limits, no cancel) gets a prompt answer, as from a runtime
    // whose overhead is small and whose stop is late.
    let late = |code: &'static str, delay: Duration| {
        Fake::new(move |request| {
            if request.limits.deadline_ms.is_some() {
                std::thread::sleep(delay);
            }
            let outcome = error(code, "run", "stopped", json!({}));
            Ok(outcomes(vec![outcome; request.calls.len()]))
        })
    };
    assert_eq!(
        toolcage_kit::TIME_SLACK_PER_CALL,
        Duration::from_millis(150)
    );
    let timeout = "[limits]\ndeadline_ms = 50\n[expect]\ncode = \"timeout\"";
    let cancelled =
        "cancel_after_ms = 5\nrepeat = 2\n[limits]\ndeadline_ms = 2000\n[expect]\ncode = \"cancelled\"";

    let prompt = late("timeout", Duration::from_millis(50));
    assert_eq!(verdict_of(&prompt, timeout, None), Verdict::Pass);

    // A fixed one-second stop is too slow (the margins here hold on a loaded machine too; the
    // exact bound is checked with a given calibration above).
    let started = Instant::now();
    let (kind, message) = failure_kind(&verdict_of(
        &late("timeout", Duration::from_secs(1)),
        timeout,
        None,
    ));
    assert_eq!(kind, "too_slow", "{message}");
    assert!(message.contains("per call 150 ms of slack"), "{message}");
    // Judged twice: a late runtime is late again when the request is made again.
    assert!(
        message.contains("; made again: `timeout` was answered after"),
        "{message}"
    );
    let (kind, message) = failure_kind(&verdict_of(
        &late("cancelled", Duration::from_millis(1200)),
        cancelled,
        None,
    ));
    assert_eq!(kind, "too_slow", "{message}");
    assert!(
        message.contains("10 ms of deadlines or cancel times over 2 call(s)"),
        "{message}"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(2200),
        "the fakes really were late"
    );

    // A runtime slow at everything (as on a loaded machine, or an adapter slow to start) is
    // judged against its own baseline: 300 ms of overhead on every request, the trivial one
    // included, is not a late stop.
    let slow_everywhere = Fake::new(|request| {
        std::thread::sleep(Duration::from_millis(300));
        let outcome = error("timeout", "run", "stopped", json!({}));
        Ok(outcomes(vec![outcome; request.calls.len()]))
    });
    assert_eq!(verdict_of(&slow_everywhere, timeout, None), Verdict::Pass);
    let seen = slow_everywhere.seen.lock().unwrap();
    assert_eq!(seen.len(), 2, "the case, then the baseline request");
    assert_eq!(seen[1].0.calls.len(), 1);
    assert_eq!(seen[1].0.limits, Default::default());
    drop(seen);
    // A case within the tight bound costs no baseline request.
    let quick = late("timeout", Duration::ZERO);
    assert_eq!(verdict_of(&quick, timeout, None), Verdict::Pass);
    assert_eq!(quick.seen.lock().unwrap().len(), 1);

    // A wrong code on time is a misreported stop; late, the stop itself failed: the time bound
    // is the headline (a safety failure) and the misreport is said beside it.
    let (kind, message) = failure_kind(&verdict_of(&late("trap", Duration::ZERO), timeout, None));
    assert_eq!(kind, "code_mismatch", "{message}");
    let (kind, message) = failure_kind(&verdict_of(
        &late("trap", Duration::from_millis(1000)),
        timeout,
        None,
    ));
    assert_eq!(kind, "too_slow", "{message}");
    assert!(
        message.contains(
            "also code_mismatch (call 1): stopped, reported as `trap` instead of `timeout`"
        ),
        "{message}"
    );
}

/// `[expect] guest_stopped`: a runtime that answers `timeout` on time but leaves a thread
/// spinning fails with guest_left_running; one that leaves only a sleeping thread (a timer, a
/// pool worker) passes.
#[cfg(target_os = "linux")]
#[test]
fn a_guest_left_running_after_the_answer_fails() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};
    let header = "repeat = 2\n[limits]\ndeadline_ms = 20\n[expect]\ncode = \"timeout\"\nguest_stopped = true";
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let abandoning = Fake::new(move |request| {
        if request.limits.deadline_ms.is_some() {
            let flag = flag.clone();
            std::thread::spawn(move || {
                let until = Instant::now() + Duration::from_secs(2);
                while !flag.load(Ordering::Relaxed) && Instant::now() < until {
                    std::hint::spin_loop();
                }
            });
        }
        let outcome = error("timeout", "run", "stopped", json!({}));
        Ok(outcomes(vec![outcome; request.calls.len()]))
    });
    let (kind, message) = failure_kind(&verdict_of(&abandoning, header, None));
    stop.store(true, Ordering::Relaxed);
    assert_eq!(kind, "guest_left_running", "{message}");
    assert!(message.contains("after the answer"), "{message}");

    let sleeping = Fake::new(|request| {
        std::thread::spawn(|| std::thread::sleep(Duration::from_millis(300)));
        let outcome = error("timeout", "run", "stopped", json!({}));
        Ok(outcomes(vec![outcome; request.calls.len()]))
    });
    assert_eq!(verdict_of(&sleeping, header, None), Verdict::Pass);
    // Without the key the kit does not look (and the case need not run alone).
    let unchecked = header.replace("\nguest_stopped = true", "");
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let abandoning = Fake::new(move |request| {
        let flag = flag.clone();
        std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                std::hint::spin_loop();
            }
        });
        let outcome = error("timeout", "run", "stopped", json!({}));
        Ok(outcomes(vec![outcome; request.calls.len()]))
    });
    let verdict = verdict_of(&abandoning, &unchecked, None);
    stop.store(true, Ordering::Relaxed);
    assert_eq!(verdict, Verdict::Pass);
}

#[test]
fn guest_stopped_goes_with_timeout_or_cancelled_only() {
    let source =
        ";;! id = \"a.b\"\n;;! guarantee = \"G-1\"\n;;! since = \"0.1.0\"\n;;! summary = \"s\"\n\
                  ;;! [expect]\n;;! code = \"trap\"\n;;! guest_stopped = true\n(module)\n";
    let error = toolcage_kit::parse_case(Path::new("a.wat"), source, None).unwrap_err();
    assert!(
        error.to_string().contains("guest_stopped goes with"),
        "{error}"
    );
}
