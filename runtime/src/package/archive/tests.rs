//! The archive reader against archives written byte by byte here, one disagreement each.

use super::*;
use std::time::Duration;

/// One entry to write, with the header fields a test may make lie.
#[derive(Clone)]
pub(crate) struct E {
    name: Vec<u8>,
    data: Vec<u8>,
    mode: u32,
    made_by: u16,
    method: u16,
    flags: u16,
    crc: Option<u32>,
    size: Option<u32>,
    local_name: Option<Vec<u8>>,
    local_size: Option<u32>,
    local_crc: Option<u32>,
    local_method: Option<u16>,
}

pub(crate) fn file(name: &str, data: &[u8]) -> E {
    E {
        name: name.as_bytes().to_vec(),
        data: data.to_vec(),
        mode: 0o100644,
        made_by: 0x0314,
        method: 0,
        flags: 0,
        crc: None,
        size: None,
        local_name: None,
        local_size: None,
        local_crc: None,
        local_method: None,
    }
}

pub(crate) fn dir(name: &str) -> E {
    E {
        mode: 0o040755,
        ..file(name, b"")
    }
}

#[derive(Default)]
pub(crate) struct Archive {
    leading: Vec<u8>,
    trailing: Vec<u8>,
    disk: u16,
    comment: Vec<u8>,
}

