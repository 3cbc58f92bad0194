//! A runtime written before the kit is judged fairly and still sharply: evidence counters count
//! only when it declares `evidence`, `[limits]` overrides meet the limits it declares fixed, and
//! the reports say what was not checked, where the case lives and which MUST it broke, without
//! letting its text loose on a terminal.

use std::fs;
use std::sync::Mutex;

use serde_json::{json, Value};
use toolcage_kit::{
    run_case, run_suite, AdapterFailure, ConformanceRuntime, Request, Response, RunOptions,
    RuntimeInfo, Suite, Verdict,
};

const MODULE: &str = "(module (memory (export \"memory\") 1) (func (export \"yoi_tool_call\")))";
const MUST: &str = "A call over the input cap MUST fail with input_too_large.";

type Answer = Box<dyn Fn(&Request) -> Result<Response, AdapterFailure> + Send + Sync>;

/// A runtime with a given self-description (as JSON, the way an adapter prints it) and answer.
struct Fake {
    describe: Value,
    answer: Answer,
    seen: Mutex<Vec<Request>>,
}

impl Fake {
    fn new(
        describe: Value,
        answer: impl Fn(&Request) -> Result<Response, AdapterFailure> + Send + Sync + 'static,
    ) -> Fake {
        let mut full = json!({"protocol": 1, "name": "fake", "version": "0", "capabilities": []});
        full.as_object_mut()
            .unwrap()
            .extend(describe.as_object().unwrap().clone());
        Fake {
            describe: full,
            answer: Box::new(answer),
            seen: Mutex::new(vec![]),
        }
    }
}

impl ConformanceRuntime for Fake {
    fn describe(&self) -> Result<RuntimeInfo, AdapterFailure> {
        Ok(serde_json::from_value(self.describe.clone()).unwrap())
    }
    fn run(&self, request: &Request) -> Result<Response, AdapterFailure> {
        self.seen.lock().unwrap().push(request.clone());
        (self.answer)(request)
    }
}

fn response(outcomes: Vec<Value>) -> Response {
    serde_json::from_value(json!({"protocol": 1, "outcomes": outcomes})).unwrap()
}

fn error(code: &str, phase: &str) -> Value {
    json!({"status": "error", "error": {"code": code, "phase": phase, "message": "m",
           "details": {}}})
}

/// A one-guarantee corpus holding the given cases (id, header lines after the common ones).
fn corpus(cases: &[(&str, &str)]) -> (tempfile::TempDir, Suite) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("guarantees.toml"),
        format!("[[guarantee]]\nid = \"IN-9\"\narea = \"input\"\nclass = \"safety\"\nmust = \"{MUST}\"\n"),
    )
    .unwrap();
    for (id, header) in cases {
        let lines: String = format!(
            "id = \"{id}\"\nguarantee = \"IN-9\"\nsince = \"0.1.0\"\nsummary = \"s\"\n{header}"
        )
        .lines()
        .map(|l| format!(";;! {}\n", l.trim()))
        .collect();
        fs::write(dir.path().join(format!("{id}.wat")), lines + MODULE).unwrap();
    }
    let suite = Suite::load(&[dir.path()]).unwrap();
    (dir, suite)
}

fn verdict(fake: &Fake, header: &str) -> Verdict {
    let (_dir, suite) = corpus(&[("t.case", header)]);
    let info = toolcage_kit::describe(fake);
    run_case(fake, &info, &suite.cases[0], None)
        .unwrap()
        .verdict
}

fn failure(verdict: &Verdict) -> (&'static str, String) {
    match verdict {
        Verdict::Fail(f) => (f.kind.as_str(), f.message.clone()),
        other => panic!("expected a failure, got {other:?}"),
    }
}

const COUNTED_TRAP: &str = "[expect]\ncode = \"trap\"\nmin_host_calls = { input_len = 1 }";

fn trap_without_counters(_: &Request) -> Result<Response, AdapterFailure> {
    Ok(response(vec![
        json!({"status": "error", "error": {"code": "trap",
        "phase": "run", "message": "wasm trap: unreachable", "details": {"trap": "unreachable"}}}),
    ]))
}

