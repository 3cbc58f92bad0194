//! Deterministic module selection: what runs depends only on the package's bytes and the
//! runtime's configuration, never on what a cache happens to hold.

mod common;

use common::*;
use sha2::{Digest as _, Sha256};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use toolcage_runtime::{
    CacheKey, CacheSource, CallOptions, Config, DiagnosticSink, ErrorCode, Runtime,
};

fn summary(plugin: &toolcage_runtime::Plugin) -> String {
    plugin
        .call("t", "{}", &CallOptions::default())
        .result
        .expect("call succeeds")
        .summary
}

fn key() -> CacheKey {
    CacheKey::new(b"the host's secret, 32 bytes long").unwrap()
}

fn disk_runtime(dir: &Path) -> Runtime {
    keyed_runtime(dir, Some(key()), None)
}

fn keyed_runtime(dir: &Path, key: Option<CacheKey>, notices: Option<&Arc<Notices>>) -> Runtime {
    Runtime::new(Config {
        cache_dir: Some(dir.to_path_buf()),
        cache_key: key,
        diagnostics: notices.map(|n| n.clone() as Arc<dyn DiagnosticSink>),
        ..Config::default()
    })
    .unwrap()
}

/// Collects the runtime's operator notices.
#[derive(Default)]
struct Notices(Mutex<Vec<String>>);

impl DiagnosticSink for Notices {
    fn receive(&self, _: &str, _: &str, _: &str) {}
    fn notice(&self, text: &str) {
        self.0.lock().unwrap().push(text.to_string());
    }
}

