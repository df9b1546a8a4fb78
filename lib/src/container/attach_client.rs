//! `ctrkit attach`, and the foreground end of `run -it`: connect the user's stdin and stdout
//! to a container through its monitor's attach socket (attach.rs has the monitor's side,
//! attach_frame.rs the frames).
//!
//! One poll(2) loop over the socket, our stdin and a signalfd:
//! - socket → `stdout` frames to our stdout, `stderr` frames to our stderr; an `exit` frame is
//!   the container's status, and end-of-file after it means we are done: we exit with that
//!   status (re-raising its signal for `run -it`). A monitor that ends without one (killed,
//!   or its send failed) leaves us to read the code from state.json, as `ctrkit wait` does.
//!   (A monitor started by a ctrkit from before the frames sends raw bytes: we refuse them.)
//! - stdin → `stdin` frames, watching for the detach keys ctrl-p ctrl-q (0x10 0x11): they are
//!   not sent; we close the socket and exit 0, the container runs on. A ctrl-p alone is held
//!   until the next byte shows it was not the start of the sequence, then sent;
//! - stdin at end-of-file: we half-close the socket (shutdown(SHUT_WR)) and keep showing
//!   output until the container ends; its stdin stays open (nobody types any more);
//! - SIGWINCH (our terminal was resized) → a `resize` frame with our size (one at the start
//!   too), so the container's pty follows our window;
//! - --sig-proxy (default, as docker's): SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 that
//!   reach us go to the container's pid 1 (through a pidfd checked against its start time),
//!   and we stay. Without it they act on us as usual.
//!
//! When the container has a terminal (`-t`) and our stdin is one, it goes into raw mode (keys
//! unedited, the container's pty echoes) and is restored on every way out (tty::RawMode).
//! Without `-t` our terminal stays as it is, as docker does: a raw terminal would send `\r`
//! for Enter and echo nothing. (A cooked terminal may swallow ctrl-q itself (IXON), so detach
//! with ctrl-p ctrl-q needs `-t`, as in docker.)
//! Syscalls: connect(2), poll(2), read/write(2), shutdown(2), tcsetattr(3), sigprocmask(2),
//! signalfd(2), pidfd_send_signal(2), ioctl TIOCGWINSZ.
//! Read: unix(7), docker-attach(1). Shell: `socat -,raw,echo=0 UNIX-CONNECT:attach.sock` (without frames).
//! Used by: ctrkit attach (bins/ctrkit/containers.rs), ctr-run -it (container::detach).

use super::attach::{short_name, SOCKET};
use super::attach_frame::{self, Kind};
use super::lookup::Record;
use super::tty::{write_all, RawMode};
use crate::error::{Error, Result};
use crate::explain::{self, Op};
use crate::process::status::Status;
use crate::process::supervise::FORWARDED;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{SigSet, SigmaskHow, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use std::io::{ErrorKind, Read, Write};
use std::net::Shutdown;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;

/// ctrl-p ctrl-q, docker's default detach keys.
pub const DETACH_KEYS: [u8; 2] = [0x10, 0x11];

/// How an attach ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    /// The user typed the detach keys; the container runs on.
    Detached,
    /// The monitor closed the socket: the container has ended, with this status when the
    /// monitor said (an `exit` frame).
    Closed(Option<Status>),
}

/// Where --sig-proxy sends our signals: the container's pid 1, held by a verified pidfd.
pub struct Proxy {
    pidfd: OwnedFd,
    pid: i32,
}

