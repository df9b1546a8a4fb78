//! `-d`: the container keeps running after ctr-run returns. A small monitor process stays
//! behind to wait for it, write its output to the log and record its exit status — so the
//! status is known even though nobody is attached.
//!
//! | # | ctr-run                          | monitor (double-forked, setsid)                          |
//! |---|----------------------------------|----------------------------------------------------------|
//! | 1 | prepare (all checks), fork M1    | M1: setsid (no controlling terminal), fork M2, _exit — M2 is re-parented to init (or the nearest subreaper), so ctr-run leaves no zombie and no parent behind |
//! | 2 | reap M1; wait on the socket      | M2: stdio to /dev/null; create (state dir, cgroup); start the container with stdout/stderr on pipes (with -t: the container opens its own pty and sends M2 the master); stdin /dev/null, or with -i a pipe (the pty with -t) whose other end M2 keeps, listening on attach.sock |
//! | 3 |                                  | send `Started` (or the error), close the socket          |
//! | 4 | print the id, exit 0 (or the error, 125/126/127) | relay the pipes into container.log (log.rs) and to attached clients, their input to the container's stdin (attach.rs); wait4; record `exited` + code; clean up (all of it with --rm) |
//! | 5 |                                  | only then close attach.sock and its clients: a client that sees the socket close finds the exit code recorded |
//!
//! With `-i` the container's stdin stays open as long as the monitor runs — nobody attached
//! means nobody types, not end-of-file — as with `docker run -d -i`. Without `-i` there is no
//! attach.sock and `ctrkit attach` only follows the log.
//! Syscalls: fork(2), setsid(2), pipe2(2), poll(2), socket/bind/listen/accept(2).
//! Read: daemon(7), setsid(2), unix(7). Shell: `setsid -f ctr-run … >log 2>&1`. Used by: ctr-run -d.

use super::attach::Hub;
use super::child::{self, ChildIo};
use super::create::{self, Container, Outcome};
use super::log;
use super::options::{Io, RunOptions};
use crate::error::{Error, Result};
use crate::process::sync::{self, Channel, Step};
use crate::process::{fork, Forked};
use nix::fcntl::OFlag;

/// Start `o` detached; returns its id once the command runs.
pub fn run_detached(o: &RunOptions) -> Result<String> {
    let c = create::prepare(o)?;
    let (ours, theirs) = sync::channel()?;
    match fork("the monitor's first half (daemon(7) double fork)")? {
        Forked::Child => {
            drop(ours);
            let _ = nix::unistd::setsid();
            let code = match fork("the monitor that outlives ctr-run") {
                Ok(Forked::Child) => monitor(&c, theirs),
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
            let _ = nix::sys::wait::waitpid(m1, None);
            match ours.receive()? {
                Some((Step::Started, _)) => Ok(c.id),
                Some((_, text)) => Err(Error::invalid("container", text)),
                None => Err(Error::invalid("monitor", "ended before the container started")),
            }
        }
    }
}

/// M2: never returns.
fn monitor(c: &Container, chan: Channel) -> ! {
    let code = match supervise(c, &chan) {
        Ok(()) => 0,
        Err(e) => {
            let _ = chan.fail(&e);
            125
        }
    };
    // SAFETY: as above.
    unsafe { libc::_exit(code) }
}

fn supervise(c: &Container, chan: &Channel) -> Result<()> {
    // The terminal ctr-run was started from (if any) gives a -t container its first size.
    let window = super::tty::our_window_size();
    let null = child::dev_null()?;
    for dup in [nix::unistd::dup2_stdin, nix::unistd::dup2_stdout, nix::unistd::dup2_stderr] {
        dup(&null).map_err(|e| Error::errno("dup2", "/dev/null", e))?;
    }
    let created = create::create(c)?;
    let forwarding = crate::process::supervise::block()?;
    let (tty, keep_stdin) = match c.io {
        Io::Log { tty, stdin } => (tty, stdin),
        _ => (false, false),
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
            if tty {
                let master = started.pty()?.master;
                if keep_stdin {
                    ours = Some(master.try_clone().map_err(|e| Error::io("dup", "pty master", e))?);
                }
                sources.push((master, "stdout"));
            }
            if let Some(fd) = ours.take() {
                hub = Some(Hub::listen(&c.dir, fd)?);
            }
            chan.send_with(Step::Started, &started.pid.to_string())?;
            let log_file = c.dir.join(log::LOG_FILE);
            Outcome::Exited(log::relay_to_log(&log_file, sources, started.pid, hub.as_mut())?)
        }
        Err(failed) => {
            if let Outcome::ExecFailed { code, error } = &failed {
                let step = if *code == crate::process::exec::NOT_FOUND { Step::NotFound } else { Step::NotExecutable };
                chan.send_with(step, &error.to_string())?;
            }
            failed
        }
    };
    // Step 5: the record first, then the socket closes (`hub` is dropped after this line).
    let finished = created.finish(&outcome);
    drop(hub);
    finished
}
