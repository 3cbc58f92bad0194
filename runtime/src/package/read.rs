//! One pass over a package, a directory (`dir`) or an archive (`archive`): the manifest read
//! first, then every file read once, hashed and counted against its cap, and the package
//! assembled from what was read: the digest over every regular file and the module's bytes.

use super::archive::{self, EntryKind};
use super::bounded::Bounded;
use super::digest::DigestBuilder;
use super::dir::read_dir;
use super::manifest::{manifest_error, parse_manifest, Manifest};
use super::seam::Seam;
use super::walk::{self, Budget, Identity, Root};
use super::Package;
use crate::error::{Error, ErrorCode};
use rustix::io::Errno;
use sha2::Digest as _;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Largest `plugin.toml` read.
pub(super) const MANIFEST_BYTES: u64 = 64 * 1024;
/// Most files and directories a package may hold.
pub(super) const PACKAGE_ENTRIES: usize = 4096;
/// Deepest directory nesting below the package root.
pub(super) const PACKAGE_DEPTH: usize = 32;
/// Most bytes a package may hold, module included; so also the most any one file may hold.
pub(super) const PACKAGE_BYTES: u64 = 64 * 1024 * 1024;
/// Largest package archive read: the package's bytes plus room for the headers and names of its
/// entries. Decided from the open handle's size before anything is read.
const ARCHIVE_BYTES: u64 = PACKAGE_BYTES + 8 * 1024 * 1024;

/// What a load may spend reading a package.
pub(crate) struct ReadLimits {
    /// The module cap, decided from the module's size before it is read.
    pub module_bytes: usize,
    /// The load's time budget.
    pub budget: Duration,
}

/// One regular file of the package as hashed for the digest.
pub(super) struct Hashed {
    pub(super) len: u64,
    pub(super) hash: [u8; 32],
}

/// Reads, checks and hashes a package. `manifests` holds manifests already parsed, by the
/// SHA-256 of their bytes: the bytes are read and hashed on every load, only the parsing is
/// skipped.
pub(crate) fn read(
    dir: &Path,
    limits: &ReadLimits,
    manifests: &Bounded<Arc<Manifest>>,
    seam: Seam,
) -> Result<Package, Error> {
    let budget = Budget::start(limits.budget);
    let package = read_within(dir, budget, limits.module_bytes, manifests, seam)?;
    Ok(seam.digested(dir, package))
}

fn read_within(
    path: &Path,
    budget: Budget,
    module_bytes: usize,
    manifests: &Bounded<Arc<Manifest>>,
    seam: Seam,
) -> Result<Package, Error> {
    let root = walk::open_package(path, seam.follow_links()).map_err(|errno| match errno {
        Errno::NOENT | Errno::NOTDIR => manifest_error(
            "the package does not exist or is neither a directory nor an archive file",
        ),
        _ => Error::new(walk::classify(errno), "the package could not be opened")
            .with("errno", errno.raw_os_error()),
    })?;
    match root {
        Root::Dir(root) => read_dir(&root, budget, module_bytes, manifests, seam),
        Root::File(file, listed) => {
            read_archive(file, listed, budget, module_bytes, manifests, seam)
        }
        Root::Special => Err(manifest_error(
            "the package is neither a directory nor a regular (archive) file",
        )),
    }
}

/// The manifest from its bytes: parsed, or taken from the cache of manifests parsed before.
pub(super) fn manifest_of(
    bytes: &[u8],
    manifests: &Bounded<Arc<Manifest>>,
    seam: Seam,
) -> Result<([u8; 32], Arc<Manifest>), Error> {
    let hash: [u8; 32] = sha2::Sha256::digest(bytes).into();
    if let Some(manifest) = manifests.get(&hash) {
        return Ok((hash, manifest));
    }
    let text =
        std::str::from_utf8(bytes).map_err(|_| manifest_error("plugin.toml is not UTF-8"))?;
    let manifest = Arc::new(parse_manifest(text, seam)?);
    manifests.insert(hash, manifest.clone());
    Ok((hash, manifest))
}

/// The package from what either reader found: the digest over every regular file, and the
/// module (absent: `module_missing`).
pub(super) fn assemble(
    manifest: Arc<Manifest>,
    manifest_hash: [u8; 32],
    files: &BTreeMap<String, Hashed>,
    module: Option<Vec<u8>>,
) -> Result<Package, Error> {
    let Some(module) = module else {
        return Err(Error::new(
            ErrorCode::ModuleMissing,
            "the module named by runtime.entry does not exist in the package",
        )
        .with("entry", manifest.entry.as_str()));
    };
    // BTreeMap<String, _> iterates in byte order of the UTF-8 paths, as the digest requires.
    let mut digest = DigestBuilder::new();
    for (path, file) in files {
        digest.hashed_file(path, file.len, &file.hash);
    }
    let module_hash = files[&manifest.entry].hash;
    Ok(Package {
        manifest,
        manifest_hash,
        digest: digest.finish(),
        module,
        module_hash,
    })
}

