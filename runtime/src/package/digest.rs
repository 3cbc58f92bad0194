//! The package digest of the brief: what a host pins when it resolves a plugin, and what every
//! load re-computes from the bytes it actually reads.

use sha2::{Digest as _, Sha256};
use std::fmt;
use std::str::FromStr;

/// Domain separator, so a package digest can never collide with a plain SHA-256 of some file.
const DOMAIN: &[u8] = b"yoi-plugin-package-digest-v1\0";

/// A package digest, written `sha256:<64 lowercase hex>`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest([u8; 32]);

impl Digest {
    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sha256:")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A pin that is not written `sha256:<64 lowercase hex>`. It is the host's mistake, not the
/// package's: it is reported before any package is read, never as a load outcome such as
/// `digest_mismatch`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseDigestError(());

impl fmt::Display for ParseDigestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a pinned digest must be written sha256:<64 lowercase hex digits>")
    }
}

impl std::error::Error for ParseDigestError {}

impl FromStr for Digest {
    type Err = ParseDigestError;

    fn from_str(text: &str) -> Result<Digest, ParseDigestError> {
        let bad = || ParseDigestError(());
        let hex = text.strip_prefix("sha256:").ok_or_else(bad)?;
        if hex.len() != 64 {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        for (i, pair) in hex.as_bytes().chunks(2).enumerate() {
            let nibble = |c: u8| match c {
                b'0'..=b'9' => Some(c - b'0'),
                b'a'..=b'f' => Some(c - b'a' + 10),
                _ => None,
            };
            out[i] = (nibble(pair[0]).ok_or_else(bad)? << 4) | nibble(pair[1]).ok_or_else(bad)?;
        }
        Ok(Digest(out))
    }
}

/// Builds a digest file by file. Files must be fed in byte order of their paths; the package
/// reader guarantees that.
pub(crate) struct DigestBuilder(Sha256);

impl DigestBuilder {
    pub(crate) fn new() -> DigestBuilder {
        let mut h = Sha256::new();
        h.update(DOMAIN);
        DigestBuilder(h)
    }

    /// Adds one file and returns the SHA-256 of its content, which callers reuse as the
    /// module's or manifest's own hash instead of hashing the bytes twice.
    #[cfg(any(test, feature = "mutants"))]
    pub(crate) fn file(&mut self, path: &str, content: &[u8]) -> [u8; 32] {
        let hash: [u8; 32] = Sha256::digest(content).into();
        self.hashed_file(path, content.len() as u64, &hash);
        hash
    }

    /// Adds a file whose content the caller already hashed.
    pub(crate) fn hashed_file(&mut self, path: &str, len: u64, hash: &[u8; 32]) {
        self.0.update(path.as_bytes());
        self.0.update([0u8]);
        self.0.update(len.to_be_bytes());
        self.0.update(hash);
    }

    pub(crate) fn finish(self) -> Digest {
        Digest(self.0.finalize().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_matches_the_brief_definition_by_hand() {
        let mut b = DigestBuilder::new();
        b.file("a.wasm", b"abc");
        b.file("plugin.toml", b"");
        let mut h = Sha256::new();
        h.update(b"yoi-plugin-package-digest-v1\0");
        h.update(b"a.wasm\0");
        h.update(3u64.to_be_bytes());
        h.update(Sha256::digest(b"abc"));
        h.update(b"plugin.toml\0");
        h.update(0u64.to_be_bytes());
        h.update(Sha256::digest(b""));
        let want: [u8; 32] = h.finalize().into();
        assert_eq!(b.finish().as_bytes(), &want);
    }

    #[test]
    fn digest_text_round_trips_and_refuses_bad_forms() {
        let d = DigestBuilder::new().finish();
        assert_eq!(d.to_string().parse::<Digest>().unwrap(), d);
        for bad in [
            "",
            "sha256:",
            "md5:00",
            &d.to_string().to_uppercase(),
            &format!("{d}0"),
            &format!("sha256:{}", "g".repeat(64)),
            &format!("sha256:{}é", "0".repeat(62)),
        ] {
            assert_eq!(bad.parse::<Digest>(), Err(ParseDigestError(())), "{bad}");
        }
    }
}