#[test]
fn without_the_evidence_capability_counters_are_not_checked_and_the_reports_say_so() {
    let (_dir, suite) = corpus(&[("a.counted", COUNTED_TRAP)]);
    let fake = Fake::new(json!({}), trap_without_counters);
    let report = run_suite(&fake, &suite, &RunOptions::default()).unwrap();
    assert_eq!(report.results[0].verdict, Verdict::Pass);
    assert!(!report.failed());

    let text = toolcage_kit::report::console(&report, "x");
    assert!(text.contains("evidence not checked in 1 case(s)"), "{text}");
    let json = toolcage_kit::report::json(&report);
    assert_eq!(json["cases"][0]["verdict"], "pass");
    assert_eq!(json["cases"][0]["evidence"], "not_checked");
    let xml = toolcage_kit::report::junit(&report);
    assert!(xml.contains("evidence not checked"), "{xml}");
    assert!(
        xml.contains(r#"name="evidence" value="not_checked""#),
        "{xml}"
    );
}

#[test]
fn with_the_evidence_capability_missing_counters_still_fail() {
    let fake = Fake::new(json!({"capabilities": ["evidence"]}), trap_without_counters);
    let (kind, message) = failure(&verdict(&fake, COUNTED_TRAP));
    assert_eq!(kind, "missing_evidence");
    assert!(message.contains("`input_len`, observed 0"), "{message}");

    let counted = Fake::new(json!({"capabilities": ["evidence"]}), |request| {
        let mut answer = trap_without_counters(request)?;
        answer.outcomes[0].host_calls.insert("input_len".into(), 1);
        Ok(answer)
    });
    let (_dir, suite) = corpus(&[("a.counted", COUNTED_TRAP)]);
    let report = run_suite(&counted, &suite, &RunOptions::default()).unwrap();
    assert_eq!(report.results[0].verdict, Verdict::Pass);
    let json = toolcage_kit::report::json(&report);
    assert_eq!(json["cases"][0]["evidence"], "checked");
    let text = toolcage_kit::report::console(&report, "x");
    assert!(!text.contains("evidence not checked"), "{text}");
}

/// What an honest runtime whose input cap, deadline and memory are constants answers: it
/// enforces exactly the values it declared, whatever the request says.
fn honest_fixed(request: &Request) -> Result<Response, AdapterFailure> {
    let outcomes = request
        .calls
        .iter()
        .map(|call| {
            if call.input.len() > 32 {
                error("input_too_large", "input")
            } else if call.cancel_after_ms.is_some() {
                error("cancelled", "run")
            } else {
                json!({"status": "ok", "output": {"summary": "done"}})
            }
        })
        .collect();
    Ok(response(outcomes))
}

const FIXED: &str = r#"{"limits": {"input_bytes": 32, "deadline_ms": 1000, "memory_bytes": 1048576,
    "output_bytes": "configurable"}}"#;

fn fixed_runtime(
    answer: impl Fn(&Request) -> Result<Response, AdapterFailure> + Send + Sync + 'static,
) -> Fake {
    Fake::new(serde_json::from_str(FIXED).unwrap(), answer)
}

