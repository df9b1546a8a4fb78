//! Whiteouts: how a layer says "this path from the layers below is gone".
//!
//! In a layer tar (OCI image-spec layer.md, "Whiteouts"):
//!
//! | entry                  | means                                                    |
//! |------------------------|----------------------------------------------------------|
//! | `dir/.wh.NAME`         | `dir/NAME` from lower layers is deleted                   |
//! | `dir/.wh..wh..opq`     | `dir` is opaque: nothing of it from lower layers shows    |
//!
//! Names that cannot be meant (`.wh.` with nothing after it, `.wh..`, `.wh...`) are
//! refused; other `.wh..wh.*` names are AUFS bookkeeping and ignored, as docker does.
//!
//! Two ways to apply one:
//! - FLATTEN (one root file system, `img-unpack --to`): delete the path (a whole tree if a
//!   directory), or empty the opaque directory of what lower layers put there — through
//!   directory fds resolved inside the root, so a whiteout under a symlinked directory can only
//!   ever delete inside the root.
//! - OVERLAY (one layer directory in the store, ready to be an overlayfs lowerdir): a deleted
//!   path becomes a character device 0/0 of the same name, an opaque directory gets the xattr
//!   `trusted.overlay.opaque=y` — the forms overlayfs itself reads (overlayfs.rst, "whiteouts
//!   and opaque directories").
//!
//! Syscalls: mknodat(2), lsetxattr(2), unlinkat(2) (via image::tree). Man: mknod(2), xattr(7).
//! Shell equivalent: `rm -rf dir/NAME`; `mknod dir/NAME c 0 0`; `setfattr -n trusted.overlay.opaque -v y dir`.
//! Used by: image::apply.

use super::{tree, xattr};
use nix::sys::stat::{makedev, mknodat, Mode, SFlag};
use std::ffi::OsStr;
use std::os::fd::BorrowedFd;

pub const PREFIX: &[u8] = b".wh.";
pub const OPAQUE: &[u8] = b".wh..wh..opq";
pub const OPAQUE_XATTR: &[u8] = b"trusted.overlay.opaque";

/// What a file name in a layer means.
#[derive(Debug, PartialEq, Eq)]
pub enum Name<'a> {
    /// An ordinary entry.
    Plain,
    /// `.wh.NAME`: delete NAME.
    Remove(&'a [u8]),
    /// `.wh..wh..opq`: the directory holding it is opaque.
    Opaque,
    /// Other `.wh..wh.*` AUFS metadata: nothing to do.
    Ignore,
}

/// Classify the last component of an entry's name; an invalid whiteout is an error text.
pub fn classify(name: &[u8]) -> Result<Name<'_>, &'static str> {
    let Some(rest) = name.strip_prefix(PREFIX) else { return Ok(Name::Plain) };
    if name == OPAQUE {
        return Ok(Name::Opaque);
    }
    if rest.starts_with(PREFIX) {
        return Ok(Name::Ignore);
    }
    match rest {
        b"" => Err("invalid whiteout: .wh. names nothing"),
        b"." | b".." => Err("invalid whiteout: cannot delete . or .."),
        _ => Ok(Name::Remove(rest)),
    }
}

/// FLATTEN `.wh.NAME`: delete NAME (and all under it) in `dir`, if there.
pub fn flatten_remove(dir: BorrowedFd, name: &OsStr) -> nix::Result<()> {
    tree::remove_at(dir, name)
}

/// FLATTEN `.wh..wh..opq`: remove the children of `name` in `parent` except those this
/// layer wrote (`keep`), which are above the whiteout, not below it.
pub fn flatten_opaque(parent: BorrowedFd, name: &OsStr, keep: &mut dyn FnMut(&OsStr) -> bool) -> nix::Result<()> {
    tree::empty_dir_at(parent, name, keep)
}

/// OVERLAY `.wh.NAME`: a 0/0 character device named NAME in `dir`.
pub fn overlay_remove(dir: BorrowedFd, name: &OsStr) -> nix::Result<()> {
    tree::remove_at(dir, name)?;
    mknodat(dir, name, SFlag::S_IFCHR, Mode::empty(), makedev(0, 0))
}

/// OVERLAY `.wh..wh..opq`: mark `name` in `parent` opaque.
pub fn overlay_opaque(parent: BorrowedFd, name: &OsStr) -> nix::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    xattr::lset_at(parent, name.as_bytes(), OPAQUE_XATTR, b"y")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_classify() {
        assert_eq!(classify(b"file"), Ok(Name::Plain));
        assert_eq!(classify(b".wh.gone"), Ok(Name::Remove(b"gone")));
        assert_eq!(classify(b".wh..wh..opq"), Ok(Name::Opaque));
        assert_eq!(classify(b".wh..wh.plnk"), Ok(Name::Ignore));
        assert_eq!(classify(b".whx"), Ok(Name::Plain));
        assert!(classify(b".wh.").is_err());
        assert!(classify(b".wh..").is_err());
        assert!(classify(b".wh...").is_err());
    }
}
