//! A package as one stored zip archive (the originating host's `.yoi-plugin` file): a strict
//! reader of exactly that profile, over the archive's bytes already read into memory.
//!
//! Written by hand rather than with the `zip` crate because the profile is small (stored entries,
//! one disk, no zip64, no encryption) and what matters is what a general reader does not check:
//! that every local header agrees with its central-directory record, that entries neither
//! overlap nor leave bytes between them, that a declared size is the size of bytes really there.
//! Each of those disagreements is how one archive shows different files to different readers
//! (the host's packer, an auditor's unzip, this runtime), so each is refused rather than
//! resolved. The archive must be exactly its local entries back to back from offset 0, then the
//! central directory, then the end record with no comment: nothing else, nothing hidden.
//!
//! Every offset and length comes from the attacker's file: each is added with overflow checked
//! and compared with the buffer before it is used, and no buffer is sized from a header (entry
//! data are slices of the one buffer read under the archive cap).

use super::walk::Budget;
use crate::error::{Error, ErrorCode};
use std::collections::{HashMap, HashSet};
use unicode_normalization::UnicodeNormalization;

const EOCD_SIG: u32 = 0x0605_4b50;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const LOCAL_SIG: u32 = 0x0403_4b50;
const EOCD_LEN: usize = 22;
const CENTRAL_LEN: usize = 46;
const LOCAL_LEN: usize = 30;
/// General-purpose flag bits a stored entry of the profile may carry: only bit 11 (the name is
/// UTF-8). Bit 0 is encryption, bit 3 a data descriptor (sizes after the data, not in the local
/// header), bit 6 strong encryption, bit 13 a masked local header: all refused.
const ALLOWED_FLAGS: u16 = 0x0800;
/// Bytes a CRC pass reads between two checks of the load budget.
const CHUNK: usize = 64 * 1024;
/// The longest entry name read.
pub(crate) const NAME_BYTES: usize = 4096;

/// What an entry is, from its name and its Unix mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EntryKind {
    File,
    Dir,
}

/// One entry of a checked archive.
#[derive(Debug)]
pub(crate) struct Entry<'a> {
    /// The name as the package digest names the file: a directory's without its trailing `/`.
    pub path: &'a str,
    pub kind: EntryKind,
    pub data: &'a [u8],
}

/// The caps the archive's entries are checked against while it is parsed.
pub(crate) struct Caps {
    pub entries: usize,
    pub depth: usize,
    pub bytes: u64,
}

fn invalid(message: &str) -> Error {
    Error::new(
        ErrorCode::PackageInvalid,
        format!("the package archive is not a stored zip of the package profile: {message}"),
    )
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    let b = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn slice(bytes: &[u8], at: usize, len: usize) -> Option<&[u8]> {
    bytes.get(at..at.checked_add(len)?)
}

/// The end-of-central-directory record: where the central directory is and how many records it
/// holds.
struct End {
    entries: usize,
    cd_offset: usize,
    cd_end: usize,
}

fn end_record(bytes: &[u8], caps: &Caps) -> Result<End, Error> {
    let at = bytes
        .len()
        .checked_sub(EOCD_LEN)
        .ok_or_else(|| invalid("it is shorter than an end record"))?;
    let field = |off: usize| u16_at(bytes, at + off).unwrap_or(u16::MAX);
    if u32_at(bytes, at) != Some(EOCD_SIG) {
        return Err(invalid(
            "it does not end with an end record without comment (trailing bytes or a comment)",
        ));
    }
    if field(20) != 0 {
        return Err(invalid("its end record carries a comment"));
    }
    if field(4) != 0 || field(6) != 0 {
        return Err(invalid("it spans several disks"));
    }
    let (on_disk, total) = (field(8), field(10));
    let cd_size = u32_at(bytes, at + 12).unwrap_or(u32::MAX);
    let cd_offset = u32_at(bytes, at + 16).unwrap_or(u32::MAX);
    let zip64_locator = at
        .checked_sub(20)
        .and_then(|l| u32_at(bytes, l))
        .is_some_and(|sig| sig == ZIP64_LOCATOR_SIG);
    if zip64_locator || total == u16::MAX || cd_size == u32::MAX || cd_offset == u32::MAX {
        return Err(invalid("it is a zip64 archive"));
    }
    if on_disk != total {
        return Err(invalid("it spans several disks"));
    }
    if usize::from(total) > caps.entries {
        return Err(Error::new(
            ErrorCode::PackageTooLarge,
            format!(
                "the package holds more than {} files and directories",
                caps.entries
            ),
        ));
    }
    let cd_offset = cd_offset as usize;
    let cd_end = cd_offset
        .checked_add(cd_size as usize)
        .filter(|end| *end == at)
        .ok_or_else(|| invalid("its central directory does not end where the end record begins"))?;
    Ok(End {
        entries: usize::from(total),
        cd_offset,
        cd_end,
    })
}

/// One central-directory record, with the fields the local header must repeat.
struct Record<'a> {
    name: &'a [u8],
    flags: u16,
    method: u16,
    crc: u32,
    compressed: u32,
    size: u32,
    made_by: u16,
    external: u32,
    local: usize,
}

