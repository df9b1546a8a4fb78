//! Content digests: `sha256:` followed by 64 lowercase hex digits, the name of every blob in
//! an image (manifest, config, layers) and of every uncompressed layer (its "diff_id").
//!
//! A digest from an archive is untrusted text that we later turn into a path
//! (`blobs/sha256/<hex>`, `layers/<hex>`), so `Digest::parse` refuses anything else *before*
//! it can become one: `sha256:../../x` or an uppercase hex never reaches the file system.
//! `Hasher` is the streaming side: feed it bytes as they pass, get the digest and the count.
//!
//! No syscalls. Spec: OCI image-spec descriptor.md ("Digests"). Shell: `sha256sum FILE`.
//! Used by: every image module; img-unpack.

use crate::error::{Error, Result};
use sha2::{Digest as _, Sha256};
use std::fmt;

/// A validated `sha256:<64 lowercase hex>` digest.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Digest(String);

const PREFIX: &str = "sha256:";

impl Digest {
    /// Accept only `sha256:` + exactly 64 of `0-9a-f`; `what` names the field in the error.
    pub fn parse(text: &str, what: &str) -> Result<Digest> {
        let refuse = |why: &str| Error {
            op: what.to_string(),
            object: shown(text),
            cause: crate::error::Cause::Invalid(why.into()),
            hint: None,
        };
        let Some(hex) = text.strip_prefix(PREFIX) else {
            return Err(refuse("not a digest: only sha256:<64 lowercase hex> is supported"));
        };
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(refuse("not a digest: expected sha256: and 64 lowercase hex digits"));
        }
        Ok(Digest(text.to_string()))
    }

    /// From the 64 hex digits alone (e.g. a file name `blobs/sha256/<hex>`).
    pub fn from_hex(hex: &str, what: &str) -> Result<Digest> {
        Digest::parse(&format!("{PREFIX}{hex}"), what)
    }

    /// The digest of a byte string held in memory (a manifest, a config).
    pub fn of(bytes: &[u8]) -> Digest {
        let mut h = Hasher::new();
        h.update(bytes);
        h.finish().0
    }

    /// The 64 hex digits: safe to use as a file name.
    pub fn hex(&self) -> &str {
        &self.0[PREFIX.len()..]
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `sha256:` and the first 12 hex digits, for messages.
    pub fn short(&self) -> &str {
        &self.0[..PREFIX.len() + 12]
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Digest, D::Error> {
        let text = String::deserialize(d)?;
        Digest::parse(&text, "digest").map_err(serde::de::Error::custom)
    }
}

/// Untrusted text as it appears in a message: quoted, escaped, and cut if long.
pub(crate) fn shown(text: &str) -> String {
    let mut s = format!("{text:?}");
    if s.len() > 100 {
        let mut cut = 96;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push_str("…\"");
    }
    s
}

/// A running sha256 and byte count.
pub struct Hasher {
    sha: Sha256,
    bytes: u64,
}

impl Default for Hasher {
    fn default() -> Hasher {
        Hasher::new()
    }
}

impl Hasher {
    pub fn new() -> Hasher {
        Hasher { sha: Sha256::new(), bytes: 0 }
    }

    pub fn update(&mut self, data: &[u8]) {
        self.sha.update(data);
        self.bytes += data.len() as u64;
    }

    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The digest of everything fed so far, and how many bytes that was.
    pub fn finish(self) -> (Digest, u64) {
        let sum = self.sha.finalize();
        let mut text = String::with_capacity(PREFIX.len() + 64);
        text.push_str(PREFIX);
        for b in sum {
            text.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
            text.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
        }
        (Digest(text), self.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_of_empty_input_is_the_known_value() {
        assert_eq!(Digest::of(b"").as_str(), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    #[test]
    fn only_sha256_and_64_lowercase_hex_are_accepted() {
        let good = format!("sha256:{}", "a".repeat(64));
        assert!(Digest::parse(&good, "digest").is_ok());
        for bad in [
            "sha256:../../x".to_string(),
            format!("sha256:{}", "A".repeat(64)),
            format!("sha256:{}", "a".repeat(63)),
            format!("sha256:{}", "a".repeat(65)),
            format!("sha512:{}", "a".repeat(64)),
            format!("sha256:{}/", "a".repeat(63)),
            String::new(),
        ] {
            assert!(Digest::parse(&bad, "digest").is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn errors_name_the_field() {
        let e = Digest::parse("sha256:../../x", "manifest layers[0].digest").err().map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("manifest layers[0].digest \"sha256:../../x\": not a digest: expected sha256: and 64 lowercase hex digits")
        );
    }

    #[test]
    fn short_form_keeps_twelve_digits() {
        let d = Digest::of(b"x");
        assert_eq!(d.short().len(), 19);
        assert_eq!(d.hex().len(), 64);
    }
}
