//! Which hierarchies a new cgroup needs, and which controllers it uses in each.
//!
//! - Each limit needs a controller: --memory/--memory-swap → memory, --cpus/--cpu-shares →
//!   cpu (plus cpuacct on v1, where CPU usage is counted), --cpuset-cpus → cpuset,
//!   --pids → pids. With no limit at all we still create memory, cpu, cpuacct and pids
//!   cgroups, so `--stats` has usage to show; those are skipped when the host lacks them.
//! - A controller mounted as a v1 hierarchy is used there (on hybrid hosts that is where the
//!   controllers live); otherwise in the v2 tree if our v2 cgroup offers it
//!   (cgroup.controllers). A limit whose controller exists nowhere is refused.
//! - On hybrid and unified hosts the cgroup always gets a v2 directory too: on hybrid it has
//!   no controllers but tracks the processes (and its cgroup.kill ends them all at once).
//!
//! Files read: cgroup.controllers of our v2 cgroup. Read: cgroups(7), /proc/cgroups.
//! Shell equivalent: choosing the `-g memory,pids:NAME` of `cgcreate`.
//! Used by: cgroup::group (create).

use super::hierarchy::{Hierarchy, Layout, Version};
use super::limits::Limits;
use super::v2;
use crate::error::{Error, Result};
use nix::errno::Errno;

/// One directory to create: in which hierarchy, using which controllers there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement<'a> {
    pub hierarchy: &'a Hierarchy,
    /// v1: every controller of the hierarchy; v2: the controllers to enable for it.
    pub controllers: Vec<String>,
}

/// The controllers the limits need; `true` when asked for by a limit (so required).
pub fn wanted(limits: &Limits) -> Vec<(&'static str, bool)> {
    if limits.is_empty() {
        return vec![("memory", false), ("cpu", false), ("cpuacct", false), ("pids", false)];
    }
    let mut out = Vec::new();
    if limits.memory.is_some() || limits.memory_swap.is_some() {
        out.push(("memory", true));
    }
    if limits.cpus.is_some() || limits.cpu_shares.is_some() {
        // cpuacct only counts usage (for --stats): useful, never required.
        out.extend([("cpu", true), ("cpuacct", false)]);
    }
    if limits.cpuset_cpus.is_some() {
        out.push(("cpuset", true));
    }
    if limits.pids.is_some() {
        out.push(("pids", true));
    }
    out
}

/// Decide the placements for `limits` on `layout`.
pub fn plan<'a>(layout: &'a Layout, limits: &Limits) -> Result<Vec<Placement<'a>>> {
    let unified = layout.unified();
    let offered = match unified {
        Some(h) => v2::available(&h.dir)?,
        None => Vec::new(),
    };
    let mut placements: Vec<Placement> = Vec::new();
    let mut v2_controllers: Vec<String> = Vec::new();
    for (controller, required) in wanted(limits) {
        if let Some(h) = layout.v1_with(controller) {
            if !placements.iter().any(|p| p.hierarchy.dir == h.dir) {
                placements.push(Placement { hierarchy: h, controllers: h.controllers.clone() });
            }
        } else if controller == "cpuacct" {
            // v2 has no cpuacct: every v2 cgroup's cpu.stat counts usage.
        } else if offered.iter().any(|c| c == controller) {
            v2_controllers.push(controller.to_string());
        } else if required {
            return Err(Error::errno("find controller", controller, Errno::ENOENT).with_hint(format!(
                "the {controller} controller is neither mounted as a cgroup v1 hierarchy nor offered in our \
                 cgroup v2 tree (cgroup.controllers: {:?}); see /proc/cgroups",
                offered.join(" ")
            )));
        } else {
            crate::explain::note(&format!("no {controller} controller on this host: no {controller} statistics"));
        }
    }
    if let Some(h) = unified {
        placements.push(Placement { hierarchy: h, controllers: v2_controllers });
    }
    if placements.is_empty() {
        return Err(Error::errno("find cgroup hierarchy", "/proc/self/cgroup", Errno::ENOENT)
            .with_hint("no usable cgroup hierarchy is mounted: mount cgroup2 on /sys/fs/cgroup"));
    }
    Ok(placements)
}

