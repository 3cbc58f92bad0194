//! Compiled modules, cached by what they are (module SHA-256) and what compiled them (the
//! engine's compatibility hash), never by where they came from.
//!
//! The memory cache is bounded. The disk cache is content-addressed; an entry carries a header
//! with the module hash and a SHA-256 of the compiled bytes, and is used only when both match.
//! A corrupt, truncated or foreign entry is deleted and the module recompiled. The cache
//! directory must be writable by the host alone: a valid entry is trusted as native code.

use sha2::{Digest as _, Sha256};
use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use wasmtime::{Engine, Module};

const MAGIC: &[u8; 16] = b"toolcage-cwasm-1";
const HEADER: usize = MAGIC.len() + 32 + 32;

/// The SHA-256 of a module's (or a manifest's) bytes.
pub(crate) type ModuleHash = [u8; 32];

/// Where a compiled module came from, for hosts and benchmarks that want to know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheSource {
    /// Compiled on this load.
    Compiled,
    /// Found in the in-memory cache.
    Memory,
    /// Deserialized from a verified disk entry.
    Disk,
}

/// A bounded map from a content hash to what was derived from that content. Entries are
/// evicted oldest first; what is derived depends only on the content (and the runtime's fixed
/// configuration), so an entry can never be stale.
pub(crate) struct Bounded<V> {
    capacity: usize,
    entries: Mutex<(HashMap<ModuleHash, V>, VecDeque<ModuleHash>)>,
}

impl<V: Clone> Bounded<V> {
    pub(crate) fn new(capacity: usize) -> Bounded<V> {
        Bounded {
            capacity: capacity.max(1),
            entries: Mutex::new((HashMap::new(), VecDeque::new())),
        }
    }

    pub(crate) fn get(&self, key: &ModuleHash) -> Option<V> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.0.get(key).cloned()
    }

    pub(crate) fn insert(&self, key: ModuleHash, value: V) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let (map, order) = &mut *entries;
        if map.insert(key, value).is_none() {
            order.push_back(key);
        }
        while map.len() > self.capacity {
            match order.pop_front() {
                Some(old) => {
                    map.remove(&old);
                }
                None => break,
            }
        }
    }
}

/// Compiled modules on disk, shared between processes.
pub(crate) struct DiskCache {
    dir: Option<PathBuf>,
    engine_tag: String,
}

impl DiskCache {
    pub(crate) fn new(engine: &Engine, dir: Option<PathBuf>) -> DiskCache {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut h);
        DiskCache {
            dir,
            engine_tag: format!("{:016x}", h.finish()),
        }
    }

    fn entry_path(&self, dir: &Path, key: &ModuleHash) -> PathBuf {
        let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        dir.join(&self.engine_tag).join(format!("{hex}.cwasm"))
    }

    /// A verified disk entry, or `None` (an unusable entry is removed on the way).
    pub(crate) fn get(&self, engine: &Engine, key: &ModuleHash) -> Option<Module> {
        let dir = self.dir.as_deref()?;
        let path = self.entry_path(dir, key);
        let bytes = std::fs::read(&path).ok()?;
        let module = verify(&bytes, key).and_then(|compiled| deserialize(engine, compiled));
        if module.is_none() {
            let _ = std::fs::remove_file(&path);
        }
        module
    }

    /// Writes an entry atomically (temporary file, then rename); failures only cost a recompile
    /// later, so they are ignored.
    pub(crate) fn put(&self, key: &ModuleHash, module: &Module) {
        let Some(dir) = self.dir.as_deref() else {
            return;
        };
        let Ok(compiled) = module.serialize() else {
            return;
        };
        let path = self.entry_path(dir, key);
        let Some(parent) = path.parent() else { return };
        if std::fs::create_dir_all(parent).is_err() {
            return;
        }
        let mut bytes = Vec::with_capacity(HEADER + compiled.len());
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(key);
        bytes.extend_from_slice(&Sha256::digest(&compiled));
        bytes.extend_from_slice(&compiled);
        let tmp = parent.join(format!(".{}.tmp", std::process::id()));
        if std::fs::write(&tmp, &bytes).is_ok() {
            let _ = std::fs::rename(&tmp, &path);
        }
        let _ = std::fs::remove_file(&tmp);
    }
}

/// The compiled bytes of an entry whose header names this module and whose checksum holds.
fn verify<'a>(bytes: &'a [u8], key: &ModuleHash) -> Option<&'a [u8]> {
    if bytes.len() < HEADER || &bytes[..MAGIC.len()] != MAGIC {
        return None;
    }
    let (named, rest) = bytes[MAGIC.len()..].split_at(32);
    let (sum, compiled) = rest.split_at(32);
    (named == key && Sha256::digest(compiled).as_slice() == sum).then_some(compiled)
}

#[allow(unsafe_code)]
fn deserialize(engine: &Engine, compiled: &[u8]) -> Option<Module> {
    // SAFETY: `compiled` is an entry this cache wrote with `Module::serialize` for this engine
    // configuration (the directory is keyed by the engine's compatibility hash), whose header
    // names the module's hash and whose checksum was verified just now. The cache directory is
    // documented as writable by the host alone. wasmtime additionally checks the engine
    // compatibility of the bytes and refuses mismatches.
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
        let key = module_hash(b"m");
        let compiled = b"native code";
        let mut good = MAGIC.to_vec();
        good.extend_from_slice(&key);
        good.extend_from_slice(&Sha256::digest(compiled));
        good.extend_from_slice(compiled);
        assert_eq!(verify(&good, &key), Some(&compiled[..]));
        assert_eq!(verify(&good[..good.len() - 1], &key), None, "truncated");
        assert_eq!(verify(&good[..10], &key), None, "shorter than a header");
        assert_eq!(verify(&good, &module_hash(b"other")), None, "foreign");
        let mut flipped = good.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert_eq!(verify(&flipped, &key), None, "corrupt");
        let mut magic = good;
        magic[0] ^= 1;
        assert_eq!(verify(&magic, &key), None, "not ours");
    }
}
