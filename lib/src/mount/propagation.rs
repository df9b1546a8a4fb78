//! Mount propagation: whether mount events cross between mount namespaces.
//!
//! unshare(CLONE_NEWNS) copies the mount table, and mounts that were *shared* stay in the
//! same peer group: a mount made inside would appear on the host too. That is why, right
//! after unsharing, util-linux (and we) make the whole tree private, recursively — unless the
//! user asks otherwise. `slave` lets host mounts come in but none go out; `shared` keeps both
//! ways; `unchanged` leaves the copy as it came.
//!
//! Read: mount_namespaces(7) ("Shared subtrees"). Shell: `mount --make-rprivate /`.
//! Used by: ns-unshare.

use crate::error::Result;
use crate::explain::{self, Op};
use nix::mount::MsFlags;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Propagation {
    Private,
    Slave,
    Shared,
    Unchanged,
}

impl FromStr for Propagation {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "private" => Ok(Propagation::Private),
            "slave" => Ok(Propagation::Slave),
            "shared" => Ok(Propagation::Shared),
            "unchanged" => Ok(Propagation::Unchanged),
            _ => Err(format!("'{s}': expected private, slave, shared or unchanged")),
        }
    }
}

/// Apply `how` to every mount from `/` down.
pub fn set_root(how: Propagation) -> Result<()> {
    let (flag, name) = match how {
        Propagation::Unchanged => return Ok(()),
        Propagation::Private => (MsFlags::MS_PRIVATE, "MS_PRIVATE"),
        Propagation::Slave => (MsFlags::MS_SLAVE, "MS_SLAVE"),
        Propagation::Shared => (MsFlags::MS_SHARED, "MS_SHARED"),
    };
    let why = match how {
        Propagation::Private => "mounts made here stay here, host mounts stay out",
        Propagation::Slave => "host mounts come in, ours do not go out",
        _ => "mounts travel both ways",
    };
    let op = Op::new(format!("mount(\"none\", \"/\", NULL, MS_REC|{name}, NULL)"), why, "mount_namespaces(7)");
    explain::change(op, "/", || {
        nix::mount::mount(Some("none"), "/", None::<&str>, MsFlags::MS_REC | flag, None::<&str>)
    })
}