/// True when this placement is in the v2 tree.
pub fn is_v2(p: &Placement) -> bool {
    p.hierarchy.version == Version::V2
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cgroup::hierarchy::Hierarchy;
    use crate::cgroup::limits::CpuQuota;
    use crate::cgroup::mode::Mode;
    use crate::cgroup::testdir::TestDir;
    use std::path::PathBuf;

    fn v1(controllers: &[&str]) -> Hierarchy {
        let name = controllers.join(",");
        Hierarchy {
            version: Version::V1,
            controllers: controllers.iter().map(|c| c.to_string()).collect(),
            mount_point: PathBuf::from(format!("/cg/{name}")),
            dir: PathBuf::from(format!("/cg/{name}/me")),
        }
    }

    fn v2_at(dir: &TestDir) -> Hierarchy {
        Hierarchy { version: Version::V2, controllers: vec![], mount_point: dir.path().into(), dir: dir.path().into() }
    }

    #[test]
    fn hybrid_puts_limits_on_v1_and_tracks_on_v2() {
        let unified = TestDir::new("plan-hybrid", &[("cgroup.controllers", "hugetlb\n")]);
        let layout = Layout {
            mode: Mode::Hybrid,
            hierarchies: vec![v1(&["cpu", "cpuacct"]), v1(&["pids"]), v1(&["memory"]), v2_at(&unified)],
        };
        let limits = Limits {
            pids: Some(32),
            cpus: Some(CpuQuota { quota_us: 1000, period_us: 100_000 }),
            ..Default::default()
        };
        let p = plan(&layout, &limits).unwrap();
        let labels: Vec<_> = p.iter().map(|p| (p.hierarchy.label(), p.controllers.len())).collect();
        assert_eq!(labels, vec![("cpu,cpuacct".to_string(), 2), ("pids".into(), 1), ("unified".into(), 0)]);
    }

    #[test]
    fn no_limits_means_stats_hierarchies_only() {
        let layout = Layout {
            mode: Mode::Legacy,
            hierarchies: vec![v1(&["cpu"]), v1(&["cpuacct"]), v1(&["memory"]), v1(&["devices"])],
        };
        let p = plan(&layout, &Limits::default()).unwrap();
        let labels: Vec<_> = p.iter().map(|p| p.hierarchy.label()).collect();
        assert_eq!(labels, vec!["memory", "cpu", "cpuacct"], "no pids hierarchy: skipped, not an error");
    }

    #[test]
    fn unified_enables_what_the_limits_need() {
        let unified = TestDir::new("plan-unified", &[("cgroup.controllers", "cpuset cpu io memory pids\n")]);
        let layout = Layout { mode: Mode::Unified, hierarchies: vec![v2_at(&unified)] };
        let limits = Limits { memory: Some(1 << 20), pids: Some(3), ..Default::default() };
        let p = plan(&layout, &limits).unwrap();
        assert_eq!(p.len(), 1);
        assert!(is_v2(&p[0]));
        assert_eq!(p[0].controllers, vec!["memory", "pids"]);
    }

    #[test]
    fn a_missing_controller_for_a_limit_is_refused() {
        let unified = TestDir::new("plan-missing", &[("cgroup.controllers", "memory\n")]);
        let layout = Layout { mode: Mode::Unified, hierarchies: vec![v2_at(&unified)] };
        let limits = Limits { pids: Some(3), ..Default::default() };
        let err = plan(&layout, &limits).unwrap_err().to_string();
        assert!(err.contains("find controller pids") && err.contains("hint:"), "{err}");
    }
}
