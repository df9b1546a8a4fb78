//! pidfd_open(2) and pidfd_send_signal(2): a file descriptor that names one process for good.
//!
//! A pid is a number the kernel reuses; a pidfd is not. Once opened it refers to that process
//! even after the number is given to another one, so a check made after opening (the start
//! time, proc(5) stat field 22) stays true for every signal sent through the fd. And the fd
//! becomes readable (poll(2) POLLIN) when the process exits: a blocking wait for a process
//! that is not our child, with a timeout, and no polling loop.
//!
//! nix 0.30 has no wrappers for these two calls, hence raw syscall(2) here (Linux 5.3+).
//! Read: pidfd_open(2), pidfd_send_signal(2). Used by: container::signal, container::stop.

use crate::error::{Error, Result};
use nix::errno::Errno;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::Signal;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::time::{Duration, Instant};

/// pidfd_open(pid, 0).
pub fn open(pid: i32) -> Result<OwnedFd> {
    // SAFETY: pidfd_open takes two integers and returns a new fd or -1; no memory is shared.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        return Err(Error::errno("pidfd_open", format!("pid {pid}"), Errno::last()));
    }
    // SAFETY: the kernel just returned this fd to us; nobody else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// pidfd_send_signal(fd, sig, NULL, 0): signal exactly the process the fd names.
pub fn send_signal(fd: &OwnedFd, signal: Signal, what: &str) -> Result<()> {
    let null: *const libc::siginfo_t = std::ptr::null();
    // SAFETY: a valid fd we own, a signal number, a NULL siginfo (the kernel fills in ours).
    let rc = unsafe { libc::syscall(libc::SYS_pidfd_send_signal, fd.as_raw_fd(), signal as i32, null, 0) };
    if rc < 0 {
        return Err(Error::errno(format!("pidfd_send_signal({signal})"), what, Errno::last()));
    }
    Ok(())
}

/// Wait until the process exits or `timeout` passes; true if it exited.
pub fn wait_exit(fd: &OwnedFd, timeout: Duration) -> Result<bool> {
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let ms = PollTimeout::try_from(left.as_millis().min(i32::MAX as u128) as i32).unwrap_or(PollTimeout::MAX);
        let mut fds = [PollFd::new(fd.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, ms) {
            Ok(0) => return Ok(false),
            Ok(_) => return Ok(true),
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(Error::errno("poll", "pidfd", e)),
        }
    }
}
