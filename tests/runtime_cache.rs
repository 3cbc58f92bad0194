//! Deterministic module selection: what runs depends only on the package's bytes and the
//! runtime's configuration, never on what a cache happens to hold.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use toolcage_runtime::{CacheSource, CallOptions, Config, ErrorCode, Runtime};

fn summary(plugin: &toolcage_runtime::Plugin) -> String {
    plugin
        .call("t", "{}", &CallOptions::default())
        .result
        .expect("call succeeds")
        .summary
}

fn disk_runtime(dir: &Path) -> Runtime {
    Runtime::new(Config {
        cache_dir: Some(dir.to_path_buf()),
        ..Config::default()
    })
    .unwrap()
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for sub in std::fs::read_dir(dir).unwrap() {
        for e in std::fs::read_dir(sub.unwrap().path()).unwrap() {
            out.push(e.unwrap().path());
        }
    }
    out.sort();
    out
}

#[test]
fn same_bytes_select_the_same_module_wherever_they_live() {
    let rt = Runtime::new(Config::default()).unwrap();
    let a = package(&constant(r#"{"summary":"one"}"#), &["t"]);
    let b = package(&constant(r#"{"summary":"one"}"#), &["t"]);
    assert_eq!(a.digest, b.digest);
    let pa = rt.load(a.path(), Some(&a.digest)).unwrap();
    let pb = rt.load(b.path(), Some(&b.digest)).unwrap();
    assert_eq!(pa.module_sha256(), pb.module_sha256());
    assert_eq!(pa.cache_source(), CacheSource::Compiled);
    assert_eq!(pb.cache_source(), CacheSource::Memory);
    assert_eq!(summary(&pa), summary(&pb));
}

#[test]
fn a_changed_module_is_never_served_from_the_cache() {
    let rt = Runtime::new(Config::default()).unwrap();
    let mut pkg = package(&constant(r#"{"summary":"one"}"#), &["t"]);
    let old = pkg.digest;
    assert_eq!(summary(&rt.load(pkg.path(), Some(&old)).unwrap()), "one");

    let two = wat::parse_str(constant(r#"{"summary":"two"}"#)).unwrap();
    std::fs::write(pkg.path().join("plugin.wasm"), two).unwrap();
    pkg.rehash();
    // The old pin no longer matches, cached module or not.
    let err = rt.load(pkg.path(), Some(&old)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::DigestMismatch);
    // The new pin selects the new module.
    let plugin = rt.load(pkg.path(), Some(&pkg.digest)).unwrap();
    assert_eq!(plugin.cache_source(), CacheSource::Compiled);
    assert_eq!(summary(&plugin), "two");
}

#[test]
fn disk_entries_are_reused_only_when_verified() {
    let cache = tempfile::tempdir().unwrap();
    let one = package(&constant(r#"{"summary":"one"}"#), &["t"]);
    let two = package(&constant(r#"{"summary":"two"}"#), &["t"]);

    let first = disk_runtime(cache.path())
        .load(one.path(), Some(&one.digest))
        .unwrap();
    assert_eq!(first.cache_source(), CacheSource::Compiled);
    let second = disk_runtime(cache.path())
        .load(one.path(), Some(&one.digest))
        .unwrap();
    assert_eq!(second.cache_source(), CacheSource::Disk);
    assert_eq!(summary(&second), "one");

    let entry = entries(cache.path()).pop().unwrap();
    let good = std::fs::read(&entry).unwrap();
    let corruptions: [(&str, Vec<u8>); 3] = [
        ("flipped byte", {
            let mut b = good.clone();
            let last = b.len() - 1;
            b[last] ^= 0x40;
            b
        }),
        ("truncated", good[..good.len() / 2].to_vec()),
        ("empty", Vec::new()),
    ];
    for (what, bytes) in corruptions {
        std::fs::write(&entry, bytes).unwrap();
        let plugin = disk_runtime(cache.path())
            .load(one.path(), Some(&one.digest))
            .unwrap();
        assert_eq!(
            plugin.cache_source(),
            CacheSource::Compiled,
            "{what} entry was used"
        );
        assert_eq!(summary(&plugin), "one", "{what}");
    }

    // A foreign entry: module two's compiled code stored under module one's name.
    disk_runtime(cache.path())
        .load(two.path(), Some(&two.digest))
        .unwrap();
    let all = entries(cache.path());
    assert_eq!(all.len(), 2);
    let foreign = all.iter().find(|p| **p != entry).unwrap();
    std::fs::copy(foreign, &entry).unwrap();
    let plugin = disk_runtime(cache.path())
        .load(one.path(), Some(&one.digest))
        .unwrap();
    assert_eq!(
        plugin.cache_source(),
        CacheSource::Compiled,
        "foreign entry was used"
    );
    assert_eq!(summary(&plugin), "one");
}
