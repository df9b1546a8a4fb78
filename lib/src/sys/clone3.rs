//! clone3(2) with CLONE_INTO_CGROUP: fork straight into a cgroup v2 directory.
//!
//! Moving a process into a cgroup afterwards (a pid written to `cgroup.procs`) takes the
//! kernel's global cgroup_threadgroup_rwsem for writing, which waits for an RCU grace period —
//! 5–10 ms on these machines, more than everything else a container start does. A child born
//! in its cgroup (CLONE_INTO_CGROUP, Linux 5.7+, v2 only) takes that lock only for reading.
//! Without CLONE_VM and without a new stack, clone3 behaves like fork(2): the child continues
//! here with a copy of the address space. nix 0.30 has no wrapper, hence the raw syscall.
//! Read: clone(2) ("clone3", "CLONE_INTO_CGROUP"), cgroups(7). Used by: cgroup::born (ctr-run, ctr-oci).

use nix::errno::Errno;
use std::os::fd::{AsRawFd, BorrowedFd};

const CLONE_INTO_CGROUP: u64 = 0x2_0000_0000;

/// struct clone_args (linux/sched.h), the version with `cgroup` (CLONE_ARGS_SIZE_VER2, 88 bytes).
#[repr(C)]
#[derive(Default)]
struct CloneArgs {
    flags: u64,
    pidfd: u64,
    child_tid: u64,
    parent_tid: u64,
    exit_signal: u64,
    stack: u64,
    stack_size: u64,
    tls: u64,
    set_tid: u64,
    set_tid_size: u64,
    cgroup: u64,
}

/// Fork into the cgroup v2 directory open as `cgroup` (O_RDONLY|O_DIRECTORY).
/// Ok(0) in the child, Ok(pid) in the parent.
pub fn fork_into_cgroup(cgroup: BorrowedFd) -> nix::Result<i32> {
    let args = CloneArgs {
        flags: CLONE_INTO_CGROUP,
        exit_signal: libc::SIGCHLD as u64,
        cgroup: cgroup.as_raw_fd() as u64,
        ..Default::default()
    };
    // The caller (cgroup::born) has a single thread: the child cannot inherit another's lock.
    // SAFETY: clone3 reads `args` (valid for its size); without CLONE_VM or a stack it forks.
    let r = unsafe { libc::syscall(libc::SYS_clone3, &args as *const CloneArgs, std::mem::size_of::<CloneArgs>()) };
    if r < 0 {
        Err(Errno::last())
    } else {
        Ok(r as i32)
    }
}
