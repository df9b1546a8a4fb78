//! Creating one entry of each kind, with its metadata, by name in an open parent directory —
//! the part of image::apply that makes files, directories, symlinks, hardlinks, device nodes
//! and FIFOs. Never follows the last component: O_CREAT|O_EXCL|O_NOFOLLOW, *at calls with
//! AT_SYMLINK_NOFOLLOW, and whatever is in the way is removed first (never written through).
//! Order per entry: create, write, owner (chown clears setuid bits), mode, xattrs, times.
//!
//! Syscalls: openat(2), write(2), mkdirat(2), symlinkat(2), linkat(2), mknodat(2),
//! fchown(2)/fchownat(2), fchmod(2)/fchmodat(2), fsetxattr(2)/lsetxattr(2), futimens(2)/utimensat(2).
//! Man: open(2) (O_EXCL, O_NOFOLLOW), chown(2), linkat(2), mknod(2), xattr(7).
//! Shell equivalent: `tar --numeric-owner -xp` of one entry. Used by: image::apply.

use super::names::{clean_path, entry_name, join, os};
use super::Applier;
use crate::error::{Error, Result};
use crate::image::openat2::{explain_errno, open_dir_in_root};
use crate::image::tar::{Entry, Input, Kind, TarReader};
use crate::image::{refuse, tree, xattr};
use nix::errno::Errno;
use nix::fcntl::{openat, AtFlags, OFlag};
use nix::sys::stat::{fchmod, fchmodat, fstatat, mkdirat, utimensat, FchmodatFlags, Mode, UtimensatFlags};
use nix::sys::time::TimeSpec;
use nix::unistd::{fchown, fchownat, linkat, Gid, Uid};
use std::ffi::OsStr;
use std::fs::File;
use std::io::Write;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

impl Applier {
    /// A regular file: create, write, owner/mode/xattrs, times. Returns the bytes written.
    pub(super) fn file<R: Input>(&self, p: BorrowedFd, n: &OsStr, e: &Entry, tar: &mut TarReader<R>) -> Result<u64> {
        let flags = OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC;
        let mode = Mode::from_bits_truncate(e.mode & 0o7777);
        let fd = retry_after_removing(p, n, || openat(p, n, flags, mode))
            .map_err(|err| Error::errno("open", entry_name(&e.path), err))?;
        let mut file = File::from(fd);
        let mut written = 0u64;
        loop {
            let chunk = tar.data_chunk()?;
            if chunk.is_empty() {
                break;
            }
            let len = chunk.len();
            file.write_all(chunk).map_err(|err| Error::io("write", entry_name(&e.path), err))?;
            tar.consume(len);
            written += len as u64;
        }
        self.fd_meta(file.as_fd(), e, false)?;
        let t = TimeSpec::new(e.mtime.0, i64::from(e.mtime.1));
        nix::sys::stat::futimens(file.as_fd(), &t, &t)
            .map_err(|err| Error::errno("futimens", entry_name(&e.path), err))?;
        Ok(written)
    }

    /// Owner, then mode, then xattrs, on an open file or directory.
    pub(super) fn fd_meta(&self, fd: BorrowedFd, e: &Entry, always: bool) -> Result<()> {
        let at = |op: &str, err: Errno| Error::errno(op, entry_name(&e.path), err);
        let sgid_parent = self.cache.as_ref().map(|c| c.2).unwrap_or(false);
        let chown = always || (e.uid, e.gid) != self.ids || sgid_parent;
        if chown {
            fchown(fd, Some(Uid::from_raw(e.uid)), Some(Gid::from_raw(e.gid))).map_err(|err| at("fchown", err))?;
        }
        if chown || e.mode & 0o7000 != 0 {
            fchmod(fd, Mode::from_bits_truncate(e.mode & 0o7777)).map_err(|err| at("fchmod", err))?;
        }
        for (name, value) in &e.xattrs {
            if !skipped_xattr(name) {
                xattr::fset(fd, name, value).map_err(|err| at(&format!("fsetxattr {}", entry_name(name)), err))?;
            }
        }
        Ok(())
    }

    pub(super) fn dir(&self, p: BorrowedFd, n: &OsStr, e: &Entry) -> Result<()> {
        let at = |op: &str, err: Errno| Error::errno(op, entry_name(&e.path), err);
        let perm = Mode::from_bits_truncate(e.mode & 0o1777);
        let mut existed = false;
        match mkdirat(p, n, perm) {
            Ok(()) => {}
            Err(Errno::EEXIST) => match tree::lstat_at(p, n).map_err(|err| at("stat", err))? {
                Some(m) if tree::is_dir(m) => existed = true,
                _ => {
                    tree::remove_at(p, n).map_err(|err| at("unlink", err))?;
                    mkdirat(p, n, perm).map_err(|err| at("mkdir", err))?;
                }
            },
            Err(err) => return Err(at("mkdir", err)),
        }
        let sgid_parent = self.cache.as_ref().map(|c| c.2).unwrap_or(false);
        let needs_meta =
            existed || (e.uid, e.gid) != self.ids || sgid_parent || e.mode & 0o7000 != 0 || !e.xattrs.is_empty();
        if needs_meta {
            let fd = openat(
                p,
                n,
                OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                Mode::empty(),
            )
            .map_err(|err| at("open", err))?;
            self.fd_meta(fd.as_fd(), e, true)?;
        }
        Ok(())
    }

