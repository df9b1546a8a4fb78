//! Who the container's process runs as: docker's `-u` forms resolved through the *image's*
//! /etc/passwd and /etc/group, never the host's.
//!
//! | `-u` form      | uid                      | gid                                  |
//! |----------------|--------------------------|--------------------------------------|
//! | (none)         | 0                        | 0                                    |
//! | `name`         | passwd entry of name     | its primary group                    |
//! | `1000`         | 1000 (passwd optional)   | its entry's group, else 0            |
//! | `uid:gid`      | as given / looked up     | number, or a name looked up in group |
//! Supplementary groups: every /etc/group line listing the user by name (as initgroups(3)).
//! HOME is the passwd entry's directory, `/` when there is none (docker's rule).
//!
//! The files are opened with openat2(RESOLVE_IN_ROOT) relative to the root dir: a symlinked
//! `/etc/passwd -> /etc/shadow` or `../../host/etc/passwd` resolves inside the image, never
//! on the host. Reads are capped at 4 MiB. With several layers, the topmost layer that has the
//! file wins (a whiteout hides it) — what the merged overlay will show.
//! Syscalls: openat2(2), read(2). Read: passwd(5), group(5), openat2(2).
//! Shell: `chroot ROOT id -u NAME`. Used by: container::spec (ctr-run -u).

use crate::error::{Error, Result};
use crate::image::openat2::open_in_root;
use nix::fcntl::OFlag;
use std::io::Read;
use std::path::{Path, PathBuf};

const MAX_FILE: u64 = 4 << 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedUser {
    pub uid: u32,
    pub gid: u32,
    pub additional_gids: Vec<u32>,
    pub home: String,
    pub name: Option<String>,
}

/// One passwd line's fields we use.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Passwd {
    name: String,
    uid: u32,
    gid: u32,
    home: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Group {
    name: String,
    gid: u32,
    members: Vec<String>,
}

/// Resolve `spec` (`None` = root) against the files found in `roots` (topmost first).
pub fn resolve(roots: &[PathBuf], spec: Option<&str>) -> Result<ResolvedUser> {
    let passwd = read_in_roots(roots, "etc/passwd")?.map(|t| parse_passwd(&t)).unwrap_or_default();
    let groups = read_in_roots(roots, "etc/group")?.map(|t| parse_group(&t)).unwrap_or_default();
    resolve_with(&passwd, &groups, spec.unwrap_or("0"))
}

/// Whether the image's /etc/group (topmost of `roots`) has a group with this number: the
/// container's /dev/pts is mounted with gid=5 only when `tty` (5) exists there.
pub fn has_group(roots: &[PathBuf], gid: u32) -> bool {
    let groups = read_in_roots(roots, "etc/group").ok().flatten().map(|t| parse_group(&t)).unwrap_or_default();
    groups.iter().any(|g| g.gid == gid)
}

fn resolve_with(passwd: &[Passwd], groups: &[Group], spec: &str) -> Result<ResolvedUser> {
    let bad = |why: String| Error::invalid(format!("-u {spec:?}"), why);
    let (user, group) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    if user.is_empty() || group == Some("") {
        return Err(bad("expected USER, UID, USER:GROUP or UID:GID".into()));
    }
    let entry = match user.parse::<u32>() {
        Ok(uid) => passwd.iter().find(|p| p.uid == uid).cloned().unwrap_or(Passwd {
            name: String::new(),
            uid,
            gid: 0,
            home: "/".into(),
        }),
        Err(_) => passwd
            .iter()
            .find(|p| p.name == user)
            .cloned()
            .ok_or_else(|| bad(format!("no user {user:?} in the image's /etc/passwd")))?,
    };
    let gid = match group {
        None => entry.gid,
        Some(g) => match g.parse::<u32>() {
            Ok(gid) => gid,
            Err(_) => groups
                .iter()
                .find(|gr| gr.name == g)
                .map(|gr| gr.gid)
                .ok_or_else(|| bad(format!("no group {g:?} in the image's /etc/group")))?,
        },
    };
    let mut additional_gids: Vec<u32> = if group.is_some() || entry.name.is_empty() {
        Vec::new() // docker: an explicit group replaces the supplementary ones
    } else {
        groups.iter().filter(|g| g.members.contains(&entry.name)).map(|g| g.gid).collect()
    };
    additional_gids.retain(|g| *g != gid);
    additional_gids.dedup();
    let name = (!entry.name.is_empty()).then(|| entry.name.clone());
    Ok(ResolvedUser { uid: entry.uid, gid, additional_gids, home: entry.home, name })
}

