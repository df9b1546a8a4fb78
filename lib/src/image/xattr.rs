//! Extended attributes: the three syscalls nix has no wrapper for. Images carry file
//! capabilities (`security.capability`, what makes `ping` work without setuid) and other
//! attributes in PAX `SCHILY.xattr.*` records; overlayfs marks opaque directories with
//! `trusted.overlay.opaque`.
//!
//! To set an attribute on a symlink or a device node without following it and without a
//! path from `/`, we name it as `/proc/self/fd/<dirfd>/<name>`: the magic link resolves to
//! the exact directory we hold open, and lsetxattr(2) does not follow the last component.
//!
//! Syscalls: fsetxattr(2), lsetxattr(2), lgetxattr(2). Man: xattr(7), setxattr(2),
//! capabilities(7) ("File capabilities"). Shell equivalent: `setfattr -n NAME -v VALUE FILE`,
//! `getfattr -n NAME FILE`.
//! Used by: image::apply, image::whiteout.

use nix::errno::Errno;
use std::ffi::CString;
use std::os::fd::{AsRawFd, BorrowedFd};

fn c_name(name: &[u8]) -> nix::Result<CString> {
    CString::new(name).map_err(|_| Errno::EINVAL)
}

/// Set an attribute on an open file or directory.
pub fn fset(fd: BorrowedFd, name: &[u8], value: &[u8]) -> nix::Result<()> {
    let name = c_name(name)?;
    // SAFETY: `name` is a valid NUL-terminated string and `value` a valid slice, both alive
    // for the call; the kernel only reads them.
    let rc = unsafe { libc::fsetxattr(fd.as_raw_fd(), name.as_ptr(), value.as_ptr().cast(), value.len(), 0) };
    Errno::result(rc).map(drop)
}

fn at_path(dir: BorrowedFd, name: &[u8]) -> nix::Result<CString> {
    let mut path = format!("/proc/self/fd/{}/", dir.as_raw_fd()).into_bytes();
    path.extend_from_slice(name);
    c_name(&path)
}

/// Set an attribute on `name` in `dir` without following `name` if it is a symlink.
pub fn lset_at(dir: BorrowedFd, name: &[u8], attr: &[u8], value: &[u8]) -> nix::Result<()> {
    let path = at_path(dir, name)?;
    let attr = c_name(attr)?;
    // SAFETY: both strings are valid and NUL-terminated, `value` is a valid slice; all
    // outlive the call, which only reads them.
    let rc = unsafe { libc::lsetxattr(path.as_ptr(), attr.as_ptr(), value.as_ptr().cast(), value.len(), 0) };
    Errno::result(rc).map(drop)
}

/// Read an attribute of `name` in `dir` (not following a symlink); None if it is not set.
pub fn lget_at(dir: BorrowedFd, name: &[u8], attr: &[u8]) -> nix::Result<Option<Vec<u8>>> {
    let path = at_path(dir, name)?;
    let attr = c_name(attr)?;
    let mut buf = vec![0u8; 4096];
    // SAFETY: the strings are valid and NUL-terminated; `buf` is writable for `buf.len()` bytes
    // and the kernel writes at most that many.
    let rc = unsafe { libc::lgetxattr(path.as_ptr(), attr.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
    match Errno::result(rc) {
        Ok(n) => {
            buf.truncate(n as usize);
            Ok(Some(buf))
        }
        Err(Errno::ENODATA) => Ok(None),
        Err(e) => Err(e),
    }
}
