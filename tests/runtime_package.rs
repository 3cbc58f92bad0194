//! Load-time refusals: everything wrong with a package is refused before its module compiles,
//! with its own code.

mod common;

use common::*;
use std::time::Duration;
use toolcage_runtime::{CallOptions, Config, EngineConfig, ErrorCode, Limits, Runtime};

fn load_code(pkg: &Package) -> ErrorCode {
    let rt = Runtime::new(Config::default()).unwrap();
    rt.load(pkg.path(), Some(&pkg.digest))
        .expect_err("the load must fail")
        .code()
}

fn with_manifest(manifest: &str) -> Package {
    package_with_manifest(ECHO, manifest)
}

#[test]
fn manifests_that_are_malformed_too_large_or_have_unknown_keys() {
    let good = manifest(&["echo"]);
    let cases = [
        (
            "broken TOML",
            "schema_version = ".to_owned(),
            ErrorCode::ManifestInvalid,
        ),
        (
            "unknown key",
            format!("{good}\nsurprise = 1\n"),
            ErrorCode::ManifestInvalid,
        ),
        (
            "schema_version 2",
            good.replace("schema_version = 1", "schema_version = 2"),
            ErrorCode::ManifestInvalid,
        ),
        (
            "too large",
            format!("{good}\n# {}\n", "x".repeat(70_000)),
            ErrorCode::ManifestInvalid,
        ),
        (
            "no tools",
            good.split("[[tools]]").next().unwrap().to_owned(),
            ErrorCode::ManifestInvalid,
        ),
        (
            "bad tool name",
            good.replace("name = \"echo\"", "name = \"a b\""),
            ErrorCode::ManifestInvalid,
        ),
        (
            "wrong kind",
            good.replace("kind = \"wasm\"", "kind = \"native\""),
            ErrorCode::AbiUnsupported,
        ),
        (
            "wrong abi",
            good.replace("yoi-plugin-wasm-1", "yoi-plugin-wasm-2"),
            ErrorCode::AbiUnsupported,
        ),
        (
            "dotdot entry",
            good.replace("entry = \"plugin.wasm\"", "entry = \"../plugin.wasm\""),
            ErrorCode::PathEscape,
        ),
        (
            "absolute entry",
            good.replace("entry = \"plugin.wasm\"", "entry = \"/etc/passwd\""),
            ErrorCode::PathEscape,
        ),
        (
            "external $ref",
            good.replace(
                "input_schema = { type = \"object\" }",
                "input_schema = { \"$ref\" = \"https://example.com/s.json\" }",
            ),
            ErrorCode::ManifestInvalid,
        ),
    ];
    for (what, text, code) in cases {
        assert_eq!(load_code(&with_manifest(&text)), code, "{what}");
    }
}

#[test]
fn symlinks_anywhere_in_the_package_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("evil.wasm"),
        wat::parse_str(ECHO).unwrap(),
    )
    .unwrap();
    let pkg = package(ECHO, &["echo"]);
    std::fs::remove_file(pkg.path().join("plugin.wasm")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("evil.wasm"),
        pkg.path().join("plugin.wasm"),
    )
    .unwrap();
    assert_eq!(load_code(&pkg), ErrorCode::PathEscape);

    let pkg = package(ECHO, &["echo"]);
    std::os::unix::fs::symlink("/etc", pkg.path().join("extra")).unwrap();
    assert_eq!(load_code(&pkg), ErrorCode::PathEscape);
}

#[test]
fn module_size_cap_is_decided_before_reading_and_the_cap_itself_loads() {
    let pkg = package(ECHO, &["echo"]);
    let size = std::fs::metadata(pkg.path().join("plugin.wasm"))
        .unwrap()
        .len() as usize;
    let rt = Runtime::new(Config::default()).unwrap();
    let at = Limits {
        module_bytes: size,
        ..Limits::default()
    };
    rt.load_with_limits(pkg.path(), Some(&pkg.digest), &at)
        .unwrap();
    let under = Limits {
        module_bytes: size - 1,
        ..Limits::default()
    };
    let err = rt
        .load_with_limits(pkg.path(), Some(&pkg.digest), &under)
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ModuleTooLarge);
}

#[test]
fn garbage_and_disallowed_features_are_invalid_modules() {
    let mut pkg = package(ECHO, &["echo"]);
    std::fs::write(pkg.path().join("plugin.wasm"), b"\0asm\x01\0\0\0garbage").unwrap();
    pkg.rehash();
    assert_eq!(load_code(&pkg), ErrorCode::ModuleInvalid);
    let shared =
        r#"(module (memory (export "memory") 1 1 shared) (func (export "yoi_tool_call")))"#;
    assert_eq!(
        load_code(&package(shared, &["t"])),
        ErrorCode::ModuleInvalid
    );
    let mem64 = r#"(module (memory (export "memory") i64 1) (func (export "yoi_tool_call")))"#;
    assert_eq!(load_code(&package(mem64, &["t"])), ErrorCode::ModuleInvalid);
    let two_tables = r#"(module (memory (export "memory") 1) (table 1 funcref) (table 1 funcref)
        (func (export "yoi_tool_call")))"#;
    assert_eq!(
        load_code(&package(two_tables, &["t"])),
        ErrorCode::TableLimit
    );
}

#[test]
fn calls_past_the_concurrency_limit_get_resource_exhausted() {
    let rt = Runtime::new(Config {
        engine: EngineConfig {
            max_concurrent_calls: 1,
            ..EngineConfig::default()
        },
        ..Config::default()
    })
    .unwrap();
    let pkg = package(LOOP, &["t"]);
    let plugin = rt.load(pkg.path(), Some(&pkg.digest)).unwrap();
    let busy = {
        let plugin = plugin.clone();
        std::thread::spawn(move || {
            let options = CallOptions {
                limits: Some(Limits {
                    deadline: Duration::from_millis(300),
                    ..Limits::default()
                }),
                cancel: None,
            };
            plugin.call("t", "{}", &options)
        })
    };
    std::thread::sleep(Duration::from_millis(100));
    let outcome = plugin.call("t", "{}", &CallOptions::default());
    assert_eq!(
        outcome.result.unwrap_err().code(),
        ErrorCode::ResourceExhausted
    );
    assert_eq!(
        busy.join().unwrap().result.unwrap_err().code(),
        ErrorCode::Timeout
    );
}
