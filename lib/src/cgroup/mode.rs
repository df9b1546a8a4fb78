//! Which cgroup layout the host has: unified (v2 only), hybrid (v1 controllers plus an empty
//! v2 tree for process tracking) or legacy (v1 only). Decided the way crun and systemd do,
//! by the filesystem type of /sys/fs/cgroup and /sys/fs/cgroup/unified.
//!
//! | /sys/fs/cgroup is | /sys/fs/cgroup/unified is | mode    |
//! |-------------------|---------------------------|---------|
//! | cgroup2           | —                         | Unified |
//! | tmpfs             | cgroup2                   | Hybrid  |
//! | tmpfs             | missing / not cgroup2     | Legacy  |
//!
//! Syscalls: statfs(2) on the two paths (f_type CGROUP2_SUPER_MAGIC).
//! Read: cgroups(7) ("Cgroups version 1 and version 2"), statfs(2).
//! Shell equivalent: `stat -f -c %T /sys/fs/cgroup /sys/fs/cgroup/unified`.
//! Used by: cgroup::hierarchy (which mounts to use), cg-limit --show (reported as "mode").

use crate::error::Result;
use crate::explain::{self, Op};
use nix::sys::statfs::{statfs, CGROUP2_SUPER_MAGIC};
use serde::Serialize;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// cgroup v2 only: one tree, controllers enabled per subtree.
    Unified,
    /// v1 controllers, each in its own tree, and a v2 tree without controllers.
    Hybrid,
    /// cgroup v1 only.
    Legacy,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Unified => "unified",
            Mode::Hybrid => "hybrid",
            Mode::Legacy => "legacy",
        }
    }
}

/// The rule in the table above, apart from the syscalls so it can be tested.
pub fn classify(root_is_cgroup2: bool, unified_is_cgroup2: bool) -> Mode {
    match (root_is_cgroup2, unified_is_cgroup2) {
        (true, _) => Mode::Unified,
        (false, true) => Mode::Hybrid,
        (false, false) => Mode::Legacy,
    }
}

/// Detect the mode of the cgroup tree mounted at `root` (normally /sys/fs/cgroup).
pub fn detect(root: &Path) -> Result<Mode> {
    let root_v2 = is_cgroup2(root)?;
    // A missing /sys/fs/cgroup/unified is the normal legacy case, not an error.
    let unified = root.join("unified");
    let unified_v2 = !root_v2 && unified.is_dir() && is_cgroup2(&unified)?;
    let mode = classify(root_v2, unified_v2);
    explain::note(&format!("cgroup mode: {} (statfs of {})", mode.name(), root.display()));
    Ok(mode)
}

fn is_cgroup2(path: &Path) -> Result<bool> {
    let mut v2 = false;
    let op = Op::new(format!("statfs({path:?})"), "which filesystem holds the cgroups", "statfs(2)");
    explain::run(op, &path.display().to_string(), || {
        v2 = statfs(path)?.filesystem_type() == CGROUP2_SUPER_MAGIC;
        Ok(())
    })?;
    Ok(v2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_holds() {
        assert_eq!(classify(true, false), Mode::Unified);
        assert_eq!(classify(true, true), Mode::Unified);
        assert_eq!(classify(false, true), Mode::Hybrid);
        assert_eq!(classify(false, false), Mode::Legacy);
    }

    #[test]
    fn a_plain_directory_is_legacy() {
        // A temp dir is no cgroup2 mount, and has no `unified` below it.
        let dir = std::env::temp_dir();
        assert_eq!(detect(&dir).unwrap(), Mode::Legacy);
    }

    #[test]
    fn a_missing_root_is_an_error_naming_it() {
        let err = detect(Path::new("/nonexistent-cgroup-root")).unwrap_err().to_string();
        assert!(err.contains("statfs /nonexistent-cgroup-root"), "{err}");
    }
}