#[test]
fn an_honest_fixed_limits_runtime_gets_no_false_failures() {
    let cases = [
        // Expects the input cap: a smaller fixed cap proves it (judged at 32, and said so).
        (
            "a.over-cap",
            "input_size = 65\n[limits]\ninput_bytes = 64\n[expect]\ncode = \"input_too_large\"",
        ),
        // Stays under the asked cap: a larger fixed cap changes nothing a guest can see.
        (
            "a.under-cap",
            "input_size = 16\n[limits]\ninput_bytes = 16\n[expect]\noutput = { summary = \"done\" }",
        ),
        // Cancelled long before either deadline.
        (
            "a.cancelled",
            "cancel_after_ms = 20\n[limits]\ndeadline_ms = 2000\n[expect]\ncode = \"cancelled\"",
        ),
        // A 50 ms deadline cannot be proven by a 1 s one (a guest may finish in between): skip.
        (
            "a.deadline",
            "[limits]\ndeadline_ms = 50\n[expect]\ncode = \"timeout\"",
        ),
        // A guest sees where memory.grow fails: a different cap is a different case: skip.
        (
            "a.memory",
            "[limits]\nmemory_bytes = 131072\n[expect]\noutput = { summary = \"done\" }",
        ),
        // Configurable limits and equal values are applied as asked.
        (
            "a.output",
            "[limits]\noutput_bytes = 128\nmemory_bytes = 1048576\n[expect]\noutput = { summary = \"done\" }",
        ),
    ];
    let (_dir, suite) = corpus(&cases);
    let fake = fixed_runtime(honest_fixed);
    let report = run_suite(&fake, &suite, &RunOptions::default()).unwrap();
    let verdicts: Vec<(&str, &str)> = report
        .results
        .iter()
        .map(|r| (r.id.as_str(), r.verdict.as_str()))
        .collect();
    assert_eq!(
        verdicts,
        [
            ("a.cancelled", "pass"),
            ("a.deadline", "skip"),
            ("a.memory", "skip"),
            ("a.output", "pass"),
            ("a.over-cap", "pass"),
            ("a.under-cap", "pass"),
            ("declared.fixed-deadline_ms", "fail"),
            ("declared.fixed-input_bytes", "fail"),
            ("declared.fixed-memory_bytes", "fail"),
        ],
        "{}",
        toolcage_kit::report::console(&report, "x")
    );
    // No case fails: the only failures are the fixed limits themselves, one finding each (the
    // host's deadline is ignored, which no skip says), never a case judged unfairly.
    for result in report.results.iter().filter(|r| r.verdict.is_failure()) {
        assert!(result.id.starts_with("declared.fixed-"), "{}", result.id);
        let (kind, message) = failure(&result.verdict);
        assert_eq!(kind, "fixed_limit");
        assert!(message.contains("the host sets per call"), "{message}");
    }

    // The skips say why; the substitutions are in the request and the reports.
    let skip = |id: &str| match &report.results.iter().find(|r| r.id == id).unwrap().verdict {
        Verdict::Skip { missing } => missing.join(", "),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        skip("a.deadline"),
        "deadline_ms = 50 (the runtime's is fixed at 1000)"
    );
    assert_eq!(
        skip("a.memory"),
        "memory_bytes = 131072 (the runtime's is fixed at 1048576)"
    );
    let seen = fake.seen.lock().unwrap();
    assert_eq!(seen.len(), 4, "skipped cases never run");
    let limits: Vec<Value> = seen
        .iter()
        .map(|r| serde_json::to_value(&r.limits).unwrap())
        .collect();
    assert!(limits.contains(&json!({"input_bytes": 32})), "{limits:?}");
    assert!(limits.contains(&json!({"deadline_ms": 1000})), "{limits:?}");
    assert!(
        limits.contains(&json!({"output_bytes": 128, "memory_bytes": 1048576})),
        "{limits:?}"
    );
    let json = toolcage_kit::report::json(&report);
    let over = json["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "a.over-cap")
        .unwrap();
    assert_eq!(
        over["fixed_limits"],
        json!([{"limit": "input_bytes", "asked": 64, "fixed": 32}])
    );
    assert_eq!(over["request"]["limits"], json!({"input_bytes": 32}));
    let text = toolcage_kit::report::console(&report, "x");
    assert!(
        text.contains("SKIP  1 case(s): need deadline_ms = 50 (the runtime's is fixed at 1000)"),
        "{text}"
    );
    assert!(
        text.contains("NOTE  3 case(s) judged at the runtime's fixed limits"),
        "{text}"
    );
}

#[test]
fn an_endless_timeout_case_runs_at_a_larger_fixed_deadline_a_finite_one_is_skipped() {
    let timeouts =
        fixed_runtime(|request| Ok(response(vec![error("timeout", "run"); request.calls.len()])));
    let endless = "endless = true\n[limits]\ndeadline_ms = 50\n[expect]\ncode = \"timeout\"";
    assert_eq!(verdict(&timeouts, endless), Verdict::Pass);
    let seen = timeouts.seen.lock().unwrap().clone();
    assert_eq!(
        serde_json::to_value(&seen[0].limits).unwrap(),
        json!({"deadline_ms": 1000}),
        "judged at the runtime's deadline"
    );
    let finite = "[limits]\ndeadline_ms = 50\n[expect]\ncode = \"timeout\"";
    assert!(matches!(verdict(&timeouts, finite), Verdict::Skip { .. }));
    // `endless` says how the guest behaves, so it goes only with an expected stop.
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("guarantees.toml"),
        "[[guarantee]]\nid = \"IN-9\"\narea = \"input\"\nclass = \"safety\"\nmust = \"m\"\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("a.wat"),
        format!(";;! id = \"a.x\"\n;;! guarantee = \"IN-9\"\n;;! since = \"0.1.0\"\n;;! summary = \"s\"\n;;! endless = true\n;;! [expect]\n;;! output = {{ summary = \"done\" }}\n{MODULE}"),
    )
    .unwrap();
    let error = Suite::load(&[dir.path()]).unwrap_err().to_string();
    assert!(error.contains("`endless = true` goes with code"), "{error}");
}

