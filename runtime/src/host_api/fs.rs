//! `yoi:host/fs@1.0.0`: read, list and write beneath one granted root (docs/SPEC.md 14.4).
//!
//! Every path is resolved by the kernel beneath the root's directory handle, in one step:
//! `openat2` with `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS` and
//! `O_NOFOLLOW | O_CLOEXEC` (with `O_PATH` for a file, with `O_NONBLOCK | O_NOCTTY` for a
//! directory to list). No path is checked and then opened by name,
//! so a directory swapped for a symlink between two steps is refused, not followed. A file to
//! read or write is first opened `O_PATH` (no I/O, so no device driver's `open` runs and no
//! FIFO's writer is woken) and judged by that handle (`fstat`): a regular file with one link,
//! so a hard link to a file outside the root is neither read nor truncated; only then is the
//! same file opened for I/O through the handle's `/proc/self/fd` entry, never by its path
//! again. Reads and lists are bounded by fixed caps, never by a size the file system reports.

use super::grants::{FsGrant, FsOperation};
use super::Refusal;
use rustix::fs::{self as rfs, AtFlags, Dir, FileType, Mode, OFlags, ResolveFlags, Stat};
use rustix::io::Errno;
use serde::{Deserialize, Serialize};
use std::collections::BinaryHeap;
use std::os::fd::{AsRawFd, OwnedFd};

/// The longest path a request may name, in bytes.
pub(crate) const PATH_BYTES: usize = 4096;
/// The most bytes a read returns; a longer file is cut there and marked `truncated`.
pub(crate) const READ_BYTES: usize = 64 * 1024;
/// The most entries a list returns: the first ones by name bytes, then `truncated`.
pub(crate) const LIST_ENTRIES: usize = 256;
/// The most bytes a write may carry; more is refused before anything is opened.
pub(crate) const WRITE_BYTES: usize = 64 * 1024;
/// How often an open is retried when the kernel saw a rename race during resolution.
const RACE_RETRIES: usize = 8;

/// The root a grant opened, and what may be done beneath it.
#[derive(Debug)]
pub(crate) struct Root {
    dir: Result<OwnedFd, Errno>,
    operations: Vec<FsOperation>,
}

impl Root {
    /// Opens the granted directory once (`O_PATH`): the root's name is the host's, trusted;
    /// nothing below it is ever opened by a name resolved outside this handle.
    pub(crate) fn open(grant: &FsGrant) -> Root {
        let dir = rfs::open(
            &grant.root,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        );
        Root {
            dir,
            operations: grant.operations.clone(),
        }
    }
}

/// The fs guarantees the mutants switch off, one each.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Holes {
    /// The path is checked as a string, then opened following symlinks (not beneath).
    pub links_followed: bool,
    /// A file with more than one link is read and written.
    pub hard_links_allowed: bool,
    /// The list keeps the first 256 entries the directory yields, then sorts them.
    pub list_cut_before_sort: bool,
    /// Any operation is done once the interface is granted: the grant's operations are not
    /// compared with the one asked (write with only read granted).
    pub operations_unchecked: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PathRequest {
    path: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WriteRequest {
    path: String,
    content: String,
}

#[derive(Serialize)]
struct ReadResponse<'a> {
    path: &'a str,
    content: &'a str,
    truncated: bool,
}

#[derive(Serialize)]
struct ListResponse<'a> {
    path: &'a str,
    entries: Vec<Entry>,
    truncated: bool,
}

#[derive(Serialize)]
struct Entry {
    name: String,
    kind: &'static str,
}

#[derive(Serialize)]
struct WriteResponse<'a> {
    path: &'a str,
    bytes_written: usize,
}

