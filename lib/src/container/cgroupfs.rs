//! /sys/fs/cgroup inside the container: its own cgroups, read-only, as docker shows them.
//!
//! The container has a cgroup namespace whose root is the container's cgroup (child.rs step 7:
//! unshare(CLONE_NEWCGROUP) after the parent moved it in). A cgroup filesystem mounted from
//! inside that namespace shows that root, never the host's tree above it
//! (cgroup_namespaces(7)), so `cat /sys/fs/cgroup/memory.max` inside reads its own limit.
//!
//! | host layout | what the container gets at /sys/fs/cgroup                                      |
//! |-------------|--------------------------------------------------------------------------------|
//! | unified     | one cgroup2 mount, read-only                                                   |
//! | hybrid      | a tmpfs (mode 755), in it a read-only cgroup v1 mount per hierarchy (`memory`, `cpu,cpuacct` with links `cpu` and `cpuacct`, …) and cgroup2 at `unified`; then the tmpfs itself is remounted read-only |
//! | legacy      | the same without `unified`                                                     |
//!
//! Which hierarchies: only those in which the container has a cgroup of its own — read from
//! /proc/self/cgroup after `Joined`, before the namespace exists, as lines whose path ends in
//! the container's id. In a hierarchy where it has none (say `devices`, when no limit needed
//! it) it sits in its creator's cgroup, and a mount there would show that cgroup's whole
//! subtree: it is left out (runc/docker create a cgroup in every hierarchy instead).
//! Mounting a v1 hierarchy that already exists, with the same controller options, gives that
//! hierarchy again (a new one may not be made from inside a cgroup namespace).
//! Syscalls: mount(2) (tmpfs, cgroup, cgroup2, MS_REMOUNT|MS_RDONLY), mkdir(2), symlink(2).
//! Read: cgroup_namespaces(7), cgroups(7), Documentation/admin-guide/cgroup-v1/cgroups.rst
//! ("mount -t cgroup -o cpuset"). Shell: `mount -t cgroup2 -o ro cgroup2 /sys/fs/cgroup`;
//! `mount -t tmpfs tmpfs /sys/fs/cgroup; mkdir …/memory; mount -t cgroup -o ro,memory cgroup …`.
//! Used by: container::child.

use crate::cgroup::hierarchy::parse_proc_cgroup;
use crate::error::Result;
use crate::explain::{self, Op};
use nix::mount::MsFlags;
use std::path::{Path, PathBuf};

pub const CGROUP_ROOT: &str = "/sys/fs/cgroup";

/// One cgroup file system to mount under /sys/fs/cgroup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hierarchy {
    /// Directory under /sys/fs/cgroup (`memory`, `cpu,cpuacct`, `unified`); "" is the root itself.
    pub name: String,
    /// `cgroup` (v1) or `cgroup2`.
    pub fstype: &'static str,
    /// v1: the hierarchy's controllers, the mount data that selects it (`cpu,cpuacct`).
    pub data: String,
    /// v1 co-mounted controllers get a link each (`cpu -> cpu,cpuacct`), as on the host.
    pub links: Vec<String>,
}

/// What to mount for a container with id `id`, from /proc/self/cgroup text read after the
/// container joined its cgroups (still in the host's cgroup namespace, so paths are full).
pub fn plan(proc_self_cgroup: &str, id: &str) -> Vec<Hierarchy> {
    let ours = |path: &str| path.rsplit('/').next() == Some(id);
    let members = parse_proc_cgroup(proc_self_cgroup);
    let v1: Vec<_> = members.iter().filter(|m| m.id != 0 && ours(&m.path)).collect();
    let v2 = members.iter().any(|m| m.id == 0 && ours(&m.path));
    if v1.is_empty() {
        let whole = Hierarchy { name: String::new(), fstype: "cgroup2", data: String::new(), links: Vec::new() };
        return if v2 { vec![whole] } else { Vec::new() };
    }
    let mut out: Vec<Hierarchy> = v1
        .iter()
        .map(|m| {
            let named = m.controllers.iter().find_map(|c| c.strip_prefix("name="));
            let (name, data) = match named {
                Some(n) => (n.to_string(), format!("none,name={n}")),
                None => (m.controllers.join(","), m.controllers.join(",")),
            };
            let links = if m.controllers.len() > 1 { m.controllers.clone() } else { Vec::new() };
            Hierarchy { name, fstype: "cgroup", data, links }
        })
        .collect();
    if v2 {
        out.push(Hierarchy { name: "unified".into(), fstype: "cgroup2", data: String::new(), links: Vec::new() });
    }
    out
}

