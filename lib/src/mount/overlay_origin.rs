//! Which layer of a mounted overlay a path comes from: the question behind every "why does my
//! container see this file?" — answered by doing overlayfs's own lookup by hand.
//!
//! 1. Find the overlay mount holding PATH in /proc/self/mountinfo, and its layer dirs in the
//!    mount's options (`lowerdir+=`/`lowerdir=`, `upperdir=`; see mount::overlay_options).
//! 2. Walk PATH one name at a time through the layers, top (upper) first, as the kernel does
//!    (fs/overlayfs/namei.c, ovl_lookup):
//!    - a *whiteout* (char device 0:0, or a 0-byte file with `trusted.overlay.whiteout`)
//!      hides the name in every layer below: "deleted";
//!    - a non-directory hides everything below it: it is the answer;
//!    - a directory merges with the directories of that name below it, unless it is *opaque*
//!      (`trusted.overlay.opaque=y`): then the layers below stop there.
//!
//! Layers are numbered from 1, lowest first — the order of `--lower` and of img-unpack's list.
//! Not followed: renamed directories (`redirect_dir=on`, xattr `trusted.overlay.redirect`) and
//! metacopy files (their data lives lower down); the layer paths are those the mounter gave,
//! which is only meaningful in the mount namespace where the overlay was mounted.
//! Read: Documentation/filesystems/overlayfs.rst ("whiteouts and opaque directories"),
//! proc_pid_mountinfo(5), xattr(7). Shell: `stat -c %t:%T upper/x`, `getfattr -n
//! trusted.overlay.opaque upper/d`. Used by: ovl-mount --which.

use crate::error::{Error, Result};
use crate::mount::{mountinfo, overlay_options};
use crate::sys::xattr;
use serde_json::{json, Value};
use std::fmt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Component, Path, PathBuf};

/// A layer of the overlay: the upper dir, or lower number N (1 = lowest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerRef {
    Upper,
    Lower(usize),
}

/// What the lookup found for a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// Present, from `top` (an index into the layer stack). A directory lists in `merged`
    /// every layer whose directory shows through, top first.
    Found { top: usize, merged: Vec<usize> },
    /// Hidden by a whiteout in layer `by`, at `entry`.
    Deleted { by: usize, entry: PathBuf },
    /// In no layer.
    Missing,
}

/// The answer to `ovl-mount --which PATH`.
#[derive(Debug, Clone)]
pub struct Origin {
    pub path: PathBuf,
    /// The overlay's mount point.
    pub mount: PathBuf,
    /// Top first: (which layer, its directory).
    pub layers: Vec<(LayerRef, PathBuf)>,
    pub lookup: Lookup,
}

/// Find the overlay that holds `path` and the layer `path` comes from.
pub fn which(path: &Path) -> Result<Origin> {
    let abs = resolve_parent(path)?;
    let mounts = mountinfo::read()?;
    let mount = mountinfo::covering(&mounts, &abs)
        .ok_or_else(|| Error::invalid(path.display(), "no mount holds this path in /proc/self/mountinfo"))?;
    if mount.fs_type != "overlay" {
        return Err(Error::invalid(
            path.display(),
            format!("not inside an overlay mount (it is on {} at {})", mount.fs_type, mount.mount_point.display()),
        ));
    }
    let shown = overlay_options::shown_layers(&mount.super_options)?;
    // With the `userxattr` option (unprivileged overlays) the marks live under user.overlay.*.
    let prefix =
        if mount.super_options.split(',').any(|o| o == "userxattr") { "user.overlay." } else { "trusted.overlay." };
    let mut layers: Vec<(LayerRef, PathBuf)> = shown.upper.into_iter().map(|u| (LayerRef::Upper, u)).collect();
    layers.extend(shown.lowers.into_iter().enumerate().rev().map(|(i, d)| (LayerRef::Lower(i + 1), d)));
    let relative = abs.strip_prefix(&mount.mount_point).unwrap_or(Path::new("")).to_path_buf();
    let dirs: Vec<PathBuf> = layers.iter().map(|(_, d)| d.clone()).collect();
    let lookup = look_up(&dirs, &relative, prefix)?;
    Ok(Origin { path: abs, mount: mount.mount_point.clone(), layers, lookup })
}

