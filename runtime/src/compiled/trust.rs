//! The checks ssh applies to its own files, for the files whose contents the runtime executes
//! or keys from (the compiled-code cache and its key): owned by this process's effective user,
//! writable by nobody else, and every directory above them writable only by that user or root
//! (or sticky, like `/tmp`), so no other user can swap anything on the way.

use std::io::{self, Read as _};
use std::path::{Path, PathBuf};

fn refused(why: String) -> io::Error {
    io::Error::new(io::ErrorKind::PermissionDenied, why)
}

/// `dir/sub`, both created as private directories if missing, after checking that `dir` and
/// `sub` are owned by the effective user and not writable by group or others, and that every
/// ancestor of `dir` is owned by that user or root and not writable by group or others unless
/// sticky. Returns the path with symlinks resolved, which later opens use, so a symlink
/// changed after the check cannot redirect them.
pub(crate) fn private_dir(dir: &Path, sub: &str) -> io::Result<PathBuf> {
    create_private(dir, true)?;
    let dir = dir.canonicalize()?;
    imp::check_owned(&dir, imp::GROUP_OTHER_WRITE)?;
    let mut above = dir.parent();
    while let Some(ancestor) = above {
        imp::check_ancestor(ancestor)?;
        above = ancestor.parent();
    }
    let sub = dir.join(sub);
    create_private(&sub, false)?;
    imp::check_owned(&sub, imp::GROUP_OTHER_WRITE)?;
    Ok(sub)
}

/// The kit's mutant `cache-dir-world-writable-only`: [`private_dir`] as a first attempt at it
/// might be written, refusing a directory (or one above it) only when every user can write it
/// and it is not sticky, whoever owns it.
#[cfg(all(unix, feature = "mutants"))]
pub(crate) fn world_writable_only_dir(dir: &Path, sub: &str) -> io::Result<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    create_private(dir, true)?;
    let dir = dir.canonicalize()?;
    let sub = dir.join(sub);
    create_private(&sub, false)?;
    for checked in sub.ancestors() {
        let mode = std::fs::symlink_metadata(checked)?.mode();
        if mode & 0o002 != 0 && mode & 0o1000 == 0 {
            return Err(refused(format!("{} is world-writable", checked.display())));
        }
    }
    Ok(sub)
}

fn create_private(dir: &Path, recursive: bool) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(recursive);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    match builder.create(dir) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        other => other,
    }
}

/// The contents of a private file: opened without following a symlink and without blocking on
/// a FIFO, then checked on the open handle (regular, owned by the effective user, none of the
/// permission bits in `forbidden`, at most `max` bytes) before reading at most `max` bytes.
/// Nothing is allocated from the file's claimed size.
pub(crate) fn read_file(path: &Path, max: u64, forbidden: u32) -> io::Result<Vec<u8>> {
    let file = imp::open_nofollow(path)?;
    imp::check_handle(&file, path, forbidden)?;
    let claimed = file.metadata()?.len();
    if claimed > max {
        return Err(refused(format!(
            "{} is {claimed} bytes, over the {max}-byte cap",
            path.display()
        )));
    }
    let mut bytes = Vec::new();
    file.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(refused(format!(
            "{} is larger than {max} bytes",
            path.display()
        )));
    }
    Ok(bytes)
}

/// A secret file (a key): [`read_file`] with no group or other access at all, in a directory
/// that passes the ancestor checks.
pub(crate) fn read_private_file(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.canonicalize()?,
        _ => std::env::current_dir()?,
    };
    let mut above = Some(parent.as_path());
    while let Some(ancestor) = above {
        imp::check_ancestor(ancestor)?;
        above = ancestor.parent();
    }
    read_file(path, max, imp::GROUP_OTHER_ANY)
}

/// An entry of a directory [`private_dir`] returned: the directory is already checked.
pub(crate) fn read_entry(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    read_file(path, max, imp::GROUP_OTHER_WRITE)
}

