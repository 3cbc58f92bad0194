//! Builds the plugin package of a case in a temporary directory: the module, the generated
//! manifest, the `[package]` table's variations (symlinks, padding, tampering, a warm-up twin),
//! and for a `[zip]` case the archive that is the package; and the request a case makes of it.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::archive::write_case_zip;
use super::digest::package_digest;
use crate::model::case::Case;
use crate::model::error::KitError;
use crate::model::fixture::PACKAGE_VERSION;
use crate::model::protocol::{Call, Profile, Request, PROTOCOL_VERSION};
use crate::model::spec::{json_to_toml, padded_module};

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

// Here rather than beside `Case`: a request names the built package, so it belongs to the
// layer that builds one; the case model below knows nothing of packages on disk.
impl Case {
    /// The request of this case against its built package: with `[package] warm_up`, first one
    /// call against the untampered package, then `repeat` judged calls (against the tampered copy
    /// when `tamper_after_pin` is set, with the same pin).
    pub fn request(&self, package: &BuiltPackage) -> Request {
        let call = Call {
            tool: self.tool.clone(),
            input: self.input.clone(),
            cancel_after_ms: self.cancel_after_ms,
            package: (package.judged != package.path).then(|| package.judged.clone()),
            package_zip: None,
            digest: None,
        };
        let mut calls = Vec::new();
        if self.package.warm_up {
            let (package, digest) = match &package.warm_up {
                Some((path, digest)) => (Some(path.clone()), Some(digest.clone())),
                None => (None, None),
            };
            calls.push(Call {
                package,
                digest,
                ..call.clone()
            });
        }
        calls.extend(std::iter::repeat_n(call, self.repeat as usize));
        Request {
            protocol: PROTOCOL_VERSION,
            package: package.path.clone(),
            // A `[zip]` case's package is the archive: named as both.
            package_zip: self.zip.is_some().then(|| package.path.clone()),
            profile: self.profile,
            digest: package.digest.clone(),
            limits: self.limits.clone(),
            calls,
            cache_dir: None,
            cache_key_file: None,
            grants: None,
            names: None,
        }
    }
}

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
        let digest = write_case_zip(&pkg, spec, &archive)
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
    // `[[package.request]]`, `[[package.websocket]]`: the network targets the manifest asks for,
    // placeholders already expanded for this run (`model::net::expand_case`).
    for (key, targets) in [("request", &spec.request), ("websocket", &spec.websocket)] {
        for target in targets {
            text.push_str(&format!("\n[[{key}]]\n{}", target.to_toml()));
        }
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::header::parse_case;

    #[test]
    fn warm_up_module_builds_a_sibling_that_differs_only_in_the_module() {
        let source = ";;! id = \"x.same-id\"\n;;! guarantee = \"G-1\"\n;;! since = \"0.1.0\"\n\
             ;;! summary = \"s\"\n;;! [package]\n;;! entry = \"lib/m.wasm\"\n;;! warm_up = true\n\
             ;;! warm_up_module = '(module (memory 2))'\n;;! [expect]\n;;! code = \"trap\"\n\
             (module (memory 1))";
        let case = parse_case(Path::new("c.wat"), source, None).unwrap();
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
