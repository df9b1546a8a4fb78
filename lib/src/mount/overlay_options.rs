//! overlayfs options as text: the one-string form that mount(2) takes on older kernels, and
//! the form the kernel shows back in /proc/self/mountinfo. Pure string work, no syscalls.
//!
//! Layer order: ctrkit lists layers LOWEST FIRST, the order an image applies them. The kernel
//! lists lower layers TOP FIRST (`lowerdir=/top:/middle:/bottom`), so both directions reverse.
//!
//! The one-string form (`lowerdir=…,upperdir=…,workdir=…`) splits options at ',' and layers at
//! ':'; the kernel accepts `\` escapes, but a learner reading `\:` in a path is served better by
//! a refusal that names the path — and the new mount API (one fsconfig call per layer) needs
//! no escaping at all. mount(2) copies at most one page of option data: longer is refused.
//!
//! What mountinfo shows (fs/overlayfs/params.c, ovl_show_options): `lowerdir=` the string as
//! given when mounted with one, else one `lowerdir+=DIR` per layer (and `datadir+=` for
//! data-only layers); then `upperdir=`, `workdir=`. Values are octal-escaped (`\054` for ',').
//! Read: Documentation/filesystems/overlayfs.rst ("Multiple lower layers"), mount(2).
//! Shell: `mount -t overlay overlay -o lowerdir=B:A,upperdir=U,workdir=W T`.
//! Used by: mount::overlay (legacy mount), mount::overlay_origin (--which), mount::overlay
//! (--unmount).

use crate::error::{Error, Result};
use crate::mount::mountinfo::unescape;
use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

/// Characters the one-string form gives a meaning: option separator, layer separator, escape.
const SPECIAL: [u8; 3] = [b',', b':', b'\\'];

/// The mount(2) data string for `lowers` (lowest first) and an optional (upper, work) pair.
/// Refuses paths with ',' ':' or '\' and strings longer than `limit` bytes (one page, less
/// the terminating NUL the kernel needs).
pub fn legacy_data(lowers: &[PathBuf], writable: Option<(&Path, &Path)>, limit: usize) -> Result<OsString> {
    let mut data: Vec<u8> = b"lowerdir=".to_vec();
    // Reverse: the kernel wants the topmost lower first.
    for (i, dir) in lowers.iter().rev().enumerate() {
        if i > 0 {
            data.push(b':');
        }
        data.extend_from_slice(plain(dir)?);
    }
    if let Some((upper, work)) = writable {
        data.extend_from_slice(b",upperdir=");
        data.extend_from_slice(plain(upper)?);
        data.extend_from_slice(b",workdir=");
        data.extend_from_slice(plain(work)?);
    }
    if data.len() > limit {
        return Err(Error::invalid(
            "overlay options",
            format!("{} bytes for {} layers: mount(2) takes at most {limit}", data.len(), lowers.len()),
        )
        .with_hint("use fewer or shorter layer paths, or a kernel ≥ 6.8 (one fsconfig call per layer, no limit)"));
    }
    Ok(OsString::from_vec(data))
}

fn plain(dir: &Path) -> Result<&[u8]> {
    let bytes = dir.as_os_str().as_bytes();
    match bytes.iter().find(|b| SPECIAL.contains(b)) {
        None => Ok(bytes),
        Some(&c) => Err(Error::invalid(
            dir.display(),
            format!("a '{}' in a layer path cannot go into a mount(2) option string", c as char),
        )
        .with_hint("rename or symlink the directory, or use a kernel ≥ 6.8 where each layer is passed on its own")),
    }
}

/// The layers of a mounted overlay, as read back from its mountinfo super options.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ShownLayers {
    /// Lower layers, lowest first (reversed from the kernel's order).
    pub lowers: Vec<PathBuf>,
    pub upper: Option<PathBuf>,
    pub work: Option<PathBuf>,
}

