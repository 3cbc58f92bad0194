//! Every fuzz target's oracle on its seed corpus (built in memory, as `fuzz-seeds` writes it)
//! and on its checked-in regressions (`fuzz/regressions/<target>/`): `cargo test` keeps the
//! targets' code compiling and green on stable, and a fixed finding stays fixed.
//!
//! One test, so the oracles' thread and descriptor counts see no other test's work.

use std::path::Path;
use std::time::Instant;
use toolcage_fuzzing::{seeds, TARGETS};

/// Targets whose seeds are sampled, and how many of each are replayed.
const SAMPLED: &[&str] = &["package_dir", "core_call", "component_call"];
const SAMPLE: usize = 40;

#[test]
fn every_target_passes_its_seeds_and_regressions() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let seeds = seeds::build(&root.join("corpus"));
    for (target, check) in TARGETS {
        let started = Instant::now();
        let mut count = 0;
        let seeds: Vec<_> = seeds.get(target).into_iter().flatten().collect();
        // The targets that load a package replay an even sample of their seeds (every seed
        // compiles a guest, and this test stays within seconds); `fuzz-seeds` and the fuzz runs
        // use them all.
        let stride = if SAMPLED.contains(target) {
            seeds.len().div_ceil(SAMPLE).max(1)
        } else {
            1
        };
        for (name, bytes) in seeds.into_iter().step_by(stride) {
            replay(target, name, bytes, *check);
            count += 1;
        }
        let regressions = root.join("fuzz/regressions").join(target);
        for file in std::fs::read_dir(&regressions)
            .into_iter()
            .flatten()
            .flatten()
        {
            let bytes = std::fs::read(file.path()).expect("a regression input");
            replay(target, &file.path().display().to_string(), &bytes, *check);
            count += 1;
        }
        assert!(count > 0, "target {target} has no seed and no regression");
        eprintln!("{target}: {count} inputs in {:.1?}", started.elapsed());
    }
}

fn replay(target: &str, name: &str, bytes: &[u8], check: fn(&[u8])) {
    let outcome = std::panic::catch_unwind(|| check(bytes));
    if let Err(panic) = outcome {
        let text = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("(no message)");
        panic!("target {target}, input {name}: {text}");
    }
}
