//! fork(2) as one explained operation.
//!
//! Read: fork(2). Shell equivalent: every command a shell runs.
//! Why tools fork at all: some changes only reach *children* — after unshare(CLONE_NEWPID)
//! the caller stays in its pid namespace and its next child becomes pid 1 there
//! (pid_namespaces(7)); a tool that must clean up afterwards (remove a cgroup) has to outlive
//! its command.
//! Used by: ns-unshare (--fork, the persist/map helper), cg-limit, ctr-enter (-p).

use crate::error::Result;
use crate::explain::{self, Op};
use nix::unistd::{ForkResult, Pid};

pub enum Forked {
    Child,
    Parent(Pid),
}

/// Fork the calling process. `why` says what the child is for, for `--explain`.
///
/// The tools are single-threaded when they fork, which is what makes fork safe here:
/// the child may run ordinary Rust code until it execs or `_exit`s.
pub fn fork(why: &str) -> Result<Forked> {
    let op = Op::new("fork()", why, "fork(2)");
    // SAFETY: the ctrkit tools are single-threaded (no threads are ever started before this
    // point), so the child cannot inherit a lock held by another thread.
    let result = explain::run(op, "a child process", || unsafe { nix::unistd::fork() }.map(pid_of))?;
    Ok(if result.as_raw() == 0 { Forked::Child } else { Forked::Parent(result) })
}

/// The child sees 0 as the result of fork, the parent sees the child's pid.
fn pid_of(r: ForkResult) -> Pid {
    match r {
        ForkResult::Child => Pid::from_raw(0),
        ForkResult::Parent { child } => child,
    }
}

/// In a child: have the kernel SIGKILL us when the parent dies (PR_SET_PDEATHSIG), so a
/// killed tool does not leave its command running unsupervised.
pub fn die_with_parent() -> Result<()> {
    let op = Op::new("prctl(PR_SET_PDEATHSIG, SIGKILL)", "end with the parent", "prctl(2)");
    explain::change(op, "PR_SET_PDEATHSIG", || nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL))
}