#[test]
fn a_case_rescaled_past_what_it_separates_is_skipped_with_that_reason() {
    // Sound by the monotone rule (a larger output cap, a case not expecting its code), but the
    // case's second failing write needs a cap of at most 64 bytes.
    let header = "separates_up_to = { output_bytes = 64 }\n[limits]\noutput_bytes = 64\n\
                  [expect]\ncode = \"abi_violation\"";
    let wide = Fake::new(json!({"limits": {"output_bytes": 65536}}), |request| {
        Ok(response(vec![
            error("abi_violation", "run");
            request.calls.len()
        ]))
    });
    match verdict(&wide, header) {
        Verdict::Skip { missing } => assert_eq!(
            missing,
            [
                "output_bytes fixed at 65536 no longer separates what the case was written to \
              separate (it does for output_bytes <= 64)"
            ]
        ),
        other => panic!("expected a skip, got {other:?}"),
    }
    assert!(wide.seen.lock().unwrap().is_empty(), "never run");
    // Within its range the case is judged at the fixed value as before.
    let narrow = Fake::new(json!({"limits": {"output_bytes": 48}}), |request| {
        Ok(response(vec![
            error("abi_violation", "run");
            request.calls.len()
        ]))
    });
    assert_eq!(
        verdict(&narrow, header),
        Verdict::Skip {
            missing: vec!["output_bytes = 64 (the runtime's is fixed at 48)".into()]
        },
        "a smaller cap is the monotone rule's own skip"
    );
    let larger = Fake::new(json!({"limits": {"output_bytes": 128}}), |request| {
        Ok(response(vec![
            error("abi_violation", "run");
            request.calls.len()
        ]))
    });
    let up_to_200 = "separates_up_to = { output_bytes = 200 }\n[limits]\noutput_bytes = 64\n\
                     [expect]\ncode = \"abi_violation\"";
    assert_eq!(verdict(&larger, up_to_200), Verdict::Pass);
    let from_256 = "separates_from = { output_bytes = 256 }\n[limits]\noutput_bytes = 64\n\
                    [expect]\ncode = \"abi_violation\"";
    match verdict(&larger, from_256) {
        Verdict::Skip { missing } => {
            assert!(
                missing[0].ends_with("(it does for output_bytes >= 256)"),
                "{missing:?}"
            )
        }
        other => panic!("expected a skip, got {other:?}"),
    }
}

/// A runtime whose fuel is fixed (as the originating host's is): every guest runs out of fuel
/// before any deadline or cancel could stop it; `wrong` answers `trap` instead.
fn fixed_fuel(code: &'static str) -> Fake {
    Fake::new(json!({"limits": {"fuel": 1000000}}), move |request| {
        Ok(response(vec![error(code, "run"); request.calls.len()]))
    })
}

