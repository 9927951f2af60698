//! The `digest` module deals with hashing a body as it streams by: MD5 and
//! SHA-256 are updated on the same borrowed slices, so a body is read once
//! and never copied or kept.

use md5::{Digest, Md5};
use sha2::Sha256;

/// MD5 and SHA-256 of a byte stream, updated slice by slice.
#[derive(Clone, Default)]
pub struct BodyDigest {
    md5: Md5,
    sha256: Sha256,
}

impl std::fmt::Debug for BodyDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BodyDigest")
    }
}

impl BodyDigest {
    /// A digest of the empty stream.
    pub fn new() -> BodyDigest {
        BodyDigest::default()
    }

    /// Adds `bytes` to both hashes.
    pub fn update(&mut self, bytes: &[u8]) {
        self.md5.update(bytes);
        self.sha256.update(bytes);
    }

    /// The MD5 and SHA-256 of everything added.
    pub fn finish(self) -> ([u8; 16], [u8; 32]) {
        (self.md5.finalize().into(), self.sha256.finalize().into())
    }
}

/// Lower-case hex of `bytes` (for tests and logs).
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vectors_and_split() {
        let mut d = BodyDigest::new();
        d.update(b"ab");
        d.update(b"");
        d.update(b"c");
        let (m, s) = d.finish();
        assert_eq!(hex(&m), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(
            hex(&s),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
