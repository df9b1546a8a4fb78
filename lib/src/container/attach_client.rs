//! `ctrkit attach`: connect the user's stdin and stdout to a container run with `-d -i`,
//! through the monitor's attach.sock (attach.rs has the monitor's side and the byte protocol).
//!
//! One poll(2) loop over our stdin and the socket:
//! - socket → stdout: the container's output; end-of-file means the container has ended and
//!   its exit is recorded, so we read the code from state.json (waiting for the monitor, as
//!   `ctrkit wait` does) and exit with it;
//! - stdin → socket, watching for the detach keys ctrl-p ctrl-q (0x10 0x11): they are not
//!   sent; we close the socket and exit 0, the container runs on. A ctrl-p alone is held until
//!   the next byte shows it was not the start of the sequence, then sent;
//! - stdin at end-of-file: we half-close the socket (shutdown(SHUT_WR)) and keep showing
//!   output until the container ends; its stdin stays open (nobody types any more).
//!
//! When the container has a terminal (`-t`) and our stdin is one, it goes into raw mode (keys
//! unedited, the container's pty echoes) and is restored on every way out (tty::RawMode).
//! Without `-t` our terminal stays as it is, as docker does: a raw terminal would send `\r`
//! for Enter and echo nothing. (A cooked terminal may swallow ctrl-q itself (IXON), so detach
//! with ctrl-p ctrl-q needs `-t`, as in docker.) Not done: resizing the container's pty to our
//! window, forwarding our signals (ctrl-c in cooked mode ends only the client).
//! Syscalls: connect(2), poll(2), read/write(2), shutdown(2), tcsetattr(3).
//! Read: unix(7), docker-attach(1). Shell: `socat -,raw,echo=0 UNIX-CONNECT:attach.sock`.
//! Used by: ctrkit attach (bins/ctrkit/containers.rs).

use super::attach::{short_name, SOCKET};
use super::lookup::Record;
use super::tty::{write_all, RawMode};
use crate::error::{Error, Result};
use crate::explain::{self, Op};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use std::io::{ErrorKind, Read, Write};
use std::net::Shutdown;
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;

/// ctrl-p ctrl-q, docker's default detach keys.
pub const DETACH_KEYS: [u8; 2] = [0x10, 0x11];

/// How an attach ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    /// The user typed the detach keys; the container runs on.
    Detached,
    /// The monitor closed the socket: the container has ended.
    Closed,
}

/// Watches the bytes the user sends for the detach keys.
#[derive(Debug, Default)]
pub struct DetachKeys {
    /// The last byte seen was a ctrl-p, not sent yet.
    held: bool,
}

impl DetachKeys {
    /// The bytes of `input` to send, and whether the detach keys were typed (then nothing
    /// from them on is sent).
    pub fn scan(&mut self, input: &[u8]) -> (Vec<u8>, bool) {
        let mut out = Vec::with_capacity(input.len() + 1);
        for &b in input {
            if self.held {
                self.held = false;
                if b == DETACH_KEYS[1] {
                    return (out, true);
                }
                out.push(DETACH_KEYS[0]);
            }
            if b == DETACH_KEYS[0] {
                self.held = true;
            } else {
                out.push(b);
            }
        }
        (out, false)
    }

    /// At the end of input: a held ctrl-p was just a ctrl-p.
    pub fn flush(&mut self) -> Vec<u8> {
        if std::mem::take(&mut self.held) {
            vec![DETACH_KEYS[0]]
        } else {
            Vec::new()
        }
    }
}

/// Attach to `rec` through its socket: Some(exit code) — 0 after detaching — or None when it
/// has no socket (run without -i, an older record, a monitor that is gone): follow the log then.
pub fn attach(rec: &Record) -> Result<Option<i32>> {
    let Some(sock) = connect(rec)? else { return Ok(None) };
    match relay(sock, has_terminal(rec))? {
        Ended::Detached => Ok(Some(0)),
        Ended::Closed => super::wait::wait(rec).map(Some),
    }
}

