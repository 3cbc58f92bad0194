//! The package digest of docs/CASES.md, computed by the kit's own implementation: an
//! independent cross-check of the runtime's, since a runtime that hashes differently fails every
//! case with `digest_mismatch`.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

/// The domain-separation prefix of the package digest (docs/CASES.md, "Package digest").
pub const DIGEST_PREFIX: &[u8] = b"yoi-plugin-package-digest-v1\0";
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
}
