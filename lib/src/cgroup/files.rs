//! Cgroup control files: the three shapes their contents take, and a setting to write.
//!
//! - a single value: `32768`, or `max` for no limit (v2), or a huge number (v1's "no limit",
//!   PAGE_COUNTER_MAX pages: 9223372036854771712 on x86-64);
//! - flat keyed: one `key value` per line (`memory.events`, `cpu.stat`, `pids.events`,
//!   v1 `memory.oom_control`);
//! - a list of pids, one per line (`cgroup.procs`).
//!
//! Reading goes through `explain::run` like every kernel operation, so `--explain` shows
//! which files a decision was based on. Writing is one write(2) per file via
//! `explain::write_file`, because the kernel parses each write as one value.
//! Read: Documentation/admin-guide/cgroup-v2.rst ("Interface Files", "Format").
//! Shell equivalent: `cat FILE`, `echo VALUE > FILE`.
//! Used by: cgroup::v1, cgroup::v2, cgroup::group, cgroup::kill.

use crate::error::Result;
use crate::explain::{self, Op};
use std::path::Path;

/// Values at or above this mean "no limit" in v1 files (2^62: far above any real limit,
/// below the page-rounded i64::MAX the kernel shows).
const V1_UNLIMITED: u64 = 1 << 62;

/// One control file to write: `dir/file` gets `value`, for the reason `why` (for --explain).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub file: &'static str,
    pub value: String,
    pub why: &'static str,
}

impl Setting {
    pub fn new(file: &'static str, value: impl Into<String>, why: &'static str) -> Setting {
        Setting { file, value: value.into(), why }
    }

    /// Write it into the cgroup at `dir`.
    pub fn apply(&self, dir: &Path) -> Result<()> {
        explain::write_file(&dir.join(self.file), &self.value, self.why, "cgroups(7)")
    }
}

/// Read a control file through the explained path.
pub fn read(path: &Path) -> Result<String> {
    let mut text = String::new();
    let op = Op::new(format!("read({path:?})"), "ask the cgroup", "cgroups(7)");
    explain::run(op, &path.display().to_string(), || {
        text = std::fs::read_to_string(path).map_err(explain::io_errno)?;
        Ok(text.len())
    })?;
    Ok(text)
}

/// Read a control file that may be absent (an older kernel, a controller not enabled).
pub fn read_optional(path: &Path) -> Option<String> {
    if path.exists() {
        read(path).ok()
    } else {
        None
    }
}

/// A single number; `max` and v1's huge "unlimited" become `None`.
pub fn parse_limit(text: &str) -> Option<u64> {
    match text.trim() {
        "max" | "-1" => None,
        t => t.parse::<u64>().ok().filter(|n| *n < V1_UNLIMITED),
    }
}

/// The value of `key` in a flat keyed file (`oom_kill 1`); 0 when the key is absent,
/// which is what the kernel means by leaving it out.
pub fn keyed(text: &str, key: &str) -> u64 {
    text.lines()
        .filter_map(|l| l.split_once(' '))
        .find(|(k, _)| *k == key)
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0)
}

/// Same, but `None` when the key is absent (for values that may not exist on a kernel).
pub fn keyed_optional(text: &str, key: &str) -> Option<u64> {
    text.lines().filter_map(|l| l.split_once(' ')).find(|(k, _)| *k == key).and_then(|(_, v)| v.trim().parse().ok())
}

/// The pids in a cgroup.procs file.
pub fn pids(text: &str) -> Vec<i32> {
    text.lines().filter_map(|l| l.trim().parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_read_none_for_no_limit() {
        assert_eq!(parse_limit("max\n"), None);
        assert_eq!(parse_limit("9223372036854771712\n"), None);
        assert_eq!(parse_limit("-1\n"), None);
        assert_eq!(parse_limit("33554432\n"), Some(32 << 20));
        assert_eq!(parse_limit("garbage"), None);
    }

    #[test]
    fn flat_keyed_values() {
        let text = "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n";
        assert_eq!(keyed(text, "oom_kill"), 3);
        assert_eq!(keyed(text, "oom"), 0, "a key's prefix is not the key");
        assert_eq!(keyed_optional(text, "missing"), None);
    }

    #[test]
    fn procs_lists_parse() {
        assert_eq!(pids("12\n345\n"), vec![12, 345]);
        assert!(pids("").is_empty());
    }

    #[test]
    fn reads_name_the_file_on_error() {
        let err = read(Path::new("/nonexistent/cgroup.procs")).unwrap_err().to_string();
        assert!(err.starts_with("read /nonexistent/cgroup.procs: No such file"), "{err}");
    }
}
