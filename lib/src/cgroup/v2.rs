//! cgroup v2: one tree for all controllers. A cgroup is one directory, and a controller is
//! usable in it only if its parent lists the controller in cgroup.subtree_control.
//!
//! | limit        | file           | value                                          |
//! |--------------|----------------|------------------------------------------------|
//! | --memory     | memory.max     | bytes                                          |
//! | swap         | memory.swap.max| swap *alone*: --memory-swap minus --memory, or `max` |
//! | --cpus       | cpu.max        | `QUOTA PERIOD` in µs                           |
//! | --cpu-shares | cpu.weight     | 1 + (shares - 2) × 9999 / 262142               |
//! | cpuset       | cpuset.cpus    | the list (empty means "the parent's": no copy needed) |
//! | --pids       | pids.max       | count                                          |
//!
//! Read: Documentation/admin-guide/cgroup-v2.rst ("Enabling and Disabling", "No Internal
//! Process Constraint", "Controllers"). Shell equivalent:
//! `echo +memory > PARENT/cgroup.subtree_control; mkdir PARENT/x; echo 32M > PARENT/x/memory.max`.
//! Used by: cgroup::group (create, stats).

use super::files::{self, Setting};
use super::limits::{shares_to_weight, Limits, Swap};
use super::stats::{CpuStats, CpusetStats, MemoryStats, PidsStats, Stats};
use crate::error::Result;
use crate::explain;
use nix::errno::Errno;
use std::path::Path;

/// The controllers a cgroup's children may be given (its cgroup.controllers).
pub fn available(dir: &Path) -> Result<Vec<String>> {
    Ok(words(&files::read(&dir.join("cgroup.controllers"))?))
}

/// The controllers a cgroup has enabled for its children (its cgroup.subtree_control).
pub fn enabled(dir: &Path) -> Result<Vec<String>> {
    Ok(words(&files::read(&dir.join("cgroup.subtree_control"))?))
}

fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(String::from).collect()
}

/// Make `wanted` usable in children of `parent` (our own cgroup).
///
/// This is the one change we make to a cgroup we did not create, and the kernel leaves no
/// other way: a child can only use a controller its parent enabled in subtree_control. So we
/// write only the controllers that are missing, only ever `+` (never taking one away from
/// sibling cgroups), and we leave them enabled afterwards, because by then other children
/// may rely on them.
pub fn enable(parent: &Path, wanted: &[String]) -> Result<()> {
    let on = enabled(parent)?;
    let missing: Vec<String> = wanted.iter().filter(|c| !on.contains(c)).map(|c| format!("+{c}")).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let control = parent.join("cgroup.subtree_control");
    let why = "let child cgroups use these controllers";
    explain::write_file(&control, &missing.join(" "), why, "cgroups(7)").map_err(|e| match e.errno_value() {
        // "No internal processes": a non-root cgroup with processes of its own cannot hand
        // domain controllers to children.
        Some(Errno::EBUSY) => e.with_hint(
            "cgroup v2's 'no internal processes' rule: our cgroup has processes of its own, so it cannot \
             enable controllers for children. Run cg-limit from a delegated cgroup (e.g. under \
             `systemd-run --scope -p Delegate=yes`) after moving your shell into a leaf cgroup of it",
        ),
        Some(Errno::ENOENT) | Some(Errno::EINVAL) => {
            e.with_hint("the controller is not available in our cgroup: see its cgroup.controllers")
        }
        _ => e,
    })
}

