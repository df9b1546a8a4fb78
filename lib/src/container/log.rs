//! The log of a detached container: its stdout and stderr as JSON lines, the format of
//! docker's `json-file` driver, so `ctrkit logs` (and `jq`) can read it:
//!
//!     {"log":"hello\n","stream":"stdout","time":"2024-05-01T12:00:00Z"}
//!
//! One object per line of output (a last line without `\n` is written when the stream ends;
//! a line longer than 16 KiB is split, as docker does). `time` is when we read it, in UTC
//! with seconds. The file is STATE/containers/<id>/container.log, opened O_APPEND.
//! The relay polls the pipes and a signalfd for SIGCHLD (and forwards sent signals to the
//! container) and returns the container's status once it has ended and both pipes are drained.
//! With `-d -i` it also serves `ctrkit attach` clients in the same loop (attach.rs): output goes
//! to them as well as to the log, their keys to the container's stdin.
//! Syscalls: poll(2), read(2), write(2), signalfd(2), waitpid(2).
//! Read: docs.docker.com "JSON File logging driver". Shell: `cmd 2>&1 | ts >> log`.
//! Used by: container::detach; read by `ctrkit logs` (logs.rs).

use super::attach::Hub;
use super::attach_frame::Kind;
use crate::error::{Error, Result};
use crate::process::status::Status;
use crate::process::supervise::FORWARDED;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::unistd::Pid;
use std::io::Write;
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;

pub const LOG_FILE: &str = "container.log";
const MAX_LINE: usize = 16 * 1024;

/// One log line as JSON.
pub fn entry(stream: &str, text: &[u8], time: &str) -> String {
    let v = serde_json::json!({"log": String::from_utf8_lossy(text), "stream": stream, "time": time});
    format!("{v}\n")
}

/// Split `buf` into complete lines (and over-long pieces); the rest stays in `buf`.
pub fn take_lines(buf: &mut Vec<u8>, eof: bool) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let cut = match buf.iter().position(|b| *b == b'\n') {
            Some(i) if i < MAX_LINE => i + 1,
            _ if buf.len() >= MAX_LINE => MAX_LINE,
            _ if eof && !buf.is_empty() => buf.len(),
            _ => return out,
        };
        out.push(buf.drain(..cut).collect());
    }
}

/// Copy `sources` into the log (and to `hub`'s attached clients, passing their input on) until
/// the container `child` has ended and they are drained.
pub fn relay_to_log(
    path: &Path,
    sources: Vec<(OwnedFd, &str)>,
    child: Pid,
    mut hub: Option<&mut Hub>,
) -> Result<Status> {
    let mut log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| Error::io("open", path.display(), e))?;
    let mut set = SigSet::empty();
    for sig in FORWARDED {
        set.add(sig);
    }
    set.add(Signal::SIGCHLD);
    let sfd = SignalFd::with_flags(&set, SfdFlags::SFD_CLOEXEC | SfdFlags::SFD_NONBLOCK)
        .map_err(|e| Error::errno("signalfd", "log relay", e))?;
    let mut open: Vec<(OwnedFd, &str, Vec<u8>)> = sources.into_iter().map(|(fd, s)| (fd, s, Vec::new())).collect();
    let mut status = None;
    let mut buf = [0u8; 16384];
    while !open.is_empty() || status.is_none() {
        if status.is_none() {
            if let Ok(Some(ended)) = crate::process::supervise::reap_if_ended(child) {
                status = Some(ended);
                continue;
            }
        }
        let mut fds = vec![PollFd::new(sfd.as_fd(), PollFlags::POLLIN)];
        fds.extend(open.iter().map(|(fd, _, _)| PollFd::new(fd.as_fd(), PollFlags::POLLIN)));
        let hub_at = fds.len();
        if let Some(h) = &hub {
            fds.extend(h.poll_fds());
        }
        match poll(&mut fds, PollTimeout::NONE) {
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(Error::errno("poll", "log relay", e)),
            Ok(_) => {}
        }
        let ready: Vec<bool> = fds.iter().map(|f| f.any().unwrap_or(false)).collect();
        let revents: Vec<PollFlags> = fds.iter().map(|f| f.revents().unwrap_or(PollFlags::empty())).collect();
        drop(fds);
        // Clients first: their poll answers are indexed by the client list as it was polled.
        if let Some(h) = hub.as_mut() {
            h.serve(&revents[hub_at..]);
        }
        if ready[0] {
            while let Ok(Some(info)) = sfd.read_signal() {
                crate::process::supervise::forward(&info, child);
            }
        }
        let now = crate::timestamp::now_rfc3339();
        let mut closed = Vec::new();
        for (i, (fd, stream, pending)) in open.iter_mut().enumerate() {
            if !ready[i + 1] {
                continue;
            }
            let eof = match nix::unistd::read(&*fd, &mut buf) {
                Ok(0) | Err(nix::errno::Errno::EIO) => true,
                Ok(n) => {
                    pending.extend_from_slice(&buf[..n]);
                    if let Some(h) = hub.as_mut() {
                        let kind = if *stream == "stderr" { Kind::Stderr } else { Kind::Stdout };
                        h.broadcast(kind, &buf[..n]);
                    }
                    false
                }
                Err(nix::errno::Errno::EINTR) | Err(nix::errno::Errno::EAGAIN) => false,
                Err(e) => return Err(Error::errno("read", format!("container {stream}"), e)),
            };
            for line in take_lines(pending, eof) {
                log.write_all(entry(stream, &line, &now).as_bytes())
                    .map_err(|e| Error::io("write", path.display(), e))?;
            }
            if eof {
                closed.push(i);
            }
        }
        for i in closed.into_iter().rev() {
            open.remove(i);
        }
    }
    status.ok_or_else(|| Error::invalid("container", "ended without a status"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_split_like_dockers_json_file() {
        let mut buf = b"one\ntwo\npart".to_vec();
        assert_eq!(take_lines(&mut buf, false), vec![b"one\n".to_vec(), b"two\n".to_vec()]);
        assert_eq!(buf, b"part");
        assert_eq!(take_lines(&mut buf, true), vec![b"part".to_vec()]);
        let mut long = vec![b'x'; MAX_LINE + 5];
        assert_eq!(take_lines(&mut long, false).len(), 1);
        assert_eq!(entry("stdout", b"hi\n", "T"), "{\"log\":\"hi\\n\",\"stream\":\"stdout\",\"time\":\"T\"}\n");
    }
}