/// Walk `relative` through `layers` (top first) by overlayfs's rules; see the header.
/// Pure file-system reads: works on any directories, mounted or not.
pub fn look_up(layers: &[PathBuf], relative: &Path, xattr_prefix: &str) -> Result<Lookup> {
    let mut names = Vec::new();
    for c in relative.components() {
        match c {
            Component::Normal(n) => names.push(n),
            Component::CurDir => {}
            _ => return Err(Error::invalid(relative.display(), "expected a plain path inside the overlay")),
        }
    }
    // The layers whose copy of the current directory shows through, top first.
    let mut active: Vec<usize> = (0..layers.len()).collect();
    let mut sub = PathBuf::new();
    for (n, name) in names.iter().enumerate() {
        sub.push(name);
        let last = n + 1 == names.len();
        let mut dirs = Vec::new();
        for &i in &active {
            let entry = layers[i].join(&sub);
            let meta = match std::fs::symlink_metadata(&entry) {
                Ok(m) => m,
                Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT) | Some(libc::ENOTDIR)) => continue,
                Err(e) => return Err(Error::io("lstat", entry.display(), e)),
            };
            if is_whiteout(&meta, &entry, xattr_prefix) {
                // Hides this name in every layer below; above it, only directories were found.
                if dirs.is_empty() {
                    return Ok(Lookup::Deleted { by: i, entry });
                }
                break;
            }
            if !meta.is_dir() {
                if !dirs.is_empty() {
                    break; // a file below a directory is hidden by it
                }
                // A file is the answer if it is the last name; else the path goes nowhere.
                return Ok(if last { Lookup::Found { top: i, merged: vec![i] } } else { Lookup::Missing });
            }
            dirs.push(i);
            if has_xattr(&entry, xattr_prefix, "opaque", b"y") {
                break; // opaque: the layers below stop here
            }
        }
        if dirs.is_empty() {
            return Ok(Lookup::Missing);
        }
        active = dirs;
    }
    Ok(Lookup::Found { top: active[0], merged: active })
}

fn is_whiteout(meta: &std::fs::Metadata, entry: &Path, prefix: &str) -> bool {
    let ft = meta.file_type();
    // The classic whiteout: a character device numbered 0:0 (what `mknod c 0 0` makes).
    if ft.is_char_device() && meta.rdev() == 0 {
        return true;
    }
    // Since 6.7 a layer may also hold "xwhiteouts": an empty file with a whiteout xattr.
    ft.is_file() && meta.len() == 0 && xattr::lgetxattr(entry, &format!("{prefix}whiteout")).ok().flatten().is_some()
}

fn has_xattr(entry: &Path, prefix: &str, name: &str, value: &[u8]) -> bool {
    matches!(xattr::lgetxattr(entry, &format!("{prefix}{name}")), Ok(Some(v)) if v == value)
}

/// Make `path` absolute with its parent's symlinks resolved but not the last name's: the
/// question is about the entry itself (a symlink, a deleted name that no longer exists).
fn resolve_parent(path: &Path) -> Result<PathBuf> {
    let abs = std::path::absolute(path).map_err(|e| Error::io("resolve", path.display(), e))?;
    let (Some(parent), Some(name)) = (abs.parent(), abs.file_name()) else {
        return Ok(abs); // "/"
    };
    match std::fs::canonicalize(parent) {
        Ok(p) => Ok(p.join(name)),
        // The parent is gone too (deleted in the overlay): keep the path as given.
        Err(_) => Ok(abs),
    }
}

impl Origin {
    fn layer(&self, i: usize) -> (LayerRef, &Path) {
        (self.layers[i].0, &self.layers[i].1)
    }

    fn name(&self, i: usize) -> String {
        match self.layer(i) {
            (LayerRef::Upper, d) => format!("upper ({})", d.display()),
            (LayerRef::Lower(n), d) => format!("layer {n} ({})", d.display()),
        }
    }

    fn layer_json(&self, i: usize) -> Value {
        let (r, d) = self.layer(i);
        let (source, number) = match r {
            LayerRef::Upper => ("upper", Value::Null),
            LayerRef::Lower(n) => ("lower", json!(n)),
        };
        json!({"source": source, "layer": number, "dir": d.to_string_lossy()})
    }

