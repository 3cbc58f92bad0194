//! Compiled modules, cached by what they are (module SHA-256) and what compiled them (the
//! engine's compatibility hash), never by where they came from.
//!
//! The memory cache is bounded. The disk cache holds native code that `Module::deserialize`
//! runs without further checks, so it trusts nothing it cannot authenticate (docs/SPEC.md §2.2):
//! the directory, its parents and each entry pass ssh-style ownership and permission checks, an
//! entry is read through `O_NOFOLLOW` under a size cap, and it is deserialized only when its
//! HMAC-SHA256, keyed by a secret the host supplies and the directory never holds, covers the
//! module hash, the engine hash and the compiled bytes. Without a key the disk cache is off.
//! Whatever is refused costs a compile, never the call.

use super::trust;
use hmac::{Hmac, Mac as _};
use sha2::{Digest as _, Sha256};
use std::hash::{Hash, Hasher};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use wasmtime::{Engine, Module};

const MAGIC: &[u8; 16] = b"toolcage-cwasm-2";
/// Magic, module hash, engine hash, SHA-256 of the compiled bytes, MAC.
const HEADER: usize = MAGIC.len() + 4 * 32;
/// The largest entry read or written. Compiled code of an 8 MiB module stays well under it; an
/// entry the size of the disk is refused before it is read.
pub(crate) const MAX_ENTRY_BYTES: u64 = 256 << 20;

/// The SHA-256 of a module's (or a manifest's) bytes.
pub(crate) type ModuleHash = [u8; 32];

/// Where a compiled module came from, for hosts and benchmarks that want to know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheSource {
    /// Compiled on this load.
    Compiled,
    /// Found in the in-memory cache.
    Memory,
    /// Deserialized from an authenticated disk entry.
    Disk,
}

/// The host's secret for authenticating disk cache entries. It lives outside the cache
/// directory (in the host's configuration or a key file of its own), so whoever can write the
/// directory still cannot make an entry the runtime accepts.
#[derive(Clone)]
pub struct CacheKey(Arc<[u8]>);

impl CacheKey {
    /// The shortest key accepted: as long as the HMAC-SHA256 output.
    pub const MIN_BYTES: usize = 32;
    /// The longest key accepted (a key file is read up to this size).
    pub const MAX_BYTES: usize = 1024;

    /// A key from secret bytes, between [`MIN_BYTES`](Self::MIN_BYTES) and
    /// [`MAX_BYTES`](Self::MAX_BYTES) long.
    pub fn new(bytes: &[u8]) -> Result<CacheKey, std::io::Error> {
        if !(Self::MIN_BYTES..=Self::MAX_BYTES).contains(&bytes.len()) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "a cache key is {} to {} bytes, not {}",
                    Self::MIN_BYTES,
                    Self::MAX_BYTES,
                    bytes.len()
                ),
            ));
        }
        Ok(CacheKey(Arc::from(bytes)))
    }

    /// Reads a key file with the checks ssh applies to a private key: a regular file (not
    /// followed if it is a symlink) owned by this process's effective user, neither readable nor
    /// writable by group or others, in a directory only that user or root can write (or a
    /// sticky one). Its bytes are the key.
    pub fn from_file(path: &Path) -> Result<CacheKey, std::io::Error> {
        let bytes = trust::read_private_file(path, Self::MAX_BYTES as u64)?;
        CacheKey::new(&bytes)
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC takes keys of any length; `new` bounded ours.
        <Hmac<Sha256> as hmac::Mac>::new_from_slice(&self.0).expect("HMAC accepts any key length")
    }
}

impl std::fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CacheKey(<secret>)")
    }
}

/// Where the disk cache reports what it refused: the runtime's operator path.
pub(crate) type Notify = Arc<dyn Fn(&str) + Send + Sync>;

/// How far entries are checked. Only the kit's mutant self-test asks for less.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Check {
    /// Header, checksum and MAC.
    Authenticated,
    /// Header and checksum only: what anyone who can write the directory can recompute.
    ChecksumOnly,
    /// Header, checksum and MAC, in a directory refused only when it (or one above it) is
    /// world-writable.
    #[cfg_attr(not(feature = "mutants"), allow(dead_code))]
    DirWorldWritableOnly,
}

/// Compiled modules on disk, shared between processes of the same user.
pub(crate) struct DiskCache {
    /// The directory and the key; `None` when either is missing.
    store: Option<(PathBuf, CacheKey)>,
    engine_hash: [u8; 32],
    check: Check,
    notify: Option<Notify>,
}