/// Parse overlay super options such as `rw,lowerdir+=/b,lowerdir+=/a,upperdir=/u,workdir=/w`.
pub fn shown_layers(super_options: &str) -> Result<ShownLayers> {
    let mut shown = ShownLayers::default();
    let mut top_first: Vec<PathBuf> = Vec::new();
    // The kernel escaped every ',' and '=' inside values, so splitting here is safe.
    for option in super_options.split(',') {
        let (key, value) = option.split_once('=').unwrap_or((option, ""));
        let value = unescape(value);
        match key {
            "lowerdir" => top_first.extend(split_lowerdir(&value)),
            "lowerdir+" => top_first.push(PathBuf::from(OsString::from_vec(value))),
            "upperdir" => shown.upper = Some(PathBuf::from(OsString::from_vec(value))),
            "workdir" => shown.work = Some(PathBuf::from(OsString::from_vec(value))),
            // datadir+ layers hold file data for metacopy only: no path is looked up in them.
            _ => {}
        }
    }
    if top_first.is_empty() {
        return Err(Error::invalid("overlay options", format!("no lowerdir in '{super_options}'")));
    }
    top_first.reverse();
    shown.lowers = top_first;
    Ok(shown)
}

/// Split a one-string `lowerdir` value at unescaped ':' and drop the `\` escapes; stop at
/// `::`, after which come data-only layers.
fn split_lowerdir(value: &[u8]) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let mut current = Vec::new();
    let mut bytes = value.iter().copied().peekable();
    while let Some(b) = bytes.next() {
        match b {
            b'\\' => current.extend(bytes.next()),
            b':' if current.is_empty() && !dirs.is_empty() => break,
            b':' => dirs.push(PathBuf::from(OsString::from_vec(std::mem::take(&mut current)))),
            _ => current.push(b),
        }
    }
    if !current.is_empty() {
        dirs.push(PathBuf::from(OsString::from_vec(current)));
    }
    dirs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(v: &[&str]) -> Vec<PathBuf> {
        v.iter().map(PathBuf::from).collect()
    }

    #[test]
    fn legacy_string_is_top_first() {
        let data = legacy_data(&paths(&["/l/bottom", "/l/top"]), Some((Path::new("/u"), Path::new("/w"))), 4095);
        assert_eq!(data.unwrap(), "lowerdir=/l/top:/l/bottom,upperdir=/u,workdir=/w");
        let ro = legacy_data(&paths(&["/only"]), None, 4095).unwrap();
        assert_eq!(ro, "lowerdir=/only");
    }

    #[test]
    fn legacy_string_refuses_special_characters() {
        for bad in ["/a,b", "/a:b", "/a\\b"] {
            let e = legacy_data(&paths(&[bad]), None, 4095).unwrap_err();
            assert!(e.to_string().starts_with(&format!("invalid {bad}: a '")), "{e}");
            assert!(e.hint.is_some());
        }
        let e = legacy_data(&paths(&["/l"]), Some((Path::new("/u,x"), Path::new("/w"))), 4095).unwrap_err();
        assert!(e.to_string().contains("/u,x"));
    }

    #[test]
    fn legacy_string_refuses_more_than_a_page() {
        let many: Vec<PathBuf> = (0..300).map(|i| PathBuf::from(format!("/var/lib/layers/{i:04}"))).collect();
        let e = legacy_data(&many, None, 4095).unwrap_err();
        assert!(e.to_string().contains("at most 4095"), "{e}");
        assert!(e.hint.as_deref().unwrap_or("").contains("6.8"));
    }

    #[test]
    fn reads_lowerdir_plus_entries_back_lowest_first() {
        let s = shown_layers(r"rw,lowerdir+=/l/top,lowerdir+=/l/a\054b\072c,upperdir=/u,workdir=/w,uuid=on").unwrap();
        assert_eq!(s.lowers, paths(&["/l/a,b:c", "/l/top"]));
        assert_eq!(s.upper.as_deref(), Some(Path::new("/u")));
        assert_eq!(s.work.as_deref(), Some(Path::new("/w")));
    }

    #[test]
    fn reads_a_one_string_lowerdir_with_escapes_and_data_layers() {
        // Mounted with lowerdir=/top:/we\:ird:/bottom::/data — mountinfo escapes the '\'.
        let s = shown_layers(r"ro,lowerdir=/top:/we\134:ird:/bottom::/data,datadir+=/more").unwrap();
        assert_eq!(s.lowers, paths(&["/bottom", "/we:ird", "/top"]));
        assert_eq!(s.upper, None);
    }

    #[test]
    fn no_lowerdir_is_an_error() {
        assert!(shown_layers("rw,upperdir=/u").is_err());
    }
}
