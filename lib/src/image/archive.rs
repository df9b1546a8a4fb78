//! An index of the members of a tar archive on disk (a `docker save` or OCI archive), built by
//! reading only the headers — data is skipped with lseek(2) — so that a blob can later be
//! opened by name and read in place, on any thread, without unpacking the archive first.
//!
//! Member names are normalised (`./a//b` → `a/b`). A docker archive may hold symlinks
//! between members (`<id>/layer.tar -> ../<sha>.tar`): they are followed *within the
//! archive* only, a few hops at most; a name or a link that climbs out of the archive
//! (`../x`) is refused. Hardlink members are followed the same way.
//!
//! Syscalls: open(2), read(2), lseek(2). Spec: tar(5); docker image spec v1.2; OCI
//! image-layout.md. Shell equivalent: `tar -tvf image.tar`, then `tar -xOf image.tar NAME`.
//! Used by: image::source.

use super::limits::Limits;
use super::refuse;
use super::tar::{Kind, TarReader};
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug)]
enum Member {
    File { offset: u64, size: u64 },
    Link { target: String },
    Dir,
}

pub struct ArchiveIndex {
    path: PathBuf,
    members: HashMap<String, Member>,
}

/// Normalise a member name or a path inside the archive: drop `.` and empty parts, apply
/// `..` lexically, and refuse to climb above the top.
pub fn normalize(base: &str, name: &str) -> Option<String> {
    let mut parts: Vec<&str> =
        if name.starts_with('/') { Vec::new() } else { base.split('/').filter(|p| !p.is_empty()).collect() };
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

impl ArchiveIndex {
    /// Read every header of the archive at `path`.
    pub fn build(path: &Path, limits: &Limits) -> Result<ArchiveIndex> {
        let file = File::open(path).map_err(|e| Error::io("open", path.display(), e))?;
        let mut tar = TarReader::new(BufReader::with_capacity(64 << 10, file), *limits);
        let mut members = HashMap::new();
        while let Some(entry) =
            tar.next_entry().map_err(|e| super::within(&format!("archive {}", path.display()), e))?
        {
            let raw = String::from_utf8_lossy(&entry.path).into_owned();
            let name = normalize("", &raw)
                .ok_or_else(|| refuse("archive member", super::digest::shown(&raw), "path escapes the archive"))?;
            let member = match entry.kind {
                Kind::File => Member::File { offset: tar.position(), size: entry.size },
                Kind::Dir => Member::Dir,
                Kind::Symlink => {
                    let dir = name.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
                    let target = String::from_utf8_lossy(&entry.link).into_owned();
                    match normalize(dir, &target) {
                        Some(t) if !target.starts_with('/') => Member::Link { target: t },
                        _ => {
                            return Err(refuse(
                                "archive member",
                                format!("{name} -> {target}"),
                                "symlink escapes the archive",
                            ))
                        }
                    }
                }
                Kind::HardLink => {
                    let target = String::from_utf8_lossy(&entry.link).into_owned();
                    let t = normalize("", &target).ok_or_else(|| {
                        refuse("archive member", format!("{name} => {target}"), "hardlink escapes the archive")
                    })?;
                    Member::Link { target: t }
                }
                _ => continue,
            };
            members.insert(name, member);
        }
        Ok(ArchiveIndex { path: path.to_path_buf(), members })
    }

    pub fn contains(&self, name: &str) -> bool {
        self.locate(name).is_ok()
    }

    /// Where a regular-file member's data lies, following in-archive links.
    fn locate(&self, name: &str) -> Result<(u64, u64)> {
        let mut current = normalize("", name)
            .ok_or_else(|| refuse("archive member", super::digest::shown(name), "path escapes the archive"))?;
        for _ in 0..8 {
            match self.members.get(&current) {
                Some(Member::File { offset, size }) => return Ok((*offset, *size)),
                Some(Member::Link { target }) => current = target.clone(),
                Some(Member::Dir) => return Err(refuse("archive member", &current, "is a directory, not a file")),
                None => {
                    return Err(refuse(
                        "archive member",
                        super::digest::shown(name),
                        format!("not found in {}", self.path.display()),
                    ))
                }
            }
        }
        Err(refuse("archive member", super::digest::shown(name), "too many links"))
    }

    /// Open a member for reading: a new file handle positioned at its data, so each layer
    /// can be read on its own thread. Returns the reader and the member's size.
    pub fn open(&self, name: &str) -> Result<(Box<dyn Read + Send>, u64)> {
        let (offset, size) = self.locate(name)?;
        let mut file = File::open(&self.path).map_err(|e| Error::io("open", self.path.display(), e))?;
        file.seek(SeekFrom::Start(offset)).map_err(|e| Error::io("lseek", self.path.display(), e))?;
        Ok((Box::new(file.take(size)), size))
    }

    /// A small member read whole, refused above `cap` bytes before reading it.
    pub fn read_small(&self, name: &str, cap: u64) -> Result<Vec<u8>> {
        let (mut reader, size) = self.open(name)?;
        if size > cap {
            return Err(refuse(name, "", format!("{size} bytes exceeds the cap of {cap} bytes for JSON documents")));
        }
        let mut buf = Vec::with_capacity(size as usize);
        reader.read_to_end(&mut buf).map_err(|e| Error::io("read", name, e))?;
        if (buf.len() as u64) < size {
            return Err(refuse("archive member", name, "truncated"));
        }
        Ok(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_normalise_and_never_climb_out() {
        assert_eq!(normalize("", "./a//b/").as_deref(), Some("a/b"));
        assert_eq!(normalize("x", "../y.tar").as_deref(), Some("y.tar"));
        assert_eq!(normalize("", "../x"), None);
        assert_eq!(normalize("a", "../../x"), None);
    }
}