impl DiskCache {
    pub(crate) fn new(
        engine: &Engine,
        dir: Option<PathBuf>,
        key: Option<CacheKey>,
        check: Check,
        notify: Option<Notify>,
    ) -> DiskCache {
        let mut h = Sha256Hasher(Sha256::new());
        engine.precompile_compatibility_hash().hash(&mut h);
        DiskCache {
            store: dir.zip(key),
            engine_hash: h.0.finalize().into(),
            check,
            notify,
        }
    }

    fn notice(&self, text: String) {
        if let Some(notify) = &self.notify {
            notify(&format!(
                "compiled-code cache: {text}; compiling instead (docs/SPEC.md 2.2)"
            ));
        }
    }

    /// The engine's entry directory, after the trust checks of the whole path.
    fn entry_dir(&self) -> Option<(PathBuf, &CacheKey)> {
        let (dir, key) = self.store.as_ref()?;
        let tag = hex(&self.engine_hash[..8]);
        #[cfg(all(unix, feature = "mutants"))]
        let checked = if self.check == Check::DirWorldWritableOnly {
            trust::world_writable_only_dir(dir, &tag)
        } else {
            trust::private_dir(dir, &tag)
        };
        #[cfg(not(all(unix, feature = "mutants")))]
        let checked = trust::private_dir(dir, &tag);
        match checked {
            Ok(path) => Some((path, key)),
            Err(e) => {
                self.notice(format!("directory {} refused: {e}", dir.display()));
                None
            }
        }
    }

    /// An authenticated disk entry, or `None` (an unusable entry is removed on the way).
    pub(crate) fn get(&self, engine: &Engine, module: &ModuleHash) -> Option<Module> {
        let (dir, key) = self.entry_dir()?;
        let path = dir.join(format!("{}.cwasm", hex(module)));
        let bytes = match trust::read_entry(&path, MAX_ENTRY_BYTES) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(e) => {
                self.notice(format!("entry {} refused: {e}", path.display()));
                let _ = std::fs::remove_file(&path);
                return None;
            }
        };
        let compiled = verify(&bytes, module, &self.engine_hash, key, self.check);
        let loaded = match compiled {
            Some(compiled) => deserialize(engine, compiled),
            None => {
                self.notice(format!(
                    "entry {} failed authentication and was removed",
                    path.display()
                ));
                None
            }
        };
        if loaded.is_none() {
            let _ = std::fs::remove_file(&path);
        }
        loaded
    }

    /// Writes an entry under a unique temporary name, then renames it into place, so readers
    /// see a whole entry or none and concurrent writers never share a file. Failures only cost
    /// a recompile later, so they are ignored.
    pub(crate) fn put(&self, module: &ModuleHash, compiled_module: &Module) {
        let Some((dir, key)) = self.entry_dir() else {
            return;
        };
        let Ok(compiled) = compiled_module.serialize() else {
            return;
        };
        if (HEADER + compiled.len()) as u64 > MAX_ENTRY_BYTES {
            return;
        }
        let entry = seal(&compiled, module, &self.engine_hash, key);
        let Ok(mut tmp) = tempfile::NamedTempFile::new_in(&dir) else {
            return;
        };
        if tmp.write_all(&entry).is_ok() {
            let _ = tmp.persist(dir.join(format!("{}.cwasm", hex(module))));
        }
    }
}

