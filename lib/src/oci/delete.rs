//! `ctr-oci delete [--force] ID`: remove what `create` made, then run the poststop hooks.
//!
//! | # | step                                                         | why                                    |
//! |---|--------------------------------------------------------------|----------------------------------------|
//! | 1 | lock; observe the status                                     | runtime.md: deleting a running container is an error… |
//! | 2 | `running`/`creating` without --force: refuse. `created`, or --force: SIGKILL the init (pidfd, start time checked), wait for it | …and a created one is deleted by killing its waiting init, as runc does |
//! | 3 | kill what is left in the cgroup, rmdir it (every hierarchy) | `exec`'d processes; cgroup::kill       |
//! | 4 | rm -r ROOT/<id>                                              | the id is free again                   |
//! | 5 | poststop hooks (a failure is a warning)                      | config.md: after the container is deleted |
//!
//! `--force` on an id that does not exist succeeds (runc's behaviour; podman and containerd
//! rely on it to converge after a crash). No mount to undo: they lived in the container's
//! mount namespace only.
//! Syscalls: flock(2), pidfd_open(2), pidfd_send_signal(2), poll(2), kill(2), rmdir(2), unlink(2).
//! Read: runtime.md ("delete"). Shell: `runc delete -f ID`. Used by: ctr-oci delete.

use super::state::{self, Status};
use super::{hooks, start};
use crate::container::remove::cgroup_at;
use crate::container::signal;
use crate::error::{Error, Result};
use nix::sys::signal::Signal;
use std::path::Path;
use std::time::Duration;

pub fn delete(root: &Path, id: &str, force: bool, warn: impl Fn(&str)) -> Result<()> {
    let dir = match state::existing(root, id) {
        Ok(dir) => dir,
        Err(e) if force && e.errno_value() == Some(nix::errno::Errno::ENOENT) => return Ok(()),
        Err(e) => return Err(e),
    };
    let held = state::lock(&dir)?;
    let r = state::read(&dir)?;
    let status = state::status(&dir, &r);
    if matches!(status, Status::Running | Status::Creating) && !force {
        return Err(
            state::wrong_state(id, "delete", status).with_hint("stop it first (ctr-oci kill), or use delete --force")
        );
    }
    if let Some(fd) = signal::open_verified(r.pid, r.pid_start_time)? {
        signal::send(&fd, r.pid, Signal::SIGKILL, "delete: end the container's init")?;
        crate::sys::pidfd::wait_exit(&fd, Duration::from_secs(10))?;
    }
    if let Some(cg) = cgroup_at(&r.cgroup, &r.cgroup_dirs)? {
        cg.kill_all()?;
        cg.remove()?;
    }
    let spec = start::spec_of(&dir).ok();
    drop(held);
    std::fs::remove_dir_all(&dir).map_err(|e| Error::io("remove", dir.display(), e))?;
    if let Some(spec) = spec {
        hooks::run_warning(&spec, hooks::Point::Poststop, &state::to_json(&r, Status::Stopped)?, warn);
    }
    Ok(())
}
