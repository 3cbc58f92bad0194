//! Every corpus case against the reference runtime twice: in-process through the library API
//! (`inproc::<id>`) and through its process adapter binary (`process::<id>`), so the library and
//! the documented protocol are held to the same verdicts.
//!
//! The adapter binary belongs to another package (`toolcage-cli`), so Cargo gives this test no
//! `CARGO_BIN_EXE_toolcage-runtime` and `cargo test` does not promise to have built it. The test
//! therefore runs `cargo build --workspace --bin toolcage-runtime` itself (a no-op when it is up
//! to date), into the same target directory and profile as this test binary. `--workspace`, not
//! `-p toolcage-cli`: a package built alone unifies its dependencies' features differently, and
//! would compile wasmtime a second time.

#[path = "cli_cache/mod.rs"]
mod cli_cache;
#[path = "cli_component/mod.rs"]
mod cli_component;
#[path = "cli_zip/mod.rs"]
mod cli_zip;
#[path = "common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use libtest_mimic::{Arguments, Trial};
use toolcage_kit::{Harness, ProcessRuntime};
use toolcage_selftest::ReferenceRuntime;

fn main() {
    let args = Arguments::from_args();
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut trials = match ReferenceRuntime::new() {
        Ok(runtime) => Harness::new(runtime)
            .corpus(&corpus)
            .prefix("inproc::")
            .trials(),
        Err(e) => {
            let message = format!("cannot build the reference runtime: {}", e.message());
            vec![Trial::test("inproc::kit", move || Err(message.into()))]
        }
    };
    // Listing (`--list`, as cargo-nextest does before running) and in-process trials need no
    // adapter; nextest runs each trial in a process of its own, so only `process::` trials pay
    // for the (no-op) cargo build that makes sure the binary is current.
    let needs_adapter = !args.list
        && !args
            .filter
            .as_deref()
            .is_some_and(|f| f.starts_with("inproc::"));
    let adapter = if needs_adapter {
        adapter_binary()
    } else {
        Ok(adapter_path())
    };
    match adapter {
        Ok(binary) => {
            trials.extend(
                Harness::new(ProcessRuntime::from_program(
                    binary.display().to_string(),
                    vec![],
                ))
                .corpus(&corpus)
                .prefix("process::")
                .trials(),
            );
            let zip_binary = binary.clone();
            let component_binary = binary.clone();
            trials.push(Trial::test("process::cli-cache-flags", move || {
                cli_cache::cli_cache_flags(&binary).map_err(Into::into)
            }));
            trials.push(Trial::test("process::cli-host-zip-package", move || {
                cli_zip::cli_host_zip_package(&zip_binary).map_err(Into::into)
            }));
            trials.push(Trial::test("process::cli-component-call", move || {
                cli_component::cli_component_call(&component_binary).map_err(Into::into)
            }));
        }
        Err(message) => trials.push(Trial::test("process::kit", move || Err(message.into()))),
    }
    libtest_mimic::run(&args, trials).exit()
}

/// Where the adapter binary is, beside this test binary (`<target>/<profile>/deps/conformance-*`),
/// built or not.
fn adapter_path() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .unwrap_or(Path::new("."));
    profile_dir.join(format!("toolcage-runtime{}", std::env::consts::EXE_SUFFIX))
}

/// Builds the adapter binary beside this test binary and returns its path.
fn adapter_binary() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot locate the test binary: {e}"))?;
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .ok_or_else(|| format!("unexpected test binary location {}", exe.display()))?;
    let target_dir = profile_dir
        .parent()
        .ok_or_else(|| format!("unexpected test binary location {}", exe.display()))?;
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") => "dev".to_string(),
        Some(other) => other.to_string(),
        None => {
            return Err(format!(
                "unexpected profile directory {}",
                profile_dir.display()
            ))
        }
    };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| env!("CARGO").to_string());
    let output = Command::new(cargo)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "build",
            "--quiet",
            "--workspace",
            "--bin",
            "toolcage-runtime",
        ])
        .arg("--profile")
        .arg(&profile)
        .arg("--target-dir")
        .arg(target_dir)
        .output()
        .map_err(|e| format!("cannot run cargo to build the adapter: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "building the adapter binary failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let binary = adapter_path();
    if binary.is_file() {
        Ok(binary)
    } else {
        Err(format!("the adapter binary is not at {}", binary.display()))
    }
}
