//! What a cgroup used and what it ran into: the numbers `cg-limit --stats` and `--show`
//! print, the same for v1 and v2 (each backend fills in what its files say).
//!
//! | field                   | v1 file                                   | v2 file                 |
//! |-------------------------|-------------------------------------------|-------------------------|
//! | memory.limit_bytes      | memory.limit_in_bytes                     | memory.max              |
//! | memory.swap_limit_bytes | memory.memsw.limit_in_bytes (mem + swap)  | memory.max + swap.max   |
//! | memory.usage/peak_bytes | memory.usage_in_bytes, max_usage_in_bytes | memory.current, .peak   |
//! | memory.oom_kill         | memory.oom_control `oom_kill`             | memory.events `oom_kill`|
//! | cpu.quota_us/period_us  | cpu.cfs_quota_us, cpu.cfs_period_us       | cpu.max                 |
//! | cpu.usage_usec          | cpuacct.usage (ns / 1000)                 | cpu.stat `usage_usec`   |
//! | cpu.nr_throttled, ...   | cpu.stat (throttled_time in ns)           | cpu.stat                |
//! | pids.current/limit/peak | pids.current, pids.max, pids.peak         | same                    |
//! | pids.max_events         | pids.events `max`: forks refused          | same                    |
//!
//! The JSON form (`--json`) is this struct through serde; `null` means "no limit" for
//! limits and "not available on this kernel" for usage. Field names are stable.
//! No syscalls here (v1.rs and v2.rs read the files). Read: cgroups(7), cgroup-v2.rst.
//! Shell equivalent: `cat memory.events cpu.stat pids.events` in the cgroup's directories.
//! Used by: cgroup::group (stats), cg-limit (--stats, --show, the limit-hit line).

use super::mode::Mode;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    pub name: String,
    pub mode: Mode,
    /// The cgroup's directories, one per hierarchy.
    pub dirs: Vec<PathBuf>,
    /// Processes in the cgroup now (its subtree included).
    pub processes: Vec<i32>,
    pub memory: Option<MemoryStats>,
    pub cpu: Option<CpuStats>,
    pub pids: Option<PidsStats>,
    pub cpuset: Option<CpusetStats>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MemoryStats {
    pub limit_bytes: Option<u64>,
    /// Memory + swap (v1 memsw; v2 memory.max + memory.swap.max); null when unlimited.
    pub swap_limit_bytes: Option<u64>,
    pub usage_bytes: u64,
    /// The most ever used, when the kernel keeps it.
    pub peak_bytes: Option<u64>,
    /// Processes the OOM killer killed in this cgroup.
    pub oom_kill: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CpuStats {
    /// CPU time allowed per period; null when unlimited.
    pub quota_us: Option<u64>,
    pub period_us: Option<u64>,
    /// v1 cpu.shares (v1) or v2 cpu.weight (v2), whichever the host has.
    pub shares: Option<u64>,
    pub weight: Option<u64>,
    /// CPU time used by the cgroup's processes, in microseconds.
    pub usage_usec: Option<u64>,
    /// Periods in which the cgroup was runnable, and in how many it used up its quota.
    pub nr_periods: u64,
    pub nr_throttled: u64,
    pub throttled_usec: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PidsStats {
    pub limit: Option<u64>,
    pub current: u64,
    pub peak: Option<u64>,
    /// How many times a fork or clone was refused because of the limit.
    pub max_events: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CpusetStats {
    pub cpus: String,
    pub mems: String,
}

impl Stats {
    pub fn empty(name: &str, mode: Mode) -> Stats {
        Stats {
            name: name.to_string(),
            mode,
            dirs: Vec::new(),
            processes: Vec::new(),
            memory: None,
            cpu: None,
            pids: None,
            cpuset: None,
        }
    }
}
