//! The package boundary: bytes in, a verified [`Package`] out.
//!
//! **Trusts nothing** of what it reads: the path the host names may be a directory, an archive,
//! a link or a FIFO; every file, name, size and manifest field is the package author's. The
//! only input it believes is the host's own bounds (`ReadLimits`) and the pin the registry
//! compares the digest with afterwards.
//!
//! **Guarantees to the next boundary** (the registry, which compiles the module): one pass over
//! the package (through directory handles, `walk` and `dir`, or over the archive's bytes read
//! once under a cap, `archive`) read every file once, hashed it and kept the module's bytes, so
//! the bytes compiled are exactly the bytes hashed; no path below the root was resolved twice,
//! no link followed, no special file opened, no buffer sized from metadata; every size was
//! checked against its cap before anything was read or allocated; the manifest passed every
//! check (`manifest`, `names`, `permissions`, `entry`); the digest is computed over
//! `(path, length, SHA-256)` of every regular file in byte order of the paths (`digest`), the
//! same for both forms.

mod archive;
mod bounded;
mod digest;
mod dir;
mod entry;
mod host_apis;
mod manifest;
mod names;
mod permissions;
mod read;
mod walk;

// The package reader's joint with the kit's self-test: the real behaviour in a host's build;
// the mutant build compiles the self-test's version of the same items instead.
#[cfg(not(feature = "mutants"))]
mod seam;
#[cfg(feature = "mutants")]
#[path = "../mutants/package.rs"]
mod seam;

pub(crate) use bounded::{Bounded, ContentHash};
#[cfg(feature = "mutants")]
pub(crate) use digest::DigestBuilder;
pub use digest::{Digest, ParseDigestError};
pub use host_apis::{HostApi, Target};
pub use manifest::{Manifest, Permission, Profile, ToolSpec, ABI, WORLD};
pub(crate) use names::valid_tool_name;
pub(crate) use read::{read, ReadLimits};
pub(crate) use seam::Seam;

use std::sync::Arc;

/// A package as read: its manifest, its digest and its module's bytes, with the SHA-256 of the
/// manifest and of the module as computed for the digest.
pub(crate) struct Package {
    pub manifest: Arc<Manifest>,
    pub manifest_hash: ContentHash,
    pub digest: Digest,
    pub module: Vec<u8>,
    pub module_hash: ContentHash,
}

/// An archive entry as the fuzz targets see it: path, is a directory, data.
pub(crate) type FuzzEntry<'a> = (&'a str, bool, &'a [u8]);

/// The archive reader over `bytes` with a load's caps and time budget, for the fuzz targets
/// (`crate::fuzzing`): (path, is a directory, data) of every entry it accepted.
pub(crate) fn fuzz_archive(
    bytes: &[u8],
    budget: std::time::Duration,
) -> Result<Vec<FuzzEntry<'_>>, crate::error::Error> {
    let caps = archive::Caps {
        entries: read::PACKAGE_ENTRIES,
        depth: read::PACKAGE_DEPTH,
        bytes: read::PACKAGE_BYTES,
    };
    let budget = walk::Budget::start(budget);
    let entries = archive::parse(bytes, &caps, &budget, archive::Checks::ALL)?;
    Ok(entries
        .into_iter()
        .map(|e| (e.path, e.kind == archive::EntryKind::Dir, e.data))
        .collect())
}

/// `plugin.toml` parsed and validated as a load does, for the fuzz targets.
// `Seam` is a unit struct only in a host's build; the mutant build's holds its switch.
#[allow(clippy::default_constructed_unit_structs)]
pub(crate) fn fuzz_manifest(text: &str) -> Result<Manifest, crate::error::Error> {
    manifest::parse_manifest(text, Seam::default())
}
