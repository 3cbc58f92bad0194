//! Builds the plugin package of a case in a temporary directory and computes its digest with the
//! kit's own implementation of the package-digest definition: an independent cross-check of the
//! runtime's, since a runtime that hashes differently fails every case with `digest_mismatch`.

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use sha2::{Digest as _, Sha256};

use crate::case::Case;
use crate::error::KitError;
use crate::protocol::Profile;

/// The domain-separation prefix of the package digest (docs/CASES.md, "Package digest").
pub const DIGEST_PREFIX: &[u8] = b"yoi-plugin-package-digest-v1\0";

/// A case's package on disk. The directory is removed when this value is dropped.
#[derive(Debug)]
pub struct BuiltPackage {
    /// Holds the package directory (`pkg/`) and room one level above it for escape targets.
    _workdir: tempfile::TempDir,
    /// The package directory, or for a `[zip]` case the archive file that is the package.
    pub path: PathBuf,
    /// The digest pinned before any tampering, `sha256:<hex>`.
    pub digest: String,
    /// The package the judged calls load: `path`, or with `warm_up` and `tamper_after_pin` a
    /// tampered copy beside it (the original stays intact for the warm-up call).
    pub judged: PathBuf,
    /// With `warm_up_module`: the package the warm-up call loads (a copy of this one holding that
    /// module instead) and its own digest.
    pub warm_up: Option<(PathBuf, String)>,
}

/// The `version` of every package the kit builds (a `[grants]` binds to it by default).
pub const PACKAGE_VERSION: &str = "0.1.0";

/// Builds the package of `case` (see the `[package]` table of docs/CASES.md).
pub fn build(case: &Case) -> Result<BuiltPackage, KitError> {
    let fail = |message: String| KitError::Package {
        id: case.id.clone(),
        message,
    };
    let io_fail =
        |what: &str, path: &Path, e: io::Error| fail(format!("{what} {}: {e}", path.display()));
    let workdir = tempfile::Builder::new()
        .prefix("toolcage-case-")
        .tempdir()
        .map_err(|e| fail(format!("cannot create a temporary directory: {e}")))?;
    let pkg = workdir.path().join("pkg");
    fs::create_dir(&pkg).map_err(|e| io_fail("cannot create", &pkg, e))?;

    let spec = &case.package;
    let default_entry = match case.profile {
        Profile::Core => "plugin.wasm",
        Profile::Component => "plugin.component.wasm",
    };
    let entry = spec.entry.clone().unwrap_or_else(|| default_entry.into());
    let module_path = match (&spec.module_path, &spec.symlink_entry_to) {
        (Some(path), _) => path.clone(),
        (None, Some(_)) => String::new(),
        // An absolute entry is only ever a manifest value: never write outside the workdir.
        (None, None) if Path::new(&entry).is_absolute() => String::new(),
        (None, None) => entry.clone(),
    };
    let module = match spec.pad_module_to {
        Some(size) => padded_module(&case.module, size)
            .ok_or_else(|| fail(format!("cannot pad the module to {size} bytes")))?,
        None => case.module.clone(),
    };

    let module_file = (!module_path.is_empty()).then(|| pkg.join(&module_path));
    if let Some(file) = &module_file {
        if let Some(parent) = file.parent() {
            fs::create_dir_all(parent).map_err(|e| io_fail("cannot create", parent, e))?;
        }
        fs::write(file, &module).map_err(|e| io_fail("cannot write", file, e))?;
    }
    if let Some(target) = &spec.symlink_entry_to {
        let link = pkg.join(&entry);
        if let Some(parent) = link.parent() {
            fs::create_dir_all(parent).map_err(|e| io_fail("cannot create", parent, e))?;
        }
        make_symlink(Path::new(target), &link).map_err(|e| io_fail("cannot symlink", &link, e))?;
    }

    let manifest = match &spec.manifest_replace {
        Some(text) => text.clone(),
        None => manifest(case, &entry)? + spec.manifest_append.as_deref().unwrap_or(""),
    };
    let manifest_path = pkg.join("plugin.toml");
    fs::write(&manifest_path, manifest).map_err(|e| io_fail("cannot write", &manifest_path, e))?;

    let digest = package_digest(&pkg).map_err(|e| fail(format!("cannot hash the package: {e}")))?;

    let mut warm_up = None;
    if let (Some(text), Some(file)) = (&spec.warm_up_module, &module_file) {
        let warm = workdir.path().join("pkg-warm-up");
        copy_tree(&pkg, &warm).map_err(|e| io_fail("cannot copy", &pkg, e))?;
        let relative = file.strip_prefix(&pkg).map_err(|_| {
            fail("with warm_up_module, the module must be inside the package".into())
        })?;
        let bytes = wat::parse_str(text).map_err(|e| fail(format!("warm_up_module: {e}")))?;
        let target = warm.join(relative);
        fs::write(&target, bytes).map_err(|e| io_fail("cannot write", &target, e))?;
        let digest = package_digest(&warm)
            .map_err(|e| fail(format!("cannot hash the warm-up package: {e}")))?;
        warm_up = Some((warm, digest));
    }

    let mut judged = pkg.clone();
    if spec.tamper_after_pin {
        let mut file = module_file.ok_or_else(|| fail("nothing to tamper with".into()))?;
        if spec.warm_up {
            judged = workdir.path().join("pkg-tampered");
            copy_tree(&pkg, &judged).map_err(|e| io_fail("cannot copy", &pkg, e))?;
            let relative = file.strip_prefix(&pkg).map_err(|_| {
                fail("with warm_up, the tampered module must be inside the package".into())
            })?;
            file = judged.join(relative);
        }
        let mut bytes = fs::read(&file).map_err(|e| io_fail("cannot read", &file, e))?;
        let last = bytes
            .last_mut()
            .ok_or_else(|| fail("the module file is empty".into()))?;
        *last ^= 0x01;
        fs::write(&file, bytes).map_err(|e| io_fail("cannot write", &file, e))?;
    }

    // A `[zip]` case's package is the archive of that directory, pinned with its own digest.
    if let Some(spec) = &case.zip {
        let archive = workdir.path().join("pkg.yoi-plugin");
        let digest = crate::archive::write_case_zip(&pkg, spec, &archive)
            .map_err(|e| fail(format!("cannot write {}: {e}", archive.display())))?;
        return Ok(BuiltPackage {
            _workdir: workdir,
            path: archive.clone(),
            digest,
            judged: archive,
            warm_up,
        });
    }
    Ok(BuiltPackage {
        _workdir: workdir,
        path: pkg,
        digest,
        judged,
        warm_up,
    })
}

