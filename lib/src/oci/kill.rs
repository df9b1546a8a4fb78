//! `ctr-oci kill ID [SIGNAL]` and `ctr-oci ps ID`: signal a container, list its processes.
//!
//! kill: only a `created` or `running` container can be signalled (runtime.md: kill on a
//! stopped one is an error). The init is signalled through a pidfd opened *then* checked
//! against the recorded start time (container::signal), so a reused pid is never hit.
//! `--all` signals every process in the container's cgroup instead (containerd uses it).
//! ps: the pids in the container's cgroup (every hierarchy, sub-cgroups included).
//! Syscalls: pidfd_open(2), pidfd_send_signal(2), kill(2), read of cgroup.procs.
//! Read: runtime.md ("kill"), signal(7). Shell: `runc kill ID TERM`, `runc ps ID`.
//! Used by: ctr-oci kill, ps.

use super::state::{self, Status};
use crate::container::remove::cgroup_at;
use crate::container::signal::{self, Signal};
use crate::error::Result;
use crate::explain::{self, Op};
use std::path::Path;

pub fn kill(root: &Path, id: &str, sig: Signal, all: bool) -> Result<()> {
    let dir = state::existing(root, id)?;
    let r = state::read(&dir)?;
    let status = state::status(&dir, &r);
    if !matches!(status, Status::Created | Status::Running) {
        return Err(state::wrong_state(id, "kill", status));
    }
    if all {
        for pid in processes(&r)? {
            let op =
                Op::new(format!("kill({pid}, {sig})"), "--all: every process in the container's cgroup", "kill(2)");
            match explain::change(op, &pid.to_string(), || nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), sig))
            {
                Err(e) if e.errno_value() == Some(nix::errno::Errno::ESRCH) => {}
                other => other?,
            }
        }
        return Ok(());
    }
    match signal::open_verified(r.pid, r.pid_start_time)? {
        Some(fd) => signal::send(&fd, r.pid, sig, "the signal asked for, to the container's init"),
        None => Err(state::wrong_state(id, "kill", Status::Stopped)),
    }
}

/// Every pid in the container's cgroup.
pub fn processes(r: &state::Record) -> Result<Vec<i32>> {
    match cgroup_at(&r.cgroup, &r.cgroup_dirs)? {
        Some(cg) => cg.processes(),
        None => Ok(Vec::new()),
    }
}

/// `ps`: the pids, for a container that exists.
pub fn ps(root: &Path, id: &str) -> Result<Vec<i32>> {
    let dir = state::existing(root, id)?;
    processes(&state::read(&dir)?)
}
