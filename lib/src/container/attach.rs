//! `-d -i` and foreground `-it`: the monitor's side of attaching. The monitor (detach.rs)
//! keeps the container's stdin open — the write end of a pipe, or the pty master with `-t` —
//! and listens on a unix socket in the container's state dir; `ctrkit attach`
//! (attach_client.rs) connects to it. A foreground `run -it` is a client from birth: ctr-run
//! hands the monitor one end of a socket pair when it forks it, so not a byte of output is
//! missed. The socket carries frames (attach_frame.rs):
//!
//! | what                          | how                                                        |
//! |-------------------------------|------------------------------------------------------------|
//! | monitor → client: output      | `stdout`/`stderr` frames, as they come; also written to container.log |
//! | client → monitor: keys        | `stdin` frames, written to the container's stdin           |
//! | client → monitor: window size | a `resize` frame: TIOCSWINSZ on the pty (-t), the kernel sends the container SIGWINCH |
//! | client closes                 | it detached (ctrl-p ctrl-q): the monitor drops it, the container runs on |
//! | client half-closes            | its stdin ended: it still gets output until the container ends |
//! | monitor → client: the end     | an `exit` frame with the status, once it is recorded; then the monitor closes |
//!
//! Everything happens in the monitor's one poll(2) loop (log.rs), so there are no threads:
//! - several clients may be attached; each gets all the output. Their input is not arbitrated:
//!   every client's keys go to the container's stdin as they are read (one client at a time
//!   is the intended use, as with docker);
//! - the monitor never blocks on anyone: clients are non-blocking, and a client whose socket
//!   buffer is full (it stopped reading) is dropped like one that disconnected — the container
//!   must not stall because of a slow viewer; so is one that sends something that is not a
//!   frame. Input waits in a buffer until the container's stdin is writable (POLLOUT);
//!   meanwhile no more is read from clients (back-pressure);
//! - a container that closed its stdin (EPIPE, or EIO on a pty) gets no more input. (EPIPE and
//!   not a fatal SIGPIPE: Rust's start-up ignores SIGPIPE in ctr-run and the monitor inherits
//!   that; to clients we send(2) with MSG_NOSIGNAL, which says so explicitly.)
//!
//! The socket is STATE/containers/<id>/attach.sock, mode 0600 (root's, like the state dir),
//! removed when the monitor ends. A sun_path holds only 108 bytes and a state dir may be deeper
//! than that, so both sides name it through the directory's fd: /proc/self/fd/N/attach.sock
//! (runc does the same for long socket paths).
//! Syscalls: socket(2), bind(2), listen(2), accept4(2), poll(2), read/write(2), send(2), chmod(2),
//! ioctl TIOCSWINSZ. Read: unix(7), poll(2), pipe(7) (EPIPE, PIPE_BUF), docker-attach(1).
//! Shell: `socat UNIX-LISTEN:attach.sock,mode=600 EXEC:cmd` (roughly, without the frames).
//! Used by: container::detach.

use super::attach_frame::{self, Kind};
use crate::error::{Error, Result};
use crate::explain::{self, Op};
use crate::process::status::Status;
use nix::poll::{PollFd, PollFlags};
use std::io::{ErrorKind, Read};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};

pub const SOCKET: &str = "attach.sock";

/// `dir` opened, and the socket's name through it: /proc/self/fd/N/attach.sock (short enough
/// for sun_path however deep `dir` is). Keep the File open while the name is used.
pub fn short_name(dir: &Path) -> Result<(std::fs::File, PathBuf)> {
    let f = std::fs::File::open(dir).map_err(|e| Error::io("open", dir.display(), e))?;
    let name = PathBuf::from(format!("/proc/self/fd/{}/{SOCKET}", f.as_raw_fd()));
    Ok((f, name))
}

struct Client {
    stream: UnixStream,
    /// False once it half-closed (its stdin ended): it still gets output.
    reading: bool,
    /// Bytes read from it that do not make a whole frame yet.
    partial: Vec<u8>,
}

impl Client {
    fn new(stream: UnixStream) -> Option<Client> {
        stream.set_nonblocking(true).ok()?;
        Some(Client { stream, reading: true, partial: Vec::new() })
    }
}

