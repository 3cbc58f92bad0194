//! The matrix against chosen mutants and filters: kills, survivors, the reference's own
//! failures, and the time bound and stopped-guest checks that catch their mutants.

use super::*;

fn corpus() -> Suite {
    Suite::load(&[std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus")])
        .expect("the corpus loads")
}

fn options(mutant: Mutant, filter: Option<&str>) -> Options {
    Options {
        filter: filter.map(str::to_string),
        mutants: vec![mutant],
        ..Options::default()
    }
}

/// The teeth test: a trap after a successful write reported as success is caught by
/// exactly two cases (two trap kinds), and without them the rest of the corpus lets the mutant
/// through, which turns the run red.
#[test]
fn removing_the_only_cases_that_kill_a_mutant_turns_it_red() {
    let mutant = Mutant::TrapAfterOutputIsSuccess;
    let killers = ["trap.output-then-out-of-bounds", "trap.output-then-trap"];
    let mut suite = corpus();

    let matrix = run(&suite, &options(mutant, Some("trap.output-then-"))).unwrap();
    assert!(!matrix.failed(), "{}", matrix.console());
    let mut kills: Vec<_> = matrix.mutants[0]
        .kills
        .iter()
        .map(|k| k.id.as_str())
        .collect();
    kills.sort();
    assert_eq!(kills, killers);

    let before = suite.cases.len();
    suite.cases.retain(|c| !killers.contains(&c.id.as_str()));
    assert_eq!(suite.cases.len(), before - killers.len());
    let matrix = run(&suite, &options(mutant, None)).unwrap();
    assert!(
        matrix.reference.as_ref().is_some_and(|r| !r.failed()),
        "{}",
        matrix.console()
    );
    assert_eq!(matrix.survivors(), [mutant], "{}", matrix.console());
    assert!(matrix.failed());
    let console = matrix.console();
    assert!(
        console.contains("SURVIVED trap-after-output-is-success"),
        "{console}"
    );
    assert!(
        console.contains("FAILED: 1 mutant(s) survived"),
        "{console}"
    );
    assert_eq!(matrix.json()["survivors"], json!([mutant.name()]));
}

/// A case the reference runtime fails is no kill, and fails the run.
#[test]
fn a_case_the_reference_fails_kills_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("guarantees.toml"),
        "[[guarantee]]\nid = \"T-1\"\narea = \"trap\"\nclass = \"safety\"\nmust = \"m\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("wrong.wat"),
        ";;! id = \"trap.wrong\"\n;;! guarantee = \"T-1\"\n;;! since = \"0.1.0\"\n\
         ;;! summary = \"s\"\n;;! [expect]\n;;! code = \"timeout\"\n\
         (module (memory (export \"memory\") 1) (func (export \"yoi_tool_call\") unreachable))\n",
    )
    .unwrap();
    let suite = Suite::load(&[dir.path()]).unwrap();
    let matrix = run(&suite, &options(Mutant::NoInputCap, None)).unwrap();
    assert!(matrix.mutants[0].kills.is_empty());
    assert!(matrix.failed());
    let console = matrix.console();
    assert!(console.contains("the unmutated runtime fails"), "{console}");
    assert!(console.contains("FAIL  trap.wrong"), "{console}");
    let no_reference = Options {
        reference: false,
        ..options(Mutant::NoInputCap, None)
    };
    let matrix = run(&suite, &no_reference).unwrap();
    assert_eq!(matrix.mutants[0].kills.len(), 1, "without a reference run");
}

#[test]
fn the_digest_mutant_is_caught_by_the_warm_load_case_whatever_the_jobs() {
    let suite = corpus();
    for jobs in [1, 2, 5] {
        let options = Options {
            jobs,
            reference: false,
            ..options(Mutant::DigestNotReverifiedOnCacheHit, Some("package."))
        };
        let matrix = run(&suite, &options).unwrap();
        let mut kills: Vec<_> = matrix.mutants[0].kills.iter().map(|k| &k.id).collect();
        kills.sort();
        assert_eq!(
            kills,
            [
                "package.tampered-copy-after-warm-load",
                "package.tampered-nested-copy-after-warm-load"
            ],
            "jobs {jobs}"
        );
    }
}

/// The kill reasons of `mutant` over the cases `filter` selects, by case id.
fn kill_kinds(mutant: Mutant, filter: &str) -> Vec<(String, &'static str)> {
    let options = Options {
        reference: false,
        ..options(mutant, Some(filter))
    };
    let matrix = run(&corpus(), &options).unwrap();
    matrix.mutants[0]
        .kills
        .iter()
        .map(|k| (k.id.clone(), k.failure.kind.as_str()))
        .collect()
}

/// A deadline enforced 300 ms late, or a fixed 1 s timeout, still answers `timeout`: only
/// the time bound tells them apart from the reference (or, for a guest that would finish
/// within the second, its result).
#[test]
fn late_deadlines_are_caught_by_the_time_bound() {
    for mutant in [Mutant::WatchdogLate300ms, Mutant::FixedOneSecondTimeout] {
        let kills = kill_kinds(mutant, "cpu.");
        assert!(kills.len() >= 2, "{}: {kills:?}", mutant.name());
        assert!(
            kills.iter().all(|(id, kind)| *kind == "too_slow"
                || (id == "cpu.finite-but-over-deadline" && *kind == "code_mismatch")),
            "{}: {kills:?}",
            mutant.name()
        );
    }
}

/// A guest abandoned at its deadline is answered on time, with the right code and evidence:
/// only the CPU-04 cases, one per path, catch it.
#[test]
fn an_abandoned_guest_is_caught_by_both_stopped_cases() {
    let kills = kill_kinds(Mutant::GuestAbandoned, "cpu.");
    assert_eq!(
        kills,
        [
            (
                "cpu.stopped-in-host-import-loop".to_string(),
                "guest_left_running"
            ),
            ("cpu.stopped-in-wasm-loop".to_string(), "guest_left_running")
        ]
    );
}

#[test]
fn a_filter_that_selects_nothing_is_a_kit_error() {
    let error = run(
        &corpus(),
        &options(Mutant::NoDeadline, Some("no-such-case")),
    )
    .unwrap_err();
    assert!(error.to_string().contains("no case ran"), "{error}");
}
