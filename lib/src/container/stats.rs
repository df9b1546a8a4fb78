//! `ctrkit stats`: a container's use of CPU, memory and processes, read from its cgroup —
//! docker's columns: CPU %, MEM USAGE / LIMIT, MEM %, PIDS.
//!
//! CPU % is the cgroup's CPU time used between two reads divided by the wall time between
//! them (100% = one CPU busy), so one line needs two samples a short interval apart.
//! Files: the cgroup's cpuacct.usage / cpu.stat, memory.usage_in_bytes / memory.current,
//! memory.limit_in_bytes / memory.max, pids.current (via cgroup::Cgroup::stats).
//! Read: cgroups(7), docker-container-stats(1). Shell: `cat /sys/fs/cgroup/memory/…/memory.usage_in_bytes`.
//! Used by: ctrkit stats.

use super::lookup::Record;
use crate::cgroup::Stats;
use crate::error::{Error, Result};
use std::time::{Duration, Instant};

/// One line of `stats`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub id: String,
    pub name: String,
    pub cpu_percent: f64,
    pub mem_usage: u64,
    /// None: no limit (docker then shows the host's memory).
    pub mem_limit: Option<u64>,
    pub pids: u64,
}

/// Read the container's cgroup twice, `interval` apart.
pub fn sample(rec: &Record, interval: Duration) -> Result<Sample> {
    let s = &rec.state;
    let cg = super::remove::cgroup_of(s)?
        .ok_or_else(|| Error::invalid(format!("container {}", s.name), "has no cgroup: it is not running"))?;
    let first = cg.stats()?;
    let t0 = Instant::now();
    std::thread::sleep(interval);
    let second = cg.stats()?;
    let wall = t0.elapsed().as_micros().max(1) as f64;
    Ok(from_stats(&s.id, &s.name, &first, &second, wall))
}

/// The numbers from two reads `wall_usec` apart (pure, for tests).
pub fn from_stats(id: &str, name: &str, first: &Stats, second: &Stats, wall_usec: f64) -> Sample {
    let used = |st: &Stats| st.cpu.as_ref().and_then(|c| c.usage_usec).unwrap_or(0);
    let cpu = used(second).saturating_sub(used(first)) as f64;
    let mem = second.memory.as_ref();
    Sample {
        id: id.to_string(),
        name: name.to_string(),
        cpu_percent: cpu * 100.0 / wall_usec,
        mem_usage: mem.map_or(0, |m| m.usage_bytes),
        mem_limit: mem.and_then(|m| m.limit_bytes),
        pids: second.pids.as_ref().map_or(second.processes.len() as u64, |p| p.current),
    }
}

/// The host's memory (MemTotal in /proc/meminfo), what docker shows as the limit of an
/// unlimited container.
pub fn host_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kib| kib * 1024)
}

/// docker's binary sizes: `1.5MiB`, `512KiB`, `0B`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1024.0 && i < UNITS.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{n}B")
    } else {
        format!("{v:.3}").trim_end_matches('0').trim_end_matches('.').to_string() + UNITS[i]
    }
}

/// The table docker prints.
pub fn render(samples: &[Sample]) -> String {
    let host = host_memory();
    let mut out = format!(
        "{:<14}{:<20}{:<10}{:<24}{:<9}{}\n",
        "CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "PIDS"
    );
    for s in samples {
        let limit = s.mem_limit.unwrap_or(host).max(1);
        let usage = format!("{} / {}", human_bytes(s.mem_usage), human_bytes(limit));
        out.push_str(&format!(
            "{:<14}{:<20}{:<10}{:<24}{:<9}{}\n",
            super::id::short(&s.id),
            s.name,
            format!("{:.2}%", s.cpu_percent),
            usage,
            format!("{:.2}%", s.mem_usage as f64 * 100.0 / limit as f64),
            s.pids
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cgroup::stats::{CpuStats, MemoryStats, PidsStats};
    use crate::cgroup::Mode;

    #[test]
    fn cpu_percent_and_sizes() {
        let mut a = Stats::empty("x", Mode::Hybrid);
        a.cpu = Some(CpuStats { usage_usec: Some(1_000), ..Default::default() });
        let mut b = a.clone();
        b.cpu = Some(CpuStats { usage_usec: Some(51_000), ..Default::default() });
        b.memory = Some(MemoryStats { usage_bytes: 3 << 20, limit_bytes: Some(64 << 20), ..Default::default() });
        b.pids = Some(PidsStats { current: 2, ..Default::default() });
        let s = from_stats("abc", "web", &a, &b, 100_000.0);
        assert!((s.cpu_percent - 50.0).abs() < 1e-9);
        assert_eq!((s.mem_usage, s.mem_limit, s.pids), (3 << 20, Some(64 << 20), 2));
        assert_eq!(human_bytes(0), "0B");
        assert_eq!(human_bytes(1536 * 1024), "1.5MiB");
        assert!(render(&[s]).contains("3MiB / 64MiB"));
    }
}