#[test]
fn fuel_declared_fixed_counts_as_the_stop_of_cases_that_did_not_ask_for_fuel() {
    let cases = [
        // The default deadline, no fuel asked for: the fixed budget stopped the guest first.
        (
            "a.default-deadline",
            "[expect]\ncode = \"timeout\"\nguest_stopped = true",
        ),
        (
            "a.cancel",
            "cancel_after_ms = 50\n[expect]\ncode = \"cancelled\"",
        ),
        // An output case keeps the default of no budget: running out of fuel is a real failure.
        ("a.output", "[expect]\noutput = { summary = \"done\" }"),
    ];
    let (_dir, suite) = corpus(&cases);
    let fuel = fixed_fuel("fuel_exhausted");
    let report = run_suite(&fuel, &suite, &RunOptions::default()).unwrap();
    // Without the `fuel` capability the host sets no fuel, so a fixed budget is no finding.
    let verdicts: Vec<(&str, &str)> = report
        .results
        .iter()
        .map(|r| (r.id.as_str(), r.verdict.as_str()))
        .collect();
    assert_eq!(
        verdicts,
        [
            ("a.cancel", "pass"),
            ("a.default-deadline", "pass"),
            ("a.output", "fail"),
        ],
        "{}",
        toolcage_kit::report::console(&report, "x")
    );
    // Said so, in every report.
    let json = toolcage_kit::report::json(&report);
    let cancel = &json["cases"][0];
    assert_eq!(
        cancel["fixed_limits"],
        json!([{"limit": "fuel", "asked": null, "fixed": 1000000}])
    );
    let text = toolcage_kit::report::console(&report, "x");
    assert!(
        text.contains("NOTE  2 case(s) judged at the runtime's fixed limits"),
        "{text}"
    );

    // Only the fuel's own code counts as the stop: another error is still the wrong code.
    let (_dir, suite) = corpus(&cases[..1]);
    let trapping = fixed_fuel("trap");
    let report = run_suite(&trapping, &suite, &RunOptions::default()).unwrap();
    assert_eq!(
        failure(&report.results[0].verdict).0,
        "code_mismatch",
        "{:?}",
        report.results[0].verdict
    );
    // A runtime whose fuel is configurable gets no such allowance.
    let configurable = Fake::new(json!({}), |request| {
        Ok(response(vec![
            error("fuel_exhausted", "run");
            request.calls.len()
        ]))
    });
    let report = run_suite(&configurable, &suite, &RunOptions::default()).unwrap();
    assert_eq!(failure(&report.results[0].verdict).0, "code_mismatch");
    // With the `fuel` capability the host sets the fuel per call, so a fixed one is a finding.
    let declared = Fake::new(
        json!({"capabilities": ["fuel"], "limits": {"fuel": 1000000}}),
        |request| {
            Ok(response(vec![
                error("fuel_exhausted", "run");
                request.calls.len()
            ]))
        },
    );
    let report = run_suite(&declared, &suite, &RunOptions::default()).unwrap();
    let ids: Vec<(&str, &str)> = report
        .results
        .iter()
        .map(|r| (r.id.as_str(), r.verdict.as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            ("a.default-deadline", "pass"),
            ("declared.fixed-fuel", "fail")
        ]
    );
}

#[test]
fn a_fixed_limits_runtime_that_does_not_enforce_its_declared_value_still_fails() {
    // Declares a 32-byte input cap but lets everything through.
    let lax = fixed_runtime(|request| {
        Ok(response(vec![
            json!({"status": "ok", "output": {"summary": "done"}});
            request.calls.len()
        ]))
    });
    let over = "input_size = 65\n[limits]\ninput_bytes = 64\n[expect]\ncode = \"input_too_large\"";
    assert_eq!(failure(&verdict(&lax, over)).0, "code_mismatch");
    // Declared equal to the case's value: applied as asked, and not enforced either.
    let exact = "input_size = 33\n[limits]\ninput_bytes = 32\n[expect]\ncode = \"input_too_large\"";
    assert_eq!(failure(&verdict(&lax, exact)).0, "code_mismatch");
    // Declared smaller than the default, but enforced at a larger value: the over-cap input of a
    // case judged at the declared value is let through.
    let larger = fixed_runtime(|request| {
        let outcomes = request
            .calls
            .iter()
            .map(|call| {
                if call.input.len() > 64 {
                    error("input_too_large", "input")
                } else {
                    json!({"status": "ok", "output": {"summary": "done"}})
                }
            })
            .collect();
        Ok(response(outcomes))
    });
    let between =
        "input_size = 40\n[limits]\ninput_bytes = 39\n[expect]\ncode = \"input_too_large\"";
    assert_eq!(failure(&verdict(&larger, between)).0, "code_mismatch");
}

