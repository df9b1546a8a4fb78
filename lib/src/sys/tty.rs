//! Terminals: a new pseudo-terminal pair, making one the controlling terminal, the window
//! size, and raw mode — the ioctls and termios calls `nix` has behind features this crate
//! does not enable.
//!
//! A pseudo-terminal is a pair: the *master* side is held by the program playing the
//! terminal (ctr-run relaying the user's keys), the *slave* side looks like a real terminal to
//! the container's shell. A session leader (setsid(2)) that opens or is handed a terminal
//! makes it its controlling terminal with TIOCSCTTY; then Ctrl-C on it signals the
//! foreground process group, and job control works.
//!
//! Read: pty(7), openpty(3), ioctl_tty(2) (TIOCSCTTY, TIOCGWINSZ, TIOCSWINSZ), termios(3).
//! Shell: `script`, `stty raw -echo`, `stty size`. Used by: container::tty.

use nix::errno::Errno;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

/// openpty(3): a new (master, slave) pair, both close-on-exec.
pub fn openpty() -> nix::Result<(OwnedFd, OwnedFd)> {
    let (mut master, mut slave) = (-1, -1);
    // SAFETY: the two out-pointers are valid; name, termios and winsize may be NULL.
    let rc =
        unsafe { libc::openpty(&mut master, &mut slave, std::ptr::null_mut(), std::ptr::null(), std::ptr::null()) };
    Errno::result(rc)?;
    // SAFETY: on success both are fresh fds owned by nobody else.
    let pair = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    for fd in [&pair.0, &pair.1] {
        nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC))?;
    }
    Ok(pair)
}

/// ioctl(fd, TIOCSCTTY, 0): make the terminal the caller's controlling terminal (the caller
/// must be a session leader without one).
pub fn set_controlling(fd: BorrowedFd) -> nix::Result<()> {
    // SAFETY: TIOCSCTTY takes an int argument (0: do not steal), no memory.
    let rc = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCSCTTY, 0) };
    Errno::result(rc).map(drop)
}

/// The terminal's size in rows and columns (TIOCGWINSZ).
pub fn window_size(fd: BorrowedFd) -> nix::Result<libc::winsize> {
    // SAFETY: winsize is plain old data; zeroes are valid.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    // SAFETY: TIOCGWINSZ writes one winsize into the valid pointer we pass.
    let rc = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCGWINSZ, &mut ws) };
    Errno::result(rc).map(|_| ws)
}

/// Set the terminal's size (TIOCSWINSZ); the kernel sends SIGWINCH to its foreground group.
pub fn set_window_size(fd: BorrowedFd, ws: &libc::winsize) -> nix::Result<()> {
    // SAFETY: TIOCSWINSZ reads one winsize from the valid pointer we pass.
    let rc = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCSWINSZ, ws as *const libc::winsize) };
    Errno::result(rc).map(drop)
}

/// The terminal's current settings (tcgetattr(3)).
pub fn get_attr(fd: BorrowedFd) -> nix::Result<libc::termios> {
    // SAFETY: termios is plain old data; zeroes are valid.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: tcgetattr fills the valid termios we pass.
    let rc = unsafe { libc::tcgetattr(fd.as_raw_fd(), &mut t) };
    Errno::result(rc).map(|_| t)
}

/// Apply settings now (tcsetattr(3), TCSANOW).
pub fn set_attr(fd: BorrowedFd, t: &libc::termios) -> nix::Result<()> {
    // SAFETY: tcsetattr reads the valid termios we pass.
    let rc = unsafe { libc::tcsetattr(fd.as_raw_fd(), libc::TCSANOW, t) };
    Errno::result(rc).map(drop)
}

/// `t` changed to raw mode (cfmakeraw(3)): no echo, no line editing, no signals from keys —
/// every byte goes to the container, whose own terminal does all that.
pub fn raw(mut t: libc::termios) -> libc::termios {
    // SAFETY: cfmakeraw only rewrites fields of the termios we own.
    unsafe { libc::cfmakeraw(&mut t) };
    t
}
