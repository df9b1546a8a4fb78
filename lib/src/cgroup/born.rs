//! A child born in its cgroup, instead of moved there after fork.
//!
//! Moving a process (a pid written to `cgroup.procs`) takes the kernel's global
//! cgroup_threadgroup_rwsem for writing, and that waits for an RCU grace period: 5–10 ms on
//! these machines, more than all the rest of a container start. Two ways around it:
//! - v2: clone3(CLONE_INTO_CGROUP) makes the child inside the cgroup's v2 directory (Linux
//!   5.7+); the lock is only taken for reading, as for any fork (sys/clone3.rs);
//! - v1: the child moves *itself*, one thread, by writing `0` to each hierarchy's `tasks` —
//!   a single-thread move, which the kernel makes without that lock. The child must still be
//!   single-threaded then (it is: just forked).
//!
//! | how the child was made     | who joins the v1 hierarchies | who writes cgroup.procs |
//! |----------------------------|------------------------------|-------------------------|
//! | clone3 into the v2 dir     | the child: `0` → each `tasks` | nobody                 |
//! | fork (no v2 dir; refused)  | the parent: the pid → each `cgroup.procs` (Cgroup::add_process) | the parent |
//!
//! Syscalls: clone3(2) or fork(2); open(2) O_DIRECTORY; write(2) to `tasks`.
//! Read: clone(2) (CLONE_INTO_CGROUP), cgroups(7) ("tasks"), Documentation/admin-guide/cgroup-v1/cgroups.rst.
//! Used by: container::create (ctr-run), oci::create (ctr-oci).

use super::group::Cgroup;
use super::hierarchy::Version;
use crate::error::{Error, Result};
use crate::explain::{self, Op};
use crate::process::{fork, Forked};
use std::path::PathBuf;

/// How the child got into its cgroup, so that it (or the parent) joins the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joined {
    /// Born in the v2 directory: the child still joins the v1 hierarchies (`join_v1`).
    V2,
    /// Forked plainly: the parent moves it (Cgroup::add_process).
    Nothing,
}

/// Fork a child — into `cgroup`'s v2 directory when it has one and the kernel allows.
/// clone3 is a raw syscall: unlike glibc's fork(3) it does not take malloc's locks around the
/// fork, so it is only used while the caller has a single thread (else plain fork).
pub fn fork_into(cgroup: Option<&Cgroup>, why: &str) -> Result<(Forked, Joined)> {
    let v2 = cgroup.and_then(|cg| cg.parts().iter().find(|p| p.version == Version::V2));
    let v2 = v2.filter(|_| single_threaded());
    if let Some(part) = v2 {
        let flags = nix::fcntl::OFlag::O_RDONLY | nix::fcntl::OFlag::O_DIRECTORY | nix::fcntl::OFlag::O_CLOEXEC;
        let dir = nix::fcntl::open(&part.dir, flags, nix::sys::stat::Mode::empty())
            .map_err(|e| Error::errno("open", part.dir.display(), e))?;
        let call = format!("clone3({{CLONE_INTO_CGROUP, cgroup: {:?}}})", part.dir);
        let op = Op::new(call, why, "clone(2)");
        let mut child = 0;
        let outcome = explain::change(op, "a child process", || {
            crate::sys::clone3::fork_into_cgroup(std::os::fd::AsFd::as_fd(&dir)).map(|pid| child = pid)
        });
        match outcome {
            Ok(()) if child == 0 => return Ok((Forked::Child, Joined::V2)),
            Ok(()) => return Ok((Forked::Parent(nix::unistd::Pid::from_raw(child)), Joined::V2)),
            // An older kernel (ENOSYS, E2BIG) or a refused placement: fork, then move.
            Err(_) => {}
        }
    }
    Ok((fork(why)?, Joined::Nothing))
}

/// Does this process have one thread (/proc/self/status, `Threads:`)?
fn single_threaded() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status.lines().any(|l| l.split_whitespace().collect::<Vec<_>>() == ["Threads:", "1"])
}

/// The cgroup's v1 directories: where a child born in the v2 one still has to go.
pub fn v1_dirs(cgroup: Option<&Cgroup>) -> Vec<PathBuf> {
    let parts = cgroup.map(|cg| cg.parts()).unwrap_or_default();
    parts.iter().filter(|p| p.version == Version::V1).map(|p| p.dir.clone()).collect()
}

/// In the child, first thing: `0` → each v1 hierarchy's `tasks` (the calling thread moves).
pub fn join_v1(dirs: &[PathBuf]) -> Result<()> {
    for dir in dirs {
        let why = "join this v1 hierarchy: `0` moves the calling thread, without the global lock";
        explain::write_file(&dir.join("tasks"), "0", why, "cgroups(7)")?;
    }
    Ok(())
}
