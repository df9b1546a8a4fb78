//! /proc/self/mountinfo: the kernel's list of the mounts this process sees, one per line.
//!
//!     36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
//!     (1)(2) (3)  (4)   (5)     (6)       (7)   (8) (9)    (10)        (11)
//!
//! mount id, parent id, st_dev, root inside the fs, mount point, per-mount options, optional
//! fields ending at "-", fs type, source, per-superblock options. The kernel escapes space,
//! tab, newline and backslash in paths as octal (`\040`); `unescape` undoes it. Later lines
//! are mounted later: when two mounts share a mount point, the last one is on top.
//! Read: proc_pid_mountinfo(5). Shell: `findmnt`, `cat /proc/self/mountinfo`.
//! Used by: mount::overlay (--unmount checks), mount::overlay_origin (--which).

use crate::error::{Error, Result};
use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

/// One mount as mountinfo shows it (the fields we use).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountEntry {
    pub id: u64,
    pub parent: u64,
    /// The directory of the file system that is mounted here (`/` unless a bind mount).
    pub root: PathBuf,
    pub mount_point: PathBuf,
    /// Per-mount options: `rw,relatime`.
    pub mount_options: String,
    pub fs_type: String,
    pub source: String,
    /// Per-superblock options, still escaped the way the file system printed them.
    pub super_options: String,
}

/// Read and parse /proc/self/mountinfo.
pub fn read() -> Result<Vec<MountEntry>> {
    let path = "/proc/self/mountinfo";
    let text = std::fs::read(path).map_err(|e| Error::io("read", path, e))?;
    Ok(parse(&String::from_utf8_lossy(&text)))
}

/// Parse mountinfo text; a malformed line is skipped rather than failing the whole table.
pub fn parse(text: &str) -> Vec<MountEntry> {
    text.lines().filter_map(parse_line).collect()
}

fn parse_line(line: &str) -> Option<MountEntry> {
    let mut fields = line.split(' ');
    let id = fields.next()?.parse().ok()?;
    let parent = fields.next()?.parse().ok()?;
    let _dev = fields.next()?;
    let root = path_of(fields.next()?);
    let mount_point = path_of(fields.next()?);
    let mount_options = fields.next()?.to_string();
    // Optional fields (shared:N, master:N …) run up to a lone "-".
    fields.by_ref().find(|f| *f == "-")?;
    let fs_type = fields.next()?.to_string();
    let source = String::from_utf8_lossy(&unescape(fields.next()?)).into_owned();
    let super_options = fields.next().unwrap_or("").to_string();
    Some(MountEntry { id, parent, root, mount_point, mount_options, fs_type, source, super_options })
}

fn path_of(field: &str) -> PathBuf {
    PathBuf::from(OsString::from_vec(unescape(field)))
}

/// Undo the kernel's octal escapes: `\040` → space, `\134` → backslash. Anything that is not
/// a backslash and three octal digits is kept as it is.
pub fn unescape(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 3 < b.len() && is_octal_triplet(&b[i + 1..i + 4]) {
            out.push((b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0'));
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

fn is_octal_triplet(t: &[u8]) -> bool {
    // The first digit is at most 3: a byte is at most \377.
    t.len() == 3 && (b'0'..=b'3').contains(&t[0]) && t[1..].iter().all(|c| (b'0'..=b'7').contains(c))
}

/// The mount that `path` (absolute, symlinks already resolved) lives on: the one with the
/// longest mount point that contains it, the topmost (last) one when several share it.
pub fn covering<'a>(entries: &'a [MountEntry], path: &Path) -> Option<&'a MountEntry> {
    let mut best: Option<&MountEntry> = None;
    for entry in entries {
        if !path.starts_with(&entry.mount_point) {
            continue;
        }
        // `>=`: of two mounts at the same point, the later one is on top.
        let longer = match best {
            None => true,
            Some(b) => entry.mount_point.as_os_str().len() >= b.mount_point.as_os_str().len(),
        };
        if longer {
            best = Some(entry);
        }
    }
    best
}

/// The topmost mount whose mount point is exactly `path`.
pub fn at<'a>(entries: &'a [MountEntry], path: &Path) -> Option<&'a MountEntry> {
    entries.iter().rev().find(|e| e.mount_point.as_os_str().as_bytes() == path.as_os_str().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
22 1 252:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
101 22 0:45 / /tmp/a\\040b rw,relatime shared:60 - overlay overlay rw,lowerdir+=/l/1,upperdir=/u,workdir=/w
102 101 0:46 / /tmp/a\\040b/proc rw - proc proc rw
103 22 0:47 / /tmp/x rw - tmpfs tmpfs rw
104 22 0:48 / /tmp/x rw - overlay overlay ro,lowerdir+=/l/2
garbage line";

    #[test]
    fn parses_fields_and_unescapes_paths() {
        let all = parse(SAMPLE);
        assert_eq!(all.len(), 5, "the garbage line is skipped");
        let ovl = &all[1];
        assert_eq!(ovl.id, 101);
        assert_eq!(ovl.parent, 22);
        assert_eq!(ovl.mount_point, Path::new("/tmp/a b"));
        assert_eq!(ovl.fs_type, "overlay");
        assert_eq!(ovl.super_options, "rw,lowerdir+=/l/1,upperdir=/u,workdir=/w");
    }

    #[test]
    fn unescape_handles_octal_and_leaves_the_rest() {
        assert_eq!(unescape(r"a\054b\134c\072"), b"a,b\\c:");
        assert_eq!(unescape(r"tail\"), b"tail\\");
        assert_eq!(unescape(r"\9zz"), b"\\9zz");
    }

    #[test]
    fn covering_picks_the_deepest_then_the_topmost() {
        let all = parse(SAMPLE);
        assert_eq!(covering(&all, Path::new("/tmp/a b/etc")).map(|e| e.id), Some(101));
        assert_eq!(covering(&all, Path::new("/tmp/a b/proc/1")).map(|e| e.id), Some(102));
        assert_eq!(covering(&all, Path::new("/tmp/x/f")).map(|e| e.id), Some(104));
        assert_eq!(covering(&all, Path::new("/tmp/xy")).map(|e| e.id), Some(22), "not a prefix by components");
        assert_eq!(at(&all, Path::new("/tmp/x")).map(|e| e.id), Some(104));
        assert_eq!(at(&all, Path::new("/tmp/nope")), None);
    }
}