/// Connect to STATE/containers/<id>/attach.sock; None when there is none or nobody listens.
pub fn connect(rec: &Record) -> Result<Option<UnixStream>> {
    let path = rec.dir.join(SOCKET);
    if !path.exists() {
        return Ok(None);
    }
    let (_dir, name) = short_name(&rec.dir)?;
    let shown = path.display().to_string();
    let op = Op::new(format!("socket(AF_UNIX, SOCK_STREAM) + connect({shown:?})"), "to the monitor", "unix(7)");
    match explain::run(op, &shown, || UnixStream::connect(&name).map_err(explain::io_errno)) {
        Ok(s) => Ok(Some(s)),
        Err(e) if matches!(e.errno_value(), Some(nix::errno::Errno::ENOENT | nix::errno::Errno::ECONNREFUSED)) => {
            Ok(None)
        }
        Err(e) => Err(e.with_hint("attaching needs root, like the state dir")),
    }
}

/// The container was made with a terminal (`-t`): process.terminal in its config.json.
fn has_terminal(rec: &Record) -> bool {
    std::fs::read(rec.dir.join("config.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v["process"]["terminal"].as_bool())
        .unwrap_or(false)
}

/// Relay our stdin and stdout through `sock` until the user detaches or the socket closes.
pub fn relay(sock: UnixStream, container_tty: bool) -> Result<Ended> {
    let stdin = std::io::stdin();
    let _restore = if container_tty { Some(RawMode::enter()) } else { None };
    let mut stdin_open = true;
    let mut keys = DetachKeys::default();
    let mut buf = [0u8; 16384];
    loop {
        let mut fds = vec![PollFd::new(sock.as_fd(), PollFlags::POLLIN)];
        if stdin_open {
            fds.push(PollFd::new(stdin.as_fd(), PollFlags::POLLIN));
        }
        match poll(&mut fds, PollTimeout::NONE) {
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(Error::errno("poll", "attach", e)),
            Ok(_) => {}
        }
        let ready: Vec<bool> = fds.iter().map(|f| f.any().unwrap_or(false)).collect();
        drop(fds);
        if ready[0] {
            match (&sock).read(&mut buf) {
                Ok(0) => return Ok(Ended::Closed),
                Ok(n) => write_all(std::io::stdout().as_fd(), &buf[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::Interrupted | ErrorKind::WouldBlock) => {}
                Err(e) if e.kind() == ErrorKind::ConnectionReset => return Ok(Ended::Closed),
                Err(e) => return Err(Error::io("read", "attach socket", e)),
            }
        }
        if stdin_open && ready.get(1) == Some(&true) {
            let (send, detach, eof) = match nix::unistd::read(&stdin, &mut buf) {
                Ok(0) => (keys.flush(), false, true),
                Ok(n) => {
                    let (send, detach) = keys.scan(&buf[..n]);
                    (send, detach, false)
                }
                Err(nix::errno::Errno::EINTR) | Err(nix::errno::Errno::EAGAIN) => continue,
                Err(_) => (keys.flush(), false, true),
            };
            // A monitor that is gone shows as end-of-file on the socket, handled above.
            let _ = (&sock).write_all(&send);
            if detach {
                return Ok(Ended::Detached);
            }
            if eof {
                stdin_open = false;
                let _ = sock.shutdown(Shutdown::Write);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detach_keys_are_found_across_reads_and_never_sent() {
        let mut k = DetachKeys::default();
        assert_eq!(k.scan(b"ab\x10\x11cd"), (b"ab".to_vec(), true));
        let mut k = DetachKeys::default();
        assert_eq!(k.scan(b"x\x10"), (b"x".to_vec(), false));
        assert_eq!(k.scan(b"\x11"), (Vec::new(), true));
        let mut k = DetachKeys::default();
        assert_eq!(k.scan(b"\x10y\x10\x10"), (b"\x10y\x10".to_vec(), false));
        assert_eq!(k.flush(), b"\x10".to_vec());
        assert!(k.flush().is_empty());
    }
}
