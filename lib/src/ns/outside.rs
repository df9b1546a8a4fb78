//! The outside helper: a child forked *before* unshare(2), so it stays in the original
//! namespaces and can do for the tool what only an outsider can:
//! - write uid_map/gid_map with arbitrary ranges (a process inside the new user namespace
//!   may only map its own id, see idmap.rs);
//! - bind-mount the new namespaces' files so they outlive the tool (see persist.rs: made from
//!   inside the new mount namespace, the bind mount would vanish with it).
//!
//! The protocol, over a sync::Channel (this table matches the code below):
//!
//! | step | tool (parent)                      | helper (child, outside)                     |
//! |------|------------------------------------|---------------------------------------------|
//! | 1    | fork the helper                    | wait for `Unshared`                         |
//! | 2    | unshare(2), time offsets, propagation |                                          |
//! | 3    | send `Unshared`, wait              | write maps into /proc/PPID, bind-mount ns files |
//! | 4    | receive `HelperDone` (or `Failed` + text) | send it, _exit                       |
//! | 5    | reap the helper, carry on          |                                             |
//!
//! Under --dry-run no helper is forked: the same work runs in the tool itself, where every
//! step only prints.
//! Read: user_namespaces(7), namespaces(7). Used by: ns-unshare.

use super::idmap::{self, Maps};
use super::{persist, Kind};
use crate::error::Result;
use crate::explain;
use crate::process::sync::{self, Channel, Step};
use crate::process::{fork, Forked};
use nix::unistd::Pid;
use std::path::PathBuf;

/// What the helper does once the namespaces exist.
#[derive(Debug, Default)]
pub struct Work {
    pub maps: Maps,
    /// Namespace files to create: each kind of the tool's new namespaces, and where.
    pub persist: Vec<(Kind, PathBuf)>,
}

impl Work {
    pub fn is_empty(&self) -> bool {
        self.maps.is_empty() && self.persist.is_empty()
    }
}

/// A started helper (or, under --dry-run, the work to print).
pub struct Helper {
    work: Work,
    child: Option<(Pid, Channel)>,
}

/// Step 1: fork the helper, which waits for step 3. Returns None when there is nothing to do.
pub fn start(work: Work) -> Result<Option<Helper>> {
    if work.is_empty() {
        return Ok(None);
    }
    if explain::is_dry_run() {
        return Ok(Some(Helper { work, child: None }));
    }
    let (ours, theirs) = sync::channel()?;
    match fork("a helper that stays outside the new namespaces")? {
        Forked::Child => {
            drop(ours);
            let code = match serve(&work, &theirs) {
                Ok(()) => 0,
                Err(_) => 1,
            };
            // SAFETY: _exit(2) ends only this helper; the parent's buffers are not ours to flush.
            unsafe { libc::_exit(code) }
        }
        Forked::Parent(pid) => {
            drop(theirs);
            Ok(Some(Helper { work, child: Some((pid, ours)) }))
        }
    }
}

/// In the helper: wait for step 3, do the work for our parent, report.
fn serve(work: &Work, channel: &Channel) -> Result<()> {
    channel.wait_for(Step::Unshared)?;
    let tool = nix::unistd::getppid().as_raw();
    match act(work, tool) {
        Ok(()) => channel.send(Step::HelperDone),
        Err(e) => {
            let _ = channel.fail(&e);
            Err(e)
        }
    }
}

/// Write the maps and persist the namespaces of process `tool`. If one bind mount fails,
/// the ones already made are released: all or nothing.
fn act(work: &Work, tool: i32) -> Result<()> {
    idmap::write(tool, &work.maps)?;
    let mut done: Vec<&PathBuf> = Vec::new();
    for (kind, file) in &work.persist {
        if let Err(e) = persist::persist(tool, *kind, file) {
            for f in done {
                let _ = persist::release(f);
            }
            return Err(e);
        }
        done.push(file);
    }
    Ok(())
}

impl Helper {
    /// Steps 3–5: the namespaces exist; let the helper act, wait for it, reap it.
    pub fn finish(self) -> Result<()> {
        let Some((pid, channel)) = self.child else {
            return act(&self.work, std::process::id() as i32);
        };
        let outcome = channel.send(Step::Unshared).and_then(|_| channel.wait_for(Step::HelperDone));
        let _ = nix::sys::wait::waitpid(pid, None);
        outcome
    }
}
