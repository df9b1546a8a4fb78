//! `-t`: the container gets a real terminal — a new pseudo-terminal whose slave side is its
//! stdin/stdout/stderr and controlling terminal (child.rs: setsid + TIOCSCTTY) — and ctr-run
//! plays the terminal: it puts the user's terminal in raw mode (keys go through unedited; the
//! container's own line discipline echoes and handles Ctrl-C) and copies bytes both ways.
//!
//! The pair is made *inside* the container (`allocate`, called after pivot_root): /dev/ptmx
//! there is a link to the ptmx of the container's own devpts instance (mounted with
//! newinstance, devices.rs), so the slave is /dev/pts/0 of the container, not a host pty that
//! would show up as a foreign number (or not at all) in its /dev/pts. The container's pid 1
//! then hands the master to ctr-run over the sync socket (SCM_RIGHTS, create.rs step 5), as
//! runc does with its console socket. `ctrkit exec -t` allocates after entering the container.
//!
//! The relay loop here serves `ctr-run -t` without `-i` and `ctrkit exec -t` (a foreground
//! `ctr-run -it` goes through a monitor and attach_client.rs instead, so that ctrl-p ctrl-q
//! can leave it running). It polls the user's stdin, the pty master and a signalfd:
//! - stdin → master (only with -i); master → stdout; EIO on the master means every slave fd
//!   is closed (the container is gone), so we are done once its status is known;
//! - SIGWINCH → copy our window size to the pty (TIOCSWINSZ; the kernel then sends SIGWINCH
//!   to the container's foreground group); SIGCHLD → reap; other sent signals → forwarded.
//!
//! The terminal's settings are restored on every way out (a guard's Drop).
//! Syscalls: open(2) of /dev/ptmx, ioctl TIOCSPTLCK/TIOCGPTPEER, fchown(2), poll(2),
//! read/write(2), ioctl TIOC[GS]WINSZ, tcsetattr(3), signalfd(2).
//! Read: pty(7), pts(4), termios(3), ioctl_tty(2). Shell: `script -q /dev/null`, `stty raw -echo`.
//! Used by: ctr-run -t (container::create, child, detach), ctrkit exec -t (exec_in); the
//! raw-mode guard also by ctrkit attach.

use crate::error::{Error, Result};
use crate::explain::{self, Op};
use crate::process::status::Status;
use crate::process::supervise::FORWARDED;
use crate::sys::tty;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::unistd::Pid;
use std::os::fd::{AsFd, OwnedFd};

/// The master side of a pseudo-terminal, as the process playing the terminal holds it.
pub struct Pty {
    pub master: OwnedFd,
}

/// A new pseudo-terminal from /dev/ptmx as the caller's root and mounts show it — inside a
/// container, its own devpts instance: (master, slave), both close-on-exec. With `owner`, the
/// slave is given to that uid (it was created as root's; a container user re-opening its
/// terminal, `tty` or `ssh`-like programs, needs it to be theirs — runc does the same).
pub fn allocate(owner: Option<u32>) -> Result<(OwnedFd, OwnedFd)> {
    use nix::fcntl::OFlag;
    let op = Op::new("open(\"/dev/ptmx\", O_RDWR|O_NOCTTY|O_CLOEXEC)", "a new pseudo-terminal pair", "pts(4)");
    let master = explain::run(op, "/dev/ptmx", || {
        nix::fcntl::open("/dev/ptmx", OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC, nix::sys::stat::Mode::empty())
    })
    .map_err(|e| e.with_hint("-t needs /dev/ptmx and a devpts mounted on /dev/pts"))?;
    let op = Op::new("ioctl(master, TIOCSPTLCK, 0)", "unlock the slave (unlockpt(3))", "ioctl_tty(2)");
    explain::run(op, "pty master", || tty::unlock(master.as_fd()))?;
    let op = Op::new("ioctl(master, TIOCGPTPEER, O_RDWR|O_NOCTTY)", "open the slave, no path lookup", "ioctl_tty(2)");
    let slave = explain::run(op, "pty master", || tty::open_peer(master.as_fd()))?;
    if let Some(uid) = owner.filter(|u| *u != 0) {
        let op =
            Op::new(format!("fchown(slave, {uid}, -1)"), "the terminal belongs to the container's user", "chown(2)");
        explain::change(op, "pty slave", || nix::unistd::fchown(&slave, Some(nix::unistd::Uid::from_raw(uid)), None))?;
    }
    Ok((master, slave))
}

/// Restores the user's terminal settings when dropped.
pub struct RawMode(Option<libc::termios>);