pub(crate) fn write(entries: &[E], archive: &Archive) -> Vec<u8> {
    let mut out = archive.leading.clone();
    let mut central = Vec::new();
    for e in entries {
        let offset = out.len() as u32;
        let crc = e.crc.unwrap_or_else(|| crc32fast::hash(&e.data));
        let size = e.size.unwrap_or(e.data.len() as u32);
        let local_name = e.local_name.as_ref().unwrap_or(&e.name);
        out.extend_from_slice(&LOCAL_SIG.to_le_bytes());
        out.extend_from_slice(&20u16.to_le_bytes());
        out.extend_from_slice(&e.flags.to_le_bytes());
        out.extend_from_slice(&e.local_method.unwrap_or(e.method).to_le_bytes());
        out.extend_from_slice(&[0, 0, 0x21, 0]);
        out.extend_from_slice(&e.local_crc.unwrap_or(crc).to_le_bytes());
        let local_size = e.local_size.unwrap_or(size);
        out.extend_from_slice(&local_size.to_le_bytes());
        out.extend_from_slice(&local_size.to_le_bytes());
        out.extend_from_slice(&(local_name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(local_name);
        out.extend_from_slice(&e.data);

        central.extend_from_slice(&CENTRAL_SIG.to_le_bytes());
        central.extend_from_slice(&e.made_by.to_le_bytes());
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
        central.extend_from_slice(&e.name);
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&EOCD_SIG.to_le_bytes());
    out.extend_from_slice(&archive.disk.to_le_bytes());
    out.extend_from_slice(&archive.disk.to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&(archive.comment.len() as u16).to_le_bytes());
    out.extend_from_slice(&archive.comment);
    out.extend_from_slice(&archive.trailing);
    out
}

const CAPS: Caps = Caps {
    entries: 16,
    depth: 4,
    bytes: 1 << 20,
};

fn parse_code(bytes: &[u8]) -> Result<Vec<(String, EntryKind, Vec<u8>)>, ErrorCode> {
    parse_with(bytes, Checks::ALL)
}

fn parse_with(
    bytes: &[u8],
    checks: Checks,
) -> Result<Vec<(String, EntryKind, Vec<u8>)>, ErrorCode> {
    let budget = Budget::start(Duration::from_secs(60));
    parse(bytes, &CAPS, &budget, checks)
        .map(|entries| {
            entries
                .into_iter()
                .map(|e| (e.path.to_owned(), e.kind, e.data.to_vec()))
                .collect()
        })
        .map_err(|e| e.code())
}

fn plain() -> Vec<E> {
    vec![
        dir("lib/"),
        file("lib/m.wasm", b"\0asm\x01\0\0\0"),
        file("plugin.toml", b"x = 1\n"),
    ]
}

#[test]
fn a_stored_archive_reads_back_its_entries() {
    let entries = parse_code(&write(&plain(), &Archive::default())).unwrap();
    assert_eq!(
        entries,
        [
            ("lib".to_owned(), EntryKind::Dir, vec![]),
            (
                "lib/m.wasm".to_owned(),
                EntryKind::File,
                b"\0asm\x01\0\0\0".to_vec()
            ),
            (
                "plugin.toml".to_owned(),
                EntryKind::File,
                b"x = 1\n".to_vec()
            ),
        ]
    );
    // Without directory entries, and made on DOS (no mode): the same files.
    let bare: Vec<E> = plain()[1..]
        .iter()
        .map(|e| E {
            made_by: 0x0014,
            mode: 0,
            ..e.clone()
        })
        .collect();
    assert_eq!(
        parse_code(&write(&bare, &Archive::default()))
            .unwrap()
            .len(),
        2
    );
    // An empty archive is well formed (the package reader then finds no plugin.toml).
    assert_eq!(parse_code(&write(&[], &Archive::default())), Ok(vec![]));
}

/// Each entry list, written as is, with the code it must be refused with.
#[test]
fn every_disagreement_has_its_code() {
    let with = |i: usize, change: &dyn Fn(&mut E)| {
        let mut entries = plain();
        change(&mut entries[i]);
        entries
    };
    let add = |e: E| {
        let mut entries = plain();
        entries.push(e);
        entries
    };
    let module = b"\0asm\x01\0\0\0";
    let cases: Vec<(&str, Vec<E>, ErrorCode)> = vec![
        ("absolute", add(file("/etc/x", b"")), ErrorCode::PathEscape),
        ("dotdot", add(file("lib/../x", b"")), ErrorCode::PathEscape),
        ("dot", add(file("./x", b"")), ErrorCode::PathEscape),
        (
            "empty component",
            add(file("a//x", b"")),
            ErrorCode::PathEscape,
        ),
        ("backslash", add(file("lib\\x", b"")), ErrorCode::PathEscape),
        ("nul", add(file("x\0y", b"")), ErrorCode::PathEscape),
        ("empty name", add(file("", b"")), ErrorCode::PathEscape),
        ("root dir", add(dir("/")), ErrorCode::PathEscape),
        (
            "not utf-8",
            add(E {
                name: b"x\xff".to_vec(),
                ..file("", b"")
            }),
            ErrorCode::PathEscape,
        ),
        (
            "symlink",
            add(E {
                mode: 0o120777,
                ..file("link", b"../../etc/passwd")
            }),
            ErrorCode::PathEscape,
        ),
        (
            "fifo",
            add(E {
                mode: 0o010644,
                ..file("fifo", b"")
            }),
            ErrorCode::PathEscape,
        ),
        (
            "duplicate",
            add(file("plugin.toml", b"")),
            ErrorCode::PackageInvalid,
        ),
        (
            "case",
            add(file("LIB/M.wasm", module)),
            ErrorCode::PackageInvalid,
        ),
        (
            "normalisation",
            vec![file("caf\u{e9}", b""), file("cafe\u{301}", b"")],
            ErrorCode::PackageInvalid,
        ),
        (
            "file and dir",
            add(file("lib", b"")),
            ErrorCode::PackageInvalid,
        ),
        (
            "file as parent",
            add(file("plugin.toml/x", b"")),
            ErrorCode::PackageInvalid,
        ),
        (
            "file named as a dir",
            add(E {
                mode: 0o100644,
                ..file("d/", b"")
            }),
            ErrorCode::PackageInvalid,
        ),
        (
            "dir with data",
            add(E {
                mode: 0o040755,
                ..file("d/", b"x")
            }),
            ErrorCode::PackageInvalid,
        ),
        (
            "compressed",
            with(1, &|e| e.method = 8),
            ErrorCode::PackageInvalid,
        ),
        (
            "encrypted",
            with(1, &|e| e.flags = 1),
            ErrorCode::PackageInvalid,
        ),
        (
            "data descriptor",
            with(1, &|e| e.flags = 8),
            ErrorCode::PackageInvalid,
        ),
        (
            "crc",
            with(1, &|e| e.crc = Some(7)),
            ErrorCode::PackageInvalid,
        ),
        (
            "local name",
            with(1, &|e| e.local_name = Some(b"lib/n.wasm".to_vec())),
            ErrorCode::PackageInvalid,
        ),
        (
            "local size",
            with(1, &|e| e.local_size = Some(0)),
            ErrorCode::PackageInvalid,
        ),
        (
            "local crc",
            with(1, &|e| e.local_crc = Some(0)),
            ErrorCode::PackageInvalid,
        ),
        (
            "local method",
            with(1, &|e| e.local_method = Some(8)),
            ErrorCode::PackageInvalid,
        ),
        (
            "declared larger than it is",
            with(2, &|e| e.size = Some(1000)),
            ErrorCode::PackageInvalid,
        ),
        (
            "zip64 size",
            with(2, &|e| e.size = Some(u32::MAX)),
            ErrorCode::PackageInvalid,
        ),
        (
            "too deep",
            add(file("a/b/c/d/e/f", b"")),
            ErrorCode::PackageTooLarge,
        ),
        (
            "too many",
            (0..17).map(|i| file(&format!("f{i}"), b"")).collect(),
            ErrorCode::PackageTooLarge,
        ),
    ];
    for (what, entries, code) in cases {
        let bytes = write(&entries, &Archive::default());
        assert_eq!(parse_code(&bytes).map(drop), Err(code), "{what}");
    }
    // At the depth cap exactly: four directories above the file.
    assert!(parse_code(&write(&add(file("a/b/c/d/f", b"")), &Archive::default())).is_ok());
}

#[test]
fn the_archive_is_exactly_its_entries_and_directory() {
    let entries = plain();
    let refuse = |archive: Archive, what: &str| {
        assert_eq!(
            parse_code(&write(&entries, &archive)).map(drop),
            Err(ErrorCode::PackageInvalid),
            "{what}"
        );
    };
    refuse(
        Archive {
            leading: b"MZ".to_vec(),
            ..Default::default()
        },
        "leading bytes",
    );
    refuse(
        Archive {
            trailing: b"x".to_vec(),
            ..Default::default()
        },
        "trailing bytes",
    );
    refuse(
        Archive {
            comment: b"hi".to_vec(),
            ..Default::default()
        },
        "a comment",
    );
    refuse(
        Archive {
            disk: 1,
            ..Default::default()
        },
        "another disk",
    );
    // Leading bytes written before the entries shift their offsets: the reader sees them only
    // as a gap, which the tiling check alone refuses.
    let shifted = write(
        &entries,
        &Archive {
            leading: b"MZ".to_vec(),
            ..Default::default()
        },
    );
    assert!(parse_with(
        &shifted,
        Checks {
            tiling: false,
            ..Checks::ALL
        }
    )
    .is_ok());
    assert_eq!(parse_code(&[]).map(drop), Err(ErrorCode::PackageInvalid));
}

/// One entry's declared size swallows the next entry whole, CRC and local header included: every
/// header agrees with every other, only the two spans overlap.
#[test]
fn overlapping_entries_are_refused() {
    let mut entries = plain();
    let bytes = write(&entries, &Archive::default());
    // Where the third entry's local header starts and the data it covers end.
    let third = bytes
        .windows(4)
        .enumerate()
        .filter(|(_, w)| *w == LOCAL_SIG.to_le_bytes())
        .nth(2)
        .unwrap()
        .0;
    let third_end = third + LOCAL_LEN + "plugin.toml".len() + b"x = 1\n".len();
    let mut swallowed = entries[1].data.clone();
    swallowed.extend_from_slice(&bytes[third..third_end]);
    entries[1].size = Some(swallowed.len() as u32);
    entries[1].crc = Some(crc32fast::hash(&swallowed));
    let overlapping = write(&entries, &Archive::default());
    // `write` put the declared size in both headers; the data written is still the module's, so
    // the span of entry 1 ends inside entry 2's, exactly where it should for the overlap.
    assert_eq!(
        parse_code(&overlapping).map(drop),
        Err(ErrorCode::PackageInvalid)
    );
}

#[test]
fn each_check_turned_off_lets_through_what_it_says() {
    let compressed = {
        let mut e = plain();
        e[1].method = 8;
        write(&e, &Archive::default())
    };
    assert!(parse_with(
        &compressed,
        Checks {
            stored_only: false,
            ..Checks::ALL
        }
    )
    .is_ok());
    let local = {
        let mut e = plain();
        e[1].local_name = Some(b"lib/n.wasm".to_vec());
        write(&e, &Archive::default())
    };
    assert!(parse_with(
        &local,
        Checks {
            local_headers: false,
            ..Checks::ALL
        }
    )
    .is_ok());
    let case = {
        let mut e = plain();
        e.push(file("LIB/M.wasm", b""));
        write(&e, &Archive::default())
    };
    assert!(parse_with(
        &case,
        Checks {
            folded_names: false,
            ..Checks::ALL
        }
    )
    .is_ok());
}

/// Every single-byte change and every truncation of a valid archive: an answer, never a panic.
#[test]
fn every_byte_flip_and_truncation_is_answered() {
    let bytes = write(&plain(), &Archive::default());
    for at in 0..bytes.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut changed = bytes.clone();
            changed[at] ^= flip;
            let _ = parse_code(&changed);
        }
        assert!(parse_code(&bytes[..at]).is_err(), "truncated at {at}");
    }
}
