//! The file system a host-API case runs against (docs/CASES.md, `[fs]` and `[grants]`): a
//! granted root built per case, an outside directory holding canary files, and the checks
//! after the run that nothing outside the root changed and no canary byte reached the answer.
//!
//! The outside tree is snapshotted (kind, size, mode, mtime, content hash, link target) before
//! the request and compared after it, so a write that escaped the root is seen whatever path it
//! took. The canary is random per case: finding it in the runtime's answer (output, messages,
//! details) means the runtime read a file outside the root.

use serde::Deserialize;
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

/// The capability a runtime declares when it implements `yoi:host/fs` and the grant model.
pub const HOST_API_FS: &str = "host_api_fs";
/// Placeholder for the granted root's absolute path.
pub const ROOT: &str = "$ROOT";
/// Placeholder for the outside directory's absolute path.
pub const OUTSIDE: &str = "$OUTSIDE";
/// The longest a swapper thread runs, whatever the request does.
const SWAP_BOUND: Duration = Duration::from_secs(10);

/// `[fs]`: what the kit builds in the granted root.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FsSpec {
    /// Entries, created in order.
    #[serde(default)]
    pub entry: Vec<FsEntry>,
    /// A directory of the root (relative path) that a thread swaps, atomically and over and over
    /// while the request runs, with a symlink to the outside directory.
    pub swap: Option<String>,
}

/// One `[[fs.entry]]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FsEntry {
    /// Path relative to the root (`/`-separated; TOML escapes for odd names).
    pub path: Option<String>,
    /// Instead of `path`: the last component's bytes in hex (a name that is not UTF-8), in the
    /// root itself.
    pub name_hex: Option<String>,
    /// `file` (default), `dir`, `symlink`, `hardlink`, `fifo`, `socket`, `sparse` (a hole of
    /// `size` bytes), `filled` (`size` bytes of `x`), `files` (a directory of `size` empty files).
    #[serde(default = "file_kind")]
    pub kind: String,
    /// `file`: its content.
    pub text: Option<String>,
    /// `symlink`: the link's target (`$ROOT`, `$OUTSIDE` replaced); `hardlink`: the file linked
    /// (`$OUTSIDE/canary.txt` or a path under the root).
    pub target: Option<String>,
    /// `sparse`, `filled`: the file's length; `files`: how many empty files the directory gets.
    pub size: Option<u64>,
}

fn file_kind() -> String {
    "file".into()
}

impl FsSpec {
    /// Checks the spec without building it (kit errors at case load).
    pub fn check(&self) -> Result<(), String> {
        for e in &self.entry {
            if e.path.is_some() == e.name_hex.is_some() {
                return Err("an [[fs.entry]] has exactly one of `path` and `name_hex`".into());
            }
            if let Some(p) = &e.path {
                if p.is_empty() || p.starts_with('/') || p.split('/').any(|c| c == "..") {
                    return Err(format!("[[fs.entry]] path {p:?} must stay inside the root"));
                }
            }
            if e.name_hex.as_deref().is_some_and(|h| hex(h).is_none()) {
                return Err("[[fs.entry]] name_hex is not hex".into());
            }
            let needs = |ok: bool, what: &str| {
                if ok {
                    Ok(())
                } else {
                    Err(format!("an [[fs.entry]] of kind {:?} needs {what}", e.kind))
                }
            };
            match e.kind.as_str() {
                "file" | "dir" | "fifo" | "socket" => {}
                "symlink" | "hardlink" => needs(e.target.is_some(), "`target`")?,
                "sparse" | "filled" | "files" => needs(e.size.is_some(), "`size`")?,
                other => return Err(format!("unknown [[fs.entry]] kind {other:?}")),
            }
        }
        Ok(())
    }
}

fn hex(text: &str) -> Option<Vec<u8>> {
    let text: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !text.len().is_multiple_of(2) {
        return None;
    }
    text.chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect()
}

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

/// `[grants]`: the grant the kit gives the case's package (docs/CASES.md).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantSpec {
    /// The interfaces granted (`fs`, `request`, `websocket`).
    #[serde(default)]
    pub apis: Vec<String>,
    /// The fs root's operations; absent: no fs root.
    pub fs_operations: Option<Vec<String>>,
    /// The fs root (`$ROOT` by default).
    pub fs_root: Option<String>,
    /// Bind the grant to this version instead of the package's.
    pub version: Option<String>,
    /// `"package"` (default): the package's digest; `"other"`: a digest that differs in its last
    /// hex digit.
    pub digest: Option<String>,
}

