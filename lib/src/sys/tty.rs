//! Terminals: unlocking a new pseudo-terminal and opening its slave, making one the
//! controlling terminal, the window size, and raw mode — the ioctls and termios calls `nix` has behind features this crate
//! does not enable.
//!
//! A pseudo-terminal is a pair: the *master* side is held by the program playing the
//! terminal (ctr-run relaying the user's keys), the *slave* side looks like a real terminal to
//! the container's shell. A session leader (setsid(2)) that opens or is handed a terminal
//! makes it its controlling terminal with TIOCSCTTY; then Ctrl-C on it signals the
//! foreground process group, and job control works.
//!
//! A new pair comes from opening a `ptmx` node: each devpts instance has its own
//! (`/dev/pts/ptmx`), and a container mounts a devpts instance of its own (newinstance) with
//! `/dev/ptmx -> pts/ptmx`, so a pty opened inside is numbered and visible only inside.
//! Read: pty(7), pts(4), unlockpt(3), ioctl_tty(2) (TIOCSPTLCK, TIOCGPTPEER, TIOCSCTTY,
//! TIOCGWINSZ, TIOCSWINSZ), termios(3).
//! Shell: `script`, `stty raw -echo`, `stty size`. Used by: container::tty.

use nix::errno::Errno;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

/// ioctl(master, TIOCSPTLCK, 0): unlock the slave side of a master just opened from a
/// `ptmx` (what unlockpt(3) does); until then opening the slave fails with EIO.
pub fn unlock(master: BorrowedFd) -> nix::Result<()> {
    let unlock: libc::c_int = 0;
    // SAFETY: TIOCSPTLCK reads one int from the valid pointer we pass.
    let rc = unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCSPTLCK, &unlock as *const libc::c_int) };
    Errno::result(rc).map(drop)
}

/// ioctl(master, TIOCGPTPEER, O_RDWR|O_NOCTTY|O_CLOEXEC): open the slave that belongs to this
/// master, through the master's own devpts instance (Linux 4.13). Unlike ptsname(3) + open,
/// no path is looked up, so nobody can slip another file in between.
pub fn open_peer(master: BorrowedFd) -> nix::Result<OwnedFd> {
    let flags = libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC;
    // SAFETY: TIOCGPTPEER takes the open flags as an int argument and returns a new fd.
    let fd = unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCGPTPEER, flags) };
    Errno::result(fd)?;
    // SAFETY: on success the fd is fresh and owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
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
