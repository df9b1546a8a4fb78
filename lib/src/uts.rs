//! The UTS namespace's one setting that matters today: the hostname.
//!
//! In a new UTS namespace sethostname(2) changes only the namespace's copy; the host keeps its
//! own name. ("UTS" is the struct utsname that uname(2) fills.)
//! Read: uts_namespaces(7), sethostname(2). Shell: `hostname NAME` inside `unshare -u`.
//! Used by: ns-unshare --hostname.

use crate::error::{Error, Result};
use crate::explain::{self, Op};

/// Check a hostname before anything is created: 1 to 64 bytes (HOST_NAME_MAX), letters,
/// digits, `-` and `.`, as RFC 1123 allows.
pub fn validate_hostname(name: &str) -> Result<()> {
    let ok_chars = name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if name.is_empty() || name.len() > 64 || !ok_chars {
        return Err(Error::invalid(format!("hostname '{name}'"), "use 1 to 64 letters, digits, '-' or '.'"));
    }
    Ok(())
}

pub fn set_hostname(name: &str) -> Result<()> {
    let op = Op::new(format!("sethostname({name:?})"), "a hostname of this UTS namespace's own", "uts_namespaces(7)");
    explain::change(op, name, || nix::unistd::sethostname(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostnames_are_checked() {
        assert!(validate_hostname("box-1.lab").is_ok());
        for bad in ["", "a b", "x/y", &"a".repeat(65)] {
            assert!(validate_hostname(bad).is_err(), "{bad:?}");
        }
    }
}
