//! Where the package reader meets the kit's self-test, in a host's build: nowhere. `Seam` is
//! empty and every method is the reader's own behaviour: links never followed, every archive
//! check run, the entry checked as written, the digest as read.
//!
//! The mutant build (`toolcage-runtime-mutants`, feature `mutants`) compiles
//! `runtime/src/mutants/package.rs` in this file's place (see `package/mod.rs`).

use super::archive::Checks;
use super::Package;
use crate::error::Error;
use std::path::Path;

/// What a load hands the package reader for the self-test: nothing.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Seam;

impl Seam {
    /// The reader as a host's build has it, for the unit tests of either build.
    #[cfg(test)]
    pub(crate) const REAL: Seam = Seam;

    /// Links in the package are refused, never followed.
    #[inline(always)]
    pub(super) fn follow_links(self) -> bool {
        false
    }

    /// Every check of an archive runs.
    #[inline(always)]
    pub(super) fn archive_checks(self) -> Checks {
        Checks::ALL
    }

    /// `runtime.entry`, checked as written.
    #[inline(always)]
    pub(super) fn check_entry(self, entry: &str) -> Result<(), Error> {
        super::entry::check_entry(entry)
    }

    /// The package as read, its digest over the files in byte order of their paths.
    #[inline(always)]
    pub(super) fn digested(self, _path: &Path, package: Package) -> Package {
        package
    }
}
