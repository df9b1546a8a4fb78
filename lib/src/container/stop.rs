//! `ctrkit stop`: ask the container to end (SIGTERM), give it `-t` seconds, then SIGKILL —
//! and return only once its end is recorded.
//!
//! Every wait is a blocking poll(2) on a pidfd, which turns readable when the process exits:
//! no sleep loop, and the pidfd works for processes that are not our children. After pid 1
//! is gone we wait for the monitor (ctr-run or its -d monitor) to exit too, because it is the
//! one that writes `exited` and the code and removes the cgroup; a `ps` right after `stop`
//! then shows the truth.
//! pid 1 of a pid namespace gets no signal it has no handler for, except SIGKILL from
//! outside (pid_namespaces(7)): a `sleep` as pid 1 ignores SIGTERM, which is why `--init`
//! exists and why stop escalates.
//! Syscalls: pidfd_open(2), pidfd_send_signal(2), poll(2). Read: docker-container-stop(1).
//! Shell: `kill -TERM $PID; timeout 10 tail --pid=$PID -f /dev/null || kill -KILL $PID`.
//! Used by: ctrkit stop, restart, rm -f.

use super::lookup::Record;
use super::signal::{self, open_verified};
use crate::error::Result;
use nix::sys::signal::Signal;
use std::time::Duration;

/// docker's default grace period.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a SIGKILLed process, and then its monitor, may take to be gone.
pub const GONE_TIMEOUT: Duration = Duration::from_secs(10);

/// Stop the container: TERM, wait `timeout`, KILL. A container that is not running is
/// already stopped (docker says nothing either). Returns true if it had to be killed.
pub fn stop(rec: &Record, timeout: Duration) -> Result<bool> {
    let s = &rec.state;
    let running = s.status == super::state::Status::Running;
    let Some(fd) = open_verified(s.pid, s.pid_start_time)?.filter(|_| running) else {
        if running {
            wait_for_monitor(rec)?; // pid 1 just ended: let the monitor finish recording
        }
        return Ok(false);
    };
    let mut killed = false;
    if !timeout.is_zero() {
        signal::send(&fd, s.pid, Signal::SIGTERM, "ask the container's pid 1 to end")?;
    }
    if !crate::sys::pidfd::wait_exit(&fd, timeout)? {
        signal::send(&fd, s.pid, Signal::SIGKILL, "the grace period is over")?;
        killed = true;
        crate::sys::pidfd::wait_exit(&fd, GONE_TIMEOUT)?;
    }
    wait_for_monitor(rec)?;
    Ok(killed)
}

/// Wait (bounded) for the monitor to finish recording the end. A monitor that is gone
/// already, or never existed, needs no wait.
pub fn wait_for_monitor(rec: &Record) -> Result<bool> {
    match monitor_fd(rec)? {
        Some(fd) => crate::sys::pidfd::wait_exit(&fd, GONE_TIMEOUT),
        None => Ok(true),
    }
}

/// A pidfd on the monitor, if it still runs, checked by its start time. A record without
/// one (written before the field existed) gives None: a pid we cannot verify is never waited
/// on or signalled.
pub fn monitor_fd(rec: &Record) -> Result<Option<std::os::fd::OwnedFd>> {
    let s = &rec.state;
    if s.monitor_pid == std::process::id() as i32 || s.monitor_start_time == 0 {
        return Ok(None);
    }
    open_verified(s.monitor_pid, s.monitor_start_time)
}
