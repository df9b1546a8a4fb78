//! The exec fifo: how `create` leaves a container set up but not yet running, and how
//! `start`, a later and separate process, lets it go — runc's mechanism.
//!
//! | who            | when                         | does                                                      |
//! |----------------|------------------------------|-----------------------------------------------------------|
//! | create         | before fork                  | mkfifo(ROOT/<id>/exec.fifo, 0600)                         |
//! | container init | before pivot_root            | open(fifo, O_PATH): a handle that survives pivot_root     |
//! | container init | before its last steps        | open("/proc/self/fd/N", O_WRONLY\|O_CLOEXEC): *blocks* until a reader opens it (fifo(7)); write one byte; keep the fd |
//! | container init | execve(2)                    | the close-on-exec fd closes: the reader sees end-of-file   |
//! | start          | any time later               | open(fifo, O_RDONLY\|O_NONBLOCK) wakes the init; poll(2) for its byte, then for end-of-file; unlink the fifo |
//!
//! End-of-file is how `start` knows the command has been exec'd (startContainer hooks have
//! run), so the poststart hooks run after it, as config.md requires (runc reads to EOF too).
//! While the fifo exists the container is `created` (state.rs); once `start` removed it, a
//! live init means `running`. start polls with a short timeout and checks that the init is
//! still alive between polls, so a container that died meanwhile is an error, not a hang.
//! Reopening through /proc/self/fd is what lets a path outside the new root be opened after
//! pivot_root: the O_PATH fd still names the fifo, the magic link reopens it.
//! Syscalls: mknod(2) (mkfifo), open(2) O_PATH, poll(2), read/write(2), unlink(2).
//! Read: fifo(7), open(2) ("O_PATH"), proc(5) (/proc/PID/fd). Shell: `mkfifo f; cat f`.
//! Used by: oci::create (mkfifo), oci::init (wait), oci::start (release).

use crate::error::{Error, Result};
use crate::explain::{self, Op};
use nix::fcntl::OFlag;
use nix::sys::stat::Mode;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const NAME: &str = "exec.fifo";

/// mkfifo in the container's state dir.
pub fn make(dir: &Path) -> Result<PathBuf> {
    let path = dir.join(NAME);
    let op = Op::new(format!("mkfifo({path:?}, 0600)"), "the container will wait on it for `start`", "mkfifo(3)");
    explain::change(op, &path.display().to_string(), || nix::unistd::mkfifo(&path, Mode::from_bits_truncate(0o600)))?;
    Ok(path)
}

/// In the init, before pivot_root: a handle on the fifo that does not open it yet.
pub fn hold(path: &Path) -> Result<OwnedFd> {
    let op = Op::new(
        format!("open({path:?}, O_PATH|O_CLOEXEC)"),
        "keep the exec fifo reachable after pivot_root",
        "open(2)",
    );
    explain::run(op, &path.display().to_string(), || {
        nix::fcntl::open(path, OFlag::O_PATH | OFlag::O_CLOEXEC, Mode::empty())
    })
}

/// In the init: block until `start` opens the fifo, then tell it we go on. Keep the returned
/// fd open until exec: its closing at exec is `start`'s end-of-file.
pub fn wait_for_start(held: OwnedFd) -> Result<OwnedFd> {
    let magic = format!("/proc/self/fd/{}", held.as_raw_fd());
    let op = Op::new(
        format!("open({magic:?}, O_WRONLY|O_CLOEXEC)"),
        "block until `ctr-oci start` opens the fifo",
        "fifo(7)",
    );
    let fd = explain::run(op, "exec fifo", || {
        nix::fcntl::open(magic.as_str(), OFlag::O_WRONLY | OFlag::O_CLOEXEC, Mode::empty())
    })?;
    nix::unistd::write(&fd, b"0").map_err(|e| Error::errno("write", "exec fifo", e))?;
    Ok(fd)
}

/// In `start`: wake the init blocked on the fifo and wait for its byte. `alive` is asked
/// between polls, so a dead init is reported instead of waited on forever.
pub fn release(dir: &Path, alive: impl Fn() -> bool) -> Result<()> {
    let path = dir.join(NAME);
    let op = Op::new(
        format!("open({path:?}, O_RDONLY|O_NONBLOCK)"),
        "the container's init, blocked opening it, goes on",
        "fifo(7)",
    );
    let fd = explain::run(op, &path.display().to_string(), || {
        nix::fcntl::open(&path, OFlag::O_RDONLY | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC, Mode::empty())
    })?;
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    // First the byte (the init woke up), then end-of-file (it exec'd, or died trying).
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut woke = false;
    loop {
        let mut fds = [PollFd::new(fd.as_fd(), PollFlags::POLLIN)];
        let ready = poll(&mut fds, PollTimeout::from(100u16)).map_err(|e| Error::errno("poll", "exec fifo", e))?;
        if ready > 0 {
            let mut byte = [0u8; 1];
            match nix::unistd::read(&fd, &mut byte) {
                Ok(0) if woke => break,
                Ok(1) => woke = true,
                Err(nix::errno::Errno::EAGAIN) | Ok(_) => {}
                Err(e) => return Err(Error::errno("read", "exec fifo", e)),
            }
        }
        if !alive() {
            if woke {
                break; // it exec'd and already ended, or its exec failed: its stderr says which
            }
            return Err(Error::invalid("container", "its init ended before it could be started"));
        }
        if !woke && std::time::Instant::now() > deadline {
            return Err(Error::invalid("exec fifo", "the container's init did not answer within 10 s"));
        }
    }
    let op = Op::new(format!("unlink({path:?})"), "from now on a live init means `running`", "unlink(2)");
    explain::change(op, &path.display().to_string(), || nix::unistd::unlink(&path))
}
