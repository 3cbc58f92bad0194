//! Target `package_dir`: a package directory written from the input, then loaded by the
//! runtime's directory walk (`openat`, `O_NOFOLLOW`, every file hashed).
//!
//! The input is a list of records `kind, path length, path, data length (u16 LE), data`: kind
//! 0 a file holding the data, 1 a directory, 2 a symlink to the data, 3 a FIFO (a special file
//! the walk must not block on). Paths that would leave the package's temporary directory are
//! skipped, so the fuzzer only ever writes below it; links may point anywhere.
//!
//! Asserted: a load ends within its budget (plus scheduling slack) with a well-formed error or a
//! plugin whose digest is the kit's independent digest of the same directory; the load is
//! pinned with that digest, so `digest_mismatch` is a finding; no thread or descriptor is left.

use crate::oracle::{well_formed, Resources};
use std::path::{Component, Path};
use std::time::{Duration, Instant};
use toolcage_runtime::{Digest, ErrorCode, Limits};

/// Time a loaded machine may add to the load budget before a load counts as hung.
const SLACK: Duration = Duration::from_secs(2);

/// One entry of a package the input describes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    /// A regular file with these bytes.
    File(Vec<u8>),
    /// A directory.
    Dir,
    /// A symbolic link to this target.
    Symlink(Vec<u8>),
    /// A named pipe.
    Fifo,
}

/// The records of the input (a short or truncated last record ends the list).
pub fn parse(mut data: &[u8]) -> Vec<(Vec<u8>, Entry)> {
    let mut out = Vec::new();
    while let [kind, len, rest @ ..] = data {
        let Some((path, rest)) = rest.split_at_checked(usize::from(*len)) else {
            break;
        };
        let Some(([lo, hi], rest)) = rest.split_first_chunk::<2>().map(|(a, b)| (*a, b)) else {
            break;
        };
        let Some((body, rest)) = rest.split_at_checked(usize::from(u16::from_le_bytes([lo, hi])))
        else {
            break;
        };
        let entry = match kind % 4 {
            0 => Entry::File(body.to_vec()),
            1 => Entry::Dir,
            2 => Entry::Symlink(body.to_vec()),
            _ => Entry::Fifo,
        };
        out.push((path.to_vec(), entry));
        data = rest;
    }
    out
}

/// The records `parse` reads back as `entries` (for seeds).
pub fn encode(entries: &[(Vec<u8>, Entry)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (path, entry) in entries {
        let (kind, body): (u8, &[u8]) = match entry {
            Entry::File(data) => (0, data),
            Entry::Dir => (1, &[]),
            Entry::Symlink(target) => (2, target),
            Entry::Fifo => (3, &[]),
        };
        out.push(kind);
        out.push(u8::try_from(path.len()).expect("a seed path under 256 bytes"));
        out.extend_from_slice(path);
        out.extend_from_slice(
            &u16::try_from(body.len())
                .expect("seed data under 64 KiB")
                .to_le_bytes(),
        );
        out.extend_from_slice(body);
    }
    out
}

fn write(root: &Path, entries: &[(Vec<u8>, Entry)]) {
    use std::os::unix::ffi::OsStrExt;
    for (path, entry) in entries {
        let relative = Path::new(std::ffi::OsStr::from_bytes(path));
        let inside = relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
        if !inside || relative.as_os_str().is_empty() || path.contains(&0) {
            continue;
        }
        let full = root.join(relative);
        if let Some(parent) = full.parent() {
            // A parent that is a file or a link already: the record is skipped below.
            let _ = std::fs::create_dir_all(parent);
        }
        // Errors (an existing name, a parent that is a file) leave the record out; what the
        // fuzzer meant does not matter, only what the walk finds.
        let _ = match entry {
            Entry::File(data) => std::fs::write(&full, data),
            Entry::Dir => std::fs::create_dir(&full),
            Entry::Symlink(target) => {
                std::os::unix::fs::symlink(std::ffi::OsStr::from_bytes(target), &full)
            }
            Entry::Fifo => rustix::fs::mkfifoat(
                rustix::fs::CWD,
                &full,
                rustix::fs::Mode::from_raw_mode(0o600),
            )
            .map_err(std::io::Error::from),
        };
    }
}

/// The oracle of target `package_dir`.
pub fn check(data: &[u8]) {
    let entries = parse(data);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let package = dir.path().join("pkg");
    std::fs::create_dir(&package).expect("the package directory");
    write(&package, &entries);
    let runtime = crate::call::runtime();
    let limits = Limits::default();
    // The kit's digest, when it can compute one (it reads through links and refuses non-UTF-8
    // names): the runtime must reach the same, or refuse the package for another reason.
    let pin: Option<Digest> = toolcage_kit::package_digest(&package)
        .ok()
        .and_then(|d| d.parse().ok());
    let before = Resources::now();
    let started = Instant::now();
    let loaded = runtime.load(&package, pin.as_ref());
    let took = started.elapsed();
    assert!(
        took <= limits.load_budget + SLACK,
        "a load took {took:?}, over its {:?} budget",
        limits.load_budget
    );
    match &loaded {
        Err(error) => {
            well_formed(error, limits.message_bytes);
            assert!(
                !(pin.is_some() && error.code() == ErrorCode::DigestMismatch),
                "the runtime's digest differs from the kit's: {}",
                error.message()
            );
        }
        Ok(plugin) => {
            if let Some(pin) = &pin {
                assert_eq!(plugin.digest(), pin, "a digest other than the kit's");
            }
        }
    }
    drop(loaded);
    before.assert_none_left("a load");
}