/// Copies a package: directories and regular files, symlinks as symlinks.
fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_tree(&source, &target)?;
        } else if kind.is_symlink() {
            make_symlink(&fs::read_link(&source)?, &target)?;
        } else {
            fs::copy(&source, &target)?;
        }
    }
    Ok(())
}

#[cfg(unix)]
fn make_symlink(target: &Path, link: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn make_symlink(_target: &Path, _link: &Path) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "symlink cases need a Unix host",
    ))
}

/// The generated `plugin.toml`: natural TOML, with each tool's `input_schema` as an inline table.
fn manifest(case: &Case, entry: &str) -> Result<String, KitError> {
    let spec = &case.package;
    let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
    let schema = json_to_toml(&case.input_schema).map_err(|m| KitError::Package {
        id: case.id.clone(),
        message: m,
    })?;
    let runtime = match case.profile {
        Profile::Core => format!(
            "kind = {kind}\nentry = {entry}\nabi = {abi}\n",
            kind = quote(spec.kind.as_deref().unwrap_or("wasm")),
            entry = quote(entry),
            abi = quote(spec.abi.as_deref().unwrap_or("yoi-plugin-wasm-1")),
        ),
        Profile::Component => format!(
            "kind = {kind}\ncomponent = {entry}\nworld = {world}\n",
            kind = quote(spec.kind.as_deref().unwrap_or("wasm-component")),
            entry = quote(entry),
            world = quote(spec.world.as_deref().unwrap_or("yoi:plugin/tool@1.0.0")),
        ),
    };
    // `[package] host_apis`: the manifest asks for these host interfaces.
    let permissions = match &spec.host_apis {
        None => String::new(),
        Some(apis) => format!(
            "permissions = [{}]\n",
            apis.iter()
                .map(|a| format!("{{ kind = \"host_api\", api = {} }}", quote(a)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut text = format!(
        "schema_version = 1\nid = {id}\nname = {id}\nversion = \"{PACKAGE_VERSION}\"\ndescription = {summary}\n{permissions}\n\
         [runtime]\n{runtime}",
        id = quote(&case.id),
        summary = quote(&case.summary),
    );
    let default_tools = [case.tool.clone()];
    for tool in spec.tools.as_deref().unwrap_or(&default_tools) {
        text.push_str(&format!(
            "\n[[tools]]\nname = {}\ndescription = \"conformance case tool\"\ninput_schema = {schema}\n",
            quote(tool)
        ));
    }
    Ok(text)
}

/// Converts a JSON value to TOML; fails on what TOML cannot say (null, integers over i64).
pub fn json_to_toml(value: &serde_json::Value) -> Result<toml::Value, String> {
    use serde_json::Value as J;
    Ok(match value {
        J::Null => return Err("JSON null has no TOML form".into()),
        J::Bool(b) => toml::Value::Boolean(*b),
        J::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => toml::Value::Integer(i),
            (None, Some(f)) if n.is_f64() => toml::Value::Float(f),
            _ => return Err(format!("number {n} has no TOML form")),
        },
        J::String(s) => toml::Value::String(s.clone()),
        J::Array(items) => {
            toml::Value::Array(items.iter().map(json_to_toml).collect::<Result<_, _>>()?)
        }
        J::Object(map) => {
            let mut table = toml::Table::new();
            for (k, v) in map {
                table.insert(k.clone(), json_to_toml(v)?);
            }
            toml::Value::Table(table)
        }
    })
}

/// The package digest of docs/CASES.md: SHA-256 over the prefix, then for each regular file in
/// byte order of its '/'-separated relative path: path, 0u8, length as u64 BE, SHA-256 of the
/// content. Symlinks and other non-regular entries are not hashed (the runtime refuses a package
/// holding a symlink with `path_escape`).
pub fn package_digest(dir: &Path) -> io::Result<String> {
    let mut files = Vec::new();
    collect_files(dir, "", &mut files)?;
    files.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut hasher = Sha256::new();
    hasher.update(DIGEST_PREFIX);
    for (relative, path) in files {
        let content = fs::read(&path)?;
        hasher.update(relative.as_bytes());
        hasher.update([0u8]);
        hasher.update((content.len() as u64).to_be_bytes());
        hasher.update(Sha256::digest(&content));
    }
    Ok(format!("sha256:{}", hex(&hasher.finalize())))
}

fn collect_files(dir: &Path, prefix: &str, out: &mut Vec<(String, PathBuf)>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().into_string().map_err(|name| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("non-UTF-8 file name {name:?}"),
            )
        })?;
        let relative = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let kind = entry.file_type()?; // does not follow symlinks
        if kind.is_dir() {
            collect_files(&entry.path(), &relative, out)?;
        } else if kind.is_file() {
            out.push((relative, entry.path()));
        }
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `module` followed by a custom section named `pad` so the whole is exactly `size` bytes. The
/// section size is written as a 5-byte LEB128 (padding is valid), so every size from the
/// module's length plus 10 up to 4 GiB is reachable.
pub fn padded_module(module: &[u8], size: u64) -> Option<Vec<u8>> {
    const NAME: &[u8] = b"pad";
    let size = usize::try_from(size).ok()?;
    let section = size.checked_sub(module.len())?.checked_sub(1 + 5)?;
    let payload = section.checked_sub(1 + NAME.len())?;
    let section32 = u32::try_from(section).ok()?;
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(module);
    out.push(0);
    for i in 0..5 {
        let byte = ((section32 >> (7 * i)) & 0x7f) as u8;
        out.push(if i < 4 { byte | 0x80 } else { byte });
    }
    out.push(NAME.len() as u8);
    out.extend_from_slice(NAME);
    out.resize(out.len() + payload, 0);
    debug_assert_eq!(out.len(), size);
    Some(out)
}

/// Whether a relative path climbs more than one level above the package directory, out of the
/// case's temporary directory.
pub fn escapes_workdir(path: &str) -> bool {
    let mut depth: i64 = 0;
    for component in Path::new(path).components() {
        match component {
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            _ => {}
        }
        if depth < -1 {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_matches_the_definition_by_hand() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("sub")).unwrap();
        fs::write(dir.path().join("sub/b"), b"bee").unwrap();
        fs::write(dir.path().join("a"), b"ay").unwrap();
        fs::write(dir.path().join("sub-"), b"").unwrap();

        // "a" < "sub-" < "sub/b" in byte order ('-' is 0x2d, '/' is 0x2f).
        let mut expected = Sha256::new();
        expected.update(b"yoi-plugin-package-digest-v1\0");
        for (path, content) in [("a", &b"ay"[..]), ("sub-", b""), ("sub/b", b"bee")] {
            expected.update(path.as_bytes());
            expected.update([0]);
            expected.update((content.len() as u64).to_be_bytes());
            expected.update(Sha256::digest(content));
        }
        let expected = format!("sha256:{}", hex(&expected.finalize()));
        assert_eq!(package_digest(dir.path()).unwrap(), expected);
        assert_eq!(expected.len(), 7 + 64);
    }

    #[test]
    fn padding_hits_the_exact_size_and_stays_valid_wasm() {
        let module = wat::parse_str("(module)").unwrap();
        for size in [
            module.len() as u64 + 10,
            200,
            8 * 1024 * 1024,
            8 * 1024 * 1024 + 1,
        ] {
            let padded = padded_module(&module, size).unwrap();
            assert_eq!(padded.len() as u64, size);
            // Section walk: id, LEB size, then exactly that many bytes to the end of file.
            let rest = &padded[module.len()..];
            assert_eq!(rest[0], 0);
            let mut len = 0u64;
            for i in 0..5 {
                len |= u64::from(rest[1 + i] & 0x7f) << (7 * i);
            }
            assert_eq!(len as usize, rest.len() - 6);
            assert_eq!(&rest[6..10], b"\x03pad");
        }
        assert!(padded_module(&module, module.len() as u64 + 9).is_none());
    }

    #[test]
    fn json_schema_becomes_an_inline_toml_table() {
        let schema = serde_json::json!({"type": "object", "required": ["text"],
            "properties": {"text": {"type": "string", "maxLength": 5}}, "$id": "x"});
        let toml = json_to_toml(&schema).unwrap().to_string();
        assert!(toml.starts_with('{') && !toml.contains('\n'), "{toml}");
        let back: toml::Value = format!("v = {toml}").parse::<toml::Table>().unwrap()["v"].clone();
        assert_eq!(serde_json::to_value(back).unwrap(), schema);
        assert!(json_to_toml(&serde_json::json!({"a": null})).is_err());
    }

    #[test]
    fn escape_check_allows_one_level() {
        assert!(!escapes_workdir("plugin.wasm"));
        assert!(!escapes_workdir("../outside.wasm"));
        assert!(!escapes_workdir("a/../../b"));
        assert!(escapes_workdir("../../etc/passwd"));
    }

    #[test]
    fn warm_up_module_builds_a_sibling_that_differs_only_in_the_module() {
        let source = ";;! id = \"x.same-id\"\n;;! guarantee = \"G-1\"\n;;! since = \"0.1.0\"\n\
             ;;! summary = \"s\"\n;;! [package]\n;;! entry = \"lib/m.wasm\"\n;;! warm_up = true\n\
             ;;! warm_up_module = '(module (memory 2))'\n;;! [expect]\n;;! code = \"trap\"\n\
             (module (memory 1))";
        let case = crate::case::parse_case(Path::new("c.wat"), source, None).unwrap();
        let built = build(&case).unwrap();
        let (warm, digest) = built.warm_up.clone().unwrap();
        assert_eq!(
            built.judged, built.path,
            "the judged calls load the case's own package"
        );
        let read = |dir: &Path, file: &str| fs::read(dir.join(file)).unwrap();
        assert_eq!(read(&warm, "plugin.toml"), read(&built.path, "plugin.toml"));
        assert_eq!(read(&built.path, "lib/m.wasm"), case.module);
        assert_eq!(
            read(&warm, "lib/m.wasm"),
            wat::parse_str("(module (memory 2))").unwrap()
        );
        assert_eq!(digest, package_digest(&warm).unwrap());
        assert_ne!(digest, built.digest);
        let request = case.request(&built);
        assert_eq!(request.calls.len(), 2);
        assert_eq!(request.calls[0].package.as_ref(), Some(&warm));
        assert_eq!(request.calls[0].digest.as_ref(), Some(&digest));
        assert_eq!(
            (&request.calls[1].package, &request.calls[1].digest),
            (&None, &None)
        );
    }
}
