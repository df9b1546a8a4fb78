//! How a child ended, and how a tool hands that on to its own caller.
//!
//! A tool that runs a command should be invisible in `$?`: it exits with the child's status,
//! and when the child was killed by a signal it kills itself with the same signal, so a shell
//! above sees "Killed" (137) and not a plain exit code (as util-linux unshare does).
//! Read: wait(2), signal(7). Used by: ns-unshare, cg-limit, ctr-enter.

use nix::sys::signal::{self, SigHandler, Signal};
use nix::sys::wait::WaitStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Exited(i32),
    Signaled(Signal),
}

impl Status {
    pub fn from_wait(ws: WaitStatus) -> Option<Status> {
        match ws {
            WaitStatus::Exited(_, code) => Some(Status::Exited(code)),
            WaitStatus::Signaled(_, sig, _) => Some(Status::Signaled(sig)),
            _ => None,
        }
    }

    /// The shell's number for this status: the code, or 128 + the signal's number.
    pub fn code(self) -> u8 {
        match self {
            Status::Exited(code) => (code & 0xff) as u8,
            Status::Signaled(sig) => 128u8.wrapping_add(sig as i32 as u8),
        }
    }

    /// Make our own death look like the child's: for a signal, restore its default action,
    /// unblock it and send it to ourselves. Returns (only) when the signal did not end us,
    /// and the caller then exits with `code()`.
    pub fn reraise(self) {
        if let Status::Signaled(sig) = self {
            // A core dump of the tool would be misleading: it did not crash, its child did.
            let _ = nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_CORE, 0, 0);
            // SAFETY: installing SIG_DFL runs no code of ours in a signal context.
            let _ = unsafe { signal::signal(sig, SigHandler::SigDfl) };
            let mut set = signal::SigSet::empty();
            set.add(sig);
            let _ = set.thread_unblock();
            let _ = signal::raise(sig);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_the_shell() {
        assert_eq!(Status::Exited(3).code(), 3);
        assert_eq!(Status::Signaled(Signal::SIGKILL).code(), 137);
        assert_eq!(Status::Signaled(Signal::SIGTERM).code(), 143);
    }
}
