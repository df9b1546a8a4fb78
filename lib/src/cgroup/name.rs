//! Cgroup names: the one path component cg-limit adds under the caller's own cgroup.
//!
//! A name becomes a directory in every hierarchy (`/sys/fs/cgroup/pids/<ours>/<name>`), so a
//! name is refused unless it is exactly one harmless component: not empty, not `.` or `..`,
//! no `/`, only `[A-Za-z0-9_.-]`, at most 64 bytes. That keeps `--name ../../system.slice`
//! from ever pointing at a cgroup we did not create.
//! No syscalls. Shell equivalent: the NAME in `mkdir /sys/fs/cgroup/pids/NAME`.
//! Used by: cg-limit (--name, --show, --remove), cgroup::group.

use crate::error::{Error, Result};

/// The longest name we accept.
pub const MAX_NAME_LEN: usize = 64;

/// Check a cgroup name; returns it unchanged when it is safe to use as a directory name.
pub fn check_name(name: &str) -> Result<&str> {
    let bad = |why: &str| Error::invalid(format!("cgroup name {name:?}"), why.to_string());
    if name.is_empty() {
        return Err(bad("a name cannot be empty"));
    }
    if name == "." || name == ".." {
        return Err(bad("`.` and `..` are not names"));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(bad("longer than 64 characters"));
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-') {
        return Err(bad("use only letters, digits, `_`, `.` and `-`"));
    }
    Ok(name)
}

/// The name cg-limit picks when none is given: `ctrkit-<pid of cg-limit>`, unique while it runs.
pub fn default_name(pid: u32) -> String {
    format!("ctrkit-{pid}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_names_pass() {
        for name in ["web", "ctrkit-42", "a.b_c-D9", "x"] {
            assert_eq!(check_name(name).unwrap(), name);
        }
        assert!(check_name(&"n".repeat(64)).is_ok());
    }

    #[test]
    fn unsafe_names_are_refused() {
        let long = "n".repeat(65);
        for name in ["", ".", "..", "a/b", "../x", "a b", "tab\t", "ü", long.as_str(), "/abs"] {
            let err = check_name(name).expect_err(name).to_string();
            assert!(!err.contains('\n'), "one line: {err}");
        }
    }

    #[test]
    fn the_default_name_carries_the_pid() {
        assert_eq!(default_name(4242), "ctrkit-4242");
    }
}
