//! A fresh /proc for a new pid namespace.
//!
//! procfs shows the processes of the pid namespace of whoever *mounted* it. After
//! unshare(CLONE_NEWPID) + fork, the old /proc still lists every host process; mounting a new
//! one (in a private mount namespace, so the host's /proc is untouched) makes `ps` show only
//! the namespace's own. Recursive-private first, or the new /proc could propagate to the host.
//!
//! Read: proc(5), pid_namespaces(7) ("/proc and PID namespaces").
//! Shell: `mount -t proc proc /proc` (what `unshare --mount-proc` does).
//! Used by: ns-unshare --mount-proc.

use crate::error::Result;
use crate::explain::{self, Op};
use nix::mount::MsFlags;
use std::path::Path;

pub fn mount_proc(target: &Path) -> Result<()> {
    let flags = MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC;
    let op = Op::new(
        format!("mount(\"proc\", {:?}, \"proc\", MS_NOSUID|MS_NODEV|MS_NOEXEC, NULL)", target),
        "a /proc that shows this pid namespace",
        "proc(5)",
    );
    explain::change(op, &target.display().to_string(), || {
        nix::mount::mount(Some("proc"), target, Some("proc"), flags, None::<&str>)
    })
}