impl Notices {
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What someone who can write the cache directory does without knowing the entry format: take
/// the entry of module `two`, replace every mention of two's hash (raw and hex) with one's, and
/// recompute each SHA-256 near the start of the file that covered everything after it (a
/// header checksum), so the forged entry is self-consistent. Returns where it was planted.
fn plant(cache: &Path, two: &[u8; 32], one: &[u8; 32]) -> PathBuf {
    let source = files_under(cache)
        .into_iter()
        .find(|p| p.to_string_lossy().contains(&hex(two)))
        .expect("module two has an entry");
    let original = std::fs::read(&source).unwrap();
    let mut forged = replace_all(&original, two, one);
    forged = replace_all(&forged, hex(two).as_bytes(), hex(one).as_bytes());
    for at in 0..original.len().saturating_sub(32).min(512) {
        if original[at..at + 32] == Sha256::digest(&original[at + 32..])[..] {
            let sum = Sha256::digest(&forged[at + 32..]);
            forged[at..at + 32].copy_from_slice(&sum);
        }
    }
    let target = PathBuf::from(source.to_string_lossy().replace(&hex(two), &hex(one)));
    std::fs::write(&target, forged).unwrap();
    target
}

fn replace_all(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let mut out = haystack.to_vec();
    let mut at = 0;
    while at + from.len() <= out.len() {
        if out[at..at + from.len()] == *from {
            out[at..at + from.len()].copy_from_slice(to);
            at += from.len();
        } else {
            at += 1;
        }
    }
    out
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The attack of issue 8: module one's entry rewritten with module two's compiled code under a
/// recomputed header. Package one, pinned to its correct digest, must still run its own code,
/// from a private cache directory as from a world-writable one.
#[cfg(unix)]
#[test]
fn a_planted_entry_with_a_rewritten_header_is_never_run() {
    let root = tempfile::tempdir().unwrap();
    let cache = root.path().join("cache");
    std::fs::create_dir(&cache).unwrap();
    set_mode(&cache, 0o700);
    let one = package(&constant(r#"{"summary":"one"}"#), &["t"]);
    let two = package(&constant(r#"{"summary":"planted"}"#), &["t"]);

    let warm = disk_runtime(&cache);
    let hash_one = *warm
        .load(one.path(), Some(&one.digest))
        .unwrap()
        .module_sha256();
    let hash_two = *warm
        .load(two.path(), Some(&two.digest))
        .unwrap()
        .module_sha256();
    // The cache works: a second process finds module one on disk.
    let again = disk_runtime(&cache)
        .load(one.path(), Some(&one.digest))
        .unwrap();
    assert_eq!(again.cache_source(), CacheSource::Disk);

    for mode in [0o700, 0o777] {
        plant(&cache, &hash_two, &hash_one);
        set_mode(&cache, mode);
        let notices = Arc::new(Notices::default());
        let plugin = keyed_runtime(&cache, Some(key()), Some(&notices))
            .load(one.path(), Some(&one.digest))
            .unwrap();
        assert!(
            !notices.take().is_empty(),
            "a notice says why (mode {mode:o})"
        );
        assert_eq!(summary(&plugin), "one", "planted code ran (mode {mode:o})");
        assert_eq!(
            plugin.cache_source(),
            CacheSource::Compiled,
            "mode {mode:o}"
        );
        set_mode(&cache, 0o700);
    }
}

/// A private cache directory under a fresh temporary root, and two packages.
struct Setup {
    root: tempfile::TempDir,
    cache: PathBuf,
    one: Package,
}

fn setup() -> Setup {
    let root = tempfile::tempdir().unwrap();
    let cache = root.path().join("cache");
    std::fs::create_dir(&cache).unwrap();
    Setup {
        root,
        cache,
        one: package(&constant(r#"{"summary":"one"}"#), &["t"]),
    }
}

impl Setup {
    fn load(&self, runtime: &Runtime) -> toolcage_runtime::Plugin {
        runtime
            .load(self.one.path(), Some(&self.one.digest))
            .unwrap()
    }

    /// Loads package one through a fresh keyed runtime; its output must be one's.
    fn source(&self, notices: Option<&Arc<Notices>>) -> CacheSource {
        let plugin = self.load(&keyed_runtime(&self.cache, Some(key()), notices));
        assert_eq!(summary(&plugin), "one");
        plugin.cache_source()
    }

    fn warm(&self) -> PathBuf {
        assert_eq!(self.source(None), CacheSource::Compiled);
        assert_eq!(self.source(None), CacheSource::Disk, "the cache works");
        files_under(&self.cache).pop().unwrap()
    }
}

/// Without a host key nothing is read or written: a per-process key would make entries
/// useless across processes, and anything stored beside the entries is the attacker's to read.
#[test]
fn without_a_key_the_disk_cache_is_neither_read_nor_written() {
    let s = setup();
    let notices = Arc::new(Notices::default());
    for _ in 0..2 {
        let plugin = s.load(&keyed_runtime(&s.cache, None, Some(&notices)));
        assert_eq!(plugin.cache_source(), CacheSource::Compiled);
        assert_eq!(summary(&plugin), "one");
    }
    assert!(files_under(&s.cache).is_empty(), "an entry was written");
    let seen = notices.take();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen[0].contains("without a cache key"), "{seen:?}");

    // Entries a keyed runtime wrote are not read without the key either.
    s.warm();
    let plugin = s.load(&keyed_runtime(&s.cache, None, None));
    assert_eq!(plugin.cache_source(), CacheSource::Compiled);
}

#[test]
fn an_entry_made_with_another_key_is_not_used() {
    let s = setup();
    s.warm();
    let other = CacheKey::new(&[0x5a; 32]).unwrap();
    let plugin = s.load(&keyed_runtime(&s.cache, Some(other), None));
    assert_eq!(plugin.cache_source(), CacheSource::Compiled);
    assert_eq!(summary(&plugin), "one");
}

#[cfg(unix)]
#[test]
fn a_directory_others_can_write_is_refused_with_a_notice() {
    let s = setup();
    s.warm();
    let notices = Arc::new(Notices::default());
    for mode in [0o777, 0o770, 0o720, 0o702] {
        set_mode(&s.cache, mode);
        assert_eq!(s.source(Some(&notices)), CacheSource::Compiled, "{mode:o}");
        let seen = notices.take();
        assert!(
            seen.iter()
                .any(|n| n.contains("refused") && n.contains("mode")),
            "{mode:o}: {seen:?}"
        );
    }
    // Readable by others is not a threat to what runs; writable is.
    set_mode(&s.cache, 0o755);
    assert_eq!(s.source(Some(&notices)), CacheSource::Disk);
    assert!(notices.take().is_empty());
}

#[cfg(unix)]
#[test]
fn a_parent_others_can_write_is_refused_unless_sticky() {
    let s = setup();
    s.warm();
    set_mode(s.root.path(), 0o777);
    assert_eq!(s.source(None), CacheSource::Compiled);
    // Sticky (like /tmp): others cannot rename or remove what is ours in it.
    set_mode(s.root.path(), 0o1777);
    assert_eq!(s.source(None), CacheSource::Disk);
    set_mode(s.root.path(), 0o700);
}

#[cfg(unix)]
#[test]
fn a_symlinked_engine_directory_is_refused() {
    let s = setup();
    let entry = s.warm();
    let engine_dir = entry.parent().unwrap().to_path_buf();
    let elsewhere = s.root.path().join("elsewhere");
    std::fs::rename(&engine_dir, &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &engine_dir).unwrap();
    assert_eq!(s.source(None), CacheSource::Compiled);
}

#[cfg(unix)]
#[test]
fn a_symlinked_fifo_or_huge_entry_is_refused_without_hanging_or_allocating() {
    let s = setup();
    let entry = s.warm();
    let valid = s.root.path().join("valid-entry");
    std::fs::copy(&entry, &valid).unwrap();

    // A symlink to a valid entry is not followed.
    std::fs::remove_file(&entry).unwrap();
    std::os::unix::fs::symlink(&valid, &entry).unwrap();
    assert_eq!(s.source(None), CacheSource::Compiled, "symlink followed");

    // A FIFO would block a plain open forever.
    std::fs::remove_file(&entry).unwrap();
    let made = std::process::Command::new("mkfifo").arg(&entry).status();
    assert!(made.is_ok_and(|st| st.success()), "mkfifo");
    assert_eq!(s.source(None), CacheSource::Compiled, "FIFO");

    // A sparse entry claiming a terabyte is refused from its size, not read.
    let _ = std::fs::remove_file(&entry);
    let file = std::fs::File::create(&entry).unwrap();
    file.set_len(1 << 40).unwrap();
    drop(file);
    assert_eq!(s.source(None), CacheSource::Compiled, "huge");
}

#[cfg(unix)]
#[test]
fn an_entry_or_directory_owned_by_another_user_is_refused() {
    use std::os::unix::fs::{chown, MetadataExt};
    let s = setup();
    let entry = s.warm();
    let me = std::fs::metadata(&entry).unwrap().uid();
    let stranger = if me == 0 { 65534 } else { 0 };
    // Only root can give a file away; elsewhere this test checks what it can.
    if chown(&entry, Some(stranger), None).is_err() {
        eprintln!("not root: cannot give the entry to another user; ownership checks untested");
        return;
    }
    assert_eq!(s.source(None), CacheSource::Compiled, "foreign entry");
    chown(&s.cache, Some(stranger), None).unwrap();
    assert_eq!(s.source(None), CacheSource::Compiled, "foreign directory");
    chown(&s.cache, Some(me), None).unwrap();
    assert_eq!(s.source(None), CacheSource::Disk);
}

/// Writers racing on one directory (each a runtime of its own, as separate processes would be,
/// released together so their writes overlap) never mix their entries: each is written under a
/// unique temporary name and renamed into place. With one shared temporary name, entries end up
/// holding another module's code (refused, but lost) or missing.
#[test]
fn concurrent_writers_leave_every_entry_whole() {
    let s = setup();
    let packages: Vec<Package> = (0..8)
        .map(|i| package(&constant(&format!(r#"{{"summary":"m{i}"}}"#)), &["t"]))
        .collect();
    for round in 0..10 {
        let _ = std::fs::remove_dir_all(&s.cache);
        let runtimes: Vec<Runtime> = packages.iter().map(|_| disk_runtime(&s.cache)).collect();
        let start = std::sync::Barrier::new(packages.len());
        std::thread::scope(|scope| {
            for (rt, p) in runtimes.iter().zip(&packages) {
                let start = &start;
                scope.spawn(move || {
                    start.wait();
                    rt.load(p.path(), Some(&p.digest)).unwrap();
                });
            }
        });
        let files = files_under(&s.cache);
        assert_eq!(files.len(), packages.len(), "round {round}: {files:?}");
        let rt = disk_runtime(&s.cache);
        for (i, p) in packages.iter().enumerate() {
            let plugin = rt.load(p.path(), Some(&p.digest)).unwrap();
            assert_eq!(
                plugin.cache_source(),
                CacheSource::Disk,
                "round {round}: m{i}"
            );
            assert_eq!(summary(&plugin), format!("m{i}"));
        }
    }
}

#[cfg(unix)]
#[test]
fn a_key_file_must_be_private() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("key");
    std::fs::write(&path, [9u8; 32]).unwrap();
    set_mode(&path, 0o600);
    assert!(CacheKey::from_file(&path).is_ok());
    for mode in [0o640, 0o604, 0o620] {
        set_mode(&path, mode);
        let err = CacheKey::from_file(&path).unwrap_err();
        assert!(err.to_string().contains("mode"), "{mode:o}: {err}");
    }
    set_mode(&path, 0o600);
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&path, &link).unwrap();
    assert!(CacheKey::from_file(&link).is_err(), "symlink followed");
    set_mode(dir.path(), 0o777);
    assert!(
        CacheKey::from_file(&path).is_err(),
        "directory others can write"
    );
    set_mode(dir.path(), 0o700);
    std::fs::write(&path, [9u8; 31]).unwrap();
    assert!(CacheKey::from_file(&path).is_err(), "too short");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(1 << 40).unwrap();
    assert!(CacheKey::from_file(&path).is_err(), "huge");
}
