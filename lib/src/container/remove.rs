//! `ctrkit rm`: remove a container and everything it left — whatever step a `kill -9`
//! interrupted — so a removal always converges.
//!
//! | # | step                                                     | why                                   |
//! |---|----------------------------------------------------------|---------------------------------------|
//! | 1 | running and no `-f`: refuse                              | docker's rule                         |
//! | 2 | `-f`: SIGKILL pid 1 (pidfd, start time checked); wait    | stop.rs's guard: never a reused pid   |
//! | 3 | wait for the monitor; if it hangs, SIGKILL it (checked)  | it writes the record: let it finish first, or it would write into a removed dir |
//! | 4 | take the container's flock                                | nobody else changes the record now    |
//! | 5 | kill what is left in the cgroup, rmdir it (every hierarchy) | processes forked by an exec, or left by a killed monitor |
//! | 5b| give its bridge address back, delete a veth left over   | a killed monitor could not (network.rs)              |
//! | 6 | umount2(MNT_DETACH) every mount under the state dir, deepest first | a mount leaked by a killed run would pin the dir |
//! | 7 | rm -r the state dir; unlink the name if it still points here | the name is free again          |
//!
//! Each step tolerates "already gone", so `rm -f` twice, or after a half-done `rm`, is fine.
//! Files: STATE/containers/<id>, STATE/names/<name>, /sys/fs/cgroup/…/<id>, /proc/self/mountinfo.
//! Syscalls: pidfd_send_signal(2), flock(2), rmdir(2), umount2(2), unlink(2).
//! Read: docker-container-rm(1), umount(2). Shell: `docker rm -f NAME`.
//! Used by: ctrkit rm, run --rm (via the monitor's own cleanup in create.rs).

use super::lookup::Record;
use super::signal::{self, open_verified};
use super::{liveness, state, stop};
use crate::cgroup::{Cgroup, Layout};
use crate::error::{Error, Result};
use crate::explain::{self, Op};
use nix::sys::signal::Signal;
use std::path::Path;

/// Remove the container of `rec`. `force` kills it first if it runs.
pub fn remove(state_root: &Path, rec: &Record, force: bool) -> Result<()> {
    let s = &rec.state;
    if liveness::is_running(s) {
        if !force {
            return Err(Error::invalid(format!("container {}", s.name), "is running: cannot remove it")
                .with_hint("stop it first (ctrkit stop), or use rm -f"));
        }
        if let Some(fd) = open_verified(s.pid, s.pid_start_time)? {
            signal::send(&fd, s.pid, Signal::SIGKILL, "rm -f: end the container")?;
            crate::sys::pidfd::wait_exit(&fd, stop::GONE_TIMEOUT)?;
        }
    }
    if let Some(fd) = stop::monitor_fd(rec)? {
        // A monitor still running while pid 1 is gone is recording the end; one still running
        // with pid 1 never started (kill -9 of ctr-run mid-create) would wait for nothing.
        let patience = if force { std::time::Duration::from_secs(3) } else { stop::GONE_TIMEOUT };
        if !crate::sys::pidfd::wait_exit(&fd, patience)? {
            if !force {
                return Err(Error::invalid(format!("container {}", s.name), "is still being set up or torn down")
                    .with_hint("try again in a moment, or use rm -f"));
            }
            signal::send(&fd, s.monitor_pid, Signal::SIGKILL, "rm -f: the monitor did not finish")?;
            crate::sys::pidfd::wait_exit(&fd, stop::GONE_TIMEOUT)?;
        }
    }
    if !rec.dir.exists() {
        return Ok(()); // removed meanwhile (--rm, or another rm): done
    }
    let _held = state::lock(&rec.dir)?;
    // Re-read under the lock: the monitor may have written the end since we looked.
    let s = state::read(&rec.dir).unwrap_or_else(|_| rec.state.clone());
    remove_cgroup(&s)?;
    // Normally given back when it ended; still recorded if its supervisor was killed.
    super::network::release(state_root, &s)?;
    unmount_under(&rec.dir)?;
    state::remove(state_root, &s.id, &s.name)
}

/// The container's cgroup, wherever it was created (recorded dirs), or under ours.
pub fn cgroup_of(s: &state::State) -> Result<Option<Cgroup>> {
    let name = if s.cgroup.is_empty() { &s.id } else { &s.cgroup };
    cgroup_at(name, &s.cgroup_dirs)
}

/// Cgroup `name` whose directories were recorded as `dirs` when it was created (possibly from
/// another cgroup than ours), or under ours when none were. Also used by ctr-oci (oci::delete).
pub fn cgroup_at(name: &str, dirs: &[std::path::PathBuf]) -> Result<Option<Cgroup>> {
    let mut layout = Layout::of_self()?;
    if !dirs.is_empty() {
        // Our layout with each hierarchy's dir moved to where the container's cgroup's parent is.
        for h in &mut layout.hierarchies {
            if let Some(parent) = dirs.iter().find(|d| d.starts_with(&h.mount_point)).and_then(|d| d.parent()) {
                h.dir = parent.to_path_buf();
            }
        }
    }
    match Cgroup::open_in(&layout, name) {
        Ok(cg) => Ok(Some(cg)),
        Err(e) if e.errno_value() == Some(nix::errno::Errno::ENOENT) => Ok(None),
        Err(e) => Err(e),
    }
}

fn remove_cgroup(s: &state::State) -> Result<()> {
    match cgroup_of(s)? {
        Some(cg) => cg.kill_all().and_then(|_| cg.remove()),
        None => Ok(()),
    }
}

/// Detach every mount at or below `dir`, deepest first.
fn unmount_under(dir: &Path) -> Result<()> {
    let mut points: Vec<_> =
        crate::mount::mountinfo::read()?.into_iter().map(|m| m.mount_point).filter(|p| p.starts_with(dir)).collect();
    points.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
    points.dedup();
    for p in points {
        let op = Op::new(format!("umount2({p:?}, MNT_DETACH)"), "a mount a killed run left behind", "umount(2)");
        match explain::change(op, &p.display().to_string(), || {
            nix::mount::umount2(&p, nix::mount::MntFlags::MNT_DETACH)
        }) {
            Err(e) if matches!(e.errno_value(), Some(nix::errno::Errno::EINVAL | nix::errno::Errno::ENOENT)) => {}
            other => other?,
        }
    }
    Ok(())
}