pub(super) fn module_too_large(size: u64, cap: usize) -> Error {
    Error::new(
        ErrorCode::ModuleTooLarge,
        format!("the module is {size} bytes, over the {cap}-byte cap"),
    )
    .with("module_bytes", size)
    .with("limit", cap as u64)
}

/// A package archive (docs/SPEC.md §2.4): read whole, once, under `ARCHIVE_BYTES` (decided from
/// the open handle before reading), then checked entry by entry (`archive::parse`) before the
/// manifest is looked at. Nothing is extracted: files are slices of that one buffer.
fn read_archive(
    file: std::fs::File,
    listed: Identity,
    budget: Budget,
    module_bytes: usize,
    manifests: &Bounded<Arc<Manifest>>,
    seam: Seam,
) -> Result<Package, Error> {
    if listed.size > ARCHIVE_BYTES {
        return Err(Error::new(
            ErrorCode::PackageTooLarge,
            format!("the package archive is larger than {ARCHIVE_BYTES} bytes"),
        ));
    }
    let mut bytes = Vec::new();
    walk::read_exact_len(file, listed.size, "", &budget, |chunk| {
        bytes.extend_from_slice(chunk)
    })?;
    let caps = archive::Caps {
        entries: PACKAGE_ENTRIES,
        depth: PACKAGE_DEPTH,
        bytes: PACKAGE_BYTES,
    };
    let entries = archive::parse(&bytes, &caps, &budget, seam.archive_checks())?;
    let manifest_entry = entries
        .iter()
        .find(|e| e.path == "plugin.toml")
        .ok_or_else(|| manifest_error("the package has no plugin.toml"))?;
    if manifest_entry.kind != EntryKind::File {
        return Err(manifest_error("plugin.toml is not a regular file"));
    }
    if manifest_entry.data.len() as u64 > MANIFEST_BYTES {
        return Err(manifest_error(format!(
            "plugin.toml is larger than {MANIFEST_BYTES} bytes"
        )));
    }
    let (manifest_hash, manifest) = manifest_of(manifest_entry.data, manifests, seam)?;
    if manifest.entry == "plugin.toml" {
        return Err(Error::new(
            ErrorCode::ModuleInvalid,
            "runtime.entry names plugin.toml, which is not a module",
        ));
    }
    let mut files = BTreeMap::new();
    let mut module = None;
    for entry in entries.iter().filter(|e| e.kind == EntryKind::File) {
        let is_module = entry.path == manifest.entry;
        let len = entry.data.len() as u64;
        if is_module && len > module_bytes as u64 {
            return Err(module_too_large(len, module_bytes));
        }
        let mut hasher = sha2::Sha256::new();
        for chunk in entry.data.chunks(64 * 1024) {
            budget.check()?;
            hasher.update(chunk);
        }
        if is_module {
            module = Some(entry.data.to_vec());
        }
        let hash = hasher.finalize().into();
        files.insert(entry.path.to_owned(), Hashed { len, hash });
    }
    assemble(manifest, manifest_hash, &files, module)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn package_with(extra: &[(&str, usize)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let manifest = "schema_version = 1\nid = \"t\"\nname = \"t\"\nversion = \"1\"\n\
            description = \"t\"\n[runtime]\nkind = \"wasm\"\nentry = \"plugin.wasm\"\n\
            abi = \"yoi-plugin-wasm-1\"\n[[tools]]\nname = \"t\"\ndescription = \"t\"\n\
            input_schema = { type = \"object\" }\n";
        fs::write(dir.path().join("plugin.toml"), manifest).unwrap();
        fs::write(dir.path().join("plugin.wasm"), b"\0asm\x01\0\0\0").unwrap();
        for (name, len) in extra {
            fs::write(dir.path().join(name), vec![7u8; *len]).unwrap();
        }
        dir
    }

    fn read_after_checks(dir: &Path, checks: u32) -> Result<Package, Error> {
        let manifests = Bounded::new(4);
        read_within(
            dir,
            Budget::after_checks(checks),
            1 << 20,
            &manifests,
            Seam::REAL,
        )
    }

    /// The smallest number of budget checks a read of `dir` passes with.
    fn checks_needed(dir: &Path) -> u32 {
        let (mut lo, mut hi) = (0, 100_000);
        assert!(read_after_checks(dir, hi).is_ok(), "the package reads");
        while lo < hi {
            let mid = (lo + hi) / 2;
            if read_after_checks(dir, mid).is_ok() {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        lo
    }

    #[test]
    fn the_load_budget_is_checked_per_entry_and_per_read_chunk() {
        let small = package_with(&[]);
        let base = checks_needed(small.path());
        for n in 0..base {
            let e = read_after_checks(small.path(), n).err().unwrap();
            assert_eq!(e.code(), ErrorCode::LoadTimeout, "{n}: {e}");
        }
        // 100 more files: at least one check each.
        let names: Vec<String> = (0..100).map(|i| format!("f{i}")).collect();
        let many: Vec<(&str, usize)> = names.iter().map(|n| (n.as_str(), 1)).collect();
        let many = package_with(&many);
        assert!(checks_needed(many.path()) >= base + 100);
        // One file of 1 MiB: at least one check per 64 KiB read.
        let big = package_with(&[("big", 1 << 20)]);
        assert!(checks_needed(big.path()) >= base + 16);
    }

    fn read_code(dir: &Path) -> Result<(), ErrorCode> {
        read_after_checks(dir, u32::MAX)
            .map(drop)
            .map_err(|e| e.code())
    }

    #[test]
    fn entries_and_depth_are_capped_at_their_limits_exactly() {
        // plugin.toml and plugin.wasm are two entries; directories count like files.
        let names: Vec<String> = (0..PACKAGE_ENTRIES - 2).map(|i| format!("f{i}")).collect();
        let at: Vec<(&str, usize)> = names.iter().map(|n| (n.as_str(), 0)).collect();
        let at = package_with(&at);
        assert_eq!(read_code(at.path()), Ok(()));
        fs::create_dir(at.path().join("one-more")).unwrap();
        assert_eq!(read_code(at.path()), Err(ErrorCode::PackageTooLarge));

        let deep = package_with(&[]);
        let mut dir = deep.path().to_owned();
        for _ in 0..PACKAGE_DEPTH {
            dir.push("d");
        }
        fs::create_dir_all(&dir).unwrap();
        assert_eq!(read_code(deep.path()), Ok(()));
        fs::create_dir(dir.join("d")).unwrap();
        assert_eq!(read_code(deep.path()), Err(ErrorCode::PackageTooLarge));
    }

    /// The directory `dir` as an archive of its regular files (and `extra` entries), written
    /// by the archive tests' writer, beside it.
    fn archive_of(dir: &Path, extra: Vec<super::archive::tests::E>) -> std::path::PathBuf {
        use super::archive::tests::{file, write, Archive};
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        let mut entries: Vec<_> = names
            .iter()
            .map(|n| file(n, &fs::read(dir.join(n)).unwrap()))
            .collect();
        entries.extend(extra);
        let out = dir.with_extension("yoi-plugin");
        fs::write(&out, write(&entries, &Archive::default())).unwrap();
        out
    }

    #[test]
    fn an_archive_reads_to_the_directory_s_digest_and_module() {
        let dir = package_with(&[("notes", 3)]);
        let zip = archive_of(dir.path(), vec![]);
        let from_dir = read_after_checks(dir.path(), u32::MAX).unwrap();
        let from_zip = read_after_checks(&zip, u32::MAX).unwrap();
        assert_eq!(from_zip.digest, from_dir.digest);
        assert_eq!(from_zip.module, from_dir.module);
        assert_eq!(from_zip.module_hash, from_dir.module_hash);
        assert_eq!(from_zip.manifest_hash, from_dir.manifest_hash);
        // The archive's checks run under the same load budget.
        let e = read_after_checks(&zip, 1).err().unwrap();
        assert_eq!(e.code(), ErrorCode::LoadTimeout);
        // Caps: the module cap from the entry's size, the manifest's 64 KiB.
        let manifests = Bounded::new(4);
        let small = read_within(
            &zip,
            Budget::after_checks(u32::MAX),
            4,
            &manifests,
            Seam::REAL,
        );
        assert_eq!(small.err().unwrap().code(), ErrorCode::ModuleTooLarge);
        let _ = fs::remove_file(&zip);
    }

    #[test]
    fn an_archive_without_its_module_or_manifest_is_refused_as_a_directory_is() {
        use super::archive::tests::{dir as dir_entry, file, write, Archive};
        let pkg = package_with(&[]);
        let manifest = fs::read(pkg.path().join("plugin.toml")).unwrap();
        let out = pkg.path().with_extension("yoi-plugin");
        let code = |entries: Vec<super::archive::tests::E>| {
            fs::write(&out, write(&entries, &Archive::default())).unwrap();
            read_code(&out)
        };
        assert_eq!(
            code(vec![file("plugin.toml", &manifest)]),
            Err(ErrorCode::ModuleMissing)
        );
        assert_eq!(
            code(vec![
                file("plugin.toml", &manifest),
                dir_entry("plugin.wasm/")
            ]),
            Err(ErrorCode::ModuleMissing)
        );
        assert_eq!(code(vec![]), Err(ErrorCode::ManifestInvalid));
        assert_eq!(
            code(vec![dir_entry("plugin.toml/")]),
            Err(ErrorCode::ManifestInvalid)
        );
        assert_eq!(
            code(vec![file("plugin.toml", &vec![b'#'; 64 * 1024 + 1])]),
            Err(ErrorCode::ManifestInvalid)
        );
        // An archive over the cap is refused from its handle's size, before a byte is read (a
        // sparse file: nothing is allocated).
        let big = fs::File::create(&out).unwrap();
        big.set_len(ARCHIVE_BYTES + 1).unwrap();
        assert_eq!(read_code(&out), Err(ErrorCode::PackageTooLarge));
        big.set_len(ARCHIVE_BYTES).unwrap();
        assert_eq!(read_code(&out), Err(ErrorCode::PackageInvalid));
        let _ = fs::remove_file(&out);
        // A FIFO named as the package is refused without blocking.
        let fifo = pkg.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        assert_eq!(read_code(&fifo), Err(ErrorCode::ManifestInvalid));
    }
}
