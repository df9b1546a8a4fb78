//! The container's root: an overlay over the image (so the image never changes), mounted in
//! the container's own mount namespace, then made `/` with pivot_root.
//!
//! 1. `mount --make-rprivate /` (mount_namespaces(7)): the new mount namespace is a copy whose
//!    mounts may still be *shared* with the host; private first, or the container's mounts
//!    would appear on the host — and pivot_root(2) refuses a shared root anyway (EINVAL).
//! 2. overlay: lower = the rootfs dir (or the image's layers), upper/work in the state dir;
//!    `--read-only` mounts the lowers read-only instead (mount::overlay).
//! 3. pivot_root(".", ".") from inside the new root. pivot_root(new, put_old) makes `new` the
//!    root and moves the old root to `put_old`; passing "." for both (runc's trick) stacks
//!    the old root *on top of* the new one at the same place, so no put_old directory is
//!    needed in the image. `umount2(".", MNT_DETACH)` then peels the old root off, and with it
//!    every host mount: nothing of the host is reachable by path any more. Unlike chroot(2),
//!    this cannot be escaped with `chroot(".."); chdir("..")` tricks (lab 04).
//!
//! The mounts live only in the container's mount namespace: when its last process exits the
//! kernel drops them, so no host mount can leak, even after `kill -9` of ctr-run.
//! Syscalls: mount(2), pivot_root(2), umount2(2), chdir(2). Read: pivot_root(2),
//! mount_namespaces(7), overlayfs.rst. Shell: `mount -t overlay …; cd R; pivot_root . .; umount -l .`.
//! Used by: container::child.

use crate::error::Result;
use crate::explain::{self, Op};
use crate::mount::overlay::{self, MountApi, Overlay, Writable};
use nix::mount::MntFlags;
use std::path::{Path, PathBuf};

/// Mount the root at `dir/rootfs`: `lowers` bottom first; read-only if asked.
pub fn mount_root(dir: &Path, lowers: &[PathBuf], read_only: bool) -> Result<PathBuf> {
    let target = dir.join("rootfs");
    let writable = (!read_only).then(|| Writable { upper: dir.join("upper"), work: dir.join("work") });
    let ov = Overlay { lowers: lowers.to_vec(), writable, target: target.clone(), api: MountApi::Auto };
    overlay::mount(&ov)?;
    Ok(target)
}

/// Make `root` the root directory and drop the old one (see the header, step 3).
pub fn pivot(root: &Path) -> Result<()> {
    let op = Op::new(format!("chdir({root:?})"), "stand in the new root", "chdir(2)");
    explain::change(op, &root.display().to_string(), || nix::unistd::chdir(root))?;
    let op =
        Op::new("pivot_root(\".\", \".\")", "the new root becomes /, the old one is stacked on it", "pivot_root(2)");
    explain::change(op, &root.display().to_string(), || nix::unistd::pivot_root(".", "."))
        .map_err(|e| e.with_hint("pivot_root needs the new root to be a mount point and / to be private"))?;
    let op = Op::new("umount2(\".\", MNT_DETACH)", "peel off the old root: no host path is reachable", "umount(2)");
    explain::change(op, "old root", || nix::mount::umount2(".", MntFlags::MNT_DETACH))?;
    let op = Op::new("chdir(\"/\")", "stand at the new root", "chdir(2)");
    explain::change(op, "/", || nix::unistd::chdir("/"))
}
