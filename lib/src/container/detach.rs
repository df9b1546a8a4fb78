//! `-d`: the container keeps running after ctr-run returns. A small monitor process stays
//! behind to wait for it, write its output to the log and record its exit status — so the
//! status is known even though nobody is attached. A foreground `run -it` runs the same way,
//! with ctr-run as the first attached client, so that ctrl-p ctrl-q can leave the container
//! running as `-d` would have (docker's semantics).
//!
//! | # | ctr-run                          | monitor (double-forked, setsid)                          |
//! |---|----------------------------------|----------------------------------------------------------|
//! | 1 | prepare (all checks); -it: a socket pair; fork M1 | M1: setsid (no controlling terminal), fork M2, _exit — M2 is re-parented to init (or the nearest subreaper), so ctr-run leaves no zombie and no parent behind |
//! | 2 | reap M1; wait on the socket      | M2: note ctr-run's window size; stdio to /dev/null (stderr only after step 3 under --explain); create (state dir, cgroup); start the container with stdout/stderr on pipes (with -t: the container opens its own pty, sized so, and sends M2 the master); stdin /dev/null, or with -i a pipe (the pty with -t) whose other end M2 keeps, listening on attach.sock (-it: the pair's other end is its first client) |
//! | 3 |                                  | send `Started` (or the error: a failed exec only after step 4's clean-up), close the socket |
//! | 4 | -d: print the id, exit 0 (or the error, 125/126/127); -it: relay as `ctrkit attach` does (attach_client.rs) | relay the pipes into container.log (log.rs) and to attached clients, their input to the container's stdin (attach.rs); wait4; record `exited` + code; clean up (all of it with --rm) |
//! | 5 | -it: exit with the status from the `exit` frame (re-raising its signal), or 0 after ctrl-p ctrl-q | only then send attached clients the status and close attach.sock: a `--rm` container's record is gone by now |
//!
//! With `-i` the container's stdin stays open as long as the monitor runs — nobody attached
//! means nobody types, not end-of-file — as with `docker run -d -i`. Without `-i` there is no
//! attach.sock and `ctrkit attach` only follows the log. A plain foreground run (no `-it`)
//! needs no monitor and has none (create.rs): it is faster, and there is nothing to detach.
//! Syscalls: fork(2), setsid(2), pipe2(2), socketpair(2), poll(2), socket/bind/listen/accept(2).
//! Read: daemon(7), setsid(2), unix(7). Shell: `setsid -f ctr-run … >log 2>&1`. Used by:
//! ctr-run -d, ctr-run -it (via container::foreground::run).

use super::attach::Hub;
use super::attach_client::{self, Ended};
use super::child::{self, ChildIo};
use super::create::{self, Container, Outcome};
use super::log;
use super::options::{Io, RunOptions};
use crate::error::{Error, Result};
use crate::process::sync::{self, Channel, Step};
use crate::process::{fork, Forked};
use nix::fcntl::OFlag;
use std::os::unix::net::UnixStream;

/// Start `o` detached; returns its id once the command runs.
pub fn run_detached(o: &RunOptions) -> Result<String> {
    let c = create::prepare(o)?;
    match spawn_monitor(&c, false)? {
        Ok(_) => Ok(c.id),
        Err(Outcome::ExecFailed { error, .. }) => Err(error),
        Err(_) => Err(Error::invalid("monitor", "ended before the container started")),
    }
}

/// Foreground `run -it`: the container runs under a monitor exactly as with `-d -it`, and we
/// are its first attached client (attach_client.rs), so ctrl-p ctrl-q can leave it running.
/// The client hands on the status the monitor sends (`Exited`), or `Detached`.
pub fn run_attached(o: &RunOptions) -> Result<Outcome> {
    let c = create::prepare(o)?;
    let sock = match spawn_monitor(&c, true)? {
        Ok(Some(sock)) => sock,
        Ok(None) => return Err(Error::invalid("monitor", "gave no attach socket")),
        Err(failed) => return Ok(failed),
    };
    // --sig-proxy: the record says who pid 1 is (written before `Started`; with --rm it may
    // already be gone, and then there is nobody to signal).
    let proxy = super::state::read(&c.dir).ok().and_then(|state| {
        let rec = super::lookup::Record { dir: c.dir.clone(), state };
        attach_client::Proxy::of(&rec)
    });
    match attach_client::relay(sock, true, proxy)? {
        Ended::Detached => Ok(Outcome::Detached),
        Ended::Closed(Some(status)) => Ok(Outcome::Exited(status)),
        Ended::Closed(None) => {
            let state = super::state::read(&c.dir)
                .map_err(|e| e.with_hint("the monitor ended without sending the container's status"))?;
            let rec = super::lookup::Record { dir: c.dir.clone(), state };
            Ok(Outcome::Exited(crate::process::Status::Exited(super::wait::wait(&rec)?)))
        }
    }
}

