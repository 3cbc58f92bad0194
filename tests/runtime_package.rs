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

/// A directory for packages with huge sparse files: tmpfs takes files of 2^63-1 bytes (the
/// sizes whose sum overflows u64), most disk filesystems stop near 16 TiB.
fn sparse_capable_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("toolcage-sparse-")
        .tempdir_in("/dev/shm")
        .or_else(|_| tempfile::tempdir())
        .unwrap()
}

fn set_huge_len(file: &std::fs::File) -> u64 {
    for len in [
        i64::MAX as u64,
        1 << 62,
        1 << 44,
        (16 << 40) - 4096,
        1 << 40,
    ] {
        if file.set_len(len).is_ok() {
            return len;
        }
    }
    panic!("the filesystem takes no sparse file of 1 TiB or more");
}

#[test]
fn huge_sparse_files_are_package_too_large_before_anything_is_read() {
    let base = sparse_capable_dir();
    let dir = base.path().join("pkg");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("plugin.toml"), manifest(&["echo"])).unwrap();
    std::fs::write(dir.join("plugin.wasm"), wat::parse_str(ECHO).unwrap()).unwrap();
    let pin = digest_of(&dir);
    for name in ["a-huge.bin", "b-huge.bin"] {
        let file = std::fs::File::create(dir.join(name)).unwrap();
        set_huge_len(&file);
    }
    let rt = Runtime::new(Config::default()).unwrap();
    let err = rt.load(&dir, Some(&pin)).expect_err("the load must fail");
    assert_eq!(err.code(), ErrorCode::PackageTooLarge, "{err}");

    // One huge file alone, as the module: the module cap is decided from its size, unread.
    std::fs::remove_file(dir.join("b-huge.bin")).unwrap();
    std::fs::rename(dir.join("a-huge.bin"), dir.join("plugin.wasm")).unwrap();
    let err = rt.load(&dir, Some(&pin)).expect_err("the load must fail");
    assert!(
        matches!(
            err.code(),
            ErrorCode::PackageTooLarge | ErrorCode::ModuleTooLarge
        ),
        "{err}"
    );
}

#[test]
fn fifos_sockets_and_directory_symlinks_are_path_escape_without_blocking() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("x.bin"), b"outside").unwrap();

    let fifo = package(ECHO, &["echo"]);
    mkfifo(&fifo.path().join("pipe"));
    assert_eq!(load_code(&fifo), ErrorCode::PathEscape);

    let fifo_module = package(ECHO, &["echo"]);
    std::fs::remove_file(fifo_module.path().join("plugin.wasm")).unwrap();
    mkfifo(&fifo_module.path().join("plugin.wasm"));
    assert_eq!(load_code(&fifo_module), ErrorCode::PathEscape);

    let socket = package(ECHO, &["echo"]);
    let _listener = std::os::unix::net::UnixListener::bind(socket.path().join("sock")).unwrap();
    assert_eq!(load_code(&socket), ErrorCode::PathEscape);

    let dir_link = package(ECHO, &["echo"]);
    std::fs::create_dir(dir_link.path().join("data")).unwrap();
    std::os::unix::fs::symlink(outside.path(), dir_link.path().join("data/more")).unwrap();
    assert_eq!(load_code(&dir_link), ErrorCode::PathEscape);
}

