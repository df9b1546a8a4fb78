//! Wait for a child while passing on the signals sent to us.
//!
//! A tool that forks (ns-unshare --fork, cg-limit) sits between the user and the command.
//! `kill TOOL_PID` must reach the command, or the tool becomes a wall. So:
//!
//! 1. Before fork, block the forwarded signals and SIGCHLD (`block`), so none is lost in the
//!    gap between fork and wait.
//! 2. The child restores the old mask before exec (`Forwarding::restore`): a blocked mask
//!    survives execve(2) and would silently deafen the command.
//! 3. The parent reads signals from a signalfd(2) — no async handlers — and forwards each one
//!    that was *sent* (kill(2), si_code SI_USER/SI_QUEUE). Signals the terminal generated
//!    (Ctrl-C: si_code SI_KERNEL) already went to the whole foreground process group, the
//!    child included, so forwarding them would deliver them twice.
//! 4. On SIGCHLD, reap; when the child is gone, return its status.
//!
//! Read: signalfd(2), sigprocmask(2), waitpid(2). Used by: ns-unshare, cg-limit, ctr-enter;
//! `forward` and `reap_if_ended` also by the container's init and its log and pty relays.

use super::status::Status;
use crate::error::{Error, Result};
use nix::sys::signal::{SigSet, SigmaskHow, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

/// The signals a supervising tool hands on to its child.
pub const FORWARDED: [Signal; 7] = [
    Signal::SIGTERM,
    Signal::SIGINT,
    Signal::SIGHUP,
    Signal::SIGQUIT,
    Signal::SIGUSR1,
    Signal::SIGUSR2,
    Signal::SIGWINCH,
];

/// The signal mask as it was before `block`, to restore in the child.
pub struct Forwarding {
    old_mask: SigSet,
    set: SigSet,
}

/// Step 1: block the forwarded signals and SIGCHLD. Call before fork.
pub fn block() -> Result<Forwarding> {
    let mut set = SigSet::empty();
    for sig in FORWARDED {
        set.add(sig);
    }
    set.add(Signal::SIGCHLD);
    let mut old_mask = SigSet::empty();
    nix::sys::signal::sigprocmask(SigmaskHow::SIG_BLOCK, Some(&set), Some(&mut old_mask))
        .map_err(|e| Error::errno("sigprocmask", "SIG_BLOCK", e))?;
    Ok(Forwarding { old_mask, set })
}

impl Forwarding {
    /// Step 2, in the child: give the command the signal mask the user gave us.
    pub fn restore(&self) {
        let _ = nix::sys::signal::sigprocmask(SigmaskHow::SIG_SETMASK, Some(&self.old_mask), None);
    }

    /// Steps 3 and 4, in the parent: forward sent signals until the child ends.
    pub fn wait(&self, child: Pid) -> Result<Status> {
        let sfd = SignalFd::with_flags(&self.set, SfdFlags::SFD_CLOEXEC)
            .map_err(|e| Error::errno("signalfd", "forwarded signals", e))?;
        loop {
            // The child may have ended before the signalfd existed: reap first, then read.
            if let Some(status) = reap_if_ended(child)? {
                return Ok(status);
            }
            let info = match sfd.read_signal() {
                Ok(Some(info)) => info,
                Ok(None) | Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => return Err(Error::errno("read", "signalfd", e)),
            };
            forward(&info, child);
        }
    }
}

/// Step 4 without blocking: the child's status if it has ended (and is now reaped), None if
/// it still runs (or was only stopped). Every loop that waits on a signalfd for its child
/// calls this before reading, since SIGCHLD may have come before the signalfd existed.
pub fn reap_if_ended(child: Pid) -> Result<Option<Status>> {
    match waitpid(child, Some(WaitPidFlag::WNOHANG)) {
        Ok(WaitStatus::StillAlive) | Err(nix::errno::Errno::EINTR) => Ok(None),
        Ok(ws) => Ok(Status::from_wait(ws)),
        Err(e) => Err(Error::errno("waitpid", child, e)),
    }
}

/// Step 3 for one signal read from a signalfd: hand it to `child` if a process sent it
/// (SI_USER, SI_QUEUE) and it is not SIGCHLD. Also used by every loop that waits on a
/// signalfd for a child of its own: the container's init, the log and pty relays.
pub fn forward(info: &libc::signalfd_siginfo, child: Pid) {
    let sent_by_a_process = info.ssi_code == libc::SI_USER || info.ssi_code == libc::SI_QUEUE;
    if info.ssi_signo as i32 != libc::SIGCHLD && sent_by_a_process {
        if let Ok(sig) = Signal::try_from(info.ssi_signo as i32) {
            let _ = nix::sys::signal::kill(child, sig);
        }
    }
}