#[cfg(unix)]
mod imp {
    use super::refused;
    use std::fs::{File, Metadata, OpenOptions};
    use std::io;
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    use std::path::Path;

    pub(super) const GROUP_OTHER_WRITE: u32 = 0o022;
    pub(super) const GROUP_OTHER_ANY: u32 = 0o077;
    const STICKY: u32 = 0o1000;

    #[allow(unsafe_code)]
    fn euid() -> u32 {
        // SAFETY: geteuid has no preconditions, cannot fail and touches no memory of ours.
        unsafe { libc::geteuid() }
    }

    fn owner_and_mode(meta: &Metadata, path: &Path, forbidden: u32) -> io::Result<()> {
        let me = euid();
        if meta.uid() != me {
            return Err(refused(format!(
                "{} is owned by uid {}, not by this process's user (uid {me})",
                path.display(),
                meta.uid()
            )));
        }
        if meta.mode() & forbidden != 0 {
            return Err(refused(format!(
                "{} has mode {:o}: group or others may {}",
                path.display(),
                meta.mode() & 0o7777,
                if forbidden == GROUP_OTHER_ANY {
                    "access it"
                } else {
                    "write it"
                }
            )));
        }
        Ok(())
    }

    /// A directory itself (not a symlink to one), owned by us, without the `forbidden` bits.
    pub(super) fn check_owned(dir: &Path, forbidden: u32) -> io::Result<()> {
        let meta = std::fs::symlink_metadata(dir)?;
        if !meta.is_dir() {
            return Err(refused(format!("{} is not a directory", dir.display())));
        }
        owner_and_mode(&meta, dir, forbidden)
    }

    /// A directory above: owned by us or root, and writable by nobody else unless sticky
    /// (then others cannot rename or remove what is ours in it).
    pub(super) fn check_ancestor(dir: &Path) -> io::Result<()> {
        let meta = std::fs::symlink_metadata(dir)?;
        let me = euid();
        if meta.uid() != me && meta.uid() != 0 {
            return Err(refused(format!(
                "{} is owned by uid {}, neither this process's user (uid {me}) nor root",
                dir.display(),
                meta.uid()
            )));
        }
        if meta.mode() & GROUP_OTHER_WRITE != 0 && meta.mode() & STICKY == 0 {
            return Err(refused(format!(
                "{} has mode {:o}: group or others may write it and it is not sticky",
                dir.display(),
                meta.mode() & 0o7777
            )));
        }
        Ok(())
    }

    pub(super) fn open_nofollow(path: &Path) -> io::Result<File> {
        OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(path)
            .map_err(|e| {
                if e.raw_os_error() == Some(libc::ELOOP) {
                    refused(format!("{} is a symlink", path.display()))
                } else {
                    e
                }
            })
    }

    pub(super) fn check_handle(file: &File, path: &Path, forbidden: u32) -> io::Result<()> {
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(refused(format!("{} is not a regular file", path.display())));
        }
        owner_and_mode(&meta, path, forbidden)
    }
}

#[cfg(not(unix))]
mod imp {
    //! Ownership cannot be checked here the way this module promises, so nothing is trusted.
    use std::fs::File;
    use std::io;
    use std::path::Path;

    pub(super) const GROUP_OTHER_WRITE: u32 = 0o022;
    pub(super) const GROUP_OTHER_ANY: u32 = 0o077;

    fn unsupported() -> io::Error {
        io::Error::new(
            io::ErrorKind::Unsupported,
            "file ownership cannot be checked on this platform",
        )
    }

    pub(super) fn check_owned(_: &Path, _: u32) -> io::Result<()> {
        Err(unsupported())
    }
    pub(super) fn check_ancestor(_: &Path) -> io::Result<()> {
        Err(unsupported())
    }
    pub(super) fn open_nofollow(_: &Path) -> io::Result<File> {
        Err(unsupported())
    }
    pub(super) fn check_handle(_: &File, _: &Path, _: u32) -> io::Result<()> {
        Err(unsupported())
    }
}
