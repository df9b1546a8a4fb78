//! Telling the user what a cgroup did: the one line cg-limit prints when a limit was hit
//! (so a command that "just died" is explained), and the human form of `--stats`/`--show`.
//!
//!     cg-limit: sh was killed by the OOM killer (memory limit 32M, oom_kill 1)
//!     cg-limit: sh hit the pids limit: 57 forks refused (pids limit 32)
//!
//! CPU throttling is reported by `--stats` but is not a "hit": a quota is meant to throttle.
//! No syscalls: formats a `Stats`. Read: cgroup-v2.rst ("memory.events", "cpu.stat").
//! Shell equivalent: `grep oom_kill memory.events; cat pids.events` and reading the numbers.
//! Used by: cg-limit.

use super::limits::format_size;
use super::stats::Stats;
use crate::process::Status;
use nix::sys::signal::Signal;

/// One line naming the limits `command` ran into, or None if it hit none.
pub fn limit_hits(stats: &Stats, command: &str, status: Status) -> Option<String> {
    let mut hits = Vec::new();
    if let Some(m) = stats.memory.as_ref().filter(|m| m.oom_kill > 0) {
        let limit = m.limit_bytes.map_or("none".to_string(), format_size);
        let detail = format!("(memory limit {limit}, oom_kill {})", m.oom_kill);
        hits.push(if status == Status::Signaled(Signal::SIGKILL) {
            format!("{command} was killed by the OOM killer {detail}")
        } else {
            format!("the OOM killer killed {} process(es) of {command} {detail}", m.oom_kill)
        });
    }
    if let Some(p) = stats.pids.as_ref().filter(|p| p.max_events > 0) {
        let limit = p.limit.map_or("none".to_string(), |l| l.to_string());
        let forks = if p.max_events == 1 { "fork" } else { "forks" };
        hits.push(format!("{command} hit the pids limit: {} {forks} refused (pids limit {limit})", p.max_events));
    }
    (!hits.is_empty()).then(|| hits.join("; "))
}

/// The human form of the statistics, several lines, each starting with two spaces.
pub fn text(stats: &Stats) -> String {
    let mut out = format!("cgroup {} ({} mode)\n", stats.name, stats.mode.name());
    for dir in &stats.dirs {
        out += &format!("  dir:     {}\n", dir.display());
    }
    out += &format!("  procs:   {}\n", stats.processes.len());
    let opt = |v: Option<u64>, f: fn(u64) -> String| v.map_or("none".to_string(), f);
    if let Some(m) = &stats.memory {
        out += &format!(
            "  memory:  usage {}, peak {}, limit {}, memory+swap limit {}, oom_kill {}\n",
            human_bytes(m.usage_bytes),
            opt(m.peak_bytes, human_bytes),
            opt(m.limit_bytes, format_size),
            opt(m.swap_limit_bytes, format_size),
            m.oom_kill
        );
    }
    if let Some(c) = &stats.cpu {
        out += &format!("  cpu:     usage {}", opt(c.usage_usec, seconds));
        if let (Some(q), Some(p)) = (c.quota_us, c.period_us) {
            out += &format!(", quota {q}us per {p}us ({:.2} CPUs)", q as f64 / p as f64);
        }
        // Periods are counted only while a quota is set; without one, throttling cannot happen.
        if c.nr_periods > 0 {
            let throttled = seconds(c.throttled_usec);
            out += &format!(", throttled in {} of {} periods ({throttled})", c.nr_throttled, c.nr_periods);
        }
        out += "\n";
    }
    if let Some(p) = &stats.pids {
        out += &format!(
            "  pids:    current {}, peak {}, limit {}, forks refused {}\n",
            p.current,
            opt(p.peak, |n| n.to_string()),
            opt(p.limit, |n| n.to_string()),
            p.max_events
        );
    }
    if let Some(s) = &stats.cpuset {
        out += &format!("  cpuset:  cpus {}, mems {}\n", s.cpus, s.mems);
    }
    out
}

fn human_bytes(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1}G", b as f64 / (1u64 << 30) as f64),
        b if b >= 1 << 20 => format!("{:.1}M", b as f64 / (1u64 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.1}k", b as f64 / 1024.0),
        b => format!("{b}"),
    }
}

fn seconds(usec: u64) -> String {
    format!("{:.3}s", usec as f64 / 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cgroup::mode::Mode;
    use crate::cgroup::stats::{CpuStats, MemoryStats, PidsStats};

    fn oomed() -> Stats {
        let mut s = Stats::empty("t", Mode::Hybrid);
        s.memory = Some(MemoryStats { limit_bytes: Some(32 << 20), oom_kill: 1, ..Default::default() });
        s
    }

    #[test]
    fn an_oom_kill_is_explained_in_one_line() {
        let line = limit_hits(&oomed(), "sh", Status::Signaled(Signal::SIGKILL)).unwrap();
        assert_eq!(line, "sh was killed by the OOM killer (memory limit 32M, oom_kill 1)");
        let other = limit_hits(&oomed(), "sh", Status::Exited(1)).unwrap();
        assert!(other.starts_with("the OOM killer killed 1 process(es) of sh"), "{other}");
    }

    #[test]
    fn pids_hits_and_both_at_once() {
        let mut s = oomed();
        s.pids = Some(PidsStats { limit: Some(32), max_events: 57, ..Default::default() });
        let line = limit_hits(&s, "sh", Status::Exited(2)).unwrap();
        assert!(!line.contains('\n'));
        assert!(line.ends_with("sh hit the pids limit: 57 forks refused (pids limit 32)"), "{line}");
    }

    #[test]
    fn no_hit_no_line() {
        let mut s = Stats::empty("t", Mode::Legacy);
        s.cpu = Some(CpuStats { nr_throttled: 5, ..Default::default() });
        assert_eq!(limit_hits(&s, "x", Status::Exited(0)), None);
    }

    #[test]
    fn text_lists_every_section() {
        let mut s = oomed();
        s.cpu = Some(CpuStats {
            quota_us: Some(20_000),
            period_us: Some(100_000),
            usage_usec: Some(300_000),
            ..Default::default()
        });
        let t = text(&s);
        assert!(t.contains("oom_kill 1") && t.contains("(0.20 CPUs)") && t.contains("usage 0.300s"), "{t}");
    }
}
