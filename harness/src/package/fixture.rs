//! The file system a host-API case runs against (docs/CASES.md, `[fs]` and `[grants]`): a
//! granted root built per case, an outside directory holding canary files, and the checks
//! after the run that nothing outside the root changed and no canary byte reached the answer.
//!
//! The outside tree is snapshotted (kind, size, mode, mtime, content hash, link target) before
//! the request and compared after it, so a write that escaped the root is seen whatever path it
//! took. The canary is random per case: finding it in the runtime's answer (output, messages,
//! details) means the runtime read a file outside the root.

use sha2::{Digest as _, Sha256};
use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::model::case::Case;
use crate::model::error::KitError;
use crate::model::fixture::{hex, FsSpec, OUTSIDE, ROOT};
use crate::model::protocol::Request;

/// The longest a swapper thread runs, whatever the request does.
const SWAP_BOUND: Duration = Duration::from_secs(10);

/// The fixture of one case: alive until dropped (the temporary directory goes with it).
pub struct Fixture {
    dir: tempfile::TempDir,
    /// The granted root.
    pub root: PathBuf,
    /// The outside directory: canaries, link targets.
    pub outside: PathBuf,
    /// The random text of every canary file.
    pub canary: String,
    before: BTreeMap<PathBuf, Node>,
}

/// What the outside snapshot records of one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Node {
    mode: u32,
    len: u64,
    mtime: (i64, i64),
    nlink: u64,
    content: Option<[u8; 32]>,
    link: Option<PathBuf>,
}

fn random_hex() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut out = String::new();
    for i in 0..3u64 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(i);
        h.write_u128(Instant::now().elapsed().as_nanos());
        h.write_u32(std::process::id());
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out
}

impl Fixture {
    /// Builds the root and the outside directory for `spec`.
    pub fn build(spec: &FsSpec) -> io::Result<Fixture> {
        let dir = tempfile::Builder::new().prefix("toolcage-fs-").tempdir()?;
        let root = dir.path().join("root");
        let outside = dir.path().join("outside");
        fs::create_dir(&root)?;
        fs::create_dir(&outside)?;
        let canary = format!("toolcage-canary-{}", random_hex());
        fs::write(outside.join("canary.txt"), &canary)?;
        fs::create_dir(outside.join("dir"))?;
        fs::write(outside.join("dir").join("canary.txt"), &canary)?;
        let place = |t: &str| {
            t.replace(ROOT, &root.to_string_lossy())
                .replace(OUTSIDE, &outside.to_string_lossy())
        };
        for e in &spec.entry {
            let path = match (&e.path, &e.name_hex) {
                (Some(p), _) => root.join(p),
                (None, Some(h)) => root.join(std::ffi::OsStr::from_bytes(
                    &hex(h).ok_or_else(|| io::Error::other("name_hex"))?,
                )),
                (None, None) => return Err(io::Error::other("an entry without a path")),
            };
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent)?;
            }
            match e.kind.as_str() {
                "file" => fs::write(&path, e.text.as_deref().unwrap_or(""))?,
                "dir" => fs::create_dir_all(&path)?,
                "symlink" => {
                    std::os::unix::fs::symlink(place(e.target.as_deref().unwrap_or("")), &path)?
                }
                "hardlink" => {
                    let target = place(e.target.as_deref().unwrap_or(""));
                    let target = if Path::new(&target).is_absolute() {
                        PathBuf::from(target)
                    } else {
                        root.join(target)
                    };
                    fs::hard_link(target, &path)?
                }
                "fifo" => rustix::fs::mknodat(
                    rustix::fs::CWD,
                    &path,
                    rustix::fs::FileType::Fifo,
                    rustix::fs::Mode::from_raw_mode(0o644),
                    0,
                )
                .map_err(io::Error::from)?,
                "socket" => drop(std::os::unix::net::UnixListener::bind(&path)?),
                // 0:0 is the whiteout device: creating it needs no privilege (Linux 5.8 or
                // later), unlike any real device, and opening it reaches no driver (ENXIO).
                "chardev" => rustix::fs::mknodat(
                    rustix::fs::CWD,
                    &path,
                    rustix::fs::FileType::CharacterDevice,
                    rustix::fs::Mode::from_raw_mode(0o644),
                    rustix::fs::makedev(0, 0),
                )
                .map_err(io::Error::from)?,
                "sparse" => fs::File::create(&path)?.set_len(e.size.unwrap_or(0))?,
                "filled" => {
                    let n = usize::try_from(e.size.unwrap_or(0)).map_err(io::Error::other)?;
                    fs::write(&path, vec![b'x'; n])?
                }
                "files" => {
                    fs::create_dir_all(&path)?;
                    let n = e.size.unwrap_or(0);
                    // Created in a scrambled order, so no file system yields them sorted.
                    for i in 0..n {
                        let k = (i * 7919 + 13) % n;
                        fs::write(path.join(format!("f{k:05}")), "")?;
                    }
                }
                other => return Err(io::Error::other(format!("kind {other}"))),
            }
        }
        if let Some(swap) = &spec.swap {
            fs::create_dir_all(root.join(swap))?;
            std::os::unix::fs::symlink(&outside, root.join(format!("{swap}.swap")))?;
        }
        let mut fixture = Fixture {
            dir,
            root,
            outside,
            canary,
            before: BTreeMap::new(),
        };
        fixture.before = fixture.snapshot()?;
        Ok(fixture)
    }

    /// Everything of the case's directory outside the granted root.
    fn snapshot(&self) -> io::Result<BTreeMap<PathBuf, Node>> {
        let mut out = BTreeMap::new();
        walk(self.dir.path(), &self.root, &mut out)?;
        Ok(out)
    }

    /// What changed outside the root since the fixture was built, in one line; `None` if
    /// nothing did.
    pub fn outside_changed(&self) -> Option<String> {
        let after = match self.snapshot() {
            Ok(after) => after,
            Err(e) => return Some(format!("the outside tree could not be read again: {e}")),
        };
        let changed: Vec<String> = self
            .before
            .keys()
            .chain(after.keys())
            .filter(|p| self.before.get(*p) != after.get(*p))
            .map(|p| {
                p.strip_prefix(self.dir.path())
                    .unwrap_or(p)
                    .display()
                    .to_string()
            })
            .collect();
        (!changed.is_empty()).then(|| {
            format!(
                "the runtime changed the file system outside the granted root: {}",
                changed.join(", ")
            )
        })
    }

    /// Whether `text` (the runtime's whole answer) holds the canary.
    pub fn leaked(&self, text: &str) -> bool {
        text.contains(&self.canary)
    }

    /// Starts swapping the `[fs] swap` directory with its symlink to the outside directory,
    /// atomically (`renameat2` with `RENAME_EXCHANGE`), until the guard is dropped or the bound
    /// passes.
    pub fn swapper(&self, spec: &FsSpec) -> Option<Swapper> {
        let swap = spec.swap.as_ref()?;
        let a = self.root.join(swap);
        let b = self.root.join(format!("{swap}.swap"));
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            let mut swapped = false;
            while !flag.load(Ordering::Relaxed) && started.elapsed() < SWAP_BOUND {
                let ok = rustix::fs::renameat_with(
                    rustix::fs::CWD,
                    &a,
                    rustix::fs::CWD,
                    &b,
                    rustix::fs::RenameFlags::EXCHANGE,
                )
                .is_ok();
                swapped ^= ok;
                std::thread::sleep(Duration::from_micros(50));
            }
            if swapped {
                let _ = rustix::fs::renameat_with(
                    rustix::fs::CWD,
                    &a,
                    rustix::fs::CWD,
                    &b,
                    rustix::fs::RenameFlags::EXCHANGE,
                );
            }
        });
        Some(Swapper {
            stop,
            thread: Some(thread),
        })
    }
}