fn record(bytes: &[u8], at: usize, cd_end: usize) -> Result<(Record<'_>, usize), Error> {
    let truncated = || invalid("a central directory record is truncated");
    let fixed = slice(bytes, at, CENTRAL_LEN)
        .filter(|_| at.checked_add(CENTRAL_LEN).is_some_and(|end| end <= cd_end))
        .ok_or_else(truncated)?;
    let u16f = |off| u16_at(fixed, off).unwrap_or(u16::MAX);
    let u32f = |off| u32_at(fixed, off).unwrap_or(u32::MAX);
    if u32f(0) != CENTRAL_SIG {
        return Err(invalid("a central directory record has a wrong signature"));
    }
    let (name_len, extra_len, comment_len) = (
        usize::from(u16f(28)),
        usize::from(u16f(30)),
        usize::from(u16f(32)),
    );
    let next = at
        .checked_add(CENTRAL_LEN + name_len + extra_len + comment_len) // each at most 65535
        .filter(|next| *next <= cd_end)
        .ok_or_else(truncated)?;
    if u16f(34) != 0 {
        return Err(invalid("an entry starts on another disk"));
    }
    let name = slice(bytes, at + CENTRAL_LEN, name_len).ok_or_else(truncated)?;
    Ok((
        Record {
            name,
            made_by: u16f(4),
            flags: u16f(8),
            method: u16f(10),
            crc: u32f(16),
            compressed: u32f(20),
            size: u32f(24),
            external: u32f(38),
            local: u32f(42) as usize,
        },
        next,
    ))
}

/// The path rules of `runtime.entry` and of a directory's file names, applied to an entry name:
/// relative, `/`-separated plain components, no backslash or NUL. A directory entry's one
/// trailing `/` is not a component.
fn check_name(name: &[u8], is_dir: bool) -> Result<&str, Error> {
    let escape = |why: &str, name: &str| {
        Error::new(
            ErrorCode::PathEscape,
            format!("a package archive entry name escapes the package: {why}"),
        )
        .with("path", name)
    };
    let text = std::str::from_utf8(name).map_err(|_| {
        Error::new(
            ErrorCode::PathEscape,
            "a package archive entry name is not UTF-8",
        )
    })?;
    let path = if is_dir {
        &text[..text.len() - 1]
    } else {
        text
    };
    if text.contains('\\') || text.contains('\0') {
        return Err(escape("it contains a backslash or NUL", text));
    }
    if path.is_empty() {
        return Err(escape("it is empty", text));
    }
    if path.starts_with('/') {
        return Err(escape("it is absolute", text));
    }
    for component in path.split('/') {
        match component {
            "" => return Err(escape("it has an empty component", text)),
            "." => return Err(escape("it contains '.'", text)),
            ".." => return Err(escape("it contains '..'", text)),
            _ => {}
        }
    }
    Ok(path)
}

/// The entry's kind from its name and, when the archive was made on Unix, its mode: a symlink or
/// special file is refused as in a directory package; a mode that contradicts the name is the
/// archive disagreeing with itself.
fn kind(record: &Record<'_>, path_for_errors: &str) -> Result<EntryKind, Error> {
    let named_dir = record.name.last() == Some(&b'/');
    let unix = record.made_by >> 8 == 3;
    let mode_type = if unix {
        (record.external >> 16) & 0o170000
    } else {
        0
    };
    let dos_dir = !unix && record.external & 0x10 != 0;
    let typed = match mode_type {
        0 if dos_dir => Some(EntryKind::Dir),
        0 => None,
        0o100000 => Some(EntryKind::File),
        0o040000 => Some(EntryKind::Dir),
        0o120000 => {
            return Err(Error::new(
                ErrorCode::PathEscape,
                "the package archive contains a symlink entry",
            )
            .with("path", path_for_errors))
        }
        _ => return Err(Error::new(
            ErrorCode::PathEscape,
            "the package archive contains a special-file entry (not a regular file or directory)",
        )
        .with("path", path_for_errors)),
    };
    let named = if named_dir {
        EntryKind::Dir
    } else {
        EntryKind::File
    };
    if typed.is_some_and(|t| t != named) {
        return Err(
            invalid("an entry's mode and name disagree about a directory")
                .with("path", path_for_errors),
        );
    }
    Ok(named)
}