/// One fs call: the request JSON in, the response JSON out, or why not. `path` is set to the
/// request's path as soon as it is known, for the error's details.
pub(crate) fn call(
    root: Option<&Root>,
    operation: FsOperation,
    request: &str,
    holes: Holes,
    abandoned: &dyn Fn() -> bool,
    path_seen: &mut Option<String>,
) -> Result<String, Refusal> {
    let granted = |r: &&Root| holes.operations_unchecked || r.operations.contains(&operation);
    let Some(root) = root.filter(granted) else {
        return Err(Refusal::denied("operation_not_granted"));
    };
    let malformed = |_| Refusal::invalid("malformed_request");
    match operation {
        FsOperation::Read => {
            let req: PathRequest = super::request_object(request).map_err(malformed)?;
            *path_seen = Some(req.path.clone());
            let content = read(root, &req.path, holes, abandoned)?;
            let truncated = content.len() > READ_BYTES;
            let kept = &content[..content.len().min(READ_BYTES)];
            let text = String::from_utf8_lossy(kept);
            json(&ReadResponse {
                path: &req.path,
                content: &text,
                truncated,
            })
        }
        FsOperation::List => {
            let req: PathRequest = super::request_object(request).map_err(malformed)?;
            *path_seen = Some(req.path.clone());
            let (entries, truncated) = list(root, &req.path, holes, abandoned)?;
            json(&ListResponse {
                path: &req.path,
                entries,
                truncated,
            })
        }
        FsOperation::Write => {
            let req: WriteRequest = super::request_object(request).map_err(malformed)?;
            *path_seen = Some(req.path.clone());
            check_path(&req.path)?;
            if req.content.len() > WRITE_BYTES {
                return Err(Refusal::invalid("content_too_large"));
            }
            let written = write(root, &req.path, req.content.as_bytes(), holes, abandoned)?;
            json(&WriteResponse {
                path: &req.path,
                bytes_written: written,
            })
        }
    }
}

fn json(response: &impl Serialize) -> Result<String, Refusal> {
    serde_json::to_string(response).map_err(|_| Refusal::failed("io_error"))
}

/// The path rules checked before the kernel sees the path: they name the mistake precisely;
/// the kernel's beneath-resolution is what confines, whatever these let through.
fn check_path(path: &str) -> Result<(), Refusal> {
    if path.is_empty() {
        return Err(Refusal::invalid("path_empty"));
    }
    if path.len() > PATH_BYTES {
        return Err(Refusal::invalid("path_too_long"));
    }
    if path.contains('\0') {
        return Err(Refusal::invalid("path_nul"));
    }
    if path.starts_with('/') || path.split('/').any(|c| c == "..") {
        return Err(Refusal::denied("escape"));
    }
    Ok(())
}

/// The path resolved beneath the root in one step and opened with `flags`.
fn open(
    root: &Root,
    path: &str,
    flags: OFlags,
    mode: Mode,
    holes: Holes,
) -> Result<OwnedFd, Refusal> {
    check_path(path)?;
    let dir = root
        .dir
        .as_ref()
        .map_err(|_| Refusal::failed("root_unavailable"))?;
    // `openat2` refuses `O_PATH` beside any flag but these (the others mean I/O).
    let flags = if flags.contains(OFlags::PATH) {
        flags | OFlags::NOFOLLOW | OFlags::CLOEXEC
    } else {
        flags | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOCTTY
    };
    if holes.links_followed {
        // The mutant: the string passed the checks above, and is then opened as any name is.
        return rfs::openat(dir, path, flags - OFlags::NOFOLLOW, mode).map_err(refusal);
    }
    let resolve = ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS;
    let mut tries = 0;
    loop {
        match rfs::openat2(dir, path, flags, mode, resolve) {
            // A rename anywhere on the system during resolution: the kernel asks to retry.
            Err(Errno::AGAIN | Errno::INTR) if tries < RACE_RETRIES => tries += 1,
            other => return other.map_err(refusal),
        }
    }
}

/// The file at `path`, opened `O_PATH` and judged by that handle (a regular file with one
/// link), then opened for I/O with `flags`. Opening a device or a FIFO for I/O can act (a
/// driver's `open`, a writer blocked on the FIFO released), so nothing is opened for I/O
/// before its handle was judged.
fn open_judged(root: &Root, path: &str, flags: OFlags, holes: Holes) -> Result<OwnedFd, Refusal> {
    let located = open(root, path, OFlags::PATH, Mode::empty(), holes)?;
    let stat = rfs::fstat(&located).map_err(refusal)?;
    regular(&stat, holes)?;
    reopen(&located, &stat, flags)
}

