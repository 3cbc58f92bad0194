//! A package given as a directory, read through directory handles (`walk`): the manifest
//! first, then every entry depth first, each file hashed as it is read and the module kept.

use super::bounded::Bounded;
use super::manifest::{manifest_error, Manifest};
use super::read::{
    assemble, manifest_of, module_too_large, Hashed, MANIFEST_BYTES, PACKAGE_BYTES, PACKAGE_DEPTH,
    PACKAGE_ENTRIES,
};
use super::seam::Seam;
use super::walk::{self, Budget, DirHandle, Identity, Kind};
use super::Package;
use crate::error::{Error, ErrorCode};
use rustix::io::Errno;
use sha2::Digest as _;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The state of one walk: what was hashed, what was counted, and the module's bytes.
struct Walk<'a> {
    entry: &'a str,
    module_bytes: usize,
    budget: Budget,
    /// The manifest, read before the walk: met again in the root, it must be the same file.
    manifest: (Identity, [u8; 32]),
    files: BTreeMap<String, Hashed>,
    entries: usize,
    bytes: u64,
    module: Option<Vec<u8>>,
}

pub(super) fn read_dir(
    root: &DirHandle,
    budget: Budget,
    module_bytes: usize,
    manifests: &Bounded<Arc<Manifest>>,
    seam: Seam,
) -> Result<Package, Error> {
    let listed = root.stat("plugin.toml").map_err(|errno| match errno {
        Errno::NOENT => manifest_error("the package has no plugin.toml"),
        _ => Error::new(walk::classify(errno), "plugin.toml could not be inspected")
            .with("errno", errno.raw_os_error()),
    })?;
    match listed.kind {
        Kind::File => {}
        Kind::Link => {
            return Err(Error::new(
                ErrorCode::PathEscape,
                "plugin.toml is a symlink",
            ))
        }
        Kind::Dir | Kind::Special => {
            return Err(manifest_error("plugin.toml is not a regular file"))
        }
    }
    if listed.size > MANIFEST_BYTES {
        return Err(manifest_error(format!(
            "plugin.toml is larger than {MANIFEST_BYTES} bytes"
        )));
    }
    let file = root.open_file("plugin.toml", "plugin.toml", listed)?;
    let mut manifest_bytes = Vec::new();
    walk::read_exact_len(file, listed.size, "plugin.toml", &budget, |chunk| {
        manifest_bytes.extend_from_slice(chunk)
    })?;
    let (manifest_hash, manifest) = manifest_of(&manifest_bytes, manifests, seam)?;

    let mut walk = Walk {
        entry: &manifest.entry,
        module_bytes,
        budget,
        manifest: (listed, manifest_hash),
        files: BTreeMap::new(),
        entries: 0,
        bytes: 0,
        module: None,
    };
    walk.dir(root, "", 0)?;
    let (files, module) = (std::mem::take(&mut walk.files), walk.module.take());
    assemble(manifest, manifest_hash, &files, module)
}

impl Walk<'_> {
    /// Lists and reads one directory, depth first. Every entry counts toward the entry cap and
    /// every file's listed size toward the byte cap before anything of it is read.
    fn dir(&mut self, handle: &DirHandle, prefix: &str, depth: usize) -> Result<(), Error> {
        if depth > PACKAGE_DEPTH {
            return Err(Error::new(
                ErrorCode::PackageTooLarge,
                format!("the package nests directories more than {PACKAGE_DEPTH} deep"),
            )
            .with("path", prefix));
        }
        let room = PACKAGE_ENTRIES - self.entries;
        let names = handle
            .names(prefix, room, &self.budget)
            .map_err(|e| e.unwrap_or_else(too_many_entries))?;
        self.entries += names.len();
        for name in names {
            self.budget.check()?;
            let path = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}/{name}")
            };
            let listed = handle.stat(&name).map_err(|errno| {
                Error::new(
                    walk::classify(errno),
                    "a package entry could not be inspected",
                )
                .with("path", path.as_str())
                .with("errno", errno.raw_os_error())
            })?;
            match listed.kind {
                Kind::Dir => {
                    let sub = handle.open_dir(&name, &path, listed)?;
                    self.dir(&sub, &path, depth + 1)?;
                }
                Kind::File => self.file(handle, &name, path, listed)?,
                Kind::Link => {
                    return Err(
                        Error::new(ErrorCode::PathEscape, "the package contains a symlink")
                            .with("path", path),
                    )
                }
                Kind::Special => {
                    return Err(Error::new(
                        ErrorCode::PathEscape,
                        "the package contains a special file (not a regular file or directory)",
                    )
                    .with("path", path))
                }
            }
        }
        Ok(())
    }

    /// Hashes one regular file, keeping its bytes only when it is the module. Sizes are added
    /// with overflow checked and capped before the file is opened; a file is then read only up
    /// to the length its open handle reports (and that must equal the listing).
    fn file(
        &mut self,
        handle: &DirHandle,
        name: &str,
        path: String,
        listed: Identity,
    ) -> Result<(), Error> {
        self.bytes = self
            .bytes
            .checked_add(listed.size)
            .filter(|total| *total <= PACKAGE_BYTES)
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::PackageTooLarge,
                    format!("the package holds more than {PACKAGE_BYTES} bytes"),
                )
                .with("path", path.as_str())
            })?;
        if path == "plugin.toml" {
            // Read and hashed before the walk; the digest reuses those bytes, if it is the same
            // file.
            let (manifest, hash) = self.manifest;
            if listed != manifest {
                return Err(walk_changed("plugin.toml"));
            }
            if self.entry == "plugin.toml" {
                return Err(Error::new(
                    ErrorCode::ModuleInvalid,
                    "runtime.entry names plugin.toml, which is not a module",
                ));
            }
            self.files.insert(
                path,
                Hashed {
                    len: listed.size,
                    hash,
                },
            );
            return Ok(());
        }
        let is_module = path == self.entry;
        if is_module && listed.size > self.module_bytes as u64 {
            return Err(module_too_large(listed.size, self.module_bytes));
        }
        let file = handle.open_file(name, &path, listed)?;
        let mut hasher = sha2::Sha256::new();
        let mut module = Vec::new();
        walk::read_exact_len(file, listed.size, &path, &self.budget, |chunk| {
            hasher.update(chunk);
            if is_module {
                module.extend_from_slice(chunk);
            }
        })?;
        if is_module {
            self.module = Some(module);
        }
        self.files.insert(
            path,
            Hashed {
                len: listed.size,
                hash: hasher.finalize().into(),
            },
        );
        Ok(())
    }
}

fn walk_changed(path: &str) -> Error {
    Error::new(
        ErrorCode::PathEscape,
        "a package entry changed while the package was read: the file listed is not the one read",
    )
    .with("path", path)
}

fn too_many_entries() -> Error {
    Error::new(
        ErrorCode::PackageTooLarge,
        format!("the package holds more than {PACKAGE_ENTRIES} files and directories"),
    )
}