#[test]
fn a_misspelt_declared_limit_fails_every_case() {
    let fake = Fake::new(json!({"limits": {"deadline": 1000}}), honest_fixed);
    let (kind, message) = failure(&verdict(&fake, "[expect]\noutput = { summary = \"done\" }"));
    assert_eq!(kind, "adapter_failure");
    assert!(message.contains("\"deadline\""), "{message}");
}

#[test]
fn failures_name_the_case_file_the_must_sentence_and_the_request() {
    let (dir, suite) = corpus(&[(
        "a.over-cap",
        "input = '{\"text\":\"hello\"}'\n[limits]\ninput_bytes = 4\n[expect]\ncode = \"input_too_large\"",
    )]);
    let fake = Fake::new(json!({}), |_| {
        Ok(response(vec![
            json!({"status": "ok", "output": {"summary": "done"}}),
        ]))
    });
    let report = run_suite(&fake, &suite, &RunOptions::default()).unwrap();
    let file = dir.path().join("a.over-cap.wat");
    let file = file.display().to_string();

    let text = toolcage_kit::report::console(&report, "x");
    assert!(text.contains(&format!("      file: {file}\n")), "{text}");
    assert!(text.contains(&format!("      must: {MUST}\n")), "{text}");

    let json = toolcage_kit::report::json(&report);
    let case = &json["cases"][0];
    assert_eq!(case["file"], file.as_str());
    assert_eq!(case["must"], MUST);
    assert_eq!(case["request"]["limits"], json!({"input_bytes": 4}));
    assert_eq!(case["request"]["input"], "{\"text\":\"hello\"}");
    assert_eq!(case["request"]["tool"], "run");
    assert_eq!(case["request"]["calls"], 1);

    let xml = toolcage_kit::report::junit(&report);
    assert!(xml.contains(&file), "{xml}");
    assert!(xml.contains(MUST), "{xml}");
}

#[test]
fn runtime_text_is_made_visible_in_every_report() {
    let (_dir, suite) = corpus(&[("a.one", COUNTED_TRAP), ("a.two", COUNTED_TRAP)]);
    let hostile = Fake::new(
        json!({"name": "fake\u{1b}[2J", "version": "0\r\u{9b}1m"}),
        |_| {
            // Either an adapter failure whose stderr carries escapes...
            Err(AdapterFailure::Crashed {
                status: "exit status: 1".into(),
                stderr: "\u{1b}[31mred\u{7}\n\u{202e}gnirts".into(),
            })
        },
    );
    let report = run_suite(&hostile, &suite, &RunOptions::default()).unwrap();
    let code = Fake::new(json!({}), |_| {
        // ...or an answer whose code carries them.
        Ok(response(vec![error("\u{1b}]0;owned\u{7}", "run")]))
    });
    let report_code = run_suite(&code, &suite, &RunOptions::default()).unwrap();
    for report in [report, report_code] {
        let text = toolcage_kit::report::console(&report, "x");
        let json = toolcage_kit::report::json(&report).to_string();
        let xml = toolcage_kit::report::junit(&report);
        for (name, out) in [("console", &text), ("json", &json), ("junit", &xml)] {
            assert!(
                !out.chars()
                    .any(|c| matches!(c, '\u{1b}' | '\u{7}' | '\r' | '\u{9b}' | '\u{202e}')),
                "{name}: {out:?}"
            );
        }
        assert!(text.contains("\\x1b"), "{text}");
    }
}
