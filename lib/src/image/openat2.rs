//! Resolving a path *inside* a root directory, the way the kernel resolves paths for a
//! process chrooted there: openat2(2) with RESOLVE_IN_ROOT makes `..` stop at the root and
//! makes absolute symlinks (`etc -> /etc`) start from it, so no name and no symlink in an
//! image can lead out of the image's root. RESOLVE_NO_MAGICLINKS also refuses /proc-style
//! magic links. This is the kernel doing what securejoin-style walkers do in user space,
//! atomically and without races.
//!
//! Syscalls: openat2(2) (Linux 5.6+), through nix's safe wrapper. Man: openat2(2),
//! path_resolution(7), symlink(7). Shell equivalent: `chroot ROOT realpath PATH`.
//! Used by: image::apply, image::whiteout, image::source (OCI layout directories).

use crate::error::Error;
use nix::errno::Errno;
use nix::fcntl::{openat2, OFlag, OpenHow, ResolveFlag};
use nix::sys::stat::Mode;
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;

/// Open `path` (relative to `root`; a leading `/` also means `root`) with every component,
/// symlinks included, resolved inside `root`.
pub fn open_in_root(root: impl AsFd, path: &Path, flags: OFlag) -> nix::Result<OwnedFd> {
    let how = OpenHow::new()
        .flags(flags | OFlag::O_CLOEXEC)
        .mode(Mode::empty())
        .resolve(ResolveFlag::RESOLVE_IN_ROOT | ResolveFlag::RESOLVE_NO_MAGICLINKS);
    let path: &Path = if path.as_os_str().is_empty() { Path::new(".") } else { path };
    // EAGAIN means a concurrent rename somewhere in the file system made the kernel unsure
    // the walk stayed inside; the man page says to retry.
    let mut tries = 0;
    loop {
        match openat2(root.as_fd(), path, how) {
            Err(Errno::EAGAIN) if tries < 16 => tries += 1,
            other => return other,
        }
    }
}

/// Open a directory inside `root` as an O_PATH handle, for use with the *at(2) calls.
pub fn open_dir_in_root(root: impl AsFd, path: &Path) -> nix::Result<OwnedFd> {
    open_in_root(root, path, OFlag::O_PATH | OFlag::O_DIRECTORY)
}

/// Turn ENOSYS into an error that says what is missing.
pub fn explain_errno(op: &str, object: &str, e: Errno) -> Error {
    let err = Error::errno(op, object, e);
    if e == Errno::ENOSYS {
        err.with_hint("openat2(2) needs Linux 5.6 or newer")
    } else {
        err
    }
}