/// The file `located` is, opened for I/O through its `/proc/self/fd` entry: the kernel's link
/// to the open file itself, not to a name, so no rename or swap since it was judged matters.
/// Without procfs the call fails (`io_error`) rather than open by name again; the reopened
/// handle must be the judged file (device and inode), or it is refused the same way.
fn reopen(located: &OwnedFd, judged: &Stat, flags: OFlags) -> Result<OwnedFd, Refusal> {
    let entry = format!("/proc/self/fd/{}", located.as_raw_fd());
    let flags = flags | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOCTTY;
    let fd = rfs::open(entry.as_str(), flags, Mode::empty()).map_err(|e| match e {
        Errno::ACCESS | Errno::PERM | Errno::ROFS => Refusal::failed("permission_denied"),
        _ => Refusal::failed("io_error"),
    })?;
    let stat = rfs::fstat(&fd).map_err(refusal)?;
    if (stat.st_dev, stat.st_ino) != (judged.st_dev, judged.st_ino) {
        return Err(Refusal::failed("io_error"));
    }
    Ok(fd)
}

fn refusal(errno: Errno) -> Refusal {
    match errno {
        Errno::LOOP => Refusal::denied("symlink"),
        Errno::XDEV => Refusal::denied("escape"),
        Errno::NXIO | Errno::OPNOTSUPP => Refusal::denied("not_regular"),
        Errno::NOENT => Refusal::failed("not_found"),
        Errno::NOTDIR => Refusal::failed("not_a_directory"),
        Errno::ISDIR => Refusal::failed("is_a_directory"),
        Errno::NAMETOOLONG => Refusal::invalid("path_too_long"),
        // Only an `O_EXCL` create meets this; `write` retries, and never reports the word.
        Errno::EXIST => Refusal::failed("exists"),
        Errno::ACCESS | Errno::PERM | Errno::ROFS => Refusal::failed("permission_denied"),
        _ => Refusal::failed("io_error"),
    }
}

/// The open handle must be a regular file with one link: a directory is the guest's mistake,
/// anything else (a FIFO, socket or device) or a second name (a hard link, possibly to a file
/// outside the root) is refused before a byte moves.
fn regular(stat: &Stat, holes: Holes) -> Result<(), Refusal> {
    match FileType::from_raw_mode(stat.st_mode as _) {
        FileType::RegularFile => {}
        FileType::Directory => return Err(Refusal::failed("is_a_directory")),
        // `O_PATH | O_NOFOLLOW` opens a trailing link itself, where an open for I/O would
        // have failed with `ELOOP`: the same refusal either way.
        FileType::Symlink => return Err(Refusal::denied("symlink")),
        _ => return Err(Refusal::denied("not_regular")),
    }
    #[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
    if u64::from(stat.st_nlink as u64) > 1 && !holes.hard_links_allowed {
        return Err(Refusal::denied("hard_link"));
    }
    Ok(())
}

fn abandoned_check(abandoned: &dyn Fn() -> bool) -> Result<(), Refusal> {
    if abandoned() {
        return Err(Refusal::failed("abandoned"));
    }
    Ok(())
}

/// At most `READ_BYTES + 1` bytes: one more than is returned tells `truncated` apart.
fn read(
    root: &Root,
    path: &str,
    holes: Holes,
    abandoned: &dyn Fn() -> bool,
) -> Result<Vec<u8>, Refusal> {
    let fd = open_judged(root, path, OFlags::RDONLY, holes)?;
    let mut buf = vec![0u8; READ_BYTES + 1];
    let mut filled = 0;
    while filled < buf.len() {
        abandoned_check(abandoned)?;
        match rustix::io::read(&fd, &mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(Errno::INTR) => {}
            Err(e) => return Err(refusal(e)),
        }
    }
    buf.truncate(filled);
    Ok(buf)
}