fn mkfifo(path: &std::path::Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

/// A writer keeps swapping the module for a FIFO, a symlink to a module outside the package, or a
/// fresh copy of itself, and a directory for a symlink to a directory outside, while loads run.
/// Every load must end, in bounded time, either loaded from the package's own module or with a
/// structured refusal; none may block on the FIFO or read through a link.
#[test]
fn loads_racing_a_writer_that_swaps_in_fifos_and_symlinks_end_structured() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    let pkg = package(ECHO, &["echo"]);
    let inside = wat::parse_str(ECHO).unwrap();
    let inside_hash: [u8; 32] = {
        use sha2::Digest as _;
        sha2::Sha256::digest(&inside).into()
    };
    let outside = tempfile::tempdir().unwrap();
    let evil = outside.path().join("evil.wasm");
    std::fs::write(
        &evil,
        wat::parse_str(constant(r#"{"summary":"outside"}"#)).unwrap(),
    )
    .unwrap();
    std::fs::create_dir(outside.path().join("dir")).unwrap();
    std::fs::write(outside.path().join("dir/secret"), b"outside").unwrap();
    let fifo = outside.path().join("fifo");
    mkfifo(&fifo);
    std::fs::create_dir(pkg.path().join("data")).unwrap();
    std::fs::write(pkg.path().join("data/x"), b"inside").unwrap();

    /// Stops the writer however the test ends, so a failed run does not leave it spinning.
    struct StopOnDrop(Arc<AtomicBool>);
    impl Drop for StopOnDrop {
        fn drop(&mut self) {
            self.0.store(true, Ordering::Relaxed);
        }
    }
    let stop = Arc::new(AtomicBool::new(false));
    let _stop_writer = StopOnDrop(Arc::clone(&stop));
    let writer = {
        let stop = Arc::clone(&stop);
        let root = pkg.path().to_owned();
        let stash = outside.path().to_owned();
        std::thread::spawn(move || {
            let module = root.join("plugin.wasm");
            let data = root.join("data");
            let tmp = root.join(".swap");
            let mut round = 0u64;
            while !stop.load(Ordering::Relaxed) {
                round += 1;
                let _ = std::fs::remove_file(&tmp);
                let made = match round % 3 {
                    0 => std::fs::hard_link(&fifo, &tmp),
                    1 => std::os::unix::fs::symlink(&evil, &tmp),
                    _ => std::fs::write(&tmp, &inside),
                };
                if made.is_ok() {
                    let _ = std::fs::rename(&tmp, &module);
                }
                // The data directory and a symlink to a directory outside trade places.
                let parked = stash.join("parked");
                if round.is_multiple_of(2) {
                    if std::fs::rename(&data, &parked).is_ok() {
                        let _ = std::os::unix::fs::symlink(stash.join("dir"), &data);
                    }
                } else if std::fs::remove_file(&data).is_ok() {
                    let _ = std::fs::rename(&parked, &data);
                }
            }
        })
    };

    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let loader = {
        let root = pkg.path().to_owned();
        std::thread::spawn(move || {
            let rt = Runtime::new(Config::default()).unwrap();
            for _ in 0..2000 {
                let result = rt.load(&root, None).map(|p| *p.module_sha256());
                if done_tx.send(result).is_err() {
                    return;
                }
            }
        })
    };
    let mut loaded = 0;
    let mut refused = std::collections::BTreeMap::<&str, usize>::new();
    for _ in 0..2000 {
        let result = done_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("a load did not end within 10 s: it blocked on the FIFO or hung");
        match result {
            Ok(hash) => {
                assert_eq!(
                    hash, inside_hash,
                    "a load read the module outside the package"
                );
                loaded += 1;
            }
            Err(e) => {
                let code = e.code();
                assert!(
                    matches!(code, ErrorCode::PathEscape | ErrorCode::DigestMismatch),
                    "unexpected refusal {code}: {e}"
                );
                *refused.entry(code.as_str()).or_default() += 1;
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    loader.join().unwrap();
    eprintln!("racing loads: {loaded} loaded, refused {refused:?}");
}

#[test]
fn a_load_over_its_time_budget_is_load_timeout() {
    let pkg = package(ECHO, &["echo"]);
    let rt = Runtime::new(Config::default()).unwrap();
    let spent = Limits {
        load_budget: Duration::ZERO,
        ..Limits::default()
    };
    let err = rt
        .load_with_limits(pkg.path(), Some(&pkg.digest), &spent)
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::LoadTimeout, "{err}");
    assert_eq!(err.phase(), toolcage_runtime::Phase::Load);
    // Duration::MAX is no deadline at all (and no `Instant + Duration` overflow).
    let unbounded = Limits {
        load_budget: Duration::MAX,
        ..Limits::default()
    };
    rt.load_with_limits(pkg.path(), Some(&pkg.digest), &unbounded)
        .unwrap();
}

/// Root reads a mode-000 file anyway (CAP_DAC_OVERRIDE), so as root the test runs itself again
/// as `nobody` through `setpriv`; unprivileged, it checks directly.
#[test]
fn an_unreadable_file_is_package_unreadable_not_module_missing() {
    const NAME: &str = "an_unreadable_file_is_package_unreadable_not_module_missing";
    use std::os::unix::fs::PermissionsExt;
    let module = package(ECHO, &["echo"]);
    let file = module.path().join("plugin.wasm");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::File::open(&file).is_ok() {
        assert!(
            std::env::var_os("TOOLCAGE_TEST_UNPRIVILEGED").is_none(),
            "setpriv ran the test with its privileges intact"
        );
        let out = std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(std::env::current_exe().unwrap())
            .args(["--exact", NAME, "--test-threads=1"])
            .env("TOOLCAGE_TEST_UNPRIVILEGED", "1")
            .output()
            .expect("as root this test needs setpriv (util-linux) to drop privileges");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "the unprivileged run failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    }
    let code = |pkg: &Package| load_code(pkg).as_str();
    assert_eq!(code(&module), "package_unreadable");

    let other = package(ECHO, &["echo"]);
    let readme = other.path().join("README");
    std::fs::write(&readme, b"hi").unwrap();
    std::fs::set_permissions(&readme, std::fs::Permissions::from_mode(0o000)).unwrap();
    assert_eq!(code(&other), "package_unreadable");

    let dir = package(ECHO, &["echo"]);
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    std::fs::set_permissions(&sub, std::fs::Permissions::from_mode(0o000)).unwrap();
    assert_eq!(code(&dir), "package_unreadable");
}
