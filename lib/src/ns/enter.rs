//! Entering another process's world: its namespaces, its cgroups, its root and working
//! directory — everything `docker exec` gives, and more than `nsenter` does.
//!
//! nsenter(1) joins namespaces only. A process entered that way is still in *our* cgroups,
//! so the container's pids and memory limits do not hold for it (lab 13 shows the escape).
//! ctr-enter also joins the target's cgroups.
//!
//! The order, and why:
//!
//! | step | what                                | why then                                         |
//! |------|-------------------------------------|--------------------------------------------------|
//! | 1    | open every namespace file, the root and the cwd | paths still mean what the user meant |
//! | 2    | join the target's cgroups            | /sys/fs/cgroup paths are the host's: before setns(mnt) and setns(cgroup) |
//! | 3    | setns, in nsenter's two passes        | see setns.rs                                     |
//! | 4    | chroot to the held root, fchdir to the held cwd | after setns(mnt): the root belongs to the new mount table |
//! | 5    | fork if a pid namespace was joined    | setns(CLONE_NEWPID) applies to children only     |
//!
//! Read: setns(2), nsenter(1), cgroups(7). Shell: `nsenter -t PID -a` plus `echo $$ > …/cgroup.procs`.
//! Used by: ctr-enter.

use super::setns::{self, Target};
use super::{Kind, ALL};
use crate::error::{Error, Result};
use crate::mount::chroot;
use std::os::fd::OwnedFd;
use std::path::PathBuf;

/// Where each namespace to join is named: a pid's /proc file or a persisted file.
pub enum Source {
    Process(i32),
    File(PathBuf),
}

/// Everything held open in step 1, ready for steps 2–4.
pub struct Entry {
    pub targets: Vec<Target>,
    pub root: Option<OwnedFd>,
    pub wd: Option<OwnedFd>,
    /// Join the cgroups of this pid in step 2.
    pub cgroup_of: Option<i32>,
}

/// The target's own namespace file (not `*_for_children`: we join where it *is*).
pub fn proc_ns_file(pid: i32, kind: Kind) -> PathBuf {
    PathBuf::from(format!("/proc/{pid}/ns/{}", kind.name))
}

/// The kinds in which `pid` lives somewhere else than we do: what `--all` joins. (Joining
/// the namespace one is already in is pointless, and for a user namespace an error.)
pub fn kinds_differing_from_ours(pid: i32) -> Result<Vec<Kind>> {
    let mut kinds = Vec::new();
    for kind in ALL {
        let theirs = std::fs::read_link(proc_ns_file(pid, kind));
        let ours = std::fs::read_link(format!("/proc/self/ns/{}", kind.name));
        match (theirs, ours) {
            (Ok(t), Ok(o)) if t != o => kinds.push(kind),
            (Ok(_), Ok(_)) => {}
            // The kernel lacks this kind (e.g. time before 5.6): nothing to join.
            (Err(e), _)
                if e.kind() == std::io::ErrorKind::NotFound
                    && std::path::Path::new(&format!("/proc/{pid}")).exists() => {}
            (Err(e), _) => return Err(Error::io("readlink", proc_ns_file(pid, kind).display(), e)),
            (_, Err(e)) => return Err(Error::io("readlink", format!("/proc/self/ns/{}", kind.name), e)),
        }
    }
    Ok(kinds)
}

/// Step 1: open what we will join.
pub fn open(namespaces: &[(Kind, Source)]) -> Result<Vec<Target>> {
    namespaces
        .iter()
        .map(|(kind, source)| match source {
            Source::Process(pid) => setns::open(*kind, &proc_ns_file(*pid, *kind)),
            Source::File(path) => setns::open(*kind, path),
        })
        .collect()
}

/// Steps 2–4. The caller forks afterwards when a pid namespace was joined (step 5).
pub fn enter(entry: &Entry) -> Result<()> {
    if let Some(pid) = entry.cgroup_of {
        crate::cgroup::join_cgroups_of(pid)?;
    }
    setns::join_all(&entry.targets)?;
    if let Some(root) = &entry.root {
        chroot::enter_root(root)?;
    }
    if let Some(wd) = &entry.wd {
        chroot::change_dir(wd, "the working directory asked for")?;
    }
    Ok(())
}

/// True when a pid namespace is among the targets: the command must then be a forked child.
pub fn needs_fork(entry: &Entry) -> bool {
    entry.targets.iter().any(|t| t.kind.name == "pid")
}
