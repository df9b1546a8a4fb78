//! CPU lists in the kernel's list format (`0-1,3`): what `--cpuset-cpus` takes, what
//! cpuset.cpus and /sys/devices/system/cpu/online contain. Parsed and checked against the
//! CPUs online before anything is created; printed back in canonical form (`0-3,6`).
//!
//! Files read: /sys/devices/system/cpu/online (`online_cpus`). Read: cpuset(7) ("List
//! format"), Documentation/admin-guide/cputopology.rst.
//! Shell equivalent: `cat /sys/devices/system/cpu/online`; `taskset -c 0-1,3`.
//! Used by: cg-limit (--cpus, --cpuset-cpus), cgroup::v1 and v2 (cpuset.cpus).

use crate::error::{Error, Result};
use serde::Serialize;
use std::fmt;
use std::path::Path;

/// Highest CPU number we accept in a list; far above any real machine, it keeps a typo like
/// `0-4000000000` from allocating gigabytes.
const MAX_CPU_NUMBER: u32 = 65_535;

/// A set of CPU numbers, sorted and without duplicates; prints in the kernel's list format.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CpuList(pub Vec<u32>);

/// Parse a CPU list in the kernel's format (`0-1,3`), as cpuset.cpus and
/// /sys/devices/system/cpu/online use it. A trailing newline (from a file) is allowed.
pub fn parse_cpu_list(text: &str) -> Result<CpuList> {
    let bad = || Error::invalid(format!("cpu list {text:?}"), "not a CPU list: use numbers and ranges, e.g. 0-1,3");
    let body = text.strip_suffix('\n').unwrap_or(text);
    if body.is_empty() {
        return Err(bad());
    }
    let mut cpus = Vec::new();
    for item in body.split(',') {
        let (first, last) = match item.split_once('-') {
            Some((a, b)) => (a, b),
            None => (item, item),
        };
        let number = |s: &str| s.parse::<u32>().ok().filter(|n| *n <= MAX_CPU_NUMBER && !s.starts_with('+'));
        match (number(first), number(last)) {
            (Some(a), Some(b)) if a <= b => cpus.extend(a..=b),
            _ => return Err(bad()),
        }
    }
    cpus.sort_unstable();
    cpus.dedup();
    Ok(CpuList(cpus))
}

/// Parse `--cpuset-cpus`: a CPU list whose every CPU is online.
pub fn parse_cpuset(text: &str, online: &CpuList) -> Result<CpuList> {
    let list = parse_cpu_list(text)?;
    if let Some(cpu) = list.0.iter().find(|c| !online.0.contains(c)) {
        return Err(Error::invalid(
            format!("cpu list {text:?}"),
            format!("CPU {cpu} is not online (online: {online})"),
        ));
    }
    Ok(list)
}

/// The CPUs online now, from /sys/devices/system/cpu/online (`root` is "/" outside tests).
pub fn online_cpus(root: &Path) -> Result<CpuList> {
    let path = root.join("sys/devices/system/cpu/online");
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io("read", path.display(), e))?;
    parse_cpu_list(&text)
}

impl fmt::Display for CpuList {
    /// The kernel's list format, ranges folded: `0-3,6`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        let mut i = 0;
        while i < self.0.len() {
            let start = self.0[i];
            while i + 1 < self.0.len() && self.0[i + 1] == self.0[i] + 1 {
                i += 1;
            }
            parts.push(if start == self.0[i] { start.to_string() } else { format!("{start}-{}", self.0[i]) });
            i += 1;
        }
        write!(f, "{}", parts.join(","))
    }
}

impl Serialize for CpuList {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_lists_parse_and_print_in_kernel_format() {
        assert_eq!(parse_cpu_list("0-1,3\n").unwrap(), CpuList(vec![0, 1, 3]));
        assert_eq!(parse_cpu_list("3,0-2,1").unwrap().to_string(), "0-3");
        assert_eq!(CpuList(vec![0, 2, 3, 4, 7]).to_string(), "0,2-4,7");
        for bad in ["", ",", "1-", "-1", "2-1", "a", "0,,1", "0 1", "0-4000000000", "+1"] {
            assert!(parse_cpu_list(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn cpusets_must_be_online() {
        let online = CpuList(vec![0, 1]);
        assert_eq!(parse_cpuset("1", &online).unwrap(), CpuList(vec![1]));
        assert!(parse_cpuset("0-2", &online).unwrap_err().to_string().contains("CPU 2 is not online"));
    }

    #[test]
    fn online_cpus_read_from_a_root() {
        let dir = std::env::temp_dir().join(format!("ctrkit-online-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sys/devices/system/cpu")).unwrap();
        std::fs::write(dir.join("sys/devices/system/cpu/online"), "0-3\n").unwrap();
        assert_eq!(online_cpus(&dir).unwrap(), CpuList(vec![0, 1, 2, 3]));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
