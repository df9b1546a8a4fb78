//! `--init`: a tiny pid 1 inside the container that runs the command as its child, reaps every
//! zombie and passes signals on — what docker's `--init` (tini) does.
//!
//! Why a container needs one: pid 1 of a pid namespace is special (pid_namespaces(7)). The
//! kernel delivers it only signals it has a handler for, so `kill PID1` (SIGTERM) does nothing
//! to a program that never expected to be init; and orphans are re-parented to it, so a
//! pid 1 that never calls wait(2) fills up with zombies. A program written as init does both.
//! We keep this optional, as docker does: without `--init` the command itself is pid 1 (one
//! process less, and /proc/1/exe is the command); with it, pid 1 is this code, forked from
//! ctr-run without exec, made non-dumpable (prctl PR_SET_DUMPABLE 0) so the container cannot
//! open or read its /proc/1/exe, memory or fds (the CVE-2019-5736 route to the runtime).
//!
//! The loop: block the forwarded signals and SIGCHLD *before* forking the command (a blocked
//! signal is queued even for pid 1, where an unblocked default one would be dropped), read them
//! from a signalfd; forward sent signals to the command; on SIGCHLD reap everything; when the
//! command is reaped, exit with its status (128+N for a signal: pid 1 cannot re-raise it).
//! Syscalls: fork(2), signalfd(2), waitpid(2), kill(2), prctl(2). Read: pid_namespaces(7),
//! signalfd(2). Shell: `docker run --init`, `tini -- CMD`. Used by: container::child.

use crate::error::{Error, Result};
use crate::process::status::Status;
use crate::process::supervise::{self, FORWARDED};
use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

/// Fork the command. Returns in the child (which goes on to exec); the parent becomes init
/// and never returns. `before_loop` runs in init right after the fork (closing what the
/// command must own alone, like the sync socket).
pub fn become_init(before_loop: impl FnOnce()) -> Result<()> {
    let forwarding = supervise::block()?;
    match crate::process::fork("the container's command, a child of its init")? {
        crate::process::Forked::Child => {
            forwarding.restore();
            Ok(())
        }
        crate::process::Forked::Parent(command) => {
            before_loop();
            let _ = nix::sys::prctl::set_dumpable(false);
            let code = match init_loop(command) {
                Ok(status) => status.code(),
                Err(e) => {
                    eprintln!("ctr-run init: {e}");
                    125
                }
            };
            // SAFETY: _exit(2) ends this process; as pid 1 it ends the whole pid namespace.
            unsafe { libc::_exit(code as i32) }
        }
    }
}

fn init_loop(command: Pid) -> Result<Status> {
    let mut set = SigSet::empty();
    for sig in FORWARDED {
        set.add(sig);
    }
    set.add(Signal::SIGCHLD);
    let sfd = SignalFd::with_flags(&set, SfdFlags::SFD_CLOEXEC).map_err(|e| Error::errno("signalfd", "init", e))?;
    let mut result = None;
    loop {
        // Reap everything that has ended: the command, and orphans re-parented to us.
        loop {
            match waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::StillAlive) | Err(nix::errno::Errno::ECHILD) => break,
                Ok(ws) => {
                    if ws.pid() == Some(command) {
                        result = Status::from_wait(ws);
                    }
                }
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => return Err(Error::errno("waitpid", -1, e)),
            }
        }
        if let Some(status) = result {
            return Ok(status);
        }
        let info = match sfd.read_signal() {
            Ok(Some(info)) => info,
            Ok(None) | Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(Error::errno("read", "signalfd", e)),
        };
        crate::process::supervise::forward(&info, command);
    }
}
