//! overlayfs: stack read-only layer directories under one writable upper directory, the way a
//! container's root file system is made from an image's layers without copying them.
//!
//! A lookup finds a name in the upper dir first, then in each lower from the top down. A write
//! to a lower file first copies it up; a delete leaves a *whiteout* (a 0:0 char device) in the
//! upper dir; a directory removed and made again is marked *opaque* (xattr
//! `trusted.overlay.opaque=y`) so the lower ones stop showing through. The lowers never change,
//! which is why many containers can share them.
//!
//! How it is attached — fsconfig per layer, a mount(2) string on older kernels, a read-only
//! bind for a single read-only layer — is mount::overlay_attach.
//!
//! Read: Documentation/filesystems/overlayfs.rst, fsconfig(2), mount(2), umount(2).
//! Shell: `mount -t overlay overlay -o lowerdir=B:A,upperdir=U,workdir=W T`; `umount T`.
//! Used by: ovl-mount, the engine (rootfs from img-unpack's layers).

use crate::error::{Error, Result};
use crate::explain::{self, Op};
use crate::mount::created_dirs::CreatedDirs;
use crate::mount::{mountinfo, overlay_attach};
use nix::errno::Errno;
use nix::mount::MntFlags;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The kernel's limit on layers in one overlay (OVL_MAX_STACK in fs/overlayfs/params.h).
pub const MAX_LAYERS: usize = 500;

/// What to mount.
#[derive(Debug, Clone)]
pub struct Overlay {
    /// Lower layers, LOWEST FIRST — the order an image's layers are applied.
    pub lowers: Vec<PathBuf>,
    /// Upper and work dirs; None mounts the lowers read-only.
    pub writable: Option<Writable>,
    /// Where the merged tree appears.
    pub target: PathBuf,
    pub api: MountApi,
}

#[derive(Debug, Clone)]
pub struct Writable {
    /// Where writes, copy-ups, whiteouts and opaque marks go.
    pub upper: PathBuf,
    /// overlayfs's scratch dir for atomic copy-up; same file system as `upper`, and empty.
    pub work: PathBuf,
}

/// Which kernel interface to use. `Auto` picks the newest that works; `Legacy` forces the
/// mount(2) string, to see (and test) what older kernels get.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MountApi {
    #[default]
    Auto,
    Legacy,
}

/// How the mount was made in the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    Fsconfig,
    MountString,
    ReadOnlyBind,
}

/// What was mounted, with absolute paths. Serialises as ovl-mount's `--json` object.
#[derive(Debug, Clone, Serialize)]
pub struct Mounted {
    pub rootfs: PathBuf,
    /// Lowest first.
    pub layers: Vec<PathBuf>,
    pub upper: Option<PathBuf>,
    pub work: Option<PathBuf>,
    pub read_only: bool,
    #[serde(skip)]
    pub how: How,
}

/// Mount `ov`. Creates upper (0755), work (0700) and target (0755) when missing; on failure
/// removes whatever it created and leaves no mount.
pub fn mount(ov: &Overlay) -> Result<Mounted> {
    let layers = check_lowers(&ov.lowers)?;
    let mut planned = vec![(&ov.target, "target")];
    if let Some(w) = &ov.writable {
        planned.extend([(&w.upper, "--upper"), (&w.work, "--work")]);
    }
    for (dir, what) in &planned {
        dir_or_missing(dir, what)?;
    }

    let mut created = CreatedDirs::new();
    if let Some(w) = &ov.writable {
        created.create(&w.upper, 0o755, "the upper layer: where the container's writes go")?;
        created.create(&w.work, 0o700, "overlayfs's private scratch dir for atomic copy-up")?;
    }
    created.create(&ov.target, 0o755, "the mount point for the merged tree")?;

    let mut m = Mounted {
        rootfs: absolute(&ov.target)?,
        layers,
        upper: ov.writable.as_ref().map(|w| absolute(&w.upper)).transpose()?,
        work: ov.writable.as_ref().map(|w| absolute(&w.work)).transpose()?,
        read_only: ov.writable.is_none(),
        how: How::Fsconfig,
    };
    m.how = overlay_attach::attach(&m, ov.api)?;
    created.keep();
    Ok(m)
}

/// Unmount the overlay at `target`; refuses anything that is not an overlay mount.
/// `lazy` detaches it now and lets the kernel free it when the last user is gone (MNT_DETACH).
pub fn unmount(target: &Path, lazy: bool) -> Result<()> {
    let abs = std::fs::canonicalize(target).map_err(|e| Error::io("unmount", target.display(), e))?;
    let mounts = mountinfo::read()?;
    match mountinfo::at(&mounts, &abs) {
        None => return Err(Error::invalid(target.display(), "not a mount point: nothing to unmount")),
        // A read-only mount may be our one-layer bind (see the header); anything else is not ours.
        Some(e) if e.fs_type != "overlay" && !e.mount_options.split(',').any(|o| o == "ro") => {
            return Err(Error::invalid(target.display(), format!("not an overlay mount (it is {})", e.fs_type))
                .with_hint("ovl-mount only unmounts overlays; use umount(8) for other mounts"))
        }
        Some(_) => {}
    }
    let (flags, name) = if lazy { (MntFlags::MNT_DETACH, "MNT_DETACH") } else { (MntFlags::empty(), "0") };
    let op = Op::new(format!("umount2({:?}, {name})", abs), "take the merged tree away; the layers stay", "umount(2)");
    explain::change(op, &abs.display().to_string(), || nix::mount::umount2(&abs, flags)).map_err(|e| {
        match e.errno_value() {
            Some(Errno::EBUSY) => {
                e.with_hint("a process still uses it (see `fuser -vm TARGET`); --lazy detaches it now")
            }
            _ => e,
        }
    })
}

/// Each lower must be an existing directory; returned absolute, symlinks resolved.
fn check_lowers(lowers: &[PathBuf]) -> Result<Vec<PathBuf>> {
    if lowers.is_empty() {
        return Err(Error::invalid("--lower", "no layer given: overlayfs needs at least one lower directory")
            .with_hint("give --lower DIR (lowest first), or pipe img-unpack --json into ovl-mount"));
    }
    if lowers.len() > MAX_LAYERS {
        return Err(Error::invalid(
            "--lower",
            format!("{} layers: the kernel stacks at most {MAX_LAYERS}", lowers.len()),
        )
        .with_hint("squash some layers into one"));
    }
    lowers
        .iter()
        .map(|dir| {
            let abs = std::fs::canonicalize(dir).map_err(|e| Error::io("lower layer", dir.display(), e))?;
            if !abs.is_dir() {
                return Err(Error::errno("lower layer", dir.display(), Errno::ENOTDIR));
            }
            Ok(abs)
        })
        .collect()
}

/// A dir we are to use or create: fine if missing or a directory, refused if anything else.
fn dir_or_missing(dir: &Path, what: &str) -> Result<()> {
    match std::fs::metadata(dir) {
        Ok(meta) if !meta.is_dir() => Err(Error::errno(what, dir.display(), Errno::ENOTDIR)),
        _ => Ok(()),
    }
}

fn absolute(p: &Path) -> Result<PathBuf> {
    // Under --dry-run the dir may not exist yet: then make it absolute without resolving.
    std::fs::canonicalize(p).or_else(|_| std::path::absolute(p)).map_err(|e| Error::io("resolve", p.display(), e))
}