/// The listening socket, the attached clients and the container's stdin.
pub struct Hub {
    listener: UnixListener,
    path: PathBuf,
    clients: Vec<Client>,
    /// The pipe's write end or a dup of the pty master, non-blocking; None once it is gone.
    stdin: Option<OwnedFd>,
    /// Read from clients, not yet written to the container.
    pending: Vec<u8>,
    /// The pty master (-t), for window sizes.
    terminal: Option<OwnedFd>,
}

impl Hub {
    /// Listen on `dir`/attach.sock (mode 0600) for clients of a container whose stdin is
    /// `stdin` (and whose pty master is `terminal`, with -t); `first` is attached already.
    pub fn listen(dir: &Path, stdin: OwnedFd, terminal: Option<OwnedFd>, first: Option<UnixStream>) -> Result<Hub> {
        let path = dir.join(SOCKET);
        let (_dir, name) = short_name(dir)?;
        // A socket file left by a monitor that was killed would make bind fail with EADDRINUSE.
        let _ = std::fs::remove_file(&path);
        let shown = path.display().to_string();
        let op = Op::new(
            format!("socket(AF_UNIX, SOCK_STREAM) + bind({shown:?}) + listen()"),
            "where `ctrkit attach` connects",
            "unix(7)",
        );
        let listener = explain::run(op, &shown, || UnixListener::bind(&name).map_err(explain::io_errno))?;
        let op = Op::new(format!("chmod({shown:?}, 0600)"), "only root may attach", "chmod(2)");
        explain::change(op, &shown, || {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).map_err(explain::io_errno)
        })?;
        listener.set_nonblocking(true).map_err(|e| Error::io("fcntl O_NONBLOCK", &shown, e))?;
        let flags = nix::fcntl::fcntl(&stdin, nix::fcntl::FcntlArg::F_GETFL)
            .map_err(|e| Error::errno("fcntl F_GETFL", "container stdin", e))?;
        let flags = nix::fcntl::OFlag::from_bits_truncate(flags) | nix::fcntl::OFlag::O_NONBLOCK;
        nix::fcntl::fcntl(&stdin, nix::fcntl::FcntlArg::F_SETFL(flags))
            .map_err(|e| Error::errno("fcntl F_SETFL O_NONBLOCK", "container stdin", e))?;
        let clients = first.and_then(Client::new).into_iter().collect();
        Ok(Hub { listener, path, clients, stdin: Some(stdin), pending: Vec::new(), terminal })
    }

    /// Input is waiting and the container's stdin is still there: poll it for POLLOUT.
    fn wants_stdin(&self) -> bool {
        self.stdin.is_some() && !self.pending.is_empty()
    }

    /// What to poll, in this order: the listener, the container's stdin (only while input
    /// waits), every client (POLLIN while it sends and nothing waits; POLLHUP always counts).
    pub fn poll_fds(&self) -> Vec<PollFd<'_>> {
        let mut fds = vec![PollFd::new(self.listener.as_fd(), PollFlags::POLLIN)];
        if let (true, Some(stdin)) = (self.wants_stdin(), &self.stdin) {
            fds.push(PollFd::new(stdin.as_fd(), PollFlags::POLLOUT));
        }
        let read = self.pending.is_empty();
        for c in &self.clients {
            let events = if c.reading && read { PollFlags::POLLIN } else { PollFlags::empty() };
            fds.push(PollFd::new(c.stream.as_fd(), events));
        }
        fds
    }

    /// Act on poll's answer for the fds `poll_fds` gave (same order, nothing changed since).
    pub fn serve(&mut self, revents: &[PollFlags]) {
        let mut at = 1;
        if self.wants_stdin() {
            if revents.get(1).is_some_and(|r| !r.is_empty()) {
                self.write_input();
            }
            at = 2;
        }
        let gone = PollFlags::POLLHUP | PollFlags::POLLERR | PollFlags::POLLNVAL;
        let mut dropped = Vec::new();
        let mut buf = [0u8; 16384];
        for (i, c) in self.clients.iter_mut().enumerate() {
            let r = revents.get(at + i).copied().unwrap_or(PollFlags::empty());
            let mut got_data = false;
            if r.contains(PollFlags::POLLIN) && c.reading {
                match c.stream.read(&mut buf) {
                    Ok(0) => c.reading = false,
                    Ok(n) => {
                        c.partial.extend_from_slice(&buf[..n]);
                        got_data = true;
                        // A client that sends something other than frames is dropped.
                        match attach_frame::take_frames(&mut c.partial) {
                            Ok(frames) => take_input(frames, &mut self.pending, self.terminal.as_ref()),
                            Err(_) => dropped.push(i),
                        }
                    }
                    Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) => {}
                    Err(_) => dropped.push(i),
                }
            }
            if r.intersects(gone) && !got_data && !dropped.contains(&i) {
                dropped.push(i);
            }
        }
        for i in dropped.into_iter().rev() {
            self.clients.remove(i);
        }
        if self.stdin.is_none() {
            self.pending.clear();
        } else if !self.pending.is_empty() {
            self.write_input();
        }
        if revents.first().is_some_and(|r| r.contains(PollFlags::POLLIN)) {
            if let Some(client) = self.listener.accept().ok().and_then(|(stream, _)| Client::new(stream)) {
                self.clients.push(client);
            }
        }
    }

    /// Write as much waiting input as the container's stdin takes now.
    fn write_input(&mut self) {
        let Some(stdin) = &self.stdin else { return };
        while !self.pending.is_empty() {
            match nix::unistd::write(stdin, &self.pending) {
                Ok(n) => {
                    self.pending.drain(..n);
                }
                Err(nix::errno::Errno::EINTR) => {}
                Err(nix::errno::Errno::EAGAIN) => return,
                // EPIPE (the container closed its stdin), EIO (the pty is gone): no more input.
                Err(_) => {
                    self.stdin = None;
                    self.pending.clear();
                    return;
                }
            }
        }
    }

    /// Container output, to every client; one that cannot take it all now is dropped.
    pub fn broadcast(&mut self, kind: Kind, data: &[u8]) {
        let frame = attach_frame::encode(kind, data);
        self.clients.retain(|c| send_all(&c.stream, &frame));
    }

    /// The container's status, recorded already, to every client: the last frame they get.
    pub fn announce_exit(&mut self, status: Status) {
        self.broadcast(Kind::Exit, attach_frame::status_text(status).as_bytes());
    }
}

