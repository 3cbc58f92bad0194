//! Walking a package through directory handles, so that what is read is what was listed.
//!
//! Every directory and file below the package root is opened relative to its parent's handle
//! (`openat`), with `O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY`, and the open handle is
//! `fstat`ed and compared with what the listing saw (type, device, inode, and for files the
//! size). A writer racing a load therefore cannot make the reader follow a link swapped in after
//! the check, block on a FIFO, or read another directory: the swap is seen and refused. No path
//! is ever resolved twice. Reads are chunked, bounded by the caller, and check the load budget
//! between chunks, so neither a huge file nor a slow one can hold a load beyond its budget.

use crate::error::{Error, ErrorCode};
use rustix::fs::{self as rfs, AtFlags, Dir, FileType, Mode, OFlags, Stat};
use rustix::io::Errno;
use std::fs::File;
use std::io::Read;
use std::os::fd::OwnedFd;
use std::path::Path;
use std::time::{Duration, Instant};

#[cfg(not(unix))]
compile_error!("the package reader walks directory handles with rustix and needs a unix target");

/// Bytes read per system call: a fixed buffer, never one sized from a file's metadata.
const CHUNK: usize = 64 * 1024;

/// What the listing (or an open handle) says a directory entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    File,
    Dir,
    Link,
    /// A FIFO, socket or device: never opened on purpose, never read.
    Special,
}

/// The identity of an entry: a handle is the listed entry only when all of it agrees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Identity {
    pub kind: Kind,
    pub dev: u64,
    pub ino: u64,
    /// The length in bytes (of a regular file; informative for the others).
    pub size: u64,
}

// `Stat`'s field types differ between platforms (and libc and linux_raw backends): widen each.
#[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
fn identity(stat: &Stat) -> Identity {
    let kind = match FileType::from_raw_mode(stat.st_mode as _) {
        FileType::RegularFile => Kind::File,
        FileType::Directory => Kind::Dir,
        FileType::Symlink => Kind::Link,
        _ => Kind::Special,
    };
    Identity {
        kind,
        dev: stat.st_dev as u64,
        ino: stat.st_ino as u64,
        // A negative size never comes from a sane kernel; treat it as unbounded.
        size: u64::try_from(stat.st_size).unwrap_or(u64::MAX),
    }
}

/// The load's time budget: checked between directory entries and between read chunks.
pub(crate) struct Budget {
    deadline: Option<Instant>,
    limit: Duration,
    /// Test hook: the budget runs out after this many checks, to test where checks happen
    /// without depending on how fast the machine is.
    #[cfg(test)]
    checks_left: std::cell::Cell<Option<u32>>,
}

impl Budget {
    /// Starts the clock now. A limit too large to add to `now` (`Duration::MAX`) is no limit.
    pub(crate) fn start(limit: Duration) -> Budget {
        Budget {
            deadline: Instant::now().checked_add(limit),
            limit,
            #[cfg(test)]
            checks_left: std::cell::Cell::new(None),
        }
    }

    #[cfg(test)]
    pub(crate) fn after_checks(checks: u32) -> Budget {
        let budget = Budget::start(Duration::from_secs(3600));
        budget.checks_left.set(Some(checks));
        budget
    }

    pub(crate) fn check(&self) -> Result<(), Error> {
        #[cfg(test)]
        if let Some(left) = self.checks_left.get() {
            if left == 0 {
                return Err(self.expired());
            }
            self.checks_left.set(Some(left - 1));
        }
        match self.deadline {
            Some(deadline) if Instant::now() >= deadline => Err(self.expired()),
            _ => Ok(()),
        }
    }

    fn expired(&self) -> Error {
        let ms = u64::try_from(self.limit.as_millis()).unwrap_or(u64::MAX);
        Error::new(
            ErrorCode::LoadTimeout,
            format!("reading the package took longer than its {ms} ms load budget"),
        )
        .with("load_timeout_ms", ms)
    }
}

/// The code of a failed `open`/`stat` of an entry the listing saw (or of the root). A link met
/// by `O_NOFOLLOW`, an entry of another type than listed, or one that vanished are the package
/// changing under the reader: `path_escape`, because the runtime can no longer show that what it
/// would read is the listed entry inside the package. Anything else (permission denied, an I/O
/// error) is `package_unreadable`: the entry is there, the runtime may not or cannot read it.
pub(crate) fn classify(errno: Errno) -> ErrorCode {
    match errno {
        Errno::LOOP | Errno::MLINK | Errno::NOTDIR | Errno::NOENT | Errno::NXIO => {
            ErrorCode::PathEscape
        }
        _ => ErrorCode::PackageUnreadable,
    }
}

