//! seccomp(2): install a BPF program that every later system call of this thread (and of the
//! programs it execs) is checked against.
//!
//! The filter is a list of classic-BPF instructions (`struct sock_filter`, 8 bytes each) that
//! sees the call's number, architecture and arguments (`struct seccomp_data`) and returns an
//! action: allow, fail with an errno, kill. Filters stack and can never be removed.
//! Installing one needs either no_new_privs set (prctl(PR_SET_NO_NEW_PRIVS)) or
//! CAP_SYS_ADMIN: an unprivileged process must not be able to confuse a setuid program by
//! making its calls fail. container::privileges orders its steps around that rule.
//!
//! nix has no wrapper for seccomp(2); this is the one raw call, with the constants of
//! <linux/seccomp.h> from libc.
//! Read: seccomp(2), Documentation/userspace-api/seccomp_filter.rst.
//! Shell: none (`docker run --security-opt seccomp=…` and runc do this).
//! Used by: container::seccomp.

use nix::errno::Errno;

/// One BPF instruction, as the kernel reads it (`struct sock_filter`, linux/filter.h).
pub type Instruction = libc::sock_filter;

/// seccomp(SECCOMP_SET_MODE_FILTER, 0, &prog): install `program` on the calling thread.
pub fn set_mode_filter(program: &[Instruction]) -> nix::Result<()> {
    let len = u16::try_from(program.len()).map_err(|_| Errno::E2BIG)?;
    let prog = libc::sock_fprog { len, filter: program.as_ptr() as *mut Instruction };
    // SAFETY: `prog` points at `program`, which lives until the call returns; the kernel copies
    // the instructions (copy_from_user) and keeps no pointer into our memory. Flags are 0.
    let rc = unsafe {
        libc::syscall(libc::SYS_seccomp, libc::SECCOMP_SET_MODE_FILTER, 0 as libc::c_uint, &prog as *const _)
    };
    Errno::result(rc).map(drop)
}