impl RawMode {
    /// Put our stdin in raw mode when it is a terminal (else change nothing); the settings
    /// come back when the guard is dropped, on every way out. Also used by attach_client.
    pub fn enter() -> RawMode {
        let saved = tty::get_attr(std::io::stdin().as_fd()).ok();
        if let Some(t) = saved {
            let _ = tty::set_attr(std::io::stdin().as_fd(), &tty::raw(t));
        }
        RawMode(saved)
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        if let Some(t) = &self.0 {
            let _ = tty::set_attr(std::io::stdin().as_fd(), t);
        }
    }
}

/// Our terminal's size, when our stdin is a terminal.
pub fn our_window_size() -> Option<libc::winsize> {
    tty::window_size(std::io::stdin().as_fd()).ok()
}

impl Pty {
    /// Hold `master`, sized like our terminal when stdin is one.
    pub fn from_master(master: OwnedFd) -> Pty {
        if let Ok(ws) = tty::window_size(std::io::stdin().as_fd()) {
            let _ = tty::set_window_size(master.as_fd(), &ws);
        }
        Pty { master }
    }

    /// Relay until the container has ended and its output is drained.
    pub fn relay(self, child: Pid, stdin_open: bool) -> Result<Status> {
        let Pty { master } = self;
        let _restore = RawMode::enter();
        let mut set = SigSet::empty();
        for sig in FORWARDED {
            set.add(sig);
        }
        set.add(Signal::SIGCHLD);
        let sfd = SignalFd::with_flags(&set, SfdFlags::SFD_CLOEXEC | SfdFlags::SFD_NONBLOCK)
            .map_err(|e| Error::errno("signalfd", "relay", e))?;
        let stdin = std::io::stdin();
        let mut stdin_open = stdin_open;
        let mut master_open = true;
        let mut status = None;
        let mut buf = [0u8; 16384];
        while master_open || status.is_none() {
            if status.is_none() {
                if let Ok(Some(ended)) = crate::process::supervise::reap_if_ended(child) {
                    status = Some(ended);
                    continue;
                }
            }
            let mut fds = vec![PollFd::new(sfd.as_fd(), PollFlags::POLLIN)];
            if master_open {
                fds.push(PollFd::new(master.as_fd(), PollFlags::POLLIN));
            }
            if stdin_open && master_open {
                fds.push(PollFd::new(stdin.as_fd(), PollFlags::POLLIN));
            }
            match poll(&mut fds, PollTimeout::NONE) {
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => return Err(Error::errno("poll", "pty relay", e)),
                Ok(_) => {}
            }
            let ready: Vec<bool> = fds.iter().map(|f| f.any().unwrap_or(false)).collect();
            drop(fds);
            if ready[0] {
                while let Ok(Some(info)) = sfd.read_signal() {
                    match info.ssi_signo as i32 {
                        libc::SIGCHLD => {}
                        libc::SIGWINCH => {
                            if let Ok(ws) = tty::window_size(stdin.as_fd()) {
                                let _ = tty::set_window_size(master.as_fd(), &ws);
                            }
                        }
                        sig => {
                            if let Ok(sig) = Signal::try_from(sig) {
                                let _ = nix::sys::signal::kill(child, sig);
                            }
                        }
                    }
                }
            }
            if master_open && ready.get(1) == Some(&true) {
                match nix::unistd::read(&master, &mut buf) {
                    Ok(0) | Err(nix::errno::Errno::EIO) => master_open = false,
                    Ok(n) => write_all(std::io::stdout().as_fd(), &buf[..n]),
                    Err(nix::errno::Errno::EINTR) | Err(nix::errno::Errno::EAGAIN) => {}
                    Err(e) => return Err(Error::errno("read", "pty master", e)),
                }
            }
            if stdin_open && ready.get(2) == Some(&true) {
                match nix::unistd::read(&stdin, &mut buf) {
                    Ok(0) => stdin_open = false,
                    Ok(n) => write_all(master.as_fd(), &buf[..n]),
                    Err(nix::errno::Errno::EINTR) | Err(nix::errno::Errno::EAGAIN) => {}
                    Err(_) => stdin_open = false,
                }
            }
        }
        status.ok_or_else(|| Error::invalid("container", "ended without a status"))
    }
}

/// Write everything, giving up silently if the other side is gone (the user closed stdout).
pub fn write_all(fd: std::os::fd::BorrowedFd, mut data: &[u8]) {
    while !data.is_empty() {
        match nix::unistd::write(fd, data) {
            Ok(n) => data = &data[n..],
            Err(nix::errno::Errno::EINTR) => {}
            Err(_) => return,
        }
    }
}
