//! Bind mounts: making a file or directory appear at a second place.
//!
//! Read: mount(2) (MS_BIND), umount(2). Shell: `mount --bind SRC DST`, `umount DST`.
//! Used by: ns::persist.

use crate::error::Result;
use crate::explain::{self, Op};
use nix::mount::{MntFlags, MsFlags};
use std::path::Path;

pub fn bind(source: &Path, target: &Path, why: &str) -> Result<()> {
    let op = Op::new(format!("mount({:?}, {:?}, NULL, MS_BIND, NULL)", source, target), why, "mount(2)");
    explain::change(op, &target.display().to_string(), || {
        nix::mount::mount(Some(source), target, None::<&str>, MsFlags::MS_BIND, None::<&str>)
    })
}

/// Unmount `target`. MNT_DETACH so a process still using it does not make this fail; the
/// kernel drops the mount when the last user is gone.
pub fn unmount(target: &Path, why: &str) -> Result<()> {
    let op = Op::new(format!("umount2({:?}, MNT_DETACH)", target), why, "umount(2)");
    explain::change(op, &target.display().to_string(), || nix::mount::umount2(target, MntFlags::MNT_DETACH))
}
