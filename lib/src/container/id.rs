//! Container ids and names.
//!
//! An id is 64 lowercase hex digits (256 random bits from getrandom(2) through
//! /dev/urandom), as docker's are; its first 12 are the short id (and the default hostname).
//! A name is what a user types instead: docker's rule, `[a-zA-Z0-9][a-zA-Z0-9_.-]*`, at most
//! 128 bytes — so a name is always one harmless path component (`a/b`, `..` and `` are
//! refused) and can name a file in the state dir.
//!
//! Reads /dev/urandom. Read: random(4). Shell: `head -c32 /dev/urandom | xxd -p -c64`.
//! Used by: ctr-run (container::options), the lifecycle front end.

use crate::error::{Error, Result};
use std::io::Read;

/// How long a name may be.
pub const MAX_NAME_LEN: usize = 128;
/// The length of a short id (`docker ps` shows this many digits).
pub const SHORT_LEN: usize = 12;

/// A fresh random id: 64 hex digits.
pub fn new_id() -> Result<String> {
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| Error::io("read", "/dev/urandom", e))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The first 12 digits of an id.
pub fn short(id: &str) -> &str {
    &id[..id.len().min(SHORT_LEN)]
}

/// Check a container name; refuses anything that is not one safe path component.
pub fn check_name(name: &str) -> Result<()> {
    let bad = |why: &str| Error::invalid(format!("--name {name:?}"), why.to_string());
    let first_ok = name.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric());
    if name.is_empty() {
        return Err(bad("a name cannot be empty"));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(bad("longer than 128 characters"));
    }
    if !first_ok || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b)) {
        return Err(bad("use [a-zA-Z0-9][a-zA-Z0-9_.-]* (as docker does)"));
    }
    Ok(())
}

/// True for a full 64-digit lowercase hex id.
pub fn is_id(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_64_hex_and_differ() {
        let (a, b) = (new_id().unwrap(), new_id().unwrap());
        assert!(is_id(&a) && is_id(&b) && a != b);
        assert_eq!(short(&a).len(), 12);
    }

    #[test]
    fn names_follow_docker() {
        for ok in ["web", "web-1", "a.b_c", "9lives"] {
            assert!(check_name(ok).is_ok(), "{ok}");
        }
        let long = "n".repeat(129);
        for bad in ["", ".", "..", "a/b", "a b", "-x", "_x", ".hidden", long.as_str(), "ü"] {
            let e = check_name(bad).expect_err(bad).to_string();
            assert!(!e.contains('\n'), "{e}");
        }
    }
}
