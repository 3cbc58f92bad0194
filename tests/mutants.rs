//! The kit's teeth as `cargo test` trials: one trial per mutant of the reference runtime (named
//! by the mutant), each passing only when some corpus case fails against that mutant, plus a
//! `reference` trial that the unmutated runtime passes every case (else kills mean nothing).
//! `cargo xtask conformance --mutants` runs the same check and prints the whole matrix.

use std::path::Path;
use std::sync::Arc;

use libtest_mimic::{Arguments, Failed, Trial};
use toolcage_kit::Suite;
use toolcage_selftest::mutant_runtime::Mutant;
use toolcage_selftest::mutants::{self, Options};

/// Mutants that no corpus case can catch yet, and why. The trial of a listed mutant asserts that
/// it still survives, so the entry cannot outlive its reason: once a case kills it, the trial
/// fails and asks for the entry to be removed. `cargo xtask conformance --mutants` still fails
/// on it.
const KNOWN_SURVIVORS: &[(Mutant, &str)] = &[(
    Mutant::HostCallsOutsideBudget,
    "every host call is bounded (64 KiB reads and writes, a list as long as its directory): a \
     runtime that checks the deadline only between host calls is late by one host call, within \
     the time bound of FS-11 unless one call takes longer than its slack; no fixture cheap enough \
     for every run makes one (docs/MUTANTS.md)",
)];

fn main() {
    let args = Arguments::from_args();
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let trials = match Suite::load(&[corpus]) {
        Ok(suite) => trials(Arc::new(suite)),
        Err(errors) => {
            let message = errors.to_string();
            vec![Trial::test("kit", move || Err(message.into()))]
        }
    };
    libtest_mimic::run(&args, trials).exit()
}

fn trials(suite: Arc<Suite>) -> Vec<Trial> {
    let mut trials = vec![{
        let suite = Arc::clone(&suite);
        Trial::test("reference", move || reference(&suite))
    }];
    // Mutant::ALL starts with the slowest (no-deadline overruns every deadline by seconds), so
    // it runs beside the others rather than after them.
    for &mutant in Mutant::ALL {
        let suite = Arc::clone(&suite);
        trials.push(Trial::test(mutant.name(), move || caught(&suite, mutant)));
    }
    trials
}

fn options(reference: bool, mutants: Vec<Mutant>) -> Options {
    // Each trial uses every core too: the run is mostly guests spinning until their deadline,
    // and the slow trials (no-deadline, cancel-ignored) would otherwise finish alone at the end.
    Options {
        reference,
        mutants,
        ..Options::default()
    }
}

fn reference(suite: &Suite) -> Result<(), Failed> {
    let matrix = mutants::run(suite, &options(true, vec![])).map_err(|e| e.to_string())?;
    if matrix.failed() {
        return Err(matrix.console().into());
    }
    Ok(())
}

fn caught(suite: &Suite, mutant: Mutant) -> Result<(), Failed> {
    let matrix = mutants::run(suite, &options(false, vec![mutant])).map_err(|e| e.to_string())?;
    let result = &matrix.mutants[0];
    let known = KNOWN_SURVIVORS.iter().find(|(m, _)| *m == mutant);
    match (result.killed(), known) {
        (true, None) | (false, Some(_)) => Ok(()),
        (false, None) => Err(format!(
            "mutant {} SURVIVED: no case of the corpus fails against it\n{}",
            mutant.name(),
            matrix.console()
        )
        .into()),
        (true, Some((_, reason))) => Err(format!(
            "mutant {} is listed as a known survivor ({reason}) but the corpus kills it: remove \
             it from KNOWN_SURVIVORS in tests/mutants.rs\n{}",
            mutant.name(),
            matrix.console()
        )
        .into()),
    }
}
