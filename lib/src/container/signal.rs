//! `ctrkit kill`: send a signal to a container's pid 1, and never to anyone else.
//!
//! The guard: open a pidfd for the recorded pid *first*, then check that the process it
//! names has the recorded start time. A pidfd keeps naming that one process even if the pid
//! number is reused a moment later, so the check and the signal cannot be split by a race
//! (sending by number would be: check, pid reused, kill(2) hits a stranger).
//!
//! Signal names as docker takes them: `KILL`, `SIGKILL`, `kill`, `9`.
//! Syscalls: pidfd_open(2), pidfd_send_signal(2). Read: signal(7), docker-container-kill(1).
//! Shell: `kill -s KILL $(ctrkit inspect -f '{{.State.Pid}}' NAME)` (without the guard).
//! Used by: ctrkit kill, stop, rm -f.

use super::lookup::Record;
use crate::error::{Error, Result};
use crate::explain::{self, Op};
use crate::process::procfs;
use crate::sys::pidfd;
pub use nix::sys::signal::Signal;
use std::os::fd::OwnedFd;
use std::str::FromStr;

/// Parse `KILL`, `SIGKILL`, `kill` or `9`.
pub fn parse(s: &str) -> Result<Signal> {
    let bad = || {
        Error::invalid(format!("signal {s:?}"), "unknown signal")
            .with_hint("use a name (TERM, KILL, HUP, USR1) or a number")
    };
    if let Ok(n) = s.parse::<i32>() {
        return Signal::try_from(n).map_err(|_| bad());
    }
    let upper = s.to_ascii_uppercase();
    let name = if upper.starts_with("SIG") { upper } else { format!("SIG{upper}") };
    Signal::from_str(&name).map_err(|_| bad())
}

/// A pidfd for `pid`, but only if it is still the process that started at `start_time`.
/// None when that process is gone (its pid free, or now someone else's).
pub fn open_verified(pid: i32, start_time: u64) -> Result<Option<OwnedFd>> {
    if pid <= 0 {
        return Ok(None);
    }
    let fd = match pidfd::open(pid) {
        Ok(fd) => fd,
        Err(e) if e.errno_value() == Some(nix::errno::Errno::ESRCH) => return Ok(None),
        Err(e) => return Err(e),
    };
    // Checked after the open: from here on the fd names this process whatever the pid does.
    match procfs::start_time(pid) {
        Ok(t) if t == start_time => Ok(Some(fd)),
        _ => Ok(None),
    }
}

/// The container's pid 1, held by a verified pidfd; an error when it is not running.
pub fn open_container(rec: &Record) -> Result<OwnedFd> {
    let s = &rec.state;
    let not_running = || {
        Error::invalid(format!("container {}", s.name), "is not running")
            .with_hint("see its status with `ctrkit ps -a`")
    };
    if s.status != super::state::Status::Running {
        return Err(not_running());
    }
    match open_verified(s.pid, s.pid_start_time)? {
        Some(fd) => Ok(fd),
        None if procfs::proc_dir(s.pid).exists() => Err(Error::invalid(
            format!("container {}", s.name),
            format!("is not running: its recorded pid {} now belongs to another process (not signalled)", s.pid),
        )),
        None => Err(not_running()),
    }
}

/// Send `signal` through a verified pidfd.
pub fn send(fd: &OwnedFd, pid: i32, signal: Signal, why: &str) -> Result<()> {
    let op = Op::new(format!("pidfd_send_signal(pidfd of {pid}, {signal})"), why, "pidfd_send_signal(2)");
    explain::announce(&op, "…");
    pidfd::send_signal(fd, signal, &format!("pid {pid}"))
}

/// `ctrkit kill -s SIGNAL NAME`.
pub fn kill(rec: &Record, signal: Signal) -> Result<()> {
    let fd = open_container(rec)?;
    send(&fd, rec.state.pid, signal, "the signal the user asked for, to the container's pid 1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_by_name_prefix_case_and_number() {
        for s in ["KILL", "SIGKILL", "kill", "9"] {
            assert_eq!(parse(s).unwrap(), Signal::SIGKILL, "{s}");
        }
        assert_eq!(parse("usr1").unwrap(), Signal::SIGUSR1);
        for bad in ["FOO", "SIG", "", "0", "99", "-1"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