const FLAGS: MsFlags = MsFlags::MS_NOSUID.union(MsFlags::MS_NODEV).union(MsFlags::MS_NOEXEC);

/// Mount `plan` at /sys/fs/cgroup, read-only. Call after pivot_root and unshare(NEWCGROUP).
pub fn mount(plan: &[Hierarchy]) -> Result<()> {
    if plan.is_empty() {
        return Ok(());
    }
    let root = Path::new(CGROUP_ROOT);
    if let [only] = plan {
        if only.name.is_empty() {
            return mount_one(only, root);
        }
    }
    let op = Op::new(
        format!("mount(\"tmpfs\", {CGROUP_ROOT:?}, \"tmpfs\", MS_NOSUID|MS_NODEV|MS_NOEXEC, \"mode=755\")"),
        "a directory to hold one mount per cgroup v1 hierarchy",
        "tmpfs(5)",
    );
    explain::change(op, CGROUP_ROOT, || {
        nix::mount::mount(Some("tmpfs"), root, Some("tmpfs"), FLAGS, Some("mode=755"))
    })?;
    for h in plan {
        let dir = root.join(&h.name);
        let op = Op::new(format!("mkdir({dir:?}, 0755)"), "the hierarchy's mount point", "mkdir(2)");
        explain::change(op, &dir.display().to_string(), || {
            nix::unistd::mkdir(&dir, nix::sys::stat::Mode::from_bits_truncate(0o755))
        })?;
        mount_one(h, &dir)?;
        for link in h.links.iter().filter(|l| **l != h.name) {
            let at: PathBuf = root.join(link);
            let op = Op::new(
                format!("symlink({:?}, {at:?})", h.name),
                "co-mounted controllers, as on the host",
                "symlink(2)",
            );
            explain::change(op, &at.display().to_string(), || {
                nix::unistd::symlinkat(h.name.as_str(), nix::fcntl::AT_FDCWD, &at)
            })?;
        }
    }
    let flags = FLAGS | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY;
    let op = Op::new(
        format!("mount(NULL, {CGROUP_ROOT:?}, NULL, MS_REMOUNT|MS_RDONLY|…, \"mode=755\")"),
        "the tmpfs read-only too, now that its mount points exist",
        "mount(2)",
    );
    explain::change(op, CGROUP_ROOT, || nix::mount::mount(None::<&str>, root, None::<&str>, flags, Some("mode=755")))
}

fn mount_one(h: &Hierarchy, at: &Path) -> Result<()> {
    let flags = FLAGS | MsFlags::MS_RDONLY;
    let data = (!h.data.is_empty()).then_some(h.data.as_str());
    let shown = at.display().to_string();
    let op = Op::new(
        format!(
            "mount({:?}, {shown:?}, {:?}, MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC, {:?})",
            h.fstype, h.fstype, h.data
        ),
        "the container's own cgroup as the root: it is in a cgroup namespace",
        "cgroup_namespaces(7)",
    );
    explain::change(op, &shown, || nix::mount::mount(Some(h.fstype), at, Some(h.fstype), flags, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "abc123";

    #[test]
    fn unified_hosts_get_one_cgroup2_mount() {
        let plan = plan("0::/user.slice/abc123\n", ID);
        assert_eq!(plan, vec![Hierarchy { name: "".into(), fstype: "cgroup2", data: "".into(), links: vec![] }]);
    }

    #[test]
    fn v1_hierarchies_of_our_own_only_plus_unified() {
        let text = "9:name=systemd:/\n8:pids:/x/abc123\n5:devices:/\n4:memory:/x/abc123\n\
                    2:cpu,cpuacct:/x/abc123\n0::/x/abc123\n";
        let names: Vec<_> = plan(text, ID).into_iter().map(|h| (h.name, h.fstype, h.data, h.links)).collect();
        assert_eq!(
            names,
            vec![
                ("pids".into(), "cgroup", "pids".into(), vec![]),
                ("memory".into(), "cgroup", "memory".into(), vec![]),
                ("cpu,cpuacct".into(), "cgroup", "cpu,cpuacct".into(), vec!["cpu".into(), "cpuacct".into()]),
                ("unified".into(), "cgroup2", "".into(), vec![]),
            ]
        );
    }

    #[test]
    fn nothing_of_our_own_means_nothing_mounted() {
        assert!(plan("4:memory:/\n0::/\n", ID).is_empty());
        // A sibling whose name merely ends the same way is not ours.
        assert!(plan("0::/x/zabc123\n", ID).is_empty());
    }
}
