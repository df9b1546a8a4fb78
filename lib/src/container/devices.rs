//! /dev with only the safe devices, on the tmpfs the spec mounts there.
//!
//! | node         | type, major:minor | why it is safe                                 |
//! |--------------|-------------------|------------------------------------------------|
//! | null         | c 1:3             | discards writes, reads as empty                 |
//! | zero         | c 1:5             | reads zeros                                     |
//! | full         | c 1:7             | writes fail with ENOSPC                         |
//! | random       | c 1:8             | the kernel's random numbers                     |
//! | urandom      | c 1:9             |                                                 |
//! | tty          | c 5:0             | the process's own controlling terminal          |
//! Symlinks: fd → /proc/self/fd, stdin/stdout/stderr → /proc/self/fd/0..2, ptmx → pts/ptmx
//! (the container's own devpts instance, mounted with newinstance). No disk, no /dev/mem, no
//! /dev/kmsg: a container cannot reach the host's hardware through /dev. (The device cgroup
//! would also stop mknod of others on v1; docker's default caps include MKNOD.)
//! Syscalls: mknodat(2), symlinkat(2). Read: mknod(2), null(4), random(4), tty(4).
//! Shell: `mknod -m 666 R/dev/null c 1 3`. Used by: container::child.

use super::in_root;
use crate::error::Result;
use crate::explain::{self, Op};
use nix::sys::stat::{makedev, Mode, SFlag};
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;

pub const DEVICES: [(&str, u64, u64); 6] =
    [("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8), ("urandom", 1, 9), ("tty", 5, 0)];

pub const LINKS: [(&str, &str); 5] = [
    ("fd", "/proc/self/fd"),
    ("stdin", "/proc/self/fd/0"),
    ("stdout", "/proc/self/fd/1"),
    ("stderr", "/proc/self/fd/2"),
    ("ptmx", "pts/ptmx"),
];

/// Create the nodes and links in the root's /dev (already a fresh tmpfs).
pub fn populate(root: &OwnedFd) -> Result<()> {
    let dev = in_root::ensure_dir(root, Path::new("/dev"))?;
    // The umask would strip the 0666 we ask for; the nodes are explicitly world-usable.
    let old = nix::sys::stat::umask(Mode::empty());
    let made = make(&dev);
    nix::sys::stat::umask(old);
    made
}

fn make(dev: &OwnedFd) -> Result<()> {
    for (name, major, minor) in DEVICES {
        let op = Op::new(format!("mknodat(dev, {name:?}, S_IFCHR|0666, {major}:{minor})"), "a safe device", "mknod(2)");
        explain::change(op, &format!("/dev/{name}"), || {
            nix::sys::stat::mknodat(
                dev.as_fd(),
                name,
                SFlag::S_IFCHR,
                Mode::from_bits_truncate(0o666),
                makedev(major, minor),
            )
        })?;
    }
    for (name, target) in LINKS {
        let op = Op::new(format!("symlinkat({target:?}, dev, {name:?})"), "a standard /dev link", "symlink(2)");
        explain::change(op, &format!("/dev/{name}"), || nix::unistd::symlinkat(target, dev.as_fd(), name))?;
    }
    Ok(())
}
