//! Where a process's cgroups are: each hierarchy's mount point joined with the process's path
//! in it. This is how cg-limit finds "our own cgroup" to create children under, and how
//! ctr-enter finds a container's cgroups to join.
//!
//! Two files answer it together:
//! - /proc/PID/cgroup: one line per hierarchy, `ID:CONTROLLERS:PATH`
//!   (`4:memory:/user.slice`, `1:cpu,cpuacct:/`, `9:name=systemd:/`, `0::/` for v2);
//! - /proc/self/mountinfo: where each hierarchy is mounted. A v1 mount's super options name
//!   its controllers (`rw,cpu` or co-mounted `rw,cpu,cpuacct`); v2 is fstype `cgroup2`.
//!   The mount's root field matters inside a cgroup namespace or a bind mount: the
//!   directory is MOUNT_POINT + (PATH minus ROOT).
//!
//! Files read: /proc/PID/cgroup, /proc/self/mountinfo. Read: cgroups(7) ("/proc files"),
//! proc(5) ("/proc/pid/mountinfo"), cgroup_namespaces(7).
//! Shell equivalent: `cat /proc/self/cgroup; findmnt -t cgroup,cgroup2`.
//! Used by: cgroup::group (create/open under our cgroup), cgroup::join (ctr-enter).

use super::mode::{self, Mode};
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// cgroup v1 or v2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V1,
    V2,
}

/// One line of /proc/PID/cgroup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    /// Hierarchy ID; 0 is the v2 hierarchy.
    pub id: u32,
    /// v1 controllers (`cpu`, `cpuacct`, `name=systemd`); empty for v2.
    pub controllers: Vec<String>,
    /// The cgroup's path from the hierarchy's root, as this process sees it (`/x/y`).
    pub path: String,
}

/// A cgroup filesystem mount, from one line of mountinfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgroupMount {
    pub version: Version,
    /// v1: the controllers in the super options (`cpu`, `name=systemd`); v2: empty.
    pub controllers: Vec<String>,
    /// Which cgroup of the hierarchy appears at the mount point (`/` normally).
    pub root: String,
    pub mount_point: PathBuf,
}

/// One hierarchy as a process sees it: which kind, and the process's cgroup as a directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hierarchy {
    pub version: Version,
    /// v1: the controllers bound to this hierarchy; v2: empty (see its cgroup.controllers).
    pub controllers: Vec<String>,
    pub mount_point: PathBuf,
    /// The process's cgroup in this hierarchy, as a directory under the mount point.
    pub dir: PathBuf,
}

/// All the hierarchies a process is in, and the host's mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub mode: Mode,
    pub hierarchies: Vec<Hierarchy>,
}

/// Parse /proc/PID/cgroup. Lines that do not parse are skipped (the format has been stable
/// since 2.6.24, and a skipped hierarchy only means we do not touch it).
pub fn parse_proc_cgroup(text: &str) -> Vec<Membership> {
    text.lines()
        .filter_map(|line| {
            let mut parts = line.splitn(3, ':');
            let id = parts.next()?.parse().ok()?;
            let controllers = parts.next()?;
            let path = parts.next()?;
            let controllers = controllers.split(',').filter(|c| !c.is_empty()).map(String::from).collect();
            Some(Membership { id, controllers, path: path.to_string() })
        })
        .collect()
}

/// The super options of a v1 mount that are not controllers.
const GENERIC_OPTIONS: [&str; 6] = ["rw", "ro", "noprefix", "clone_children", "xattr", "cpuset_v2_mode"];

/// Parse the cgroup and cgroup2 mounts out of mountinfo text.
pub fn parse_mountinfo(text: &str) -> Vec<CgroupMount> {
    text.lines()
        .filter_map(|line| {
            // ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER_OPTIONS
            let (left, right) = line.split_once(" - ")?;
            let left: Vec<&str> = left.split(' ').collect();
            let right: Vec<&str> = right.split(' ').collect();
            let (root, mount_point) = (unescape(left.get(3)?), unescape(left.get(4)?));
            let version = match *right.first()? {
                "cgroup" => Version::V1,
                "cgroup2" => Version::V2,
                _ => return None,
            };
            let controllers = match version {
                Version::V2 => Vec::new(),
                Version::V1 => right
                    .get(2)?
                    .split(',')
                    .filter(|o| !GENERIC_OPTIONS.contains(o) && !o.starts_with("release_agent="))
                    .map(String::from)
                    .collect(),
            };
            Some(CgroupMount { version, controllers, root, mount_point: PathBuf::from(mount_point) })
        })
        .collect()
}

