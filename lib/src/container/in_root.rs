//! Finding (and making) a path *inside* the container's root before pivot_root, without ever
//! following a symlink out of it — the mount point of `-v /data:/etc/x` when the image has
//! `etc -> /host-etc`, or `x -> ../../../root`.
//!
//! Every lookup is openat2(RESOLVE_IN_ROOT) relative to an fd of the root (image::openat2):
//! `..` stops at the root, absolute symlinks start from it. A missing component is made with
//! mkdirat(2) in its resolved parent. The result is an O_PATH fd, and the mount is made on
//! `/proc/self/fd/N`: the kernel mounts on exactly the directory the fd holds, so nobody can
//! swap a symlink in between the check and the mount (runc does the same).
//! Syscalls: openat2(2), mkdirat(2), openat(2) O_CREAT|O_NOFOLLOW. Read: openat2(2),
//! path_resolution(7). Shell: `mkdir -p "$(chroot ROOT realpath -m PATH)"`.
//! Used by: container::mounts, container::devices.

use crate::error::{Error, Result};
use crate::explain::{self, Op};
use crate::image::openat2::open_in_root;
use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sys::stat::Mode;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};

/// The path mount(2) can use to reach what `fd` holds.
pub fn fd_path(fd: &OwnedFd) -> PathBuf {
    PathBuf::from(format!("/proc/self/fd/{}", fd.as_raw_fd()))
}

/// Open the root itself as an O_PATH handle.
pub fn open_root(root: &Path) -> Result<OwnedFd> {
    nix::fcntl::open(root, OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC, Mode::empty())
        .map_err(|e| Error::errno("open", root.display(), e))
}

/// Directory `path` inside `root` (created 0755 with its parents if missing), as O_PATH.
pub fn ensure_dir(root: &OwnedFd, path: &Path) -> Result<OwnedFd> {
    let rel = path.strip_prefix("/").unwrap_or(path);
    match open_in_root(root.as_fd(), rel, OFlag::O_PATH | OFlag::O_DIRECTORY) {
        Ok(fd) => return Ok(fd),
        Err(Errno::ENOENT) => {}
        Err(e) => return Err(Error::errno("openat2", path.display(), e)),
    }
    let mut so_far = PathBuf::new();
    for comp in rel.components() {
        let parent = open_in_root(root.as_fd(), &so_far, OFlag::O_PATH | OFlag::O_DIRECTORY)
            .map_err(|e| Error::errno("openat2", Path::new("/").join(&so_far).display(), e))?;
        so_far.push(comp);
        let op = Op::new(format!("mkdirat(root, {:?}, 0755)", so_far), "a mount point inside the root", "mkdir(2)");
        match explain::change(op, &so_far.display().to_string(), || {
            nix::sys::stat::mkdirat(parent.as_fd(), comp.as_os_str(), Mode::from_bits_truncate(0o755))
        }) {
            Err(e) if e.errno_value() == Some(Errno::EEXIST) => {}
            other => other?,
        }
    }
    open_in_root(root.as_fd(), rel, OFlag::O_PATH | OFlag::O_DIRECTORY)
        .map_err(|e| Error::errno("openat2", path.display(), e))
}

/// File `path` inside `root` (an empty 0644 file made if missing), as O_PATH: the mount point
/// for a bind mount of a file.
pub fn ensure_file(root: &OwnedFd, path: &Path) -> Result<OwnedFd> {
    let rel = path.strip_prefix("/").unwrap_or(path);
    match open_in_root(root.as_fd(), rel, OFlag::O_PATH) {
        Ok(fd) => return Ok(fd),
        Err(Errno::ENOENT) => {}
        Err(e) => return Err(Error::errno("openat2", path.display(), e)),
    }
    let (Some(parent), Some(name)) = (rel.parent(), rel.file_name()) else {
        return Err(Error::invalid(path.display(), "not a file path"));
    };
    let dir = ensure_dir(root, parent)?;
    let op = Op::new(format!("openat(root, {:?}, O_CREAT|O_NOFOLLOW, 0644)", rel), "a file mount point", "open(2)");
    let created = explain::run(op, &path.display().to_string(), || {
        nix::fcntl::openat(
            dir.as_fd(),
            name,
            OFlag::O_CREAT | OFlag::O_WRONLY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
            Mode::from_bits_truncate(0o644),
        )
    })?;
    drop(created);
    open_in_root(root.as_fd(), rel, OFlag::O_PATH).map_err(|e| Error::errno("openat2", path.display(), e))
}
