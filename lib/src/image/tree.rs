//! Removing and emptying directory trees through directory fds, never following a symlink:
//! a whiteout or a replaced entry in an image deletes what is *in the root*, and a symlink in
//! the way is removed as a link, never entered.
//!
//! Syscalls: fstatat(2) (AT_SYMLINK_NOFOLLOW), openat(2) (O_NOFOLLOW|O_DIRECTORY),
//! getdents64(2) (via nix::dir), unlinkat(2) (with and without AT_REMOVEDIR).
//! Man: unlinkat(2), openat(2). Shell equivalent: `rm -rf -- DIR/NAME`, `find DIR -mindepth 1 -delete`.
//! Used by: image::apply (replacing entries), image::whiteout (flattening whiteouts).

use nix::dir::Dir;
use nix::errno::Errno;
use nix::fcntl::{AtFlags, OFlag};
use nix::sys::stat::{fstatat, Mode, SFlag};
use nix::unistd::{unlinkat, UnlinkatFlags};
use std::ffi::OsStr;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::ffi::OsStrExt;

/// Does `name` exist in `dir` (as itself, a symlink is not followed)? Returns its mode.
pub fn lstat_at(dir: BorrowedFd, name: &OsStr) -> nix::Result<Option<u32>> {
    match fstatat(dir, name, AtFlags::AT_SYMLINK_NOFOLLOW) {
        Ok(st) => Ok(Some(st.st_mode)),
        Err(Errno::ENOENT) => Ok(None),
        Err(e) => Err(e),
    }
}

pub fn is_dir(mode: u32) -> bool {
    mode & SFlag::S_IFMT.bits() == SFlag::S_IFDIR.bits()
}

/// Remove `name` in `dir` whatever it is; a directory goes with everything in it.
/// Nothing there is not an error.
pub fn remove_at(dir: BorrowedFd, name: &OsStr) -> nix::Result<()> {
    match lstat_at(dir, name)? {
        None => Ok(()),
        Some(mode) if is_dir(mode) => {
            empty_dir_at(dir, name, &mut |_| false)?;
            unlinkat(dir, name, UnlinkatFlags::RemoveDir)
        }
        Some(_) => unlinkat(dir, name, UnlinkatFlags::NoRemoveDir),
    }
}

/// Remove every child of the directory `name` in `dir` for which `keep` says false.
pub fn empty_dir_at(dir: BorrowedFd, name: &OsStr, keep: &mut dyn FnMut(&OsStr) -> bool) -> nix::Result<()> {
    // O_NOFOLLOW: if someone swapped the directory for a symlink, we fail instead of entering it.
    let fd = nix::fcntl::openat(
        dir,
        name,
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
        Mode::empty(),
    )?;
    let names: Vec<Vec<u8>> = {
        let mut listing =
            Dir::from_fd(fd.try_clone().map_err(|e| Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)))?)?;
        listing
            .iter()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_bytes().to_vec())
            .filter(|n| n != b"." && n != b"..")
            .collect()
    };
    for child in names {
        let child = OsStr::from_bytes(&child);
        if !keep(child) {
            remove_at(fd.as_fd(), child)?;
        }
    }
    Ok(())
}
