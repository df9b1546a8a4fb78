//! unshare(2): leave some of the caller's namespaces for new ones.
//!
//! One call creates them all at once, and what it means differs by kind: for mnt, uts, ipc,
//! net, user and cgroup the caller is in the new namespace on return; for pid and time only
//! the caller's *future children* are (pid_namespaces(7): the caller's own pid cannot
//! change), which is why `unshare --pid` needs `--fork`.
//!
//! Read: unshare(2), namespaces(7). Shell: `unshare -m -u -i -n -p -U -C -T`.
//! Used by: ns-unshare.

use super::{describe, flag_names, flags_of, Kind};
use crate::error::Result;
use crate::explain::{self, Op};

pub fn unshare(kinds: &[Kind]) -> Result<()> {
    if kinds.is_empty() {
        return Ok(());
    }
    let why = describe(kinds);
    let op = Op::new(format!("unshare({})", flag_names(kinds)), &why, "unshare(2), namespaces(7)");
    explain::change(op, &flag_names(kinds), || nix::sched::unshare(flags_of(kinds))).map_err(|e| {
        let hint = match e.errno_value() {
            Some(nix::errno::Errno::EPERM) => "creating namespaces needs root (CAP_SYS_ADMIN), or add --user to get a user namespace first",
            Some(nix::errno::Errno::EINVAL) => "this kernel may lack one of these namespaces, or the process is multithreaded (a user namespace needs a single thread)",
            Some(nix::errno::Errno::ENOSPC) => "the limit in /proc/sys/user/max_*_namespaces was reached",
            _ => return e,
        };
        e.with_hint(hint)
    })
}