    pub(super) fn hardlink(&self, p: BorrowedFd, n: &OsStr, e: &Entry) -> Result<()> {
        let name = entry_name(&e.path);
        let target = clean_path(&e.link)
            .map_err(|_| refuse("entry", &name, format!("hardlink target {} escapes the root", entry_name(&e.link))))?;
        let Some((tname, tparents)) = target.split_last() else {
            return Err(refuse("entry", &name, "hardlink to the root directory"));
        };
        let missing =
            || refuse("entry", &name, format!("hardlink target {} not found in the root", entry_name(&e.link)));
        let tp = match open_dir_in_root(&self.root, Path::new(os(&join(tparents)))) {
            Ok(fd) => fd,
            Err(Errno::ENOENT) | Err(Errno::ENOTDIR) => return Err(missing()),
            Err(err) => return Err(explain_errno("openat2", &name, err)),
        };
        let tn = os(tname);
        let link = || linkat(tp.as_fd(), tn, p, n, AtFlags::empty());
        match link() {
            Ok(()) => Ok(()),
            Err(Errno::ENOENT) => Err(missing()),
            Err(Errno::EEXIST) => {
                let same = match (
                    fstatat(tp.as_fd(), tn, AtFlags::AT_SYMLINK_NOFOLLOW),
                    fstatat(p, n, AtFlags::AT_SYMLINK_NOFOLLOW),
                ) {
                    (Ok(a), Ok(b)) => a.st_dev == b.st_dev && a.st_ino == b.st_ino,
                    _ => false,
                };
                if same {
                    return Ok(());
                }
                tree::remove_at(p, n).map_err(|err| Error::errno("unlink", &name, err))?;
                link().map_err(|err| Error::errno("link", &name, err))
            }
            Err(Errno::EPERM) => {
                Err(refuse("entry", &name, format!("hardlink target {} is a directory", entry_name(&e.link))))
            }
            Err(err) => Err(Error::errno("link", &name, err)),
        }
    }

    /// Owner, mode, xattrs and times of a symlink, device or FIFO, by name in `p`, never
    /// following it.
    pub(super) fn owner_mode_rest(&self, p: BorrowedFd, n: &OsStr, e: &Entry, special_bits: bool) -> Result<()> {
        let at = |op: &str, err: Errno| Error::errno(op, entry_name(&e.path), err);
        let sgid_parent = self.cache.as_ref().map(|c| c.2).unwrap_or(false);
        let chown = (e.uid, e.gid) != self.ids || sgid_parent;
        if chown {
            fchownat(p, n, Some(Uid::from_raw(e.uid)), Some(Gid::from_raw(e.gid)), AtFlags::AT_SYMLINK_NOFOLLOW)
                .map_err(|err| at("fchownat", err))?;
        }
        if e.kind != Kind::Symlink && (chown || special_bits) {
            fchmodat(p, n, Mode::from_bits_truncate(e.mode & 0o7777), FchmodatFlags::NoFollowSymlink)
                .map_err(|err| at("fchmodat", err))?;
        }
        for (name, value) in &e.xattrs {
            if !skipped_xattr(name) {
                xattr::lset_at(p, n.as_bytes(), name, value)
                    .map_err(|err| at(&format!("lsetxattr {}", entry_name(name)), err))?;
            }
        }
        let t = TimeSpec::new(e.mtime.0, i64::from(e.mtime.1));
        utimensat(p, n, &t, &t, UtimensatFlags::NoFollowSymlink).map_err(|err| at("utimensat", err))
    }
}

/// `trusted.overlay.*` in an archive would let an image forge whiteouts and redirects in the
/// store; overlayfs' own markers are written by us only.
pub(super) fn skipped_xattr(name: &[u8]) -> bool {
    name.starts_with(b"trusted.overlay.")
}

/// Run a creating call; if the name is taken, remove what is there (never following it) and
/// try once more.
pub(super) fn retry_after_removing<T>(
    p: BorrowedFd,
    n: &OsStr,
    mut create: impl FnMut() -> nix::Result<T>,
) -> nix::Result<T> {
    match create() {
        Err(Errno::EEXIST) => {
            tree::remove_at(p, n)?;
            create()
        }
        other => other,
    }
}
