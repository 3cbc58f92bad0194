//! Cases with `[disk_cache]`: the kit plays someone who can write a runtime's compiled-code cache
//! directory but does not hold the key the host gave the runtime. It warms a cache directory
//! through the runtime, corrupts the entries or plants another module's code under the case
//! module's name, and only then sends the judged request with the same directory and key: a
//! runtime that deserializes what it cannot authenticate runs the planted code and fails.
//!
//! The kit cannot know a runtime's entry format, so the forgery is the one an attacker without
//! the format's secret makes: every mention of the planted module's SHA-256 and package digest
//! (raw or hex, in names and contents) becomes the case's, and every SHA-256 near the start of a
//! file that covered the rest of the file is recomputed. An entry trusted on its header and an
//! embedded checksum is forged this way; one authenticated with a key is not.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use crate::judge::verdict::{Failure, FailureClass, FailureKind};
use crate::model::case::Case;
use crate::model::error::KitError;
use crate::model::protocol::Request;
use crate::model::spec::CacheAttack;
use crate::package::archive::zip_package;
use crate::package::build::{self, BuiltPackage};
use crate::runtime::seam::{panicked, AdapterFailure, ConformanceRuntime};

/// The summary of the planted module's output: seeing it means planted code ran.
pub const PLANTED_SUMMARY: &str = "planted code ran: the cache entry was not authenticated";

/// How far from the start of a file the forgery looks for checksums to recompute.
const HEADER_WINDOW: usize = 512;

/// The cache directory and key file of one case; removed when dropped.
pub(crate) struct CacheDir {
    _root: tempfile::TempDir,
}

