//! Target `archive`: any bytes as a `.yoi-plugin` package archive.
//!
//! The runtime's reader is strict (SPEC §2.4): what it accepts, a general zip reader must read
//! the same way. So every accepted archive is read again with the `zip` crate, which must list
//! the same entries in the same order, with the same raw names, and hand back the same bytes
//! for every file after checking each CRC-32; on top of that the reader's own promises: entry
//! paths distinct, file data disjoint slices of the input, within the package caps. A refused
//! archive must be refused with a well-formed error.

use crate::oracle::well_formed;
use std::io::Read;
use toolcage_runtime::fuzzing::{read_archive, ArchiveEntry};
use toolcage_runtime::Limits;

/// The oracle of target `archive`.
pub fn check(data: &[u8]) {
    match read_archive(data) {
        Err(error) => well_formed(&error, Limits::default().message_bytes),
        Ok(entries) => {
            own_promises(data, &entries);
            same_through_zip(data, &entries);
        }
    }
}

fn own_promises(data: &[u8], entries: &[ArchiveEntry<'_>]) {
    let input = data.as_ptr_range();
    let mut spans = Vec::new();
    let mut paths = std::collections::HashSet::new();
    for entry in entries {
        assert!(
            paths.insert(entry.path),
            "two entries named {:?}",
            entry.path
        );
        assert!(
            !entry.path.is_empty()
                && !entry.path.starts_with('/')
                && entry
                    .path
                    .split('/')
                    .all(|c| !c.is_empty() && c != "." && c != ".."),
            "an entry path escapes: {:?}",
            entry.path
        );
        if entry.is_dir {
            assert!(entry.data.is_empty(), "a directory with data");
            continue;
        }
        let range = entry.data.as_ptr_range();
        assert!(
            input.start <= range.start && range.end <= input.end,
            "entry {:?} is not a slice of the archive",
            entry.path
        );
        if !entry.data.is_empty() {
            spans.push((range.start as usize, range.end as usize));
        }
    }
    spans.sort_unstable();
    for pair in spans.windows(2) {
        assert!(pair[0].1 <= pair[1].0, "two entries share bytes");
    }
}

fn same_through_zip(data: &[u8], entries: &[ArchiveEntry<'_>]) {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(data))
        .unwrap_or_else(|e| panic!("an archive the runtime accepted is not a zip: {e}"));
    assert_eq!(
        zip.len(),
        entries.len(),
        "the zip crate lists another number of entries"
    );
    for (index, entry) in entries.iter().enumerate() {
        let mut file = zip
            .by_index(index)
            .unwrap_or_else(|e| panic!("the zip crate cannot open {:?}: {e}", entry.path));
        let mut name = entry.path.as_bytes().to_vec();
        if entry.is_dir {
            name.push(b'/');
        }
        assert_eq!(
            file.name_raw(),
            &name[..],
            "entry {index} is named differently"
        );
        let mut content = Vec::new();
        file.read_to_end(&mut content)
            .unwrap_or_else(|e| panic!("the zip crate cannot read {:?} (CRC?): {e}", entry.path));
        assert!(
            content == entry.data,
            "entry {:?}: the zip crate reads {} other bytes than the runtime's {}",
            entry.path,
            content.len(),
            entry.data.len()
        );
    }
}