/// The byte range of an entry's local header and data, checked against the central record.
fn local_span(
    bytes: &[u8],
    record: &Record<'_>,
    cd_offset: usize,
    trust_local: bool,
) -> Result<(usize, usize, usize), Error> {
    let bad = |why: &str| invalid(why).with("path", String::from_utf8_lossy(record.name));
    let name_at = record
        .local
        .checked_add(LOCAL_LEN)
        .filter(|end| *end <= cd_offset)
        .ok_or_else(|| bad("an entry's local header lies outside the entries"))?;
    let fixed = slice(bytes, record.local, LOCAL_LEN)
        .ok_or_else(|| bad("an entry's local header lies outside the entries"))?;
    let u16f = |off| u16_at(fixed, off).unwrap_or(u16::MAX);
    let u32f = |off| u32_at(fixed, off).unwrap_or(u32::MAX);
    if u32f(0) != LOCAL_SIG {
        return Err(bad("an entry's local header has a wrong signature"));
    }
    let (name_len, extra_len) = (usize::from(u16f(26)), usize::from(u16f(28)));
    let local_name = slice(bytes, name_at, name_len);
    if !trust_local {
        let agrees = u16f(6) == record.flags
            && u16f(8) == record.method
            && u32f(14) == record.crc
            && u32f(18) == record.compressed
            && u32f(22) == record.size
            && local_name == Some(record.name);
        if !agrees {
            return Err(bad(
                "an entry's local header disagrees with its central directory record",
            ));
        }
    }
    let start = name_at
        .checked_add(name_len)
        .and_then(|n| n.checked_add(extra_len))
        .ok_or_else(|| bad("an entry's local header overflows"))?;
    let end = start
        .checked_add(record.size as usize)
        .filter(|end| *end <= cd_offset)
        .ok_or_else(|| {
            bad("an entry's data extends past the entries (declared larger than it is)")
        })?;
    Ok((record.local, start, end))
}

/// The key under which two names collide on a file system that ignores case or Unicode
/// normalisation (macOS, Windows): NFC, then Unicode lower case.
fn folded(path: &str) -> String {
    path.nfc().flat_map(char::to_lowercase).collect()
}

/// Which of the reader's checks between the central directory and the bytes run. A host's
/// runtime runs all of them ([`Checks::ALL`]); only the kit's self-test turns one off, to show
/// the corpus notices (the unit tests show what each one lets through).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Checks {
    /// Every entry is stored (method 0).
    pub stored_only: bool,
    /// Every local header agrees with its central record (name, flags, method, CRC, sizes).
    pub local_headers: bool,
    /// No two names are the same after case folding and Unicode normalisation.
    pub folded_names: bool,
    /// The entries tile the bytes before the central directory: no leading bytes, no gaps, no
    /// overlaps.
    pub tiling: bool,
    /// Tiling compares spans exactly: two entries sharing one byte overlap.
    pub exact_overlaps: bool,
}

impl Checks {
    /// Every check.
    pub(crate) const ALL: Checks = Checks {
        stored_only: true,
        local_headers: true,
        folded_names: true,
        tiling: true,
        exact_overlaps: true,
    };
}

