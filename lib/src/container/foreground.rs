//! The whole foreground run (`ctr-run` without `-d`): create.rs's steps 1–7 with ctr-run's
//! own stdio, or with the terminal the container opened inside (`-t`); `-it` goes through a
//! monitor instead (detach.rs), so that ctrl-p ctrl-q can leave the container running.
//! Syscalls: those of create.rs; wait4(2) with signals forwarded (process::supervise).
//! Used by: ctr-run.

use super::child::{self, ChildIo};
use super::create::{create, prepare, Outcome};
use super::options::{Io, RunOptions};
use crate::error::Result;

/// ChildIo for the plain foreground case: our own stdio, stdin only with -i.
fn inherit_io(stdin: bool) -> Result<ChildIo> {
    let stdin = if stdin { None } else { Some(child::dev_null()?) };
    Ok(ChildIo { stdin, ..ChildIo::default() })
}

/// The whole foreground run: steps 1–7 with ctr-run's stdio or a pty. `-it` goes through a
/// monitor instead, so that ctrl-p ctrl-q can leave it running (detach::run_attached).
pub fn run(o: &RunOptions) -> Result<Outcome> {
    if o.io == (Io::Tty { stdin: true }) {
        return super::detach::run_attached(o);
    }
    let c = prepare(o)?;
    let mut created = create(&c)?;
    let forwarding = crate::process::supervise::block()?;
    let outcome = match c.io {
        Io::Tty { stdin } => {
            match created.start(ChildIo::terminal_inside(super::tty::our_window_size()), &forwarding)? {
                // (Dropping `created` on the error path kills what runs in the cgroup.)
                Ok(mut started) => Outcome::Exited(started.pty()?.relay(started.pid, stdin)?),
                Err(failed) => failed,
            }
        }
        Io::Inherit { stdin } | Io::Log { stdin, .. } => match created.start(inherit_io(stdin)?, &forwarding)? {
            Ok(started) => Outcome::Exited(forwarding.wait(started.pid)?),
            Err(failed) => failed,
        },
    };
    created.finish(&outcome)?;
    Ok(outcome)
}
