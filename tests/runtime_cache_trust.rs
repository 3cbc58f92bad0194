//! The disk cache's trust rules beyond a world-writable directory (docs/SPEC.md 2.2, CACHE-02):
//! a group-writable entry or engine directory, a parent writable by its group, an ancestor
//! further up, and directories owned by another user. The kit's `[disk_cache]` cases reach the
//! directory and its parent through any adapter; what needs a second user or the runtime's own
//! entry layout is checked here, on the reference runtime.
#![cfg(unix)]

mod common;

use common::*;
use std::os::unix::fs::{chown, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use toolcage_runtime::{CacheKey, CacheSource, CallOptions, Config, DiagnosticSink, Runtime};

/// Collects the runtime's operator notices.
#[derive(Default)]
struct Notices(Mutex<Vec<String>>);

impl DiagnosticSink for Notices {
    fn receive(&self, _: &str, _: &str, _: &str) {}
    fn notice(&self, text: &str) {
        self.0.lock().unwrap().push(text.to_string());
    }
}

/// A cache directory `root/parent/cache` (all private) and one package.
struct Setup {
    root: tempfile::TempDir,
    parent: PathBuf,
    cache: PathBuf,
    package: Package,
}

fn setup() -> Setup {
    let root = tempfile::tempdir().unwrap();
    let parent = root.path().join("parent");
    let cache = parent.join("cache");
    std::fs::create_dir_all(&cache).unwrap();
    for dir in [root.path(), &parent, &cache] {
        set_mode(dir, 0o700);
    }
    Setup {
        root,
        parent,
        cache,
        package: package(&constant(r#"{"summary":"one"}"#), &["t"]),
    }
}

impl Setup {
    /// Loads the package through a fresh keyed runtime (as a new process would) and calls it:
    /// where its module came from, and the notices the load gave.
    fn load(&self) -> (CacheSource, Vec<String>) {
        let notices = Arc::new(Notices::default());
        let runtime = Runtime::new(Config {
            cache_dir: Some(self.cache.clone()),
            cache_key: Some(CacheKey::new(b"the host's secret, 32 bytes long").unwrap()),
            diagnostics: Some(notices.clone() as Arc<dyn DiagnosticSink>),
            ..Config::default()
        })
        .unwrap();
        let plugin = runtime
            .load(self.package.path(), Some(&self.package.digest))
            .unwrap();
        let result = plugin.call("t", "{}", &CallOptions::default()).result;
        assert_eq!(result.expect("the call succeeds").summary, "one");
        let seen = std::mem::take(&mut *notices.0.lock().unwrap());
        (plugin.cache_source(), seen)
    }

    /// Warms the cache; returns its one entry.
    fn warm(&self) -> PathBuf {
        assert_eq!(self.load().0, CacheSource::Compiled);
        assert_eq!(self.load().0, CacheSource::Disk, "the cache works");
        let mut entries = files_under(&self.cache);
        assert_eq!(entries.len(), 1, "{entries:?}");
        entries.pop().unwrap()
    }

    /// The load compiles, says why, and writes nothing new under the cache directory.
    fn refused(&self, what: &str) {
        let before = files_under(&self.cache);
        let (source, notices) = self.load();
        assert_eq!(source, CacheSource::Compiled, "{what}: used");
        assert!(
            notices.iter().any(|n| n.contains("refused")),
            "{what}: no notice: {notices:?}"
        );
        let after = files_under(&self.cache);
        assert!(after.len() <= before.len(), "{what}: written: {after:?}");
    }
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Every regular file under `dir`, at any depth.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let kind = e.file_type().unwrap();
            if kind.is_dir() {
                todo.push(e.path());
            } else if kind.is_file() {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

/// Another user's id, when this process may give files away (root); `None` elsewhere, where
/// the ownership tests check nothing and say so.
fn stranger(me: u32) -> Option<u32> {
    if me != 0 {
        eprintln!("not root: cannot give a directory to another user; ownership checks untested");
        return None;
    }
    Some(65534)
}

#[test]
fn a_group_writable_entry_is_refused_and_a_group_readable_one_used() {
    let s = setup();
    let entry = s.warm();
    for mode in [0o660, 0o620, 0o602] {
        set_mode(&entry, mode);
        let (source, notices) = s.load();
        assert_eq!(source, CacheSource::Compiled, "{mode:o}");
        assert!(
            notices
                .iter()
                .any(|n| n.contains("entry") && n.contains("mode")),
            "{mode:o}: {notices:?}"
        );
        // The refused entry was replaced by the runtime's own, private one.
        assert_eq!(s.load().0, CacheSource::Disk, "{mode:o}: rewritten");
    }
    set_mode(&entry, 0o640);
    assert_eq!(
        s.load().0,
        CacheSource::Disk,
        "readable by the group is no threat"
    );
}

#[test]
fn a_group_writable_engine_directory_is_refused() {
    let s = setup();
    let entry = s.warm();
    let engine_dir = entry.parent().unwrap();
    for mode in [0o770, 0o730] {
        set_mode(engine_dir, mode);
        s.refused(&format!("engine directory {mode:o}"));
    }
    set_mode(engine_dir, 0o700);
    assert_eq!(s.load().0, CacheSource::Disk);
}

#[test]
fn a_parent_or_ancestor_writable_by_its_group_is_refused_unless_sticky() {
    let s = setup();
    s.warm();
    for (dir, what) in [(s.parent.as_path(), "parent"), (s.root.path(), "ancestor")] {
        for mode in [0o770, 0o730] {
            set_mode(dir, mode);
            s.refused(&format!("{what} {mode:o}"));
        }
        // Sticky: the group cannot rename or remove what is ours in it.
        set_mode(dir, 0o1770);
        assert_eq!(s.load().0, CacheSource::Disk, "{what} sticky");
        set_mode(dir, 0o700);
    }
}

#[test]
fn directories_owned_by_another_user_are_refused() {
    let s = setup();
    let entry = s.warm();
    let me = std::fs::metadata(&entry).unwrap().uid();
    let Some(other) = stranger(me) else { return };
    let engine_dir = entry.parent().unwrap().to_path_buf();
    for (dir, what) in [
        (engine_dir.as_path(), "engine directory"),
        (s.parent.as_path(), "parent"),
        (s.root.path(), "ancestor"),
    ] {
        // Private modes: only the owner counts here.
        chown(dir, Some(other), None).unwrap();
        s.refused(&format!("{what} owned by uid {other}"));
        chown(dir, Some(me), None).unwrap();
        assert_eq!(s.load().0, CacheSource::Disk, "{what} back to uid {me}");
    }
}