    /// The `--json` form: {"path", "mount", "source": "upper"|"lower"|"deleted"|"missing",
    /// "layer": N|null, "dir", "whiteout" (deleted only), "merged" (directories only)}.
    pub fn to_json(&self) -> Value {
        let base = json!({"path": self.path.to_string_lossy(), "mount": self.mount.to_string_lossy()});
        let mut obj = base.as_object().cloned().unwrap_or_default();
        match &self.lookup {
            Lookup::Found { top, merged } => {
                if let Some(top) = self.layer_json(*top).as_object() {
                    obj.extend(top.clone());
                }
                if merged.len() > 1 {
                    obj.insert("merged".into(), merged.iter().map(|i| self.layer_json(*i)).collect());
                }
            }
            Lookup::Deleted { by, entry } => {
                let by_layer = self.layer_json(*by);
                obj.insert("source".into(), json!("deleted"));
                obj.insert("layer".into(), by_layer["layer"].clone());
                obj.insert("dir".into(), by_layer["dir"].clone());
                obj.insert("whiteout".into(), json!(entry.to_string_lossy()));
            }
            Lookup::Missing => {
                obj.insert("source".into(), json!("missing"));
            }
        }
        Value::Object(obj)
    }
}

impl fmt::Display for Origin {
    /// `PATH: upper (DIR)`, `PATH: layer 2 (DIR)`, `PATH: deleted (whiteout in upper: ENTRY)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.path.display())?;
        match &self.lookup {
            Lookup::Found { top, merged } => {
                write!(f, "{}", self.name(*top))?;
                if merged.len() > 1 {
                    let rest: Vec<String> = merged[1..].iter().map(|i| self.name(*i)).collect();
                    write!(f, ", a directory merged with {}", rest.join(", "))?;
                }
                Ok(())
            }
            Lookup::Deleted { by, entry } => {
                let who = match self.layer(*by).0 {
                    LayerRef::Upper => "upper".to_string(),
                    LayerRef::Lower(n) => format!("layer {n}"),
                };
                write!(f, "deleted (whiteout in {who}: {})", entry.display())
            }
            Lookup::Missing => write!(f, "in no layer of the overlay at {}", self.mount.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three plain layer dirs (no whiteouts: making those needs root and mknod).
    fn fixture() -> (PathBuf, Vec<PathBuf>) {
        let root = std::env::temp_dir().join(format!("ctrkit-origin-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let layers: Vec<PathBuf> = ["upper", "l2", "l1"].iter().map(|n| root.join(n)).collect();
        for l in &layers {
            std::fs::create_dir_all(l.join("etc")).unwrap();
        }
        std::fs::write(layers[2].join("etc/passwd"), "l1").unwrap();
        std::fs::write(layers[1].join("etc/passwd"), "l2").unwrap();
        std::fs::write(layers[2].join("etc/only-l1"), "l1").unwrap();
        std::fs::write(layers[0].join("etc/new"), "u").unwrap();
        std::fs::create_dir_all(layers[1].join("opt/d")).unwrap();
        std::fs::write(layers[0].join("opt"), "a file hides the dir below").unwrap();
        (root, layers)
    }

    #[test]
    fn the_topmost_layer_wins_and_directories_merge() {
        let (root, layers) = fixture();
        let look = |p: &str| look_up(&layers, Path::new(p), "trusted.overlay.").unwrap();
        assert_eq!(look("etc/passwd"), Lookup::Found { top: 1, merged: vec![1] });
        assert_eq!(look("etc/only-l1"), Lookup::Found { top: 2, merged: vec![2] });
        assert_eq!(look("etc/new"), Lookup::Found { top: 0, merged: vec![0] });
        assert_eq!(look("etc"), Lookup::Found { top: 0, merged: vec![0, 1, 2] });
        assert_eq!(look(""), Lookup::Found { top: 0, merged: vec![0, 1, 2] });
        assert_eq!(look("opt"), Lookup::Found { top: 0, merged: vec![0] });
        assert_eq!(look("opt/d"), Lookup::Missing, "the upper file opt hides lower opt/d");
        assert_eq!(look("nope/x"), Lookup::Missing);
        assert!(look_up(&layers, Path::new("../x"), "trusted.overlay.").is_err());
        std::fs::remove_dir_all(root).unwrap();
    }
}
