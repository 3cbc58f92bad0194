//! A package entry swapped for another between the listing and the open, made deterministic
//! with the walk's `BEFORE_OPEN` hook: the swap happens exactly between the two system calls a
//! racing writer would aim for. Same-size files, so only the inode tells them apart.

use super::{BEFORE_OPEN, KIND_AND_SIZE_ONLY};
use crate::error::ErrorCode;
use crate::package::Bounded;
use crate::package::{self, Package, ReadLimits};
use std::fs;
use std::path::Path;
use std::time::Duration;

const MANIFEST: &str = "schema_version = 1\nid = \"t\"\nname = \"t\"\nversion = \"1\"\n\
    [runtime]\nkind = \"wasm\"\nentry = \"plugin.wasm\"\nabi = \"yoi-plugin-wasm-1\"\n\
    [[tools]]\nname = \"t\"\ndescription = \"t\"\ninput_schema = { type = \"object\" }\n";
/// The module listed, and one of the same size that is swapped in.
const LISTED: &[u8] = b"\0asm\x01\0\0\0listed";
const SWAPPED: &[u8] = b"\0asm\x01\0\0\0OTHER!";

fn package() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("plugin.toml"), MANIFEST).unwrap();
    fs::write(dir.path().join("plugin.wasm"), LISTED).unwrap();
    fs::create_dir(dir.path().join("lib")).unwrap();
    fs::write(dir.path().join("lib/notes.txt"), b"listed notes").unwrap();
    dir
}

/// Reads `dir` with `swap` run once, when the walk is about to open `target`.
fn read_swapping(
    dir: &Path,
    target: &'static str,
    swap: impl FnOnce() + 'static,
) -> Result<Package, crate::Error> {
    let mut swap = Some(swap);
    BEFORE_OPEN.set(Some(Box::new(move |path: &str| {
        if path == target {
            if let Some(swap) = swap.take() {
                swap();
            }
        }
    })));
    let limits = ReadLimits {
        module_bytes: 1 << 20,
        budget: Duration::from_secs(60),
    };
    let read = package::read(dir, &limits, &Bounded::new(4), package::Seam::REAL);
    BEFORE_OPEN.set(None);
    read
}

/// Renames a fresh file with `content` over `dir/name`: a new inode under the listed name.
fn replace_file(dir: &Path, name: &str, content: &'static [u8]) -> impl FnOnce() + 'static {
    let (dir, name) = (dir.to_path_buf(), name.to_string());
    move || {
        let elsewhere = tempfile::tempdir_in(dir.parent().unwrap()).unwrap();
        let fresh = elsewhere.path().join("fresh");
        fs::write(&fresh, content).unwrap();
        fs::rename(&fresh, dir.join(name)).unwrap();
    }
}

#[test]
fn a_module_swapped_for_one_of_the_same_size_is_refused() {
    let dir = package();
    let swap = replace_file(dir.path(), "plugin.wasm", SWAPPED);
    let e = read_swapping(dir.path(), "plugin.wasm", swap)
        .err()
        .unwrap();
    assert_eq!(e.code(), ErrorCode::PathEscape, "{e}");
    assert_eq!(e.details()["path"], "plugin.wasm");
}

#[test]
fn a_checked_file_swapped_for_one_of_the_same_size_is_refused() {
    let dir = package();
    let path = dir.path().join("lib");
    let swap = replace_file(&path, "notes.txt", b"other notes!");
    let e = read_swapping(dir.path(), "lib/notes.txt", swap)
        .err()
        .unwrap();
    assert_eq!(e.code(), ErrorCode::PathEscape, "{e}");
    assert_eq!(e.details()["path"], "lib/notes.txt");
}

#[test]
fn a_directory_swapped_for_another_is_refused() {
    let dir = package();
    let root = dir.path().to_path_buf();
    let swap = move || {
        fs::rename(root.join("lib"), root.join("lib-away")).ok();
        let other = root.join("lib");
        fs::create_dir(&other).unwrap();
        fs::write(other.join("notes.txt"), b"listed notes").unwrap();
    };
    let e = read_swapping(dir.path(), "lib", swap).err().unwrap();
    assert_eq!(e.code(), ErrorCode::PathEscape, "{e}");
    assert_eq!(e.details()["path"], "lib");
}

/// The same swap against a reader that compares type and size only (what `fstat` against the
/// listing without the inode checks): it reads the swapped-in module, which is what the tests
/// above exist to catch. Without a pin nothing else notices; with one, the load fails only on
/// the digest, as if the package had been tampered with at rest.
#[test]
fn without_the_inode_comparison_the_swapped_module_is_read() {
    let dir = package();
    let swap = replace_file(dir.path(), "plugin.wasm", SWAPPED);
    KIND_AND_SIZE_ONLY.set(true);
    let read = read_swapping(dir.path(), "plugin.wasm", swap);
    KIND_AND_SIZE_ONLY.set(false);
    assert_eq!(read.unwrap().module, SWAPPED);
}

#[test]
fn without_a_swap_the_package_reads() {
    let dir = package();
    let read = read_swapping(dir.path(), "plugin.wasm", || {});
    assert_eq!(read.unwrap().module, LISTED);
}
