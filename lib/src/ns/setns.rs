//! setns(2): join an existing namespace through a file that names it.
//!
//! A namespace is named by an open file: `/proc/PID/ns/<kind>` of a process in it, or a
//! bind mount of that file (see persist.rs). We open every file *first*, while paths still
//! mean what the user meant, and join afterwards: once we are in another mount namespace,
//! `/proc/1234/...` may resolve somewhere else entirely.
//!
//! Order (as nsenter(1) does it): two passes. The first joins everything but the user
//! namespace and tolerates failure; the second joins the user namespace and retries what
//! failed. Entering a *less* privileged container, the first pass succeeds with our host
//! root powers and the user namespace comes last (joining it first would drop the
//! capabilities needed for the rest). Entering one where we are not privileged, the first
//! pass fails, and joining the user namespace first grants what the retry needs.
//! A pid namespace, like unshare(2)'s, applies to children only: the caller must fork.
//!
//! Read: setns(2), nsenter(1). Shell: `nsenter -t PID -m -u -i -n -p`.
//! Used by: ctr-enter.

use super::Kind;
use crate::error::{Error, Result};
use crate::explain::{self, Op};
use std::os::fd::OwnedFd;
use std::path::Path;

/// A namespace we intend to join, held open by its file.
pub struct Target {
    pub kind: Kind,
    pub file: std::path::PathBuf,
    pub fd: OwnedFd,
}

/// Open a namespace file (`/proc/PID/ns/net`, or a persisted one) and check it is of `kind`.
pub fn open(kind: Kind, file: &Path) -> Result<Target> {
    let op = Op::new(format!("open({:?}, O_RDONLY|O_CLOEXEC)", file), "hold the namespace to join", "setns(2)");
    let fd = explain::run(op, &file.display().to_string(), || {
        nix::fcntl::open(
            file,
            nix::fcntl::OFlag::O_RDONLY | nix::fcntl::OFlag::O_CLOEXEC,
            nix::sys::stat::Mode::empty(),
        )
    })?;
    Ok(Target { kind, file: file.to_path_buf(), fd })
}

/// Join one namespace.
pub fn join(target: &Target) -> Result<()> {
    let why = format!("join {}'s {} namespace", target.file.display(), target.kind.name);
    let op = Op::new(format!("setns({:?}, {})", target.file, target.kind.flag_name), &why, "setns(2)");
    explain::change(op, &target.file.display().to_string(), || nix::sched::setns(&target.fd, target.kind.flag))
}

/// Join every target, in nsenter's two passes (see the file header).
pub fn join_all(targets: &[Target]) -> Result<()> {
    let mut pending: Vec<&Target> = Vec::new();
    for t in targets.iter().filter(|t| t.kind.name != "user") {
        if join(t).is_err() {
            pending.push(t);
        }
    }
    for t in targets.iter().filter(|t| t.kind.name == "user") {
        join(t).map_err(|e| hint_for(e, t))?;
    }
    for t in pending {
        join(t).map_err(|e| hint_for(e, t))?;
    }
    Ok(())
}

fn hint_for(e: Error, t: &Target) -> Error {
    match e.errno_value() {
        Some(nix::errno::Errno::EPERM) => {
            e.with_hint("joining another process's namespaces needs root (CAP_SYS_ADMIN over them)")
        }
        Some(nix::errno::Errno::EINVAL) => e.with_hint(format!(
            "{} is not a {} namespace file, or a multithreaded process tried to join a user namespace",
            t.file.display(),
            t.kind.name
        )),
        _ => e,
    }
}