/// The files to write in a new v2 cgroup `dir` that has `controllers`.
pub fn settings(controllers: &[String], limits: &Limits, dir: &Path) -> Vec<Setting> {
    let has = |c: &str| controllers.iter().any(|x| x == c);
    let mut out = Vec::new();
    if has("memory") {
        if let Some(bytes) = limits.memory {
            out.push(Setting::new(
                "memory.max",
                bytes.to_string(),
                "memory limit: beyond it, reclaim, then the OOM killer",
            ));
            // memory.swap.max is absent without swap accounting; under --dry-run the
            // directory does not exist, so show the write the real run would try.
            if dir.join("memory.swap.max").exists() || explain::is_dry_run() {
                let swap = match limits.swap_total() {
                    Some(Swap::Total(total)) => total.saturating_sub(bytes).to_string(),
                    _ => "max".to_string(),
                };
                out.push(Setting::new(
                    "memory.swap.max",
                    swap,
                    "swap limit (v2 counts swap alone: total minus memory)",
                ));
            }
        }
    }
    if has("cpu") {
        if let Some(q) = limits.cpus {
            out.push(Setting::new("cpu.max", format!("{} {}", q.quota_us, q.period_us), "CPU time allowed per period"));
        }
        if let Some(shares) = limits.cpu_shares {
            out.push(Setting::new(
                "cpu.weight",
                shares_to_weight(shares).to_string(),
                "relative CPU weight (from --cpu-shares)",
            ));
        }
    }
    if has("cpuset") {
        if let Some(list) = &limits.cpuset_cpus {
            out.push(Setting::new("cpuset.cpus", list.to_string(), "CPUs allowed"));
        }
    }
    if has("pids") {
        if let Some(max) = limits.pids {
            out.push(Setting::new("pids.max", max.to_string(), "process limit: fork fails with EAGAIN beyond it"));
        }
    }
    out
}