impl GrantSpec {
    /// Checks the spec (kit errors at case load).
    pub fn check(&self) -> Result<(), String> {
        for api in &self.apis {
            if !["fs", "request", "websocket"].contains(&api.as_str()) {
                return Err(format!("[grants] apis: unknown interface {api:?}"));
            }
        }
        for op in self.fs_operations.iter().flatten() {
            if !["read", "list", "write"].contains(&op.as_str()) {
                return Err(format!("[grants] fs_operations: unknown operation {op:?}"));
            }
        }
        if !matches!(self.digest.as_deref(), None | Some("package" | "other")) {
            return Err("[grants] digest is \"package\" or \"other\"".into());
        }
        Ok(())
    }

    /// The grant as the protocol carries it (docs/ADAPTER.md, `grants`).
    pub fn to_wire(&self, id: &str, digest: &str, fixture: Option<&Fixture>) -> serde_json::Value {
        let digest = match self.digest.as_deref() {
            Some("other") => {
                let mut d = digest.to_string();
                let last = if d.ends_with('0') { '1' } else { '0' };
                d.pop();
                d.push(last);
                d
            }
            _ => digest.to_string(),
        };
        let root = self.fs_root.as_deref().unwrap_or(ROOT);
        let root = match fixture {
            Some(f) => root
                .replace(ROOT, &f.root.to_string_lossy())
                .replace(OUTSIDE, &f.outside.to_string_lossy()),
            None => root.to_string(),
        };
        let fs: Vec<_> = self
            .fs_operations
            .iter()
            .map(|ops| serde_json::json!({ "root": root, "operations": ops }))
            .collect();
        let permissions: Vec<_> = self
            .apis
            .iter()
            .map(|api| serde_json::json!({ "kind": "host_api", "api": api }))
            .collect();
        serde_json::json!({
            "id": id,
            "version": self.version.as_deref().unwrap_or(crate::package::PACKAGE_VERSION),
            "digest": digest,
            "permissions": permissions,
            "fs": fs,
        })
    }
}

/// Builds the case's fixture when it has `[fs]` or `[grants]`, and names the grant in the
/// request (bound to the package's id, version and digest unless the case says otherwise). Keep
/// the fixture until the request has run: dropping it removes the root.
pub fn attach(
    case: &crate::case::Case,
    digest: &str,
    request: &mut crate::protocol::Request,
) -> Result<Option<Fixture>, crate::error::KitError> {
    if case.fs.is_none() && case.grants.is_none() {
        return Ok(None);
    }
    let fixture = Fixture::build(case.fs.as_ref().unwrap_or(&FsSpec::default())).map_err(|e| {
        crate::error::KitError::Package {
            id: case.id.clone(),
            message: format!("cannot build the [fs] fixture: {e}"),
        }
    })?;
    if let Some(grant) = &case.grants {
        request.grants = Some(serde_json::Value::Array(vec![grant.to_wire(
            &case.id,
            digest,
            Some(&fixture),
        )]));
    }
    Ok(Some(fixture))
}

/// The confinement checks after the request: no canary byte in anything the runtime answered
/// (output, messages, details, its stderr), nothing outside the root changed.
pub(crate) fn judge(
    fixture: Option<&Fixture>,
    response: Result<&crate::protocol::Response, &crate::runtime::AdapterFailure>,
) -> Result<(), crate::judge::Failure> {
    let Some(fixture) = fixture else {
        return Ok(());
    };
    let text = match response {
        Ok(response) => serde_json::to_string(response).unwrap_or_default(),
        Err(failure) => format!("{failure:?}"),
    };
    let fail = |message: String| crate::judge::Failure {
        kind: crate::judge::FailureKind::Confinement,
        call: None,
        message,
    };
    if fixture.leaked(&text) {
        return Err(fail(
            "a canary file's content from outside the granted root is in the runtime's answer"
                .into(),
        ));
    }
    match fixture.outside_changed() {
        Some(change) => Err(fail(change)),
        None => Ok(()),
    }
}
