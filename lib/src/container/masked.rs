//! docker's masked and read-only paths, applied after pivot_root on the container's own /proc
//! and /sys.
//!
//! Masked (hidden): a file gets /dev/null bind-mounted over it (reads as empty: /proc/kcore
//! no longer exposes kernel memory, /proc/keys no keys), a directory an empty read-only tmpfs
//! (/proc/acpi, /sys/firmware). Read-only: the path is bind-mounted onto itself and remounted
//! MS_RDONLY, so /proc/sys knobs and /proc/sysrq-trigger cannot be written even by root in the
//! container. A path this kernel lacks is skipped.
//! Syscalls: mount(2). Read: proc(5), mount(2). Shell: `mount --bind /dev/null /proc/kcore`;
//! `mount --bind /proc/sys /proc/sys; mount -o remount,bind,ro /proc/sys`.
//! Used by: container::child.

use crate::error::Result;
use crate::explain::{self, Op};
use nix::errno::Errno;
use nix::mount::MsFlags;
use std::path::Path;

pub fn mask(paths: &[String]) -> Result<()> {
    for p in paths {
        let path = Path::new(p);
        let Ok(meta) = std::fs::symlink_metadata(path) else { continue };
        let dir = meta.is_dir();
        let op = if dir {
            Op::new(format!("mount(\"tmpfs\", {p:?}, \"tmpfs\", MS_RDONLY, NULL)"), "hide a directory", "mount(2)")
        } else {
            Op::new(format!("mount(\"/dev/null\", {p:?}, NULL, MS_BIND, NULL)"), "hide a file", "mount(2)")
        };
        explain::change(op, p, || {
            if dir {
                nix::mount::mount(Some("tmpfs"), path, Some("tmpfs"), MsFlags::MS_RDONLY, None::<&str>)
            } else {
                nix::mount::mount(Some("/dev/null"), path, None::<&str>, MsFlags::MS_BIND, None::<&str>)
            }
        })?;
    }
    Ok(())
}

pub fn read_only(paths: &[String]) -> Result<()> {
    for p in paths {
        let path = Path::new(p);
        let op = Op::new(format!("mount({p:?}, {p:?}, NULL, MS_BIND|MS_REC, NULL)"), "bind onto itself", "mount(2)");
        match explain::change(op, p, || {
            nix::mount::mount(Some(path), path, None::<&str>, MsFlags::MS_BIND | MsFlags::MS_REC, None::<&str>)
        }) {
            Err(e) if e.errno_value() == Some(Errno::ENOENT) => continue,
            other => other?,
        }
        let flags = MsFlags::MS_BIND
            | MsFlags::MS_REMOUNT
            | MsFlags::MS_RDONLY
            | MsFlags::MS_NOSUID
            | MsFlags::MS_NODEV
            | MsFlags::MS_NOEXEC;
        let op = Op::new(
            format!("mount(NULL, {p:?}, NULL, MS_BIND|MS_REMOUNT|MS_RDONLY|…, NULL)"),
            "make it read-only",
            "mount(2)",
        );
        explain::change(op, p, || nix::mount::mount(None::<&str>, path, None::<&str>, flags, None::<&str>))?;
    }
    Ok(())
}