/// Fill in what the v2 cgroup at `dir` says, for the parts v1 hierarchies did not cover
/// (on a hybrid host, v1 carries the controllers and v2 only tracks processes).
pub fn read_stats(dir: &Path, controllers: &[String], stats: &mut Stats) {
    let has = |c: &str| controllers.iter().any(|x| x == c);
    let text = |file: &str| files::read_optional(&dir.join(file)).unwrap_or_default();
    let number = |file: &str| text(file).trim().parse::<u64>().ok();
    if has("memory") && stats.memory.is_none() {
        let limit = files::parse_limit(&text("memory.max"));
        let swap = files::parse_limit(&text("memory.swap.max"));
        stats.memory = Some(MemoryStats {
            limit_bytes: limit,
            swap_limit_bytes: limit.zip(swap).map(|(m, s)| m + s),
            usage_bytes: number("memory.current").unwrap_or(0),
            peak_bytes: number("memory.peak"),
            oom_kill: files::keyed(&text("memory.events"), "oom_kill"),
        });
    }
    // cpu.stat's usage lines exist in every v2 cgroup, controller or not.
    let stat = text("cpu.stat");
    if !stat.is_empty() || has("cpu") {
        let cpu = stats.cpu.get_or_insert_with(CpuStats::default);
        if cpu.usage_usec.is_none() {
            cpu.usage_usec = files::keyed_optional(&stat, "usage_usec");
        }
        if has("cpu") {
            let max = text("cpu.max");
            let mut parts = max.split_whitespace();
            cpu.quota_us = parts.next().and_then(files::parse_limit);
            cpu.period_us = parts.next().and_then(|p| p.parse().ok());
            cpu.weight = number("cpu.weight");
            cpu.nr_periods = files::keyed(&stat, "nr_periods");
            cpu.nr_throttled = files::keyed(&stat, "nr_throttled");
            cpu.throttled_usec = files::keyed(&stat, "throttled_usec");
        }
    }
    if has("pids") && stats.pids.is_none() {
        stats.pids = Some(PidsStats {
            limit: files::parse_limit(&text("pids.max")),
            current: number("pids.current").unwrap_or(0),
            peak: number("pids.peak"),
            max_events: files::keyed(&text("pids.events"), "max"),
        });
    }
    if has("cpuset") && stats.cpuset.is_none() {
        let cpus = text("cpuset.cpus.effective");
        let mems = text("cpuset.mems.effective");
        stats.cpuset = Some(CpusetStats { cpus: cpus.trim().into(), mems: mems.trim().into() });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cgroup::limits::CpuQuota;
    use crate::cgroup::mode::Mode;
    use crate::cgroup::testdir::TestDir;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn enabling_writes_only_missing_controllers() {
        let parent = TestDir::new(
            "v2-enable",
            &[("cgroup.controllers", "cpuset cpu io memory pids\n"), ("cgroup.subtree_control", "memory\n")],
        );
        enable(parent.path(), &strings(&["memory", "pids", "cpu"])).unwrap();
        // A fixture file keeps what was written (the kernel would show the new set instead).
        let written = std::fs::read_to_string(parent.path().join("cgroup.subtree_control")).unwrap();
        assert_eq!(written, "+pids +cpu");
    }

    #[test]
    fn nothing_missing_means_no_write() {
        let parent = TestDir::new(
            "v2-enabled",
            &[("cgroup.controllers", "memory pids\n"), ("cgroup.subtree_control", "memory pids\n")],
        );
        enable(parent.path(), &strings(&["pids"])).unwrap();
        let text = std::fs::read_to_string(parent.path().join("cgroup.subtree_control")).unwrap();
        assert_eq!(text, "memory pids\n");
        assert_eq!(available(parent.path()).unwrap(), vec!["memory", "pids"]);
    }

    #[test]
    fn limits_map_to_v2_files() {
        let dir = TestDir::new("v2-settings", &[("memory.swap.max", "max\n")]);
        let limits = Limits {
            memory: Some(32 << 20),
            cpus: Some(CpuQuota { quota_us: 50_000, period_us: 100_000 }),
            cpu_shares: Some(1024),
            pids: Some(32),
            ..Default::default()
        };
        let s = settings(&strings(&["memory", "cpu", "pids"]), &limits, dir.path());
        let files: Vec<_> = s.iter().map(|s| (s.file, s.value.as_str())).collect();
        assert_eq!(
            files,
            vec![
                ("memory.max", "33554432"),
                ("memory.swap.max", "33554432"), // docker's default total of 2 × memory
                ("cpu.max", "50000 100000"),
                ("cpu.weight", "39"),
                ("pids.max", "32"),
            ]
        );
    }

    #[test]
    fn unlimited_swap_is_max_and_missing_swap_file_is_skipped() {
        let dir = TestDir::new("v2-swap", &[("memory.swap.max", "max\n")]);
        let limits = Limits { memory: Some(1 << 20), memory_swap: Some(Swap::Unlimited), ..Default::default() };
        assert_eq!(settings(&strings(&["memory"]), &limits, dir.path())[1].value, "max");
        let bare = TestDir::new("v2-noswap", &[]);
        assert_eq!(settings(&strings(&["memory"]), &limits, bare.path()).len(), 1);
    }

    #[test]
    fn stats_read_from_a_fixture_tree() {
        let dir = TestDir::new(
            "v2-stats",
            &[
                ("memory.max", "33554432\n"),
                ("memory.swap.max", "0\n"),
                ("memory.current", "4096\n"),
                ("memory.events", "low 0\nhigh 0\nmax 9\noom 1\noom_kill 1\noom_group_kill 0\n"),
                ("cpu.max", "20000 100000\n"),
                ("cpu.weight", "100\n"),
                ("cpu.stat", "usage_usec 300000\nuser_usec 1\nsystem_usec 2\nnr_periods 15\nnr_throttled 12\nthrottled_usec 900000\n"),
                ("pids.max", "32\n"),
                ("pids.current", "0\n"),
                ("pids.peak", "32\n"),
                ("pids.events", "max 57\n"),
            ],
        );
        let mut stats = Stats::empty("t", Mode::Unified);
        read_stats(dir.path(), &strings(&["memory", "cpu", "pids"]), &mut stats);
        let mem = stats.memory.unwrap();
        assert_eq!(
            (mem.limit_bytes, mem.swap_limit_bytes, mem.usage_bytes, mem.oom_kill),
            (Some(32 << 20), Some(32 << 20), 4096, 1)
        );
        let cpu = stats.cpu.unwrap();
        assert_eq!(
            (cpu.quota_us, cpu.period_us, cpu.usage_usec, cpu.nr_throttled, cpu.throttled_usec),
            (Some(20_000), Some(100_000), Some(300_000), 12, 900_000)
        );
        let pids = stats.pids.unwrap();
        assert_eq!((pids.limit, pids.peak, pids.max_events), (Some(32), Some(32), 57));
    }

    #[test]
    fn a_tracking_only_cgroup_still_reports_cpu_usage() {
        let dir = TestDir::new("v2-track", &[("cpu.stat", "usage_usec 42\n")]);
        let mut stats = Stats::empty("t", Mode::Hybrid);
        read_stats(dir.path(), &[], &mut stats);
        assert_eq!(stats.cpu.unwrap().usage_usec, Some(42));
        assert!(stats.memory.is_none() && stats.pids.is_none());
    }
}
