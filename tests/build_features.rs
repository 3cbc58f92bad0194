//! The README's two commands share one build: `cargo test --workspace` must not compile a
//! dependency a second time after `cargo xtask conformance`. That holds exactly when every
//! external package the conformance build uses resolves to the same features in the test build
//! (a dev-dependency that turns on one more feature of, say, `fnv` rebuilds gimli, cranelift and
//! wasmtime). Also: the mutant crate builds the runtime's own sources, so it must depend on
//! exactly what the runtime depends on.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// `package version -> features` for every external package of a `cargo tree` selection.
fn features(args: &[&str]) -> BTreeMap<String, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "tree",
            "--locked",
            "--offline",
            "--prefix",
            "none",
            "--no-dedupe",
        ])
        .args(["--format", "{p}|{f}"])
        .args(args)
        .output()
        .expect("cargo tree runs");
    assert!(
        output.status.success(),
        "cargo tree {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| !line.contains(env!("CARGO_MANIFEST_DIR")))
        .filter_map(|line| line.split_once('|'))
        .map(|(package, features)| (package.trim().to_owned(), features.trim().to_owned()))
        .collect()
}

#[test]
fn the_test_build_resolves_the_conformance_builds_dependencies_alike() {
    let conformance = features(&["-p", "xtask", "--no-default-features", "-e", "normal,build"]);
    let tests = features(&["--workspace", "-e", "normal,build,dev"]);
    let differing: Vec<String> = conformance
        .iter()
        .filter(|(package, f)| tests.get(*package) != Some(f))
        .map(|(package, f)| {
            format!(
                "{package}: [{f}] for `cargo xtask conformance`, [{}] for `cargo test --workspace`",
                tests.get(package).map(String::as_str).unwrap_or("absent")
            )
        })
        .collect();
    assert!(
        differing.is_empty(),
        "these dependencies would be compiled twice (align their features, see Cargo.toml):\n{}",
        differing.join("\n")
    );
}

/// `[dependencies]` and `[target.*.dependencies]` of a manifest, as text lines, comments dropped.
fn dependency_lines(manifest: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(manifest).expect("manifest readable");
    let mut lines = Vec::new();
    let mut in_deps = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line == "[dependencies]" || line.ends_with(".dependencies]");
            continue;
        }
        if in_deps && !line.is_empty() && !line.starts_with('#') {
            lines.push(line.to_owned());
        }
    }
    lines.sort();
    lines
}

#[test]
fn the_mutant_crate_depends_on_exactly_what_the_runtime_does() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert_eq!(
        dependency_lines(&root.join("runtime/Cargo.toml")),
        dependency_lines(&root.join("mutants/Cargo.toml")),
        "runtime/Cargo.toml and mutants/Cargo.toml must list the same dependencies"
    );
}