/// Steps 1–3: fork the monitor and wait for its word. With `attach`, ctr-run's end of a
/// socket pair whose other end the monitor holds as its first attach client.
fn spawn_monitor(c: &Container, attach: bool) -> Result<std::result::Result<Option<UnixStream>, Outcome>> {
    let (ours, theirs) = sync::channel()?;
    let (client, first) = if attach {
        let (a, b) = UnixStream::pair().map_err(|e| Error::io("socketpair", "AF_UNIX, SOCK_STREAM (attach)", e))?;
        (Some(a), Some(b))
    } else {
        (None, None)
    };
    match fork("the monitor's first half (daemon(7) double fork)")? {
        Forked::Child => {
            drop(ours);
            drop(client); // ctr-run's end: the monitor must see it close when ctr-run goes
            let _ = nix::unistd::setsid();
            let code = match fork("the monitor that outlives ctr-run") {
                Ok(Forked::Child) => monitor(c, theirs, first),
                Ok(Forked::Parent(_)) => 0,
                Err(e) => {
                    let _ = theirs.fail(&e);
                    125
                }
            };
            // SAFETY: _exit(2) ends this helper without running ctr-run's exit handlers.
            unsafe { libc::_exit(code) }
        }
        Forked::Parent(m1) => {
            drop(theirs);
            drop(first);
            let _ = nix::sys::wait::waitpid(m1, None);
            let failed = |code, text| Ok(Err(Outcome::ExecFailed { code, error: Error::invalid("container", text) }));
            match ours.receive()? {
                Some((Step::Started, _)) => Ok(Ok(client)),
                Some((Step::NotFound, text)) => failed(crate::process::exec::NOT_FOUND, text),
                Some((Step::NotExecutable, text)) => failed(crate::process::exec::NOT_EXECUTABLE, text),
                Some((_, text)) => Err(Error::invalid("container", text)),
                None => Err(Error::invalid("monitor", "ended before the container started")),
            }
        }
    }
}

/// M2: never returns.
fn monitor(c: &Container, chan: Channel, first: Option<UnixStream>) -> ! {
    let code = match supervise(c, &chan, first) {
        Ok(()) => 0,
        Err(e) => {
            let _ = chan.fail(&e);
            125
        }
    };
    // SAFETY: as above.
    unsafe { libc::_exit(code) }
}

fn supervise(c: &Container, chan: &Channel, first: Option<UnixStream>) -> Result<()> {
    // The terminal ctr-run was started from (if any) gives a -t container its first size.
    let window = super::tty::our_window_size();
    let null = child::dev_null()?;
    for dup in [nix::unistd::dup2_stdin, nix::unistd::dup2_stdout] {
        dup(&null).map_err(|e| Error::errno("dup2", "/dev/null", e))?;
    }
    // Under --explain ctr-run's stderr shows our steps until the container runs; then we let
    // go of it, as a daemon must (ctr-run may be gone, its terminal closed).
    let leave_stderr = || nix::unistd::dup2_stderr(&null).map_err(|e| Error::errno("dup2", "/dev/null", e));
    if !crate::explain::is_explaining() {
        leave_stderr()?;
    }
    let mut created = create::create(c)?;
    let forwarding = crate::process::supervise::block()?;
    let (tty, keep_stdin) = match c.io {
        Io::Log { tty, stdin } => (tty, stdin),
        Io::Tty { stdin } => (true, stdin),
        Io::Inherit { .. } => (false, false),
    };
    let pipe = |what| nix::unistd::pipe2(OFlag::O_CLOEXEC).map_err(|e| Error::errno("pipe2", what, e));
    // With -t the container opens its terminal itself and sends us the master (create.rs
    // step 5); without, it gets pipes whose other ends we keep. `ours`: the container's
    // stdin as the monitor holds it, for attach clients (-i only).
    let (mut sources, io, mut ours) = if tty {
        (Vec::new(), ChildIo::terminal_inside(window), None)
    } else {
        let ((out_r, out_w), (err_r, err_w)) = (pipe("container stdout")?, pipe("container stderr")?);
        let (stdin, ours) = if keep_stdin {
            let (in_r, in_w) = pipe("container stdin")?;
            (in_r, Some(in_w))
        } else {
            (child::dev_null()?, None)
        };
        let io = ChildIo {
            stdin: Some(stdin),
            stdout: Some(out_w),
            stderr: Some(err_w),
            tty: false,
            pty_inside: false,
            window: None,
        };
        (vec![(out_r, "stdout"), (err_r, "stderr")], io, ours)
    };
    let mut hub = None;
    let outcome = match created.start(io, &forwarding)? {
        Ok(mut started) => {
            let mut terminal = None;
            if tty {
                let master = started.pty()?.master;
                let dup = || master.try_clone().map_err(|e| Error::io("dup", "pty master", e));
                if keep_stdin {
                    (ours, terminal) = (Some(dup()?), Some(dup()?));
                }
                sources.push((master, "stdout"));
            }
            if let Some(fd) = ours.take() {
                hub = Some(Hub::listen(&c.dir, fd, terminal, first)?);
            }
            chan.send_with(Step::Started, &started.pid.to_string())?;
            leave_stderr()?;
            let log_file = c.dir.join(log::LOG_FILE);
            Outcome::Exited(log::relay_to_log(&log_file, sources, started.pid, hub.as_mut())?)
        }
        Err(failed) => failed,
    };
    // Step 5: the record first (with --rm: its removal), then the word to whoever waits for
    // it — ctr-run for a failed exec, attached clients for the status — then the socket closes.
    let finished = created.finish(&outcome);
    if let Outcome::ExecFailed { code, error } = &outcome {
        let step = if *code == crate::process::exec::NOT_FOUND { Step::NotFound } else { Step::NotExecutable };
        chan.send_with(step, &error.cause.to_string())?; // ctr-run adds "invalid container: "
    }
    if let (Some(h), Outcome::Exited(status)) = (hub.as_mut(), &outcome) {
        h.announce_exit(*status);
    }
    drop(hub);
    finished
}