/// How an entry that is not what the listing saw is reported.
fn changed(path: &str, why: &str) -> Error {
    Error::new(
        ErrorCode::PathEscape,
        format!("a package entry changed while the package was read: {why}"),
    )
    .with("path", path)
}

fn failed(errno: Errno, path: &str, what: &str) -> Error {
    let code = classify(errno);
    let message = match code {
        ErrorCode::PathEscape => {
            format!("a package entry could not be {what} as listed (it is a link, or it changed)")
        }
        _ => format!("a package entry could not be {what}: {}", errno_text(errno)),
    };
    Error::new(code, message)
        .with("path", path)
        .with("errno", errno.raw_os_error())
}

fn errno_text(errno: Errno) -> &'static str {
    match errno {
        Errno::ACCESS | Errno::PERM => "permission denied",
        Errno::IO => "I/O error",
        Errno::MFILE | Errno::NFILE => "too many open files",
        Errno::NOMEM => "out of memory",
        _ => "the system refused it",
    }
}

/// What `BEFORE_OPEN` runs.
#[cfg(test)]
type OpenHook = Box<dyn FnMut(&str)>;

#[cfg(test)]
thread_local! {
    /// Test hook: runs with an entry's package path after the listing saw it and before it is
    /// opened, so a test can swap the entry exactly there (`swap_tests`).
    static BEFORE_OPEN: std::cell::RefCell<Option<OpenHook>> =
        const { std::cell::RefCell::new(None) };
    /// Test switch: compare an opened file with the listing on type and size only, the check a
    /// reader without inode comparison makes, to show what the tests catch.
    static KIND_AND_SIZE_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn before_open(_path: &str) {
    #[cfg(test)]
    BEFORE_OPEN.with_borrow_mut(|hook| {
        if let Some(hook) = hook {
            hook(_path);
        }
    });
}

/// An open directory of the package.
pub(crate) struct DirHandle {
    fd: OwnedFd,
    /// Test and mutant hook: follow links when listing and opening (the bug the handles fix).
    follow: bool,
}

fn open_flags(follow: bool) -> OFlags {
    let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOCTTY;
    if follow {
        flags
    } else {
        flags | OFlags::NOFOLLOW
    }
}

/// What the host's package path opened as: a directory to walk, a regular file to read as an
/// archive (with the identity its handle reported), or something that is neither.
pub(crate) enum Root {
    Dir(DirHandle),
    File(File, Identity),
    Special,
}

/// Opens the package root, once: the one handle decides whether it is a directory or an
/// archive, so the path is never resolved twice. The root's own path is the host's to choose and
/// is followed like any path the host names; everything below it is not. Opened without
/// blocking, so a FIFO named as the package is refused rather than waited on.
pub(crate) fn open_package(path: &Path, follow: bool) -> Result<Root, Errno> {
    let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOCTTY;
    let fd = rfs::open(path, flags, Mode::empty())?;
    let opened = identity(&rfs::fstat(&fd)?);
    Ok(match opened.kind {
        Kind::Dir => Root::Dir(DirHandle { fd, follow }),
        Kind::File => Root::File(File::from(fd), opened),
        Kind::Link | Kind::Special => Root::Special,
    })
}

impl DirHandle {
    /// The listing's view of one entry, without following a link.
    pub(crate) fn stat(&self, name: &str) -> Result<Identity, Errno> {
        let flags = if self.follow {
            AtFlags::empty()
        } else {
            AtFlags::SYMLINK_NOFOLLOW
        };
        rfs::statat(&self.fd, name, flags).map(|s| identity(&s))
    }

    /// The names in this directory (without `.` and `..`), at most `max`: one more is reported
    /// as `Err(None)` so the caller can say which cap was hit. Names that are not UTF-8 are
    /// `path_escape`.
    pub(crate) fn names(
        &self,
        path: &str,
        max: usize,
        budget: &Budget,
    ) -> Result<Vec<String>, Option<Error>> {
        let mut dir = Dir::read_from(&self.fd).map_err(|e| Some(failed(e, path, "listed")))?;
        let mut names = Vec::new();
        while let Some(entry) = dir.read() {
            budget.check().map_err(Some)?;
            let entry = entry.map_err(|e| Some(failed(e, path, "listed")))?;
            let bytes = entry.file_name().to_bytes();
            if bytes == b"." || bytes == b".." {
                continue;
            }
            let Ok(name) = std::str::from_utf8(bytes) else {
                return Err(Some(
                    Error::new(ErrorCode::PathEscape, "a package file name is not UTF-8")
                        .with("path", path),
                ));
            };
            if names.len() == max {
                return Err(None);
            }
            names.push(name.to_owned());
        }
        Ok(names)
    }

    /// Opens a subdirectory the listing saw as `listed`, refusing anything else.
    pub(crate) fn open_dir(
        &self,
        name: &str,
        path: &str,
        listed: Identity,
    ) -> Result<DirHandle, Error> {
        before_open(path);
        let flags = open_flags(self.follow) | OFlags::DIRECTORY;
        let fd = rfs::openat(&self.fd, name, flags, Mode::empty())
            .map_err(|e| failed(e, path, "opened"))?;
        let opened = rfs::fstat(&fd)
            .map(|s| identity(&s))
            .map_err(|e| failed(e, path, "inspected"))?;
        if (opened.kind, opened.dev, opened.ino) != (listed.kind, listed.dev, listed.ino) {
            return Err(changed(path, "the directory opened is not the one listed"));
        }
        Ok(DirHandle {
            fd,
            follow: self.follow,
        })
    }

    /// Opens a regular file the listing saw as `listed`, refusing anything else (a FIFO is
    /// opened without blocking and refused before any read).
    pub(crate) fn open_file(
        &self,
        name: &str,
        path: &str,
        listed: Identity,
    ) -> Result<File, Error> {
        before_open(path);
        let fd = rfs::openat(&self.fd, name, open_flags(self.follow), Mode::empty())
            .map_err(|e| failed(e, path, "opened"))?;
        let opened = rfs::fstat(&fd)
            .map(|s| identity(&s))
            .map_err(|e| failed(e, path, "inspected"))?;
        if opened.kind != Kind::File {
            return Err(changed(path, "it is no longer a regular file"));
        }
        #[cfg(test)]
        let opened = if KIND_AND_SIZE_ONLY.get() {
            Identity {
                dev: listed.dev,
                ino: listed.ino,
                ..opened
            }
        } else {
            opened
        };
        if opened != listed {
            return Err(changed(path, "the file opened is not the one listed"));
        }
        Ok(File::from(fd))
    }
}

/// Reads exactly `len` bytes (the length the open handle reported) in fixed chunks, handing
/// each to `sink`. A file that turns out longer or shorter changed while it was read: that is
/// `digest_mismatch`, because the bytes read are no consistent version of the file. At most
/// `len + 1` bytes are ever read, so a file that keeps growing cannot make the reader go on.
pub(crate) fn read_exact_len(
    file: File,
    len: u64,
    path: &str,
    budget: &Budget,
    mut sink: impl FnMut(&[u8]),
) -> Result<(), Error> {
    let mut reader = file.take(len.saturating_add(1));
    let mut buf = vec![0u8; CHUNK];
    let mut total: u64 = 0;
    loop {
        budget.check()?;
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                let errno = e
                    .raw_os_error()
                    .map(Errno::from_raw_os_error)
                    .unwrap_or(Errno::IO);
                return Err(failed(errno, path, "read"));
            }
        };
        total += n as u64;
        if total > len {
            break;
        }
        sink(&buf[..n]);
    }
    if total != len {
        return Err(Error::new(
            ErrorCode::DigestMismatch,
            "a package file changed while it was read",
        )
        .with("path", path));
    }
    Ok(())
}

#[cfg(test)]
mod swap_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_denied_and_io_errors_are_unreadable_not_missing() {
        for errno in [Errno::ACCESS, Errno::PERM, Errno::IO, Errno::MFILE] {
            assert_eq!(classify(errno), ErrorCode::PackageUnreadable, "{errno:?}");
        }
        for errno in [Errno::LOOP, Errno::NOTDIR, Errno::NOENT, Errno::NXIO] {
            assert_eq!(classify(errno), ErrorCode::PathEscape, "{errno:?}");
        }
    }

    #[test]
    fn a_budget_too_large_to_add_is_no_deadline() {
        Budget::start(Duration::MAX).check().unwrap();
        let spent = Budget::start(Duration::ZERO).check().unwrap_err();
        assert_eq!(spent.code(), ErrorCode::LoadTimeout);
    }
}