/// A client's frames: keys join the input waiting for the container's stdin, a window size
/// goes to the pty. (Output and exit frames are the monitor's to send, never to take.)
fn take_input(frames: Vec<(Kind, Vec<u8>)>, pending: &mut Vec<u8>, terminal: Option<&OwnedFd>) {
    for (kind, payload) in frames {
        match kind {
            Kind::Stdin => pending.extend_from_slice(&payload),
            Kind::Resize => resize(terminal, &payload),
            Kind::Stdout | Kind::Stderr | Kind::Exit => {}
        }
    }
}

/// A `resize` frame: the pty takes the client's window size (nothing to do without -t).
fn resize(terminal: Option<&OwnedFd>, payload: &[u8]) {
    if let (Some(master), Some((rows, cols))) = (terminal, attach_frame::parse_size(payload)) {
        let ws = libc::winsize { ws_row: rows, ws_col: cols, ws_xpixel: 0, ws_ypixel: 0 };
        let op = Op::new(
            format!("ioctl(master, TIOCSWINSZ, {cols}x{rows})"),
            "an attached client's window size",
            "ioctl_tty(2)",
        );
        let _ = explain::change(op, "pty master", || crate::sys::tty::set_window_size(master.as_fd(), &ws));
    }
}

/// send(2) all of `data` with MSG_NOSIGNAL (a client that has gone is EPIPE, not a SIGPIPE);
/// false when the client stopped reading (EAGAIN) or is gone.
fn send_all(stream: &UnixStream, mut data: &[u8]) -> bool {
    while !data.is_empty() {
        match nix::sys::socket::send(stream.as_raw_fd(), data, nix::sys::socket::MsgFlags::MSG_NOSIGNAL) {
            Ok(n) => data = &data[n..],
            Err(nix::errno::Errno::EINTR) => {}
            Err(_) => return false,
        }
    }
    true
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
