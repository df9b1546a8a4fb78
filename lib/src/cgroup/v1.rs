//! cgroup v1: one tree per controller (or per group of co-mounted controllers), so a cgroup
//! is a directory in each tree it needs. This file says which files carry each limit and
//! each statistic there.
//!
//! | limit        | file(s), in the order written                                  |
//! |--------------|----------------------------------------------------------------|
//! | --memory     | memory.limit_in_bytes                                          |
//! | swap         | memory.memsw.limit_in_bytes (memory + swap; after the memory    |
//! |              | limit, as the kernel keeps memsw >= memory), if swap accounting |
//! | --cpus       | cpu.cfs_period_us, then cpu.cfs_quota_us                        |
//! | --cpu-shares | cpu.shares                                                     |
//! | cpuset       | cpuset.cpus and cpuset.mems: a new v1 cpuset starts *empty*, and |
//! |              | the kernel refuses tasks (ENOSPC) until both are set, so we copy |
//! |              | the parent's (or use --cpuset-cpus)                             |
//! | --pids       | pids.max                                                       |
//!
//! Read: Documentation/admin-guide/cgroup-v1/{memory,cpusets,pids}.rst, sched-bwc.rst.
//! Shell equivalent: `mkdir /sys/fs/cgroup/memory/x; echo 32M > .../memory.limit_in_bytes`.
//! Used by: cgroup::group (create, stats).

use super::files::{self, Setting};
use super::limits::{Limits, Swap};
use super::stats::{CpuStats, CpusetStats, MemoryStats, PidsStats, Stats};
use crate::error::Result;
use std::path::Path;

/// The files to write in a new cgroup of a hierarchy carrying `controllers`, whose parent
/// (our own cgroup) is `parent`.
pub fn settings(controllers: &[String], limits: &Limits, parent: &Path) -> Result<Vec<Setting>> {
    let has = |c: &str| controllers.iter().any(|x| x == c);
    let mut out = Vec::new();
    if has("memory") {
        if let Some(bytes) = limits.memory {
            out.push(Setting::new(
                "memory.limit_in_bytes",
                bytes.to_string(),
                "memory limit: beyond it, reclaim, then the OOM killer",
            ));
        }
        // memsw exists only with swap accounting (CONFIG_MEMCG_SWAP and not swapaccount=0).
        // The parent has the same files as the child will, and exists even under --dry-run.
        if parent.join("memory.memsw.limit_in_bytes").exists() {
            match limits.swap_total() {
                Some(Swap::Total(total)) => {
                    out.push(Setting::new("memory.memsw.limit_in_bytes", total.to_string(), "memory + swap limit"))
                }
                Some(Swap::Unlimited) => out.push(Setting::new("memory.memsw.limit_in_bytes", "-1", "unlimited swap")),
                None => {}
            }
        }
    }
    if has("cpu") {
        if let Some(q) = limits.cpus {
            out.push(Setting::new(
                "cpu.cfs_period_us",
                q.period_us.to_string(),
                "CFS period: the quota is per this much wall time",
            ));
            out.push(Setting::new(
                "cpu.cfs_quota_us",
                q.quota_us.to_string(),
                "CPU time allowed per period (--cpus × period)",
            ));
        }
        if let Some(shares) = limits.cpu_shares {
            out.push(Setting::new("cpu.shares", shares.to_string(), "relative CPU weight under contention"));
        }
    }
    if has("cpuset") {
        let cpus = match &limits.cpuset_cpus {
            Some(list) => list.to_string(),
            None => files::read(&parent.join("cpuset.cpus"))?.trim().to_string(),
        };
        let mems = files::read(&parent.join("cpuset.mems"))?.trim().to_string();
        out.push(Setting::new("cpuset.cpus", cpus, "CPUs allowed (a new v1 cpuset starts empty)"));
        out.push(Setting::new(
            "cpuset.mems",
            mems,
            "memory nodes allowed, copied from the parent (a new v1 cpuset starts empty)",
        ));
    }
    if has("pids") {
        if let Some(max) = limits.pids {
            out.push(Setting::new("pids.max", max.to_string(), "process limit: fork fails with EAGAIN beyond it"));
        }
    }
    Ok(out)
}

