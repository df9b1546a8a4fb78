//! Join the cgroups another process is in: the cgroup half of entering a container
//! (`ctr-enter`), next to setns(2) for its namespaces.
//!
//! For each line of /proc/PID/cgroup (one per hierarchy: every v1 hierarchy and the v2
//! tree), find where that hierarchy is mounted (hierarchy.rs) and write our own pid to the
//! target cgroup's cgroup.procs. Lines where we are already in the same cgroup are skipped,
//! and so are hierarchies not mounted here (nothing to write to).
//!
//! Order does not matter between hierarchies, but it matters against namespaces: join the
//! cgroups *before* setns into the container's cgroup namespace, while the host's cgroup
//! paths still resolve. A v2 target must be a leaf ("no internal processes"), which a
//! container's cgroup is.
//! Files: read /proc/PID/cgroup, /proc/self/cgroup, /proc/self/mountinfo; write cgroup.procs.
//! Read: cgroups(7) ("Creating cgroups and moving processes"), nsenter(1) has no cgroup join;
//! cgexec(1) is the closest classic tool. Shell equivalent:
//! `while IFS=: read id ctl path; do echo $$ > /sys/fs/cgroup/$ctl$path/cgroup.procs; done < /proc/PID/cgroup`.
//! Used by: ctr-enter.

use super::hierarchy::{mount_for, parse_mountinfo, parse_proc_cgroup, read, CgroupMount, Membership};
use crate::error::Result;
use crate::explain;
use nix::errno::Errno;
use std::path::PathBuf;

/// Move the calling process into every cgroup that process `pid` is in.
pub fn join_cgroups_of(pid: i32) -> Result<()> {
    let theirs = read(format!("/proc/{pid}/cgroup"))
        .map_err(|e| e.with_hint(format!("is process {pid} still running? (ls /proc/{pid})")))?;
    let theirs = parse_proc_cgroup(&theirs);
    let ours = parse_proc_cgroup(&read("/proc/self/cgroup")?);
    let mounts = parse_mountinfo(&read("/proc/self/mountinfo")?);
    let me = std::process::id().to_string();
    for procs in join_plan(&theirs, &ours, &mounts) {
        let why = "join the target's cgroup in this hierarchy";
        explain::write_file(&procs, &me, why, "cgroups(7)").map_err(|e| match e.errno_value() {
            Some(Errno::EBUSY) => e.with_hint("the target cgroup has child cgroups with controllers enabled (cgroup v2 'no internal processes' rule): join a leaf cgroup"),
            Some(Errno::ENOENT) => e.with_hint(format!("the cgroup is gone: did process {pid} exit?")),
            _ => e,
        })?;
    }
    Ok(())
}

/// The cgroup.procs files to write to join `theirs`, given our own membership and the
/// mounts we see. Pure: the unit tests drive it with text fixtures.
pub fn join_plan(theirs: &[Membership], ours: &[Membership], mounts: &[CgroupMount]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for target in theirs {
        let already_there =
            ours.iter().any(|m| m.id == target.id && m.controllers == target.controllers && m.path == target.path);
        if already_there {
            continue;
        }
        match mount_for(target, mounts) {
            Some((_, dir)) => files.push(dir.join("cgroup.procs")),
            None => explain::note(&format!(
                "cgroup hierarchy {}:{} is not mounted here: not joined",
                target.id,
                target.controllers.join(",")
            )),
        }
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const MOUNTS: &str = "\
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids
41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw
";

    #[test]
    fn joins_every_hierarchy_where_we_differ() {
        let ours = parse_proc_cgroup("8:pids:/\n4:memory:/me\n1:cpu,cpuacct:/\n0::/\n");
        let theirs = parse_proc_cgroup("8:pids:/ctr\n4:memory:/me\n1:cpu,cpuacct:/ctr\n0::/ctr\n");
        let plan = join_plan(&theirs, &ours, &parse_mountinfo(MOUNTS));
        let expect = ["/sys/fs/cgroup/pids/ctr", "/sys/fs/cgroup/cpu,cpuacct/ctr", "/sys/fs/cgroup/unified/ctr"];
        let expect: Vec<PathBuf> = expect.iter().map(|d| Path::new(d).join("cgroup.procs")).collect();
        assert_eq!(plan, expect, "memory is the same cgroup: skipped");
    }

    #[test]
    fn unmounted_hierarchies_are_skipped() {
        let theirs = parse_proc_cgroup("9:name=systemd:/x\n3:cpuset:/x\n");
        assert!(join_plan(&theirs, &[], &parse_mountinfo(MOUNTS)).is_empty());
    }

    #[test]
    fn a_missing_pid_says_so() {
        let err = join_cgroups_of(i32::MAX).unwrap_err().to_string();
        assert!(err.contains("/proc/2147483647/cgroup") && err.contains("still running"), "{err}");
    }
}
