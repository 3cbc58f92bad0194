//! The package reader's seam in the mutant build, compiled as `package::seam` in place of
//! `package/seam.rs`: the same items, each asking the switch first. The bugs: links followed
//! (`package-links-followed`), an archive check skipped (`zip-*`), the entry checked through
//! `Path::components` (`entry-normalised`), the digest over the files in `Path` order
//! (`digest-order-by-components`).

use super::archive::Checks;
use super::digest::DigestBuilder;
use super::entry;
use super::Package;
use crate::error::Error;
use crate::mutants::Mutant;
use std::path::{Component, Path, PathBuf};

/// What a load hands the package reader: the one guarantee switched off, if any.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Seam(Option<Mutant>);

impl Seam {
    /// The reader with no switch on, for the unit tests of either build.
    #[cfg(test)]
    pub(crate) const REAL: Seam = Seam(None);

    pub(crate) fn new(mutant: Option<Mutant>) -> Seam {
        Seam(mutant)
    }

    fn on(self, mutant: Mutant) -> bool {
        self.0 == Some(mutant)
    }

    /// `package-links-followed`: stat and open without `O_NOFOLLOW`.
    pub(super) fn follow_links(self) -> bool {
        self.on(Mutant::PackageLinksFollowed)
    }

    pub(super) fn archive_checks(self) -> Checks {
        let mut checks = Checks::ALL;
        checks.stored_only = !self.on(Mutant::ZipCompressedAccepted);
        checks.local_headers = !self.on(Mutant::ZipLocalHeaderTrusted);
        checks.folded_names = !self.on(Mutant::ZipFoldedNamesAccepted);
        checks.tiling = !self.on(Mutant::ZipGapsAllowed);
        checks.exact_overlaps = !self.on(Mutant::ZipOverlapOffByOne);
        checks
    }

    pub(super) fn check_entry(self, entry: &str) -> Result<(), Error> {
        if self.on(Mutant::EntryNormalised) {
            return check_entry_normalised(entry);
        }
        entry::check_entry(entry)
    }

    pub(super) fn digested(self, path: &Path, package: Package) -> Package {
        if self.on(Mutant::DigestOrderByComponents) {
            return digest_by_components(path, package);
        }
        package
    }
}

/// `entry-normalised`: the check as it was, through `Path::components`, which drops `.` and
/// empty components: `sub/./plugin.wasm` passes and then names no listed file.
fn check_entry_normalised(entry: &str) -> Result<(), Error> {
    entry::check_characters(entry)?;
    let escape = |why: &str| entry::escape(entry, why);
    for component in Path::new(entry).components() {
        match component {
            Component::Normal(_) => {}
            Component::ParentDir => return Err(escape("it contains '..'")),
            Component::RootDir | Component::Prefix(_) => return Err(escape("it is absolute")),
            Component::CurDir => return Err(escape("it contains '.'")),
        }
    }
    Ok(())
}

/// `digest-order-by-components`: the package's digest recomputed over its regular files sorted
/// as `Path`s (component by component), as a recursive walk sorting each directory would. The
/// package was already read and checked; an unreadable file here leaves the digest as it was.
fn digest_by_components(dir: &Path, mut package: Package) -> Package {
    fn walk(dir: &Path, rel: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir.join(rel)) else {
            return;
        };
        for entry in entries.flatten() {
            let path = rel.join(entry.file_name());
            match entry.file_type() {
                Ok(t) if t.is_dir() => walk(dir, &path, out),
                Ok(t) if t.is_file() => out.push(path),
                _ => {}
            }
        }
    }
    // Archives name their files in one list, sorted as the digest requires: the bug is a
    // directory walk's.
    if !dir.is_dir() {
        return package;
    }
    let mut files = Vec::new();
    walk(dir, Path::new(""), &mut files);
    files.sort(); // `Path`'s `Ord` compares component by component: the bug.
    let mut digest = DigestBuilder::new();
    for path in files {
        let (Some(name), Ok(content)) = (path.to_str(), std::fs::read(dir.join(&path))) else {
            return package;
        };
        digest.file(&name.replace(std::path::MAIN_SEPARATOR, "/"), &content);
    }
    package.digest = digest.finish();
    package
}
