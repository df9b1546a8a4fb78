//! The new mount API (Linux 5.2+): build a file system step by step through a *file system
//! context* fd instead of one mount(2) call with an option string.
//!
//!     fsopen("overlay")                         → a context fd, still nothing mounted
//!     fsconfig(fd, FSCONFIG_SET_STRING, k, v)   → one option per call, no string to split
//!     fsconfig(fd, FSCONFIG_CMD_CREATE)         → the kernel builds the superblock
//!     fsmount(fd)                               → a mount not attached anywhere yet
//!     move_mount(mfd, "", AT_FDCWD, target)     → attach it: now it is visible
//!
//! Why it matters for overlayfs: each layer is its own fsconfig call (`lowerdir+`, 6.8+), so a
//! path may contain ',' or ':' and there is no one-page limit on the option string. And when a
//! step fails, the kernel leaves a readable message in the context (`read(fd)`), which
//! mount(2) can only print to dmesg.
//!
//! nix 0.30 wraps none of these four calls, so they are raw `syscall(2)`s here; the constants
//! come from `libc` (<linux/mount.h>).
//! Read: fsopen(2), fsconfig(2), fsmount(2), move_mount(2). Shell: `mount -t overlay …`
//! (util-linux ≥ 2.39 makes these same calls). Used by: mount::overlay.

use nix::errno::Errno;
use std::ffi::CStr;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

/// fsopen(2): a new, empty context for file system type `fs_type` (e.g. "overlay").
/// The fd is close-on-exec so a later exec never inherits a half-built mount.
pub fn fsopen(fs_type: &CStr) -> nix::Result<OwnedFd> {
    // SAFETY: `fs_type` is a valid NUL-terminated string that outlives the call; the flags are
    // a plain integer. The kernel returns a new fd or -1.
    let fd = unsafe { libc::syscall(libc::SYS_fsopen, fs_type.as_ptr(), libc::FSOPEN_CLOEXEC) };
    let fd = Errno::result(fd)?;
    // SAFETY: on success the return value is a fresh fd that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// fsconfig(2) with FSCONFIG_SET_STRING: set option `key` to `value` on the context.
pub fn fsconfig_set_string(ctx: BorrowedFd, key: &CStr, value: &CStr) -> nix::Result<()> {
    // SAFETY: `ctx` is an open fd; `key` and `value` are NUL-terminated strings that outlive
    // the call; aux must be 0 for SET_STRING.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_fsconfig,
            ctx.as_raw_fd(),
            libc::FSCONFIG_SET_STRING,
            key.as_ptr(),
            value.as_ptr(),
            0 as libc::c_int,
        )
    };
    Errno::result(rc).map(drop)
}

/// fsconfig(2) with FSCONFIG_CMD_CREATE: check the options and build the superblock.
pub fn fsconfig_create(ctx: BorrowedFd) -> nix::Result<()> {
    // SAFETY: `ctx` is an open fd; CMD_CREATE takes no key, value or aux (NULL, NULL, 0).
    let rc = unsafe {
        libc::syscall(
            libc::SYS_fsconfig,
            ctx.as_raw_fd(),
            libc::FSCONFIG_CMD_CREATE,
            std::ptr::null::<libc::c_char>(),
            std::ptr::null::<libc::c_void>(),
            0 as libc::c_int,
        )
    };
    Errno::result(rc).map(drop)
}

/// fsmount(2): turn the created context into a detached mount; `attr` is MOUNT_ATTR_* flags
/// (e.g. MOUNT_ATTR_RDONLY). Closing the returned fd before move_mount discards the mount.
pub fn fsmount(ctx: BorrowedFd, attr: u64) -> nix::Result<OwnedFd> {
    // SAFETY: `ctx` is an open fd; flags and attr are plain integers (attr_flags is an
    // unsigned int in the syscall, and MOUNT_ATTR_* all fit in it).
    let fd = unsafe { libc::syscall(libc::SYS_fsmount, ctx.as_raw_fd(), libc::FSMOUNT_CLOEXEC, attr as libc::c_uint) };
    let fd = Errno::result(fd)?;
    // SAFETY: on success the return value is a fresh fd that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// move_mount(2) from a detached mount fd onto the path `target` (relative to the cwd).
pub fn move_mount_to(mount: BorrowedFd, target: &CStr) -> nix::Result<()> {
    // SAFETY: `mount` is an open mount fd used with an empty from-path (MOVE_MOUNT_F_EMPTY_PATH);
    // both strings are NUL-terminated and outlive the call.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_move_mount,
            mount.as_raw_fd(),
            c"".as_ptr(),
            libc::AT_FDCWD,
            target.as_ptr(),
            libc::MOVE_MOUNT_F_EMPTY_PATH,
        )
    };
    Errno::result(rc).map(drop)
}

/// The messages the kernel left in a context (`e overlay: failed to resolve '/x': -2`), oldest
/// first. Each read(2) returns one message; ENODATA means there are no more.
pub fn context_messages(ctx: BorrowedFd) -> Vec<String> {
    let mut messages = Vec::new();
    let mut buf = [0u8; 1024];
    // The kernel keeps at most 8 messages per context; the bound also guards against a loop.
    for _ in 0..16 {
        match nix::unistd::read(ctx, &mut buf) {
            Ok(n) if n > 0 => messages.push(String::from_utf8_lossy(&buf[..n]).trim_end().to_string()),
            _ => break,
        }
    }
    messages
}