/// Parses and checks a whole archive. `caps` bound its entries.
pub(crate) fn parse<'a>(
    bytes: &'a [u8],
    caps: &Caps,
    budget: &Budget,
    checks: Checks,
) -> Result<Vec<Entry<'a>>, Error> {
    let end = end_record(bytes, caps)?;
    let mut entries = Vec::new();
    let mut spans = Vec::new();
    let mut total: u64 = 0;
    let mut at = end.cd_offset;
    for _ in 0..end.entries {
        budget.check()?;
        let (record, next) = record(bytes, at, end.cd_end)?;
        at = next;
        let lossy = String::from_utf8_lossy(record.name).into_owned();
        if record.flags & 0x0001 != 0 || record.flags & 0x0040 != 0 {
            return Err(invalid("an entry is encrypted").with("path", lossy));
        }
        if record.flags & !ALLOWED_FLAGS != 0 {
            return Err(
                invalid("an entry has flags outside the profile (a data descriptor?)")
                    .with("path", lossy),
            );
        }
        if record.method != 0 && checks.stored_only {
            return Err(
                invalid("an entry is compressed (only stored entries are read)")
                    .with("path", lossy)
                    .with("method", record.method),
            );
        }
        if record.size == u32::MAX
            || record.compressed == u32::MAX
            || record.local == u32::MAX as usize
        {
            return Err(invalid("an entry needs zip64").with("path", lossy));
        }
        if record.compressed != record.size {
            return Err(invalid("a stored entry's sizes disagree").with("path", lossy));
        }
        if record.name.len() > NAME_BYTES {
            return Err(invalid("an entry name is longer than 4096 bytes"));
        }
        let kind = kind(&record, &lossy)?;
        let path = check_name(record.name, kind == EntryKind::Dir)?;
        let depth = path.split('/').count() - usize::from(kind == EntryKind::File);
        if depth > caps.depth {
            return Err(Error::new(
                ErrorCode::PackageTooLarge,
                format!(
                    "the package nests directories more than {} deep",
                    caps.depth
                ),
            )
            .with("path", path));
        }
        if kind == EntryKind::Dir && record.size != 0 {
            return Err(invalid("a directory entry holds data").with("path", path));
        }
        total = total
            .checked_add(u64::from(record.size))
            .filter(|t| *t <= caps.bytes)
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::PackageTooLarge,
                    format!("the package holds more than {} bytes", caps.bytes),
                )
                .with("path", path)
            })?;
        let (header, start, data_end) =
            local_span(bytes, &record, end.cd_offset, !checks.local_headers)?;
        spans.push((header, data_end));
        entries.push((
            Entry {
                path,
                kind,
                data: &bytes[start..data_end],
            },
            record.crc,
        ));
    }
    if at != end.cd_end {
        return Err(invalid("the central directory holds more than its records"));
    }
    check_names_distinct(&entries, !checks.folded_names)?;
    if checks.tiling {
        check_tiling(&mut spans, end.cd_offset, !checks.exact_overlaps)?;
    }
    for (entry, crc) in &entries {
        let mut hasher = crc32fast::Hasher::new();
        for chunk in entry.data.chunks(CHUNK) {
            budget.check()?;
            hasher.update(chunk);
        }
        if hasher.finalize() != *crc {
            return Err(
                invalid("an entry's CRC-32 does not match its data").with("path", entry.path)
            );
        }
    }
    Ok(entries.into_iter().map(|(entry, _)| entry).collect())
}

/// Two entries of one path, or of paths one file system would take for the same (case, Unicode
/// normalisation), and a file that is also some entry's directory, make the package mean
/// different things to different extractors.
fn check_names_distinct(entries: &[(Entry<'_>, u32)], exact_only: bool) -> Result<(), Error> {
    let key = |path: &str| {
        if exact_only {
            path.to_owned()
        } else {
            folded(path)
        }
    };
    let mut seen: HashMap<String, EntryKind> = HashMap::new();
    let mut exact = HashSet::new();
    for (entry, _) in entries {
        if !exact.insert(entry.path) {
            return Err(invalid("two entries share a name").with("path", entry.path));
        }
        if seen.insert(key(entry.path), entry.kind).is_some() {
            return Err(invalid(
                "two entries' names differ only by case or Unicode normalisation, or name a file \
                 and a directory alike",
            )
            .with("path", entry.path));
        }
    }
    for (entry, _) in entries {
        let mut prefix = String::new();
        for component in entry
            .path
            .split('/')
            .rev()
            .skip(1)
            .collect::<Vec<_>>()
            .iter()
            .rev()
        {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(component);
            if seen.get(&key(&prefix)) == Some(&EntryKind::File) {
                return Err(invalid("a file entry is also another entry's directory")
                    .with("path", entry.path));
            }
        }
    }
    Ok(())
}

/// The entries, each a local header and its data, must follow one another from offset 0 to the
/// central directory: a gap hides bytes, an overlap shows one region as two entries.
/// `inclusive_off_by_one` is the kit's mutant: spans compared by their last bytes with `<`, so
/// two that share exactly one byte pass.
fn check_tiling(
    spans: &mut [(usize, usize)],
    cd_offset: usize,
    inclusive_off_by_one: bool,
) -> Result<(), Error> {
    spans.sort_unstable();
    let mut expected = 0;
    for &(start, end) in spans.iter() {
        let overlaps = if inclusive_off_by_one {
            start + 1 < expected
        } else {
            start < expected
        };
        if overlaps {
            return Err(invalid("two entries overlap"));
        }
        if start > expected {
            return Err(invalid(if expected == 0 {
                "bytes precede the first entry"
            } else {
                "bytes lie between two entries"
            }));
        }
        expected = end;
    }
    if expected != cd_offset {
        return Err(invalid(
            "bytes lie between the last entry and the central directory",
        ));
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests;