/// Warms and attacks a fresh cache directory, then points `judged` at it. `Ok(Err(_))` is a
/// verdict (the runtime failed, or declared `disk_cache` and wrote nothing the kit could attack).
pub(crate) fn prepare(
    runtime: &dyn ConformanceRuntime,
    case: &Case,
    attack: CacheAttack,
    built: &BuiltPackage,
    judged: &mut Request,
) -> Result<Result<CacheDir, Failure>, KitError> {
    let kit = |what: &str, e: io::Error| KitError::Package {
        id: case.id.clone(),
        message: format!("disk cache: {what}: {e}"),
    };
    let root = tempfile::Builder::new()
        .prefix("toolcage-cache-")
        .tempdir()
        .map_err(|e| kit("cannot create a temporary directory", e))?;
    // The key file stays in the private root, so only the directory under attack is weakened.
    let parent = match attack {
        CacheAttack::WritableParent => root.path().join("parent"),
        _ => root.path().to_path_buf(),
    };
    let cache = parent.join("cache");
    let key = root.path().join("key");
    if parent != root.path() {
        private_dir(&parent).map_err(|e| kit("cannot create the cache's parent", e))?;
    }
    private_dir(&cache).map_err(|e| kit("cannot create the cache directory", e))?;
    private_key(&key, root.path()).map_err(|e| kit("cannot write the key file", e))?;
    judged.cache_dir = Some(cache.clone());
    judged.cache_key_file = Some(key);
    let weakened = match attack {
        CacheAttack::GroupWritableDir => Some((cache.as_path(), "a cache directory of mode 0770")),
        CacheAttack::WritableParent => Some((
            parent.as_path(),
            "a cache directory whose parent has mode 0770 (group-writable, not sticky)",
        )),
        CacheAttack::Corrupt | CacheAttack::Plant => None,
    };
    if let Some((dir, what)) = weakened {
        set_mode(dir, 0o770).map_err(|e| kit("cannot change a directory's mode", e))?;
        // The warm-up is the load that would write the entry; the judged request runs after it
        // with the directory as it is, and must still meet `[expect]` (a refused cache costs a
        // compile, never the call).
        let mut warm = judged.clone();
        warm.calls.truncate(1);
        if let Err(failure) = run(runtime, &warm) {
            return Ok(Err(failure));
        }
        let written = snapshot(&cache).map_err(|e| kit("cannot read the cache directory", e))?;
        return Ok(match written.keys().next() {
            None => Ok(CacheDir { _root: root }),
            Some(file) => Err(Failure {
                kind: FailureKind::UntrustedCacheUsed,
                class: FailureClass::Safety,
                call: None,
                message: format!(
                    "the runtime wrote {file} into {what}: whoever else can write there can \
                     swap compiled code the host runs; the directory must be refused"
                ),
            }),
        });
    }

    let mut warm = judged.clone();
    warm.calls.truncate(1);
    if let Err(failure) = run(runtime, &warm) {
        return Ok(Err(failure));
    }
    let warmed = snapshot(&cache).map_err(|e| kit("cannot read the cache directory", e))?;
    let nothing = |what: &str| -> Result<Result<CacheDir, Failure>, KitError> {
        Ok(Err(Failure {
            kind: FailureKind::MissingEvidence,
            class: FailureClass::Safety,
            call: None,
            message: format!(
                "the runtime declares disk_cache, but {what}: the kit has no entry to attack"
            ),
        }))
    };
    match attack {
        CacheAttack::Corrupt => {
            if warmed.is_empty() {
                return nothing("loading the case's package wrote no file into cache_dir");
            }
            for (path, mut bytes) in warmed {
                let len = bytes.len();
                if len == 0 {
                    continue;
                }
                bytes[len / 2] ^= 0x55;
                bytes[len - 1] ^= 0x55;
                fs::write(cache.join(path), bytes).map_err(|e| kit("cannot corrupt", e))?;
            }
        }
        // Judged above, before this warm-up.
        CacheAttack::GroupWritableDir | CacheAttack::WritableParent => {}
        CacheAttack::Plant => {
            let mut twin = case.clone();
            twin.module = planted_module();
            let planted = build::build(&twin)?;
            let mut request = warm.clone();
            request.package = planted.path.clone();
            request.digest = planted.digest.clone();
            // A runtime that loads archives gets the planted package's own, never the case's.
            if request.package_zip.is_some() {
                let zip = planted.path.with_extension("zip");
                zip_package(&planted.path, &zip)
                    .map_err(|e| kit("cannot zip the planted package", io::Error::other(e)))?;
                request.package_zip = Some(zip);
            }
            for call in &mut request.calls {
                call.package = None;
                call.package_zip = None;
                call.digest = None;
            }
            if let Err(failure) = run(runtime, &request) {
                return Ok(Err(failure));
            }
            let after = snapshot(&cache).map_err(|e| kit("cannot read the cache directory", e))?;
            let fresh: Vec<_> = after
                .into_iter()
                .filter(|(path, bytes)| warmed.get(path) != Some(bytes))
                .collect();
            if fresh.is_empty() {
                return nothing("loading a second package wrote no file into cache_dir");
            }
            let pairs = substitutions(&twin.module, &planted.digest, &case.module, &built.digest);
            for (path, bytes) in fresh {
                let mut target = path.clone();
                for (from, to) in &pairs {
                    target = target.replace(from.as_str(), to.as_str());
                }
                if target == path {
                    // Names that do not carry a hash: the one file the warm-up wrote.
                    match warmed.keys().collect::<Vec<_>>()[..] {
                        [only] => target = only.to_string(),
                        _ => return nothing("its entry names do not tell which module they hold"),
                    }
                }
                let forged = forge_entry(&bytes, &pairs);
                let target = cache.join(target);
                if let Some(parent) = target.parent() {
                    fs::create_dir_all(parent).map_err(|e| kit("cannot plant", e))?;
                }
                fs::write(&target, forged).map_err(|e| kit("cannot plant", e))?;
            }
        }
    }
    Ok(Ok(CacheDir { _root: root }))
}

/// The byte strings an attacker swaps: the planted module's SHA-256 and package digest, raw
/// and as lowercase hex, for the case's.
fn substitutions(
    planted_module: &[u8],
    planted_digest: &str,
    module: &[u8],
    digest: &str,
) -> Vec<(String, String)> {
    let raw_hex = |d: &str| d.strip_prefix("sha256:").unwrap_or(d).to_string();
    let module_hex = |m: &[u8]| hex(&Sha256::digest(m));
    vec![
        (module_hex(planted_module), module_hex(module)),
        (raw_hex(planted_digest), raw_hex(digest)),
    ]
}

/// Forges `entry` (of the planted module) into an entry of the case's module: each `(from, to)`
/// pair of hex SHA-256s replaced, as hex and as the 32 raw bytes, then every SHA-256 in the first
/// 512 bytes that covered everything after it recomputed over the forged remainder.
pub fn forge_entry(entry: &[u8], pairs: &[(String, String)]) -> Vec<u8> {
    let mut forged = entry.to_vec();
    for (from, to) in pairs {
        replace_all(&mut forged, from.as_bytes(), to.as_bytes());
        if let (Some(from), Some(to)) = (unhex(from), unhex(to)) {
            replace_all(&mut forged, &from, &to);
        }
    }
    for at in 0..entry.len().saturating_sub(32).min(HEADER_WINDOW) {
        if entry[at..at + 32] == Sha256::digest(&entry[at + 32..])[..] {
            let sum = Sha256::digest(&forged[at + 32..]);
            forged[at..at + 32].copy_from_slice(&sum);
        }
    }
    forged
}