/// mountinfo escapes space, tab, newline and backslash as octal (`\040`).
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes
            .get(i + 1..i + 4)
            .and_then(|d| std::str::from_utf8(d).ok())
            .and_then(|d| u8::from_str_radix(d, 8).ok());
        match (bytes[i], octal) {
            (b'\\', Some(b)) => {
                out.push(b);
                i += 4;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The mount of the hierarchy a membership line belongs to, if it is mounted where we can
/// reach the cgroup (its root is a prefix of the path).
pub fn mount_for<'m>(member: &Membership, mounts: &'m [CgroupMount]) -> Option<(&'m CgroupMount, PathBuf)> {
    mounts.iter().find_map(|m| {
        let same = match (member.id, m.version) {
            (0, Version::V2) => true,
            (0, _) | (_, Version::V2) => false,
            // Same hierarchy: the mount carries every controller the line names.
            (_, Version::V1) => {
                !member.controllers.is_empty() && member.controllers.iter().all(|c| m.controllers.contains(c))
            }
        };
        if !same {
            return None;
        }
        let rel = if m.root == "/" { Some(member.path.as_str()) } else { member.path.strip_prefix(m.root.as_str()) };
        let rel = rel.filter(|r| r.is_empty() || r.starts_with('/'))?;
        let rel = rel.trim_start_matches('/');
        // join("") would add a trailing slash to the mount point.
        Some((m, if rel.is_empty() { m.mount_point.clone() } else { m.mount_point.join(rel) }))
    })
}

/// Pair each membership line with its mount: the hierarchies as the process sees them.
pub fn resolve(members: &[Membership], mounts: &[CgroupMount]) -> Vec<Hierarchy> {
    members
        .iter()
        .filter_map(|member| {
            let (mount, dir) = mount_for(member, mounts)?;
            Some(Hierarchy {
                version: mount.version,
                controllers: member.controllers.clone(),
                mount_point: mount.mount_point.clone(),
                dir,
            })
        })
        .collect()
}

impl Layout {
    /// The hierarchies that count in `mode`: v2 only when unified, v1 only when legacy (a
    /// stray cgroup2 mount elsewhere is not ours to use), both when hybrid.
    pub fn from_parts(mode: Mode, members: &[Membership], mounts: &[CgroupMount]) -> Layout {
        let hierarchies = resolve(members, mounts)
            .into_iter()
            .filter(|h| match mode {
                Mode::Unified => h.version == Version::V2,
                Mode::Legacy => h.version == Version::V1,
                Mode::Hybrid => true,
            })
            .collect();
        Layout { mode, hierarchies }
    }

    /// The calling process's own cgroups, from /proc/self and a statfs of /sys/fs/cgroup.
    pub fn of_self() -> Result<Layout> {
        let mode = mode::detect(Path::new("/sys/fs/cgroup"))?;
        let members = parse_proc_cgroup(&read("/proc/self/cgroup")?);
        let mounts = parse_mountinfo(&read("/proc/self/mountinfo")?);
        let layout = Layout::from_parts(mode, &members, &mounts);
        for h in &layout.hierarchies {
            crate::explain::note(&format!("our cgroup ({}): {}", h.label(), h.dir.display()));
        }
        Ok(layout)
    }

    /// The v1 hierarchy that carries `controller`.
    pub fn v1_with(&self, controller: &str) -> Option<&Hierarchy> {
        self.hierarchies.iter().find(|h| h.version == Version::V1 && h.controllers.iter().any(|c| c == controller))
    }

    /// The v2 hierarchy.
    pub fn unified(&self) -> Option<&Hierarchy> {
        self.hierarchies.iter().find(|h| h.version == Version::V2)
    }
}

impl Hierarchy {
    /// `cpu,cpuacct` for v1, `unified` for v2: how messages name a hierarchy.
    pub fn label(&self) -> String {
        match self.version {
            Version::V1 => self.controllers.join(","),
            Version::V2 => "unified".into(),
        }
    }
}

/// Read a small text file, naming it in the error.
pub(crate) fn read(path: impl AsRef<Path>) -> Result<String> {
    let path = path.as_ref();
    std::fs::read_to_string(path).map_err(|e| Error::io("read", path.display(), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HYBRID_CGROUP: &str = "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/ea58\n1:cpu,cpuacct:/\n0::/\n";
    const HYBRID_MOUNTS: &str = "\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset,clone_children
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,release_agent=/x,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
50 23 0:40 / /tmp/with\\040space rw - tmpfs tmpfs rw
";

    #[test]
    fn proc_cgroup_lines_parse() {
        let m = parse_proc_cgroup(HYBRID_CGROUP);
        assert_eq!(m.len(), 5);
        assert_eq!(m[2], Membership { id: 4, controllers: vec!["memory".into()], path: "/process_api/ea58".into() });
        assert_eq!(m[3].controllers, vec!["cpu", "cpuacct"]);
        assert_eq!(m[4], Membership { id: 0, controllers: vec![], path: "/".into() });
    }

    #[test]
    fn mountinfo_yields_cgroup_mounts_with_controllers() {
        let mounts = parse_mountinfo(HYBRID_MOUNTS);
        assert_eq!(mounts.len(), 6, "tmpfs lines are not cgroup mounts");
        assert_eq!(mounts[0].controllers, vec!["cpu", "cpuacct"]);
        assert_eq!(mounts[3].controllers, vec!["cpuset"], "clone_children is an option, not a controller");
        assert_eq!(mounts[4].controllers, vec!["name=systemd"]);
        assert_eq!(mounts[5].version, Version::V2);
    }

    #[test]
    fn octal_escapes_are_undone() {
        assert_eq!(unescape("/tmp/with\\040space"), "/tmp/with space");
        assert_eq!(unescape("/plain"), "/plain");
        assert_eq!(unescape("/end\\04"), "/end\\04");
    }

    #[test]
    fn hybrid_layout_maps_each_line_to_its_directory() {
        let layout =
            Layout::from_parts(Mode::Hybrid, &parse_proc_cgroup(HYBRID_CGROUP), &parse_mountinfo(HYBRID_MOUNTS));
        assert_eq!(layout.hierarchies.len(), 5);
        assert_eq!(layout.v1_with("memory").unwrap().dir, Path::new("/sys/fs/cgroup/memory/process_api/ea58"));
        assert_eq!(layout.v1_with("cpuacct").unwrap().dir, Path::new("/sys/fs/cgroup/cpu,cpuacct"));
        assert_eq!(layout.v1_with("cpuacct").unwrap().label(), "cpu,cpuacct");
        assert_eq!(layout.unified().unwrap().dir.as_os_str(), "/sys/fs/cgroup/unified", "no trailing slash");
        assert!(layout.v1_with("cpuset").is_none(), "we are in no cpuset line, so none is ours");
    }

    #[test]
    fn the_mode_filters_hierarchies() {
        let (m, mi) = (parse_proc_cgroup(HYBRID_CGROUP), parse_mountinfo(HYBRID_MOUNTS));
        let legacy = Layout::from_parts(Mode::Legacy, &m, &mi);
        assert!(legacy.unified().is_none());
        let unified = Layout::from_parts(Mode::Unified, &m, &mi);
        assert_eq!(unified.hierarchies.len(), 1);
    }

    #[test]
    fn a_mount_root_is_stripped_from_the_path() {
        // Inside a cgroup namespace or a bind mount, the mount shows only a subtree.
        let mounts = parse_mountinfo("60 1 0:38 /ctr /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
        let inside = parse_proc_cgroup("0::/ctr/app\n");
        assert_eq!(resolve(&inside, &mounts)[0].dir, Path::new("/sys/fs/cgroup/app"));
        let outside = parse_proc_cgroup("0::/other\n");
        assert!(resolve(&outside, &mounts).is_empty(), "a cgroup outside the mounted subtree is unreachable");
        let prefix_only = parse_proc_cgroup("0::/ctrl\n");
        assert!(resolve(&prefix_only, &mounts).is_empty(), "/ctrl is not below /ctr");
    }
}
