//! Who a process is: its uid, gid and supplementary groups.
//!
//! Inside a new user namespace the caller keeps its host ids; if they are not mapped it shows
//! as the overflow id (65534). To *become* an id of the namespace (say 0, which the map
//! points at host uid 100000) it calls setuid(2) there, which its full capabilities in the
//! new namespace allow. Order: groups first (setgroups needs privilege we lose with the
//! uid), then gid, then uid.
//!
//! Read: credentials(7), setuid(2), setgroups(2), user_namespaces(7).
//! Shell: `unshare -S 0 -G 0`, `setpriv --reuid --regid --clear-groups`.
//! Used by: ns-unshare (-S/-G).

use crate::error::Result;
use crate::explain::{self, Op};
use nix::unistd::{Gid, Uid};

/// Become `uid`/`gid` (as numbered in the caller's user namespace).
pub fn become_ids(uid: Option<u32>, gid: Option<u32>) -> Result<()> {
    if let Some(gid) = gid {
        // Denied when /proc/PID/setgroups says "deny": then there are no groups to drop anyway
        // in a fresh namespace, so that refusal is not an error for us.
        let op = Op::new("setgroups(0, [])", "drop supplementary groups", "setgroups(2)");
        let _ = explain::change(op, "supplementary groups", || nix::unistd::setgroups(&[]));
        let op = Op::new(format!("setgid({gid})"), "the group id asked for", "setgid(2)");
        explain::change(op, &format!("gid {gid}"), || nix::unistd::setgid(Gid::from_raw(gid)))
            .map_err(|e| e.with_hint("the gid must be mapped in the user namespace (see --map-groups)"))?;
    }
    if let Some(uid) = uid {
        let op = Op::new(format!("setuid({uid})"), "the user id asked for", "setuid(2)");
        explain::change(op, &format!("uid {uid}"), || nix::unistd::setuid(Uid::from_raw(uid)))
            .map_err(|e| e.with_hint("the uid must be mapped in the user namespace (see --map-users)"))?;
    }
    Ok(())
}
