//! close_range(2): act on a whole range of file descriptors in one call.
//!
//! A container must start with only fds 0, 1 and 2 open: any other inherited descriptor (a
//! directory of the host, a socket) is a way out. Closing them one by one means guessing the
//! highest number; close_range does the range in the kernel. With CLOSE_RANGE_CLOEXEC the fds
//! are only *marked* close-on-exec, so the runtime can still use its sync socket until the
//! very execve(2) that drops them all.
//!
//! Read: close_range(2) (Linux 5.11+ for CLOSE_RANGE_CLOEXEC). Shell: none.
//! Used by: container::exec.

use nix::errno::Errno;

/// Mark every fd from `first` upwards close-on-exec.
pub fn cloexec_from(first: u32) -> nix::Result<()> {
    // SAFETY: close_range only changes flags of this process's own descriptors; it reads no
    // memory of ours.
    let rc = unsafe { libc::close_range(first, u32::MAX, libc::CLOSE_RANGE_CLOEXEC as libc::c_int) };
    Errno::result(rc).map(drop)
}

/// Close every fd from `first` upwards now.
pub fn close_from(first: u32) -> nix::Result<()> {
    // SAFETY: as above; the caller must hold no OwnedFd above `first` that it will use or
    // drop later (a later close of a reused number would close something else).
    let rc = unsafe { libc::close_range(first, u32::MAX, 0) };
    Errno::result(rc).map(drop)
}
