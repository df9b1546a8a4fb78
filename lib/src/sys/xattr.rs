//! Extended attributes: the name=value pairs a file system keeps beside a file's data.
//! overlayfs marks its own state with them in the layer directories: an opaque directory
//! carries `trusted.overlay.opaque=y` (lower entries under it are hidden).
//!
//! nix 0.30 has no xattr calls, so this is the raw lgetxattr(2). `l…`: a symlink's own
//! attributes, never its target's — a layer's symlinks must not be followed out of the layer.
//! Read: xattr(7), getxattr(2). Shell: `getfattr -n trusted.overlay.opaque DIR`.
//! Used by: mount::overlay_origin (ovl-mount --which), the overlay tests.

use nix::errno::Errno;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// The value of attribute `name` on `path` itself, or None when the file has no such
/// attribute (ENODATA) or the file system keeps none (ENOTSUP).
pub fn lgetxattr(path: &Path, name: &str) -> nix::Result<Option<Vec<u8>>> {
    let c_path = CString::new(path.as_os_str().as_bytes()).map_err(|_| Errno::EINVAL)?;
    let c_name = CString::new(name).map_err(|_| Errno::EINVAL)?;
    // Attribute values are small here ("y"); the largest any file system allows is 64 KiB.
    let mut buf = vec![0u8; 256];
    loop {
        // SAFETY: both strings are NUL-terminated and outlive the call; the kernel writes at
        // most `buf.len()` bytes into `buf`, which we own.
        let n = unsafe { libc::lgetxattr(c_path.as_ptr(), c_name.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
        match Errno::result(n) {
            Ok(n) => {
                buf.truncate(n as usize);
                return Ok(Some(buf));
            }
            Err(Errno::ENODATA) | Err(Errno::ENOTSUP) => return Ok(None),
            // The value grew past our buffer: try again with the largest size possible.
            Err(Errno::ERANGE) if buf.len() < 65536 => buf.resize(65536, 0),
            Err(e) => return Err(e),
        }
    }
}
