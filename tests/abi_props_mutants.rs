//! The ABI properties' teeth: each runtime bug they are about, switched on alone in the mutant
//! build (`toolcage-runtime-mutants`), makes them fail, so the models and edge strategies are not
//! vacuous. The properties themselves run against the host's build in tests/abi_props.rs; this
//! binary includes that file as a module with `crate::rt` pointing at the mutant build.

// Its property tests are not run here (no test harness), so their helpers are unused.
#[allow(dead_code, unused_imports)]
#[path = "abi_props.rs"]
mod props;

use libtest_mimic::{Arguments, Trial};
use props::*;
use proptest::strategy::Strategy;
use proptest::test_runner::{Config as ProptestConfig, RngAlgorithm, TestRng, TestRunner};
use toolcage_runtime_mutants as rt;
use toolcage_runtime_mutants::{Config, Mutant, Runtime};

fn main() {
    let args = Arguments::from_args();
    let trials = vec![Trial::test(
        "the_properties_catch_the_runtime_bugs_they_are_about",
        || {
            the_properties_catch_the_runtime_bugs_they_are_about();
            Ok(())
        },
    )];
    libtest_mimic::run(&args, trials).exit()
}

/// Whether a property fails against `rt` within 128 cases of a fixed seed; nothing is
/// persisted, since these failures are the point.
fn caught<S: Strategy>(rt: &Runtime, strategy: S, prop: fn(&Runtime, S::Value) -> Checked) -> bool {
    let config = ProptestConfig {
        cases: 128,
        failure_persistence: None,
        max_shrink_iters: 0,
        ..ProptestConfig::default()
    };
    let rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
    let mut runner = TestRunner::new_with_rng(config, rng);
    runner.run(&strategy, |case| prop(rt, case)).is_err()
}

/// Each runtime bug these properties are about, switched on alone, makes them fail.
fn the_properties_catch_the_runtime_bugs_they_are_about() {
    let mutant = |m: Mutant| {
        Runtime::new(Config {
            mutant: Some(m),
            ..Config::default()
        })
        .expect("mutant runtime")
    };
    let rt = mutant(Mutant::NoWrapCheck);
    assert!(
        caught(&rt, tool_name_cases(), tool_name_read_prop),
        "tool_name_read wrap"
    );
    assert!(
        caught(&rt, input_cases(), input_read_prop),
        "input_read wrap"
    );
    assert!(
        caught(&rt, output_cases(), output_write_prop),
        "output_write wrap"
    );
    // diagnostic_write is not listed: under that mutant its slice lookup still refuses a
    // wrapped range, so the mutant does not change what it does.
    let rt = mutant(Mutant::NoOutputCap);
    assert!(
        caught(&rt, output_cases(), output_write_prop),
        "output_write cap"
    );
    assert!(
        caught(&rt, output_size_cases(), output_size_prop),
        "output cap"
    );
    let rt = mutant(Mutant::NoInputCap);
    assert!(
        caught(&rt, input_size_cases(), input_size_prop),
        "input cap"
    );
    let rt = mutant(Mutant::NoMemoryLimit);
    assert!(caught(&rt, grow_cases(), grow_prop), "memory cap");
    let rt = mutant(Mutant::DiagnosticsInResult);
    assert!(
        caught(&rt, diagnostic_cases(), diagnostic_write_prop),
        "diagnostics in result"
    );
}
