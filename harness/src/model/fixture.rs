//! The `[fs]` and `[grants]` tables of a host-API case (docs/CASES.md): what the kit builds in
//! the granted root and the grant it gives the case's package. Built by `package::fixture`,
//! judged by `judge::confinement`.

use serde::Deserialize;

use super::net::NetTargetSpec;
use std::path::Path;

/// The capability a runtime declares when it implements `yoi:host/fs` and the grant model.
pub const HOST_API_FS: &str = "host_api_fs";
/// Placeholder for the granted root's absolute path.
pub const ROOT: &str = "$ROOT";
/// Placeholder for the outside directory's absolute path.
pub const OUTSIDE: &str = "$OUTSIDE";
/// The `version` of every package the kit builds (a `[grants]` binds to it by default).
pub const PACKAGE_VERSION: &str = "0.1.0";

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
    /// `file` (default), `dir`, `symlink`, `hardlink`, `fifo`, `socket`, `chardev` (the character
    /// device 0:0, the one device node Linux (5.8 or later) lets any user create), `sparse` (a
    /// hole of `size` bytes), `filled` (`size` bytes of `x`), `files` (a directory of `size` empty
    /// files).
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
                "file" | "dir" | "fifo" | "socket" | "chardev" => {}
                "symlink" | "hardlink" => needs(e.target.is_some(), "`target`")?,
                "sparse" | "filled" | "files" => needs(e.size.is_some(), "`size`")?,
                other => return Err(format!("unknown [[fs.entry]] kind {other:?}")),
            }
        }
        Ok(())
    }
}

pub(crate) fn hex(text: &str) -> Option<Vec<u8>> {
    let text: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !text.len().is_multiple_of(2) {
        return None;
    }
    text.chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect()
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
    /// `[[grants.request]]`: the grant's request targets (placeholders expanded per run).
    #[serde(default)]
    pub request: Vec<NetTargetSpec>,
    /// `[[grants.websocket]]`: the grant's WebSocket targets.
    #[serde(default)]
    pub websocket: Vec<NetTargetSpec>,
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
    /// `dirs`: the fixture's granted root and outside directory, for the placeholders.
    pub fn to_wire(
        &self,
        id: &str,
        digest: &str,
        dirs: Option<(&Path, &Path)>,
    ) -> serde_json::Value {
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
        let root = match dirs {
            Some((granted, outside)) => root
                .replace(ROOT, &granted.to_string_lossy())
                .replace(OUTSIDE, &outside.to_string_lossy()),
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
        let mut grant = serde_json::json!({
            "id": id,
            "version": self.version.as_deref().unwrap_or(PACKAGE_VERSION),
            "digest": digest,
            "permissions": permissions,
            "fs": fs,
        });
        // Only when there are targets: an fs-only grant stays what runtimes without the network
        // interfaces were written against.
        for (key, targets) in [("request", &self.request), ("websocket", &self.websocket)] {
            if !targets.is_empty() {
                grant[key] = serde_json::json!(targets);
            }
        }
        grant
    }
}