/// A running swapper thread; dropping it stops and joins it.
pub struct Swapper {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Swapper {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn walk(dir: &Path, skip: &Path, out: &mut BTreeMap<PathBuf, Node>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path == skip {
            continue;
        }
        let meta = fs::symlink_metadata(&path)?;
        let link = meta
            .file_type()
            .is_symlink()
            .then(|| fs::read_link(&path))
            .transpose()?;
        let content = if meta.is_file() && meta.len() <= 1 << 20 {
            Some(Sha256::digest(fs::read(&path)?).into())
        } else {
            None
        };
        out.insert(
            path.clone(),
            Node {
                mode: meta.permissions().mode(),
                len: meta.len(),
                mtime: (meta.mtime(), meta.mtime_nsec()),
                nlink: meta.nlink(),
                content,
                link,
            },
        );
        if meta.is_dir() {
            walk(&path, skip, out)?;
        }
    }
    Ok(())
}

/// Builds the case's fixture when it has `[fs]` or `[grants]`, and names the grant in the
/// request (bound to the package's id, version and digest unless the case says otherwise). Keep
/// the fixture until the request has run: dropping it removes the root.
pub fn attach(
    case: &Case,
    digest: &str,
    request: &mut Request,
) -> Result<Option<Fixture>, KitError> {
    if case.fs.is_none() && case.grants.is_none() {
        return Ok(None);
    }
    let fixture = Fixture::build(case.fs.as_ref().unwrap_or(&FsSpec::default())).map_err(|e| {
        KitError::Package {
            id: case.id.clone(),
            message: format!("cannot build the [fs] fixture: {e}"),
        }
    })?;
    if let Some(grant) = &case.grants {
        request.grants = Some(serde_json::Value::Array(vec![grant.to_wire(
            &case.id,
            digest,
            Some((&fixture.root, &fixture.outside)),
        )]));
    }
    Ok(Some(fixture))
}
