//! A case's package as one stored (uncompressed) zip archive, for runtimes whose host loads a
//! plugin from an archive: the kit writes it beside the directory (`package_zip` in the request)
//! so their adapters never re-pack, and re-packing can never launder a hostile package (a
//! symlink followed into a regular file, a name normalised) into a harmless one.

use std::fmt;
use std::fs;
use std::io::{self, Write as _};
use std::path::Path;

use sha2::{Digest as _, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::digest::DIGEST_PREFIX;
use crate::model::spec::{decode_hex, ZipSpec};

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

/// One entry as the kit writes it, every header field under the case's control.
#[derive(Debug, Clone)]
struct RawEntry {
    name: String,
    data: Vec<u8>,
    mode: u32,
    method: u16,
    flags: u16,
    crc: Option<u32>,
    size: Option<u32>,
    local_name: Option<String>,
    local_size: Option<u32>,
    local_crc: Option<u32>,
    local_method: Option<u16>,
    /// How many bytes of the next entry's local record this one's sizes and CRC cover too:
    /// none, all of them (`None`), or the first few.
    swallow_next: Option<Option<u32>>,
}

impl RawEntry {
    fn new(name: String, data: Vec<u8>, mode: u32) -> RawEntry {
        RawEntry {
            name,
            data,
            mode,
            method: 0,
            flags: 0,
            crc: None,
            size: None,
            local_name: None,
            local_size: None,
            local_crc: None,
            local_method: None,
            swallow_next: None,
        }
    }

    /// A regular file as the package digest counts files: named without a trailing `/`, and a
    /// Unix mode of a regular file or none.
    fn is_file(&self) -> bool {
        !self.name.ends_with('/') && matches!(self.mode & 0o170000, 0 | 0o100000)
    }
}

/// Writes the `[zip]` archive of a case's package directory `dir` to `out`; returns the digest
/// a host pins for it: the package digest over the archive's regular-file entries.
pub fn write_case_zip(dir: &Path, spec: &ZipSpec, out: &Path) -> Result<String, ZipError> {
    let mut listed = Vec::new();
    collect(dir, "", &mut listed)?;
    listed.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut entries = Vec::new();
    for (name, path, kind) in listed {
        match kind {
            Kind::Dir(mode) if !spec.no_directories => {
                entries.push(RawEntry::new(format!("{name}/"), vec![], 0o040000 | mode))
            }
            Kind::Dir(_) => {}
            Kind::File(mode) => {
                entries.push(RawEntry::new(name, fs::read(&path)?, 0o100000 | mode))
            }
            Kind::Symlink => {
                let target = fs::read_link(&path)?;
                let target = target.to_string_lossy().into_owned().into_bytes();
                entries.push(RawEntry::new(name, target, 0o120777));
            }
        }
    }
    for change in &spec.entry {
        let data = match (&change.text, &change.data_of) {
            (Some(text), _) => Some(text.clone().into_bytes()),
            (None, Some(of)) => Some(
                entries
                    .iter()
                    .find(|e| e.name == *of)
                    .map(|e| e.data.clone())
                    .ok_or_else(|| {
                        ZipError::Unrepresentable(format!("[zip] data_of names no entry: {of}"))
                    })?,
            ),
            (None, None) => None,
        };
        let existing = entries.iter().position(|e| e.name == change.name);
        let index = match existing.filter(|_| !change.append) {
            Some(index) => index,
            None => {
                let mode = if change.name.ends_with('/') {
                    0o040755
                } else {
                    0o100644
                };
                entries.push(RawEntry::new(change.name.clone(), vec![], mode));
                entries.len() - 1
            }
        };
        let e = &mut entries[index];
        if let Some(data) = data {
            e.data = data;
        }
        e.mode = change.mode.unwrap_or(e.mode);
        e.method = change.method.unwrap_or(e.method);
        e.flags = change.flags.unwrap_or(e.flags);
        e.crc = change.crc.or(e.crc);
        e.size = change.size.or(e.size);
        e.local_name = change.local_name.clone().or(e.local_name.take());
        e.local_size = change.local_size.or(e.local_size);
        e.local_crc = change.local_crc.or(e.local_crc);
        e.local_method = change.local_method.or(e.local_method);
        if change.swallow_next {
            e.swallow_next = Some(None);
        }
        if let Some(n) = change.swallow_next_bytes {
            e.swallow_next = Some(Some(n));
        }
    }
    // Byte order of the names, as `zip_package` writes them (a stable sort: entries of one name
    // keep their order).
    entries.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
    let (bytes, covered) = write_raw(
        &entries,
        &hex(&spec.leading_hex)?,
        &hex(&spec.trailing_hex)?,
        spec.disk,
    );
    fs::write(out, bytes)?;

    // The pin is the digest a reader that takes every entry's sizes at their word computes (the
    // host that resolved the package used one), so a runtime that misses an overlap loads the
    // package rather than failing on the pin.
    let mut files: Vec<(&RawEntry, &Vec<u8>)> = entries
        .iter()
        .zip(&covered)
        .filter(|(e, _)| e.is_file())
        .collect();
    files.sort_by(|a, b| a.0.name.as_bytes().cmp(b.0.name.as_bytes()));
    let mut hasher = Sha256::new();
    hasher.update(DIGEST_PREFIX);
    for (file, data) in files {
        hasher.update(file.name.as_bytes());
        hasher.update([0u8]);
        hasher.update((data.len() as u64).to_be_bytes());
        hasher.update(Sha256::digest(data));
    }
    let digest: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(format!("sha256:{digest}"))
}

fn hex(text: &str) -> Result<Vec<u8>, ZipError> {
    decode_hex(text).ok_or_else(|| ZipError::Unrepresentable(format!("[zip] `{text}` is not hex")))
}

/// One entry's local header and data; with `swallow`, its sizes and CRC also cover `swallow`
/// (the next entry's local record), so the two spans overlap while every header agrees.
fn local_record(e: &RawEntry, swallow: &[u8]) -> Record {
    let mut covered = e.data.clone();
    covered.extend_from_slice(swallow);
    let crc = e.crc.unwrap_or_else(|| crc32fast::hash(&covered));
    let size = e.size.unwrap_or(covered.len() as u32);
    let name = e.local_name.as_ref().unwrap_or(&e.name);
    let local_size = e.local_size.unwrap_or(size);
    let mut out = Vec::new();
    out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
    out.extend_from_slice(&20u16.to_le_bytes());
    out.extend_from_slice(&e.flags.to_le_bytes());
    out.extend_from_slice(&e.local_method.unwrap_or(e.method).to_le_bytes());
    out.extend_from_slice(&[0, 0, 0x21, 0]); // 1980-01-01 00:00, the zip epoch
    out.extend_from_slice(&e.local_crc.unwrap_or(crc).to_le_bytes());
    out.extend_from_slice(&local_size.to_le_bytes());
    out.extend_from_slice(&local_size.to_le_bytes());
    out.extend_from_slice(&(name.len() as u16).to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(&e.data);
    (out, crc, size, covered)
}

/// An entry's local record, its CRC and size as the headers say, and the bytes those cover.
type Record = (Vec<u8>, u32, u32, Vec<u8>);

/// The archive, and each entry's bytes as its declared size covers them.
fn write_raw(
    entries: &[RawEntry],
    leading: &[u8],
    trailing: &[u8],
    disk: u16,
) -> (Vec<u8>, Vec<Vec<u8>>) {
    // Last first: an entry that swallows the next needs the next one's bytes.
    let mut records: Vec<Record> = Vec::new();
    for (i, e) in entries.iter().enumerate().rev() {
        let swallow = match (e.swallow_next, records.last()) {
            (Some(n), Some((next, _, _, _))) if i + 1 < entries.len() => {
                let n = n.map_or(next.len(), |n| next.len().min(n as usize));
                next[..n].to_vec()
            }
            _ => Vec::new(),
        };
        records.push(local_record(e, &swallow));
    }
    records.reverse();
    let mut out = leading.to_vec();
    let mut central = Vec::new();
    for (e, (record, crc, size, _)) in entries.iter().zip(&records) {
        let offset = out.len() as u32;
        out.extend_from_slice(record);
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&0x0314u16.to_le_bytes()); // made on Unix, zip 2.0
        central.extend_from_slice(&20u16.to_le_bytes());
        central.extend_from_slice(&e.flags.to_le_bytes());
        central.extend_from_slice(&e.method.to_le_bytes());
        central.extend_from_slice(&[0, 0, 0x21, 0]);
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
        central.extend_from_slice(&[0; 8]);
        central.extend_from_slice(&(e.mode << 16).to_le_bytes());
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(e.name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&disk.to_le_bytes());
    out.extend_from_slice(&disk.to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(trailing);
    let covered = records.into_iter().map(|r| r.3).collect();
    (out, covered)
}