/// The text of `rel` from the topmost root that has it; `None` when none does.
fn read_in_roots(roots: &[PathBuf], rel: &str) -> Result<Option<String>> {
    for root in roots {
        if let Some(text) = read_in_root(root, rel)? {
            return Ok(Some(text));
        }
        // A whiteout (`.wh.passwd`) in this layer hides the lower ones' file.
        if root.join("etc").join(format!(".wh.{}", &rel[4..])).symlink_metadata().is_ok() {
            return Ok(None);
        }
    }
    Ok(None)
}

fn read_in_root(root: &Path, rel: &str) -> Result<Option<String>> {
    let dir = std::fs::File::open(root).map_err(|e| Error::io("open", root.display(), e))?;
    let fd = match open_in_root(&dir, Path::new(rel), OFlag::O_RDONLY | OFlag::O_NOCTTY | OFlag::O_NONBLOCK) {
        Ok(fd) => fd,
        Err(nix::errno::Errno::ENOENT) | Err(nix::errno::Errno::ENOTDIR) => return Ok(None),
        Err(e) => return Err(Error::errno("openat2", root.join(rel).display(), e)),
    };
    let file = std::fs::File::from(fd);
    let meta = file.metadata().map_err(|e| Error::io("fstat", root.join(rel).display(), e))?;
    if !meta.is_file() {
        return Err(Error::invalid(root.join(rel).display(), "not a regular file"));
    }
    let mut text = String::new();
    file.take(MAX_FILE).read_to_string(&mut text).map_err(|e| Error::io("read", root.join(rel).display(), e))?;
    Ok(Some(text))
}

fn parse_passwd(text: &str) -> Vec<Passwd> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            if f.len() < 7 || l.starts_with('#') {
                return None;
            }
            Some(Passwd { name: f[0].into(), uid: f[2].parse().ok()?, gid: f[3].parse().ok()?, home: f[5].into() })
        })
        .collect()
}

fn parse_group(text: &str) -> Vec<Group> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            if f.len() < 4 || l.starts_with('#') {
                return None;
            }
            let members = f[3].split(',').filter(|m| !m.is_empty()).map(str::to_string).collect();
            Some(Group { name: f[0].into(), gid: f[2].parse().ok()?, members })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/nonexistent:/bin/false\napp:x:1000:1000::/home/app:/bin/sh\nbad line\n";
    const GROUP: &str = "root:x:0:\nwheel:x:10:app,other\napp:x:1000:\nstaff:x:50:app\n";

    fn r(spec: &str) -> Result<ResolvedUser> {
        resolve_with(&parse_passwd(PASSWD), &parse_group(GROUP), spec)
    }

    #[test]
    fn names_and_numbers_resolve_like_docker() {
        let app = r("app").unwrap();
        assert_eq!((app.uid, app.gid, app.home.as_str()), (1000, 1000, "/home/app"));
        assert_eq!(app.additional_gids, vec![10, 50]);
        assert_eq!(r("1000").unwrap().gid, 1000);
        let unknown = r("4242").unwrap();
        assert_eq!((unknown.uid, unknown.gid, unknown.home.as_str()), (4242, 0, "/"));
        assert_eq!(r("0").unwrap().home, "/root");
        let both = r("app:staff").unwrap();
        assert_eq!((both.uid, both.gid), (1000, 50));
        assert!(both.additional_gids.is_empty());
        assert_eq!(r("1000:7").unwrap().gid, 7);
    }

    #[test]
    fn has_group_reads_the_topmost_images_group_file() {
        let dir = std::env::temp_dir().join(format!("ctrkit-user-test-{}", std::process::id()));
        let (top, bottom) = (dir.join("top"), dir.join("bottom"));
        for d in [&top, &bottom] {
            std::fs::create_dir_all(d.join("etc")).unwrap();
        }
        std::fs::write(bottom.join("etc/group"), "tty:x:5:\n").unwrap();
        assert!(has_group(&[top.clone(), bottom.clone()], 5), "found in the lower layer");
        std::fs::write(top.join("etc/group"), GROUP).unwrap();
        assert!(!has_group(&[top.clone(), bottom.clone()], 5), "the top layer's file hides it");
        assert!(!has_group(&[dir.join("missing")], 5));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn unknown_names_are_refused() {
        for bad in ["ghost", "app:ghosts", ":", "app:", ""] {
            let e = r(bad).expect_err(bad).to_string();
            assert!(!e.contains('\n'), "{e}");
        }
    }
}
