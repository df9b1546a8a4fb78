//! `--console-socket`: when process.terminal is true, the container's stdio is the slave side
//! of a new pseudo-terminal *of the container's own devpts*, and the master goes to whoever
//! asked (conmon, the containerd shim) as a file descriptor sent over the AF_UNIX socket they
//! listen on — runc's way.
//!
//! | step | where                          | call                                                   |
//! |------|--------------------------------|--------------------------------------------------------|
//! | 1    | before pivot_root (or setns)   | connect(2) the socket: its path is a host path          |
//! | 2    | after pivot_root (or chroot)   | openpty(3): /dev/ptmx is now the container's pts/ptmx, so the slave is its /dev/pts/0 and ttyname(3) works inside |
//! | 3    |                                | sendmsg(2) with SCM_RIGHTS [master]: the kernel installs a copy in the receiver |
//! | 4    | init only                      | mount --bind the slave onto /dev/console (config-linux.md asks for it) |
//!
//! The message's bytes carry the pty's name, as runc sends it; receivers read only the fd.
//! Syscalls: socket(2), connect(2), openpty(3), sendmsg(2) SCM_RIGHTS, mount(2) MS_BIND.
//! Read: unix(7) ("Ancillary messages"), cmsg(3), pty(7), pts(4). Shell: none (socat cannot pass fds).
//! Used by: oci::init, oci::exec.

use crate::error::{Error, Result};
use crate::explain::{self, Op};
use nix::sys::socket::{
    connect as connect_to, sendmsg, socket, AddressFamily, ControlMessage, MsgFlags, SockFlag, SockType, UnixAddr,
};
use std::io::IoSlice;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};

/// Step 1.
pub fn connect(socket_path: &Path) -> Result<OwnedFd> {
    let shown = socket_path.display().to_string();
    let sock = socket(AddressFamily::Unix, SockType::Stream, SockFlag::SOCK_CLOEXEC, None)
        .map_err(|e| Error::errno("socket", "AF_UNIX", e))?;
    let addr = UnixAddr::new(socket_path).map_err(|e| Error::errno("address", &shown, e))?;
    let op = Op::new(format!("connect({shown:?})"), "the console socket of whoever holds the terminal", "unix(7)");
    explain::change(op, &shown, || connect_to(sock.as_raw_fd(), &addr))?;
    Ok(sock)
}

/// Step 2: (master, slave), from the container's own devpts (container::tty::allocate,
/// the same code as `ctr-run -t`).
pub fn open_pty() -> Result<(OwnedFd, OwnedFd)> {
    crate::container::tty::allocate(None)
}

/// The slave's name as our root and /proc see it (`/dev/pts/0`).
pub fn slave_name(slave: &OwnedFd) -> Result<PathBuf> {
    let link = format!("/proc/self/fd/{}", slave.as_raw_fd());
    std::fs::read_link(&link).map_err(|e| Error::io("readlink", &link, e))
}

/// Step 3.
pub fn send_master(sock: &OwnedFd, master: &OwnedFd) -> Result<()> {
    let fds = [master.as_raw_fd()];
    let iov = [IoSlice::new(b"/dev/ptmx")];
    let op = Op::new("sendmsg(sock, \"/dev/ptmx\", SCM_RIGHTS [master])", "hand over the pty master", "unix(7)");
    explain::change(op, "console socket", || {
        sendmsg::<()>(sock.as_raw_fd(), &iov, &[ControlMessage::ScmRights(&fds)], MsgFlags::empty(), None).map(drop)
    })
}

/// Step 4: /dev/console is the container's terminal.
pub fn bind_console(slave_name: &Path) -> Result<()> {
    let console = Path::new("/dev/console");
    if !console.exists() {
        std::fs::File::create(console).map_err(|e| Error::io("create", "/dev/console", e))?;
    }
    let op = Op::new(
        format!("mount({slave_name:?}, \"/dev/console\", NULL, MS_BIND, NULL)"),
        "/dev/console is the container's terminal",
        "mount(2)",
    );
    explain::change(op, "/dev/console", || {
        nix::mount::mount(Some(slave_name), console, None::<&str>, nix::mount::MsFlags::MS_BIND, None::<&str>)
    })
}