/// Fill in what the cgroup at `dir` (a hierarchy carrying `controllers`) says.
pub fn read_stats(dir: &Path, controllers: &[String], stats: &mut Stats) {
    let has = |c: &str| controllers.iter().any(|x| x == c);
    let text = |file: &str| files::read_optional(&dir.join(file)).unwrap_or_default();
    let number = |file: &str| text(file).trim().parse::<u64>().ok();
    if has("memory") {
        stats.memory = Some(MemoryStats {
            limit_bytes: files::parse_limit(&text("memory.limit_in_bytes")),
            swap_limit_bytes: files::parse_limit(&text("memory.memsw.limit_in_bytes")),
            usage_bytes: number("memory.usage_in_bytes").unwrap_or(0),
            peak_bytes: number("memory.max_usage_in_bytes"),
            oom_kill: files::keyed(&text("memory.oom_control"), "oom_kill"),
        });
    }
    if has("cpu") || has("cpuacct") {
        let cpu = stats.cpu.get_or_insert_with(CpuStats::default);
        if has("cpu") {
            // cfs_quota_us is -1 when unlimited.
            cpu.quota_us = files::parse_limit(&text("cpu.cfs_quota_us"));
            cpu.period_us = number("cpu.cfs_period_us");
            cpu.shares = number("cpu.shares");
            let stat = text("cpu.stat");
            cpu.nr_periods = files::keyed(&stat, "nr_periods");
            cpu.nr_throttled = files::keyed(&stat, "nr_throttled");
            cpu.throttled_usec = files::keyed(&stat, "throttled_time") / 1000;
        }
        if has("cpuacct") {
            cpu.usage_usec = number("cpuacct.usage").map(|ns| ns / 1000);
        }
    }
    if has("pids") {
        stats.pids = Some(PidsStats {
            limit: files::parse_limit(&text("pids.max")),
            current: number("pids.current").unwrap_or(0),
            peak: number("pids.peak"),
            max_events: files::keyed(&text("pids.events"), "max"),
        });
    }
    if has("cpuset") {
        stats.cpuset =
            Some(CpusetStats { cpus: text("cpuset.cpus").trim().into(), mems: text("cpuset.mems").trim().into() });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cgroup::cpulist::CpuList;
    use crate::cgroup::limits::CpuQuota;
    use crate::cgroup::mode::Mode;
    use crate::cgroup::testdir::TestDir;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn memory_with_swap_accounting_writes_memory_then_memsw() {
        let parent = TestDir::new("v1-mem", &[("memory.memsw.limit_in_bytes", "9223372036854771712\n")]);
        let limits = Limits { memory: Some(32 << 20), ..Default::default() };
        let s = settings(&strings(&["memory"]), &limits, parent.path()).unwrap();
        let files: Vec<_> = s.iter().map(|s| (s.file, s.value.as_str())).collect();
        assert_eq!(files, vec![("memory.limit_in_bytes", "33554432"), ("memory.memsw.limit_in_bytes", "67108864")]);
    }

    #[test]
    fn no_swap_accounting_means_no_memsw_write() {
        let parent = TestDir::new("v1-noswap", &[]);
        let limits = Limits { memory: Some(32 << 20), memory_swap: Some(Swap::Unlimited), ..Default::default() };
        let s = settings(&strings(&["memory"]), &limits, parent.path()).unwrap();
        assert_eq!(s.len(), 1);
    }

    #[test]
    fn cpu_quota_shares_and_pids() {
        let parent = TestDir::new("v1-cpu", &[]);
        let limits = Limits {
            cpus: Some(CpuQuota { quota_us: 20_000, period_us: 100_000 }),
            cpu_shares: Some(512),
            pids: Some(32),
            ..Default::default()
        };
        let cpu = settings(&strings(&["cpu", "cpuacct"]), &limits, parent.path()).unwrap();
        let files: Vec<_> = cpu.iter().map(|s| (s.file, s.value.as_str())).collect();
        assert_eq!(files, vec![("cpu.cfs_period_us", "100000"), ("cpu.cfs_quota_us", "20000"), ("cpu.shares", "512")]);
        let pids = settings(&strings(&["pids"]), &limits, parent.path()).unwrap();
        assert_eq!((pids[0].file, pids[0].value.as_str()), ("pids.max", "32"));
    }

    #[test]
    fn a_new_cpuset_gets_cpus_and_mems_from_the_parent() {
        let parent = TestDir::new("v1-cpuset", &[("cpuset.cpus", "0-3\n"), ("cpuset.mems", "0\n")]);
        let s = settings(&strings(&["cpuset"]), &Limits::default(), parent.path()).unwrap();
        assert_eq!((s[0].file, s[0].value.as_str()), ("cpuset.cpus", "0-3"));
        assert_eq!((s[1].file, s[1].value.as_str()), ("cpuset.mems", "0"));
        let pinned = Limits { cpuset_cpus: Some(CpuList(vec![1])), ..Default::default() };
        let s = settings(&strings(&["cpuset"]), &pinned, parent.path()).unwrap();
        assert_eq!(s[0].value, "1");
    }

    #[test]
    fn stats_read_from_a_fixture_tree() {
        let dir = TestDir::new(
            "v1-stats",
            &[
                ("memory.limit_in_bytes", "33554432\n"),
                ("memory.memsw.limit_in_bytes", "9223372036854771712\n"),
                ("memory.usage_in_bytes", "1000\n"),
                ("memory.max_usage_in_bytes", "33554432\n"),
                ("memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n"),
                ("cpu.cfs_quota_us", "20000\n"),
                ("cpu.cfs_period_us", "100000\n"),
                ("cpu.shares", "1024\n"),
                ("cpu.stat", "nr_periods 15\nnr_throttled 12\nthrottled_time 1234567890\n"),
                ("cpuacct.usage", "300000000\n"),
                ("pids.max", "max\n"),
                ("pids.current", "3\n"),
                ("pids.events", "max 57\n"),
            ],
        );
        let mut stats = Stats::empty("t", Mode::Hybrid);
        for controllers in [&["memory"][..], &["cpu", "cpuacct"], &["pids"]] {
            read_stats(dir.path(), &strings(controllers), &mut stats);
        }
        let mem = stats.memory.unwrap();
        assert_eq!((mem.limit_bytes, mem.swap_limit_bytes, mem.oom_kill), (Some(32 << 20), None, 1));
        let cpu = stats.cpu.unwrap();
        assert_eq!(
            (cpu.quota_us, cpu.nr_throttled, cpu.throttled_usec, cpu.usage_usec),
            (Some(20_000), 12, 1_234_567, Some(300_000))
        );
        let pids = stats.pids.unwrap();
        assert_eq!((pids.limit, pids.current, pids.peak, pids.max_events), (None, 3, None, 57));
        assert!(stats.cpuset.is_none());
    }
}
