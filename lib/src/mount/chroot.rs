//! Changing a process's root and working directory through directory file descriptors.
//!
//! To enter a container we must hold its root and its working directory *before* joining its
//! mount namespace (after that, the paths we knew them by may mean something else), so both
//! are opened early and used later by fd: fchdir(root) + chroot(".") makes the held
//! directory our `/`; fchdir(wd) puts us in the held working directory.
//! chroot alone is no jail (lab 04 shows the escape); here it only gives an entered command
//! the same view of the file system as the container's own processes.
//!
//! Read: chroot(2), fchdir(2). Shell: `nsenter --root --wd`, `chroot DIR`.
//! Used by: ctr-enter.

use crate::error::Result;
use crate::explain::{self, Op};
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;

/// Open a directory to hold it: `/proc/PID/root`, `/proc/PID/cwd` or one the user named.
pub fn open_dir(path: &Path, why: &str) -> Result<OwnedFd> {
    let op = Op::new(format!("open({:?}, O_RDONLY|O_DIRECTORY|O_CLOEXEC)", path), why, "open(2)");
    explain::run(op, &path.display().to_string(), || {
        use nix::fcntl::OFlag;
        nix::fcntl::open(path, OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC, nix::sys::stat::Mode::empty())
    })
}

/// Make the held directory our root, and stand in it.
pub fn enter_root(root: &OwnedFd) -> Result<()> {
    change_dir(root, "stand in the new root")?;
    let op = Op::new("chroot(\".\")", "the held directory becomes /", "chroot(2)");
    explain::change(op, "root directory", || nix::unistd::chroot("."))
}

/// Make the held directory our working directory.
pub fn change_dir(dir: &OwnedFd, why: &str) -> Result<()> {
    let op = Op::new("fchdir(fd)", why, "fchdir(2)");
    explain::change(op, "working directory", || nix::unistd::fchdir(dir.as_fd()))
}