/// Streams the engine's compatibility hash into SHA-256, so the hash written into entries and
/// the MAC is the same wherever the same engine configuration runs.
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn finish(&self) -> u64 {
        let sum = self.0.clone().finalize();
        u64::from_be_bytes(sum[..8].try_into().expect("8 bytes"))
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The MAC of an entry: everything that decides what the entry may stand for.
fn authenticator(
    key: &CacheKey,
    module: &ModuleHash,
    engine: &[u8; 32],
    compiled: &[u8],
) -> Hmac<Sha256> {
    let mut mac = key.mac();
    mac.update(MAGIC);
    mac.update(module);
    mac.update(engine);
    mac.update(&(compiled.len() as u64).to_be_bytes());
    mac.update(compiled);
    mac
}

fn seal(compiled: &[u8], module: &ModuleHash, engine: &[u8; 32], key: &CacheKey) -> Vec<u8> {
    let tag = authenticator(key, module, engine, compiled)
        .finalize()
        .into_bytes();
    let mut bytes = Vec::with_capacity(HEADER + compiled.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(module);
    bytes.extend_from_slice(engine);
    bytes.extend_from_slice(&Sha256::digest(compiled));
    bytes.extend_from_slice(&tag);
    bytes.extend_from_slice(compiled);
    bytes
}

/// The compiled bytes of an entry that names this module and engine, whose checksum holds and
/// whose MAC (compared in constant time) was made with `key` for exactly this module, engine
/// and code.
fn verify<'a>(
    bytes: &'a [u8],
    module: &ModuleHash,
    engine: &[u8; 32],
    key: &CacheKey,
    check: Check,
) -> Option<&'a [u8]> {
    if bytes.len() < HEADER || &bytes[..MAGIC.len()] != MAGIC {
        return None;
    }
    let (named, rest) = bytes[MAGIC.len()..].split_at(32);
    let (engine_named, rest) = rest.split_at(32);
    let (sum, rest) = rest.split_at(32);
    let (tag, compiled) = rest.split_at(32);
    if named != module || engine_named != engine || Sha256::digest(compiled).as_slice() != sum {
        return None;
    }
    if check == Check::ChecksumOnly {
        return Some(compiled);
    }
    authenticator(key, module, engine, compiled)
        .verify_slice(tag)
        .ok()
        .map(|()| compiled)
}

#[allow(unsafe_code)]
fn deserialize(engine: &Engine, compiled: &[u8]) -> Option<Module> {
    // SAFETY: `compiled` carries a MAC made with the host's key over this module's hash, this
    // engine's compatibility hash and these exact bytes, verified just now; the key never
    // lives in the cache directory, so only this runtime (or another holding the host's key)
    // can have produced it with `Module::serialize`. The directory and the entry passed the
    // ownership checks. wasmtime additionally checks the engine compatibility of the bytes.
    unsafe { Module::deserialize(engine, compiled) }.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module_hash(bytes: &[u8]) -> ModuleHash {
        Sha256::digest(bytes).into()
    }

    #[test]
    fn verify_refuses_every_kind_of_bad_entry() {
        let key = CacheKey::new(&[7; 32]).unwrap();
        let module = module_hash(b"m");
        let engine = module_hash(b"engine");
        let compiled = b"native code";
        let good = seal(compiled, &module, &engine, &key);
        let auth = Check::Authenticated;
        assert_eq!(
            verify(&good, &module, &engine, &key, auth),
            Some(&compiled[..])
        );
        assert_eq!(
            verify(&good[..good.len() - 1], &module, &engine, &key, auth),
            None,
            "truncated"
        );
        assert_eq!(
            verify(&good[..10], &module, &engine, &key, auth),
            None,
            "short"
        );
        let other = module_hash(b"other");
        assert_eq!(verify(&good, &other, &engine, &key, auth), None, "foreign");
        assert_eq!(verify(&good, &module, &other, &key, auth), None, "engine");
        let stranger = CacheKey::new(&[8; 32]).unwrap();
        assert_eq!(
            verify(&good, &module, &engine, &stranger, auth),
            None,
            "another key"
        );
        let mut flipped = good.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert_eq!(
            verify(&flipped, &module, &engine, &key, auth),
            None,
            "corrupt"
        );
        let mut magic = good.clone();
        magic[0] ^= 1;
        assert_eq!(
            verify(&magic, &module, &engine, &key, auth),
            None,
            "not ours"
        );
        // Sealed for another module, then re-headed with a recomputed checksum: only the MAC
        // tells.
        let mut forged = seal(compiled, &other, &engine, &key);
        forged[MAGIC.len()..MAGIC.len() + 32].copy_from_slice(&module);
        assert_eq!(
            verify(&forged, &module, &engine, &key, auth),
            None,
            "re-headed"
        );
        assert_eq!(
            verify(&forged, &module, &engine, &key, Check::ChecksumOnly),
            Some(&compiled[..]),
            "the checksum alone cannot tell"
        );
    }

    #[test]
    fn keys_are_bounded_and_never_printed() {
        assert!(CacheKey::new(&[1; 31]).is_err());
        assert!(CacheKey::new(&[1; 1025]).is_err());
        let key = CacheKey::new(b"0123456789abcdef0123456789abcdef").unwrap();
        assert!(!format!("{key:?}").contains("0123"));
    }
}