/// The directory's entries sorted by name bytes, the first `LIST_ENTRIES` kept while reading
/// (a bounded heap), so which entries come back never depends on the order the file system
/// yields them, and memory stays bounded however large the directory.
fn list(
    root: &Root,
    path: &str,
    holes: Holes,
    abandoned: &dyn Fn() -> bool,
) -> Result<(Vec<Entry>, bool), Refusal> {
    let fd = open(
        root,
        path,
        OFlags::RDONLY | OFlags::DIRECTORY,
        Mode::empty(),
        holes,
    )?;
    let dir = Dir::read_from(&fd).map_err(refusal)?;
    let mut kept: BinaryHeap<(Vec<u8>, &'static str)> = BinaryHeap::new();
    let mut total = 0usize;
    for entry in dir {
        let entry = entry.map_err(refusal)?;
        let name = entry.file_name().to_bytes();
        if name == b"." || name == b".." {
            continue;
        }
        total += 1;
        if total.is_multiple_of(64) {
            abandoned_check(abandoned)?;
        }
        let full = kept.len() >= LIST_ENTRIES;
        if holes.list_cut_before_sort && full {
            continue;
        }
        if full
            && kept
                .peek()
                .is_some_and(|(largest, _)| name >= largest.as_slice())
        {
            continue;
        }
        let kind = match entry.file_type() {
            FileType::Unknown => rfs::statat(&fd, entry.file_name(), AtFlags::SYMLINK_NOFOLLOW)
                .map(|s| FileType::from_raw_mode(s.st_mode as _))
                .unwrap_or(FileType::Unknown),
            known => known,
        };
        let kind = match kind {
            FileType::RegularFile => "file",
            FileType::Directory => "dir",
            FileType::Symlink => "symlink",
            _ => "other",
        };
        kept.push((name.to_vec(), kind));
        if kept.len() > LIST_ENTRIES {
            kept.pop();
        }
    }
    let entries = kept
        .into_sorted_vec()
        .into_iter()
        .map(|(name, kind)| Entry {
            name: String::from_utf8_lossy(&name).into_owned(),
            kind,
        })
        .collect();
    Ok((entries, total > LIST_ENTRIES))
}

/// An existing file is judged by its handle before it is opened for writing, and only then
/// truncated and written: a hard link or special file found at the path is refused before its
/// content is touched. A missing one is created with `O_EXCL`, so the open can only ever make a
/// new regular file; if one appeared in between, the lookup runs again.
fn write(
    root: &Root,
    path: &str,
    content: &[u8],
    holes: Holes,
    abandoned: &dyn Fn() -> bool,
) -> Result<usize, Refusal> {
    let mut tries = 0;
    let fd = loop {
        match open_judged(root, path, OFlags::WRONLY, holes) {
            Err(Refusal {
                reason: "not_found",
                ..
            }) => {}
            other => break other?,
        }
        let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL;
        match open(root, path, flags, Mode::from_raw_mode(0o644), holes) {
            Err(Refusal {
                reason: "exists", ..
            }) if tries < RACE_RETRIES => tries += 1,
            Err(Refusal {
                reason: "exists", ..
            }) => return Err(Refusal::failed("io_error")),
            other => break other?,
        }
    };
    rfs::ftruncate(&fd, 0).map_err(refusal)?;
    let mut written = 0;
    while written < content.len() {
        abandoned_check(abandoned)?;
        match rustix::io::write(&fd, &content[written..]) {
            Ok(0) => return Err(Refusal::failed("io_error")),
            Ok(n) => written += n,
            Err(Errno::INTR) => {}
            Err(e) => return Err(refusal(e)),
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(dir: &std::path::Path, ops: &[FsOperation]) -> Root {
        Root::open(&FsGrant {
            root: dir.to_path_buf(),
            operations: ops.to_vec(),
        })
    }

    fn run(root: &Root, op: FsOperation, request: &str) -> Result<String, &'static str> {
        call(
            Some(root),
            op,
            request,
            Holes::default(),
            &|| false,
            &mut None,
        )
        .map_err(|r| r.reason)
    }

    #[test]
    fn confinement_is_decided_by_the_kernel_and_the_handle() {
        let work = tempfile::tempdir().unwrap();
        let (inside, outside) = (work.path().join("root"), work.path().join("outside"));
        std::fs::create_dir_all(inside.join("d")).unwrap();
        std::fs::create_dir(&outside).unwrap();
        std::fs::write(outside.join("secret"), "secret").unwrap();
        std::fs::write(inside.join("a.txt"), "hello").unwrap();
        std::os::unix::fs::symlink(outside.join("secret"), inside.join("link")).unwrap();
        std::os::unix::fs::symlink(&outside, inside.join("out")).unwrap();
        std::fs::hard_link(outside.join("secret"), inside.join("hard")).unwrap();
        std::fs::File::create(inside.join("sparse"))
            .unwrap()
            .set_len(1 << 40)
            .unwrap();
        let all = root(&inside, &FsOperation::ALL);
        let read = |path: &str| run(&all, FsOperation::Read, &format!(r#"{{"path":"{path}"}}"#));
        assert_eq!(
            read("a.txt").unwrap(),
            r#"{"path":"a.txt","content":"hello","truncated":false}"#
        );
        assert_eq!(read("link"), Err("symlink"));
        assert_eq!(read("out/secret"), Err("symlink"));
        assert_eq!(read("hard"), Err("hard_link"));
        assert_eq!(read("../outside/secret"), Err("escape"));
        assert_eq!(read("d/../a.txt"), Err("escape"));
        assert_eq!(read("/etc/passwd"), Err("escape"));
        assert_eq!(read(""), Err("path_empty"));
        assert_eq!(read("d"), Err("is_a_directory"));
        assert_eq!(read("missing"), Err("not_found"));
        let sparse = read("sparse").unwrap();
        assert!(sparse.ends_with(r#"","truncated":true}"#));
        assert_eq!(sparse.matches("\\u0000").count(), READ_BYTES);
        let write = |path: &str| {
            run(
                &all,
                FsOperation::Write,
                &format!(r#"{{"path":"{path}","content":"x"}}"#),
            )
        };
        assert_eq!(write("hard"), Err("hard_link"));
        assert_eq!(write("link"), Err("symlink"));
        assert_eq!(
            std::fs::read_to_string(outside.join("secret")).unwrap(),
            "secret"
        );
        let read_only = root(&inside, &[FsOperation::Read]);
        let denied = run(
            &read_only,
            FsOperation::Write,
            r#"{"path":"new","content":"x"}"#,
        );
        assert_eq!(denied, Err("operation_not_granted"));
        assert!(!inside.join("new").exists());
    }

    #[test]
    fn a_request_is_an_object_never_an_array_read_by_position() {
        let work = tempfile::tempdir().unwrap();
        std::fs::write(work.path().join("a.txt"), "hello").unwrap();
        let all = root(work.path(), &[FsOperation::Read, FsOperation::Write]);
        assert!(run(&all, FsOperation::Read, r#"{"path":"a.txt"}"#).is_ok());
        for request in [r#"["a.txt"]"#, r#"["a.txt","x"]"#, "\"a.txt\"", "null"] {
            let op = if request.contains('x') {
                FsOperation::Write
            } else {
                FsOperation::Read
            };
            assert_eq!(
                run(&all, op, request),
                Err("malformed_request"),
                "{request}"
            );
        }
        assert_eq!(
            std::fs::read_to_string(work.path().join("a.txt")).unwrap(),
            "hello"
        );
    }

    #[test]
    fn special_files_are_judged_before_any_open_for_io() {
        let work = tempfile::tempdir().unwrap();
        let node = |name: &str, kind| {
            let dev = rustix::fs::makedev(0, 0);
            let mode = Mode::from_raw_mode(0o644);
            rfs::mknodat(rfs::CWD, work.path().join(name), kind, mode, dev).unwrap();
        };
        node("dev", FileType::CharacterDevice);
        node("pipe", FileType::Fifo);
        let all = root(work.path(), &FsOperation::ALL);
        for path in ["dev", "pipe"] {
            let read = format!(r#"{{"path":"{path}"}}"#);
            assert_eq!(run(&all, FsOperation::Read, &read), Err("not_regular"));
            let write = format!(r#"{{"path":"{path}","content":"x"}}"#);
            assert_eq!(run(&all, FsOperation::Write, &write), Err("not_regular"));
        }
        let created = run(&all, FsOperation::Write, r#"{"path":"new","content":"hi"}"#);
        assert_eq!(created.unwrap(), r#"{"path":"new","bytes_written":2}"#);
        let again = run(&all, FsOperation::Write, r#"{"path":"new","content":"x"}"#);
        assert_eq!(again.unwrap(), r#"{"path":"new","bytes_written":1}"#);
        assert_eq!(std::fs::read(work.path().join("new")).unwrap(), b"x");
    }

    #[test]
    fn a_list_is_sorted_before_it_is_cut() {
        let work = tempfile::tempdir().unwrap();
        for i in (0..300).rev() {
            std::fs::write(work.path().join(format!("f{i:03}")), "").unwrap();
        }
        let all = root(work.path(), &[FsOperation::List]);
        let answer: serde_json::Value =
            serde_json::from_str(&run(&all, FsOperation::List, r#"{"path":"."}"#).unwrap())
                .unwrap();
        let entries = answer["entries"].as_array().unwrap();
        assert_eq!(entries.len(), LIST_ENTRIES);
        assert_eq!(entries[0]["name"], "f000");
        assert_eq!(entries[255]["name"], "f255");
        assert_eq!(answer["truncated"], true);
    }
}
