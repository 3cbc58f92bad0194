//! A case's package as one stored (uncompressed) zip archive, for runtimes whose host loads a
//! plugin from an archive: the kit writes it beside the directory (`package_zip` in the request)
//! so their adapters never re-pack, and re-packing can never launder a hostile package (a
//! symlink followed into a regular file, a name normalised) into a harmless one.

use std::fmt;
use std::fs;
use std::io::{self, Write as _};
use std::path::Path;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// The capability with which a runtime asks for `package_zip` in its requests.
pub const PACKAGE_ZIP: &str = "package_zip";

/// Why a package could not be written as a zip.
#[derive(Debug)]
pub enum ZipError {
    /// The package holds something a zip cannot hold faithfully (a FIFO, a socket, a device, a
    /// name that is not UTF-8): a runtime that reads only archives cannot be judged on it.
    Unrepresentable(String),
    /// Reading the package or writing the archive failed.
    Io(io::Error),
}

impl fmt::Display for ZipError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ZipError::Unrepresentable(why) => write!(f, "{why}"),
            ZipError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ZipError {}

impl From<io::Error> for ZipError {
    fn from(e: io::Error) -> Self {
        ZipError::Io(e)
    }
}

impl From<zip::result::ZipError> for ZipError {
    fn from(e: zip::result::ZipError) -> Self {
        ZipError::Io(io::Error::other(e))
    }
}

/// Writes the package directory `dir` to `out` as a zip whose every entry is stored, not
/// compressed: one entry per directory (`name/`), per regular file (its bytes, its Unix mode) and
/// per symlink (a symlink entry whose content is the link's target, never what it points to),
/// named by its path relative to `dir` with `/` separators, exactly as the package digest names
/// it, in byte order of those names. Timestamps are the zip epoch, so the same package gives the
/// same bytes.
pub fn zip_package(dir: &Path, out: &Path) -> Result<(), ZipError> {
    let mut entries = Vec::new();
    collect(dir, "", &mut entries)?;
    entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut zip = ZipWriter::new(fs::File::create(out)?);
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    for (name, path, kind) in entries {
        match kind {
            Kind::Dir(mode) => zip.add_directory(name, stored.unix_permissions(mode))?,
            Kind::File(mode) => {
                zip.start_file(name, stored.unix_permissions(mode))?;
                zip.write_all(&fs::read(&path)?)?;
            }
            Kind::Symlink => {
                let target = fs::read_link(&path)?;
                let target = target.to_str().ok_or_else(|| {
                    ZipError::Unrepresentable(format!(
                        "the symlink {name} points to a path that is not UTF-8"
                    ))
                })?;
                zip.add_symlink(name, target, stored)?;
            }
        }
    }
    zip.finish()?.sync_all()?;
    Ok(())
}

enum Kind {
    Dir(u32),
    File(u32),
    Symlink,
}

fn collect(
    dir: &Path,
    prefix: &str,
    out: &mut Vec<(String, std::path::PathBuf, Kind)>,
) -> Result<(), ZipError> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().into_string().map_err(|name| {
            ZipError::Unrepresentable(format!("the file name {name:?} is not UTF-8"))
        })?;
        let relative = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let meta = fs::symlink_metadata(entry.path())?;
        let kind = meta.file_type();
        if kind.is_symlink() {
            out.push((relative, entry.path(), Kind::Symlink));
        } else if kind.is_dir() {
            out.push((relative.clone(), entry.path(), Kind::Dir(mode(&meta))));
            collect(&entry.path(), &relative, out)?;
        } else if kind.is_file() {
            out.push((relative, entry.path(), Kind::File(mode(&meta))));
        } else {
            return Err(ZipError::Unrepresentable(format!(
                "{relative} is neither a regular file, a directory nor a symlink ({kind:?}), \
                 which a zip cannot hold"
            )));
        }
    }
    Ok(())
}

#[cfg(unix)]
fn mode(meta: &fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn mode(meta: &fs::Metadata) -> u32 {
    if meta.is_dir() {
        0o755
    } else {
        0o644
    }
}