fn replace_all(haystack: &mut [u8], from: &[u8], to: &[u8]) {
    if from.is_empty() || from.len() != to.len() {
        return;
    }
    let mut at = 0;
    while at + from.len() <= haystack.len() {
        if haystack[at..at + from.len()] == *from {
            haystack[at..at + from.len()].copy_from_slice(to);
            at += from.len();
        } else {
            at += 1;
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    text.len()
        .is_multiple_of(2)
        .then(|| {
            (0..text.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
                .collect()
        })
        .flatten()
}

/// A module with the case module's ABI whose output says that planted code ran.
fn planted_module() -> Vec<u8> {
    let output = format!("{{\"summary\":\"{PLANTED_SUMMARY}\"}}");
    let escaped: String = output.bytes().map(|b| format!("\\{b:02x}")).collect();
    let wat = format!(
        r#"(module
  (import "yoi:tool" "output_write" (func $w (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{escaped}")
  (func (export "yoi_tool_call") (drop (call $w (i32.const 0) (i32.const {})))))"#,
        output.len()
    );
    wat::parse_str(wat).expect("the planted module's WAT is valid")
}

/// Runs one preparatory request; only a runtime failure (crash, hang, garbage) stops the case.
fn run(runtime: &dyn ConformanceRuntime, request: &Request) -> Result<(), Failure> {
    let response = catch_unwind(AssertUnwindSafe(|| runtime.run(request)))
        .unwrap_or_else(|panic| Err(panicked(panic)));
    match response {
        Ok(r) if r.outcomes.len() == request.calls.len() => Ok(()),
        Ok(r) => Err(Failure::from(AdapterFailure::WrongCount {
            expected: request.calls.len(),
            found: r.outcomes.len(),
        })),
        Err(failure) => Err(Failure::from(failure)),
    }
}

/// Every regular file under `dir` by its `/`-separated relative path (symlinks and other
/// entries a runtime left there are not followed).
fn snapshot(dir: &Path) -> io::Result<BTreeMap<String, Vec<u8>>> {
    let mut files = BTreeMap::new();
    let mut todo = vec![PathBuf::new()];
    while let Some(relative) = todo.pop() {
        for entry in fs::read_dir(dir.join(&relative))? {
            let entry = entry?;
            let path = relative.join(entry.file_name());
            let kind = entry.file_type()?;
            if kind.is_dir() {
                todo.push(path);
            } else if kind.is_file() {
                let name = path.to_string_lossy().replace('\\', "/");
                files.insert(name, fs::read(entry.path())?);
            }
        }
    }
    Ok(files)
}

fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    return fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(mode));
    #[cfg(not(unix))]
    return Err(io::Error::new(
        io::ErrorKind::Unsupported,
        format!("no Unix modes here to set {mode:o} on {}", path.display()),
    ));
}

fn private_dir(path: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// A key file of 32 bytes only this user can read. The kit never uses the key: it stands for
/// the host's secret that the attacker does not have.
fn private_key(path: &Path, seed: &Path) -> io::Result<()> {
    let mut h = Sha256::new();
    h.update(seed.to_string_lossy().as_bytes());
    h.update(format!("{:?}", std::time::SystemTime::now()).as_bytes());
    h.update(std::process::id().to_be_bytes());
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    io::Write::write_all(&mut options.open(path)?, &h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forgery_renames_the_module_and_recomputes_a_header_checksum() {
        let (planted, case) = (hex(&[0xaa; 32]), hex(&[0xbb; 32]));
        let body = b"compiled code".to_vec();
        let mut entry = b"MAGIC".to_vec();
        entry.extend_from_slice(&[0xaa; 32]);
        entry.extend_from_slice(&Sha256::digest([&[0xaa; 32][..], &body].concat()));
        entry.extend_from_slice(&[0xaa; 32]);
        entry.extend_from_slice(&body);
        let forged = forge_entry(&entry, &[(planted, case)]);
        assert_eq!(&forged[5..37], &[0xbb; 32]);
        assert_eq!(
            &forged[37..69],
            &Sha256::digest([&[0xbb; 32][..], &body].concat())[..]
        );
        assert!(forged.ends_with(&body));
    }
}