impl Proxy {
    /// The pid 1 of `rec`, if it still runs.
    pub fn of(rec: &Record) -> Option<Proxy> {
        super::signal::open_container(rec).ok().map(|pidfd| Proxy { pidfd, pid: rec.state.pid })
    }
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
pub fn attach(rec: &Record, sig_proxy: bool) -> Result<Option<i32>> {
    let Some(sock) = connect(rec)? else { return Ok(None) };
    let proxy = if sig_proxy { Proxy::of(rec) } else { None };
    match relay(sock, has_terminal(rec), proxy)? {
        Ended::Detached => Ok(Some(0)),
        Ended::Closed(Some(status)) => Ok(Some(status.code() as i32)),
        Ended::Closed(None) => super::wait::wait(rec).map(Some),
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

/// Relay our stdin and stdout through `sock` until the user detaches or the socket closes;
/// with `proxy`, the signals we get go to the container.
pub fn relay(sock: UnixStream, container_tty: bool, proxy: Option<Proxy>) -> Result<Ended> {
    // Only the signals we act on are taken from their default action, and given back after.
    let mut set = SigSet::empty();
    set.add(Signal::SIGWINCH);
    if proxy.is_some() {
        FORWARDED.iter().for_each(|s| set.add(*s));
    }
    let mut old = SigSet::empty();
    nix::sys::signal::sigprocmask(SigmaskHow::SIG_BLOCK, Some(&set), Some(&mut old))
        .map_err(|e| Error::errno("sigprocmask", "SIG_BLOCK", e))?;
    let ended = relay_blocked(sock, container_tty, proxy.as_ref(), &set);
    let _ = nix::sys::signal::sigprocmask(SigmaskHow::SIG_SETMASK, Some(&old), None);
    ended
}

fn relay_blocked(sock: UnixStream, container_tty: bool, proxy: Option<&Proxy>, set: &SigSet) -> Result<Ended> {
    let sfd = SignalFd::with_flags(set, SfdFlags::SFD_CLOEXEC | SfdFlags::SFD_NONBLOCK)
        .map_err(|e| Error::errno("signalfd", "attach", e))?;
    let stdin = std::io::stdin();
    let _restore = if container_tty { Some(RawMode::enter()) } else { None };
    if container_tty {
        send_size(&sock);
    }
    let mut stdin_open = true;
    let mut keys = DetachKeys::default();
    let mut partial = Vec::new();
    let mut status = None;
    let mut buf = [0u8; 16384];
    loop {
        let mut fds = vec![PollFd::new(sock.as_fd(), PollFlags::POLLIN), PollFd::new(sfd.as_fd(), PollFlags::POLLIN)];
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
                Ok(0) => return Ok(Ended::Closed(status)),
                Ok(n) => {
                    partial.extend_from_slice(&buf[..n]);
                    let frames =
                        attach_frame::take_frames(&mut partial).map_err(|why| Error::invalid("attach socket", why))?;
                    for (kind, payload) in frames {
                        match kind {
                            Kind::Stdout => write_all(std::io::stdout().as_fd(), &payload),
                            Kind::Stderr => write_all(std::io::stderr().as_fd(), &payload),
                            Kind::Exit => status = attach_frame::parse_status(&payload),
                            Kind::Stdin | Kind::Resize => {}
                        }
                    }
                }
                Err(e) if matches!(e.kind(), ErrorKind::Interrupted | ErrorKind::WouldBlock) => {}
                Err(e) if e.kind() == ErrorKind::ConnectionReset => return Ok(Ended::Closed(status)),
                Err(e) => return Err(Error::io("read", "attach socket", e)),
            }
        }
        if ready[1] {
            while let Ok(Some(info)) = sfd.read_signal() {
                let Ok(sig) = Signal::try_from(info.ssi_signo as i32) else { continue };
                match (sig, proxy) {
                    (Signal::SIGWINCH, _) if container_tty => send_size(&sock),
                    (Signal::SIGWINCH, _) => {}
                    (sig, Some(p)) => {
                        let _ =
                            super::signal::send(&p.pidfd, p.pid, sig, "--sig-proxy: a signal we got, to the container");
                    }
                    (_, None) => {}
                }
            }
        }
        if stdin_open && ready.get(2) == Some(&true) {
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
            if !send.is_empty() {
                let _ = (&sock).write_all(&attach_frame::encode(Kind::Stdin, &send));
            }
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

/// A `resize` frame with our terminal's size (nothing when our stdin is no terminal).
fn send_size(sock: &UnixStream) {
    if let Some(ws) = super::tty::our_window_size() {
        let _ =
            (&*sock).write_all(&attach_frame::encode(Kind::Resize, format!("{} {}", ws.ws_row, ws.ws_col).as_bytes()));
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
