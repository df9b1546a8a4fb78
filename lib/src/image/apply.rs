//! Extracting one layer's tar entries under a root directory, safely: this is `tar -x`
//! hardened for hostile input.
//!
//! - Every name is checked first: `..` anywhere is refused ("path escapes the root"); a
//!   leading `/` means the root. The root entry itself (`.`, `./`, `/`) may only be a directory.
//! - The parent directory is resolved with openat2(RESOLVE_IN_ROOT) (image::openat2): a
//!   symlink on the way — in this layer or a lower one, relative or absolute — resolves as it
//!   would in a container chrooted at the root, so it can never lead out of it.
//! - The last component is never followed: files are created with O_CREAT|O_EXCL|O_NOFOLLOW;
//!   whatever is in the way (a symlink `x -> /outside`, a file, a directory tree) is removed
//!   first and replaced, never written through. A directory over a directory is kept (its
//!   metadata updated), as GNU tar and overlayfs do. What a name may be: apply/names.rs;
//!   creating each kind of entry: apply/create.rs.
//! - Hardlinks: the target is resolved inside the root too, and linked with linkat(2) on fds;
//!   a missing target is an error, never a copy.
//! - Metadata goes to the entry itself: owner (fchown / fchownat AT_SYMLINK_NOFOLLOW) before
//!   mode (chown clears setuid bits), then xattrs (security.capability, …; `trusted.overlay.*`
//!   from the archive is dropped: only we decide what is opaque), then times; directories'
//!   times last (adding children changes them). Device nodes, FIFOs and setuid bits are kept.
//!
//! Speed: the parent directory of the previous entry stays open (entries come grouped by
//! directory); files are created with their final mode under umask 0 (`Umask`), so
//! chown/chmod calls are only made when the owner is not ours; no fsync per file.
//!
//! Syscalls: openat2(2), openat(2), mkdirat(2), mknodat(2), symlinkat(2), linkat(2),
//! unlinkat(2), fchownat(2), fchmodat(2), fsetxattr(2), utimensat(2), write(2), umask(2).
//! Man: tar(5), openat2(2), path_resolution(7), linkat(2), chown(2) ("setuid bits cleared").
//! Shell equivalent: `tar --numeric-owner --xattrs --xattrs-include='*' -xpf layer.tar -C ROOT`.
//! Used by: image::unpack (store: OVERLAY mode; --to: FLATTEN mode).

use super::openat2::{explain_errno, open_dir_in_root};
use super::tar::{Entry, Input, Kind, TarReader};
use super::whiteout::{self, Name};
use super::{refuse, tree};
use create::retry_after_removing;
pub use names::{clean_path, entry_name};
use names::{join, os};

mod create;
mod names;
use crate::error::{Error, Result};
use nix::errno::Errno;
use nix::fcntl::{openat, OFlag};
use nix::sys::stat::{fstat, makedev, mkdirat, mknodat, utimensat, Mode, SFlag, UtimensatFlags};
use nix::sys::time::TimeSpec;
use nix::unistd::{symlinkat, Gid, Uid};
use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// How whiteouts are applied (see image::whiteout).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApplyMode {
    /// One root file system: whiteouts delete, layers are applied on top of each other.
    Flatten,
    /// One layer directory for overlayfs: whiteouts become 0/0 devices and opaque xattrs.
    Overlay,
}

/// Sets the process umask to 0 while alive (so created files get exactly the image's modes)
/// and restores it on drop. The umask is per process: hold one for the whole unpack.
pub struct Umask(Mode);

impl Umask {
    pub fn zero() -> Umask {
        Umask(nix::sys::stat::umask(Mode::empty()))
    }
}

impl Drop for Umask {
    fn drop(&mut self) {
        nix::sys::stat::umask(self.0);
    }
}

/// What an applied layer contained.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stats {
    pub entries: u64,
    pub bytes: u64,
}

pub struct Applier {
    root: OwnedFd,
    mode: ApplyMode,
    /// The open parent directory of the previous entry: its path and fd, and whether it is setgid.
    cache: Option<(Vec<u8>, OwnedFd, bool)>,
    /// FLATTEN: paths this layer wrote (with their ancestors), which an opaque marker keeps.
    written: HashSet<Vec<u8>>,
    /// Directories' times, set last.
    dir_times: HashMap<Vec<u8>, (i64, u32)>,
    ids: (u32, u32),
    pub stats: Stats,
}

impl Applier {
    /// Apply layers under `root` (a directory we hold open).
    pub fn new(root: OwnedFd, mode: ApplyMode) -> Applier {
        let ids = (Uid::effective().as_raw(), Gid::effective().as_raw());
        Applier {
            root,
            mode,
            cache: None,
            written: HashSet::new(),
            dir_times: HashMap::new(),
            ids,
            stats: Stats::default(),
        }
    }

    /// Extract every entry of one layer.
    pub fn apply_layer<R: Input>(&mut self, tar: &mut TarReader<R>) -> Result<()> {
        self.written.clear();
        while let Some(entry) = tar.next_entry()? {
            self.stats.entries += 1;
            self.entry(&entry, tar)?;
        }
        Ok(())
    }

    /// Set the directories' times (after all layers in FLATTEN mode, after the layer in OVERLAY).
    pub fn finish(&mut self) -> Result<()> {
        let times = std::mem::take(&mut self.dir_times);
        for (path, (secs, nanos)) in times {
            let comps: Vec<&[u8]> = path.split(|&b| b == b'/').filter(|c| !c.is_empty()).collect();
            let t = TimeSpec::new(secs, i64::from(nanos));
            let res = match comps.split_last() {
                None => utimensat(self.root.as_fd(), ".", &t, &t, UtimensatFlags::NoFollowSymlink),
                Some((name, parents)) => match open_dir_in_root(&self.root, Path::new(os(&join(parents)))) {
                    Ok(p) => utimensat(p.as_fd(), os(name), &t, &t, UtimensatFlags::NoFollowSymlink),
                    Err(e) => Err(e),
                },
            };
            // A directory a later entry removed has no time to set.
            if let Err(e) = res {
                if e != Errno::ENOENT {
                    return Err(Error::errno("utimensat", entry_name(&path), e));
                }
            }
        }
        Ok(())
    }

    fn entry<R: Input>(&mut self, e: &Entry, tar: &mut TarReader<R>) -> Result<()> {
        let comps = clean_path(&e.path)?;
        let Some((&name, parents)) = comps.split_last() else {
            return self.root_entry(e);
        };
        let at = |op: &str, err: Errno| Error::errno(op, entry_name(&e.path), err);
        let parent_path = join(parents);
        match whiteout::classify(name) {
            Err(why) => return Err(refuse("entry", entry_name(&e.path), why)),
            Ok(Name::Ignore) => return Ok(()),
            Ok(Name::Remove(target)) => {
                if target.contains(&b'/') {
                    return Err(refuse("entry", entry_name(&e.path), "invalid whiteout"));
                }
                return match self.mode {
                    ApplyMode::Flatten => {
                        if self.parent(&parent_path, false, e)? {
                            whiteout::flatten_remove(self.pfd(), os(target)).map_err(|err| at("whiteout", err))?;
                        }
                        Ok(())
                    }
                    ApplyMode::Overlay => {
                        self.parent(&parent_path, true, e)?;
                        whiteout::overlay_remove(self.pfd(), os(target)).map_err(|err| at("mknod whiteout", err))
                    }
                };
            }
            Ok(Name::Opaque) => return self.opaque(parents, e),
            Ok(Name::Plain) => {}
        }
        self.parent(&parent_path, true, e)?;
        let path = join(&comps);
        if self.mode == ApplyMode::Flatten {
            self.mark_written(&path);
        }
        let p = self.pfd();
        let n = os(name);
        match e.kind {
            Kind::File => {
                let bytes = self.file(p, n, e, tar)?;
                self.stats.bytes += bytes;
                Ok(())
            }
            Kind::Dir => {
                self.dir(p, n, e)?;
                self.dir_times.insert(path, e.mtime);
                Ok(())
            }
            Kind::Symlink => {
                retry_after_removing(p, n, || symlinkat(os(&e.link), p, n)).map_err(|err| at("symlink", err))?;
                self.owner_mode_rest(p, n, e, false)
            }
            Kind::HardLink => self.hardlink(p, n, e),
            Kind::Char | Kind::Block | Kind::Fifo => {
                let kind = match e.kind {
                    Kind::Char => SFlag::S_IFCHR,
                    Kind::Block => SFlag::S_IFBLK,
                    _ => SFlag::S_IFIFO,
                };
                let dev = makedev(u64::from(e.dev.0), u64::from(e.dev.1));
                let perm = Mode::from_bits_truncate(e.mode & 0o777);
                retry_after_removing(p, n, || mknodat(p, n, kind, perm, dev)).map_err(|err| at("mknod", err))?;
                self.owner_mode_rest(p, n, e, e.mode & 0o7000 != 0)
            }
        }
    }

    fn pfd(&self) -> BorrowedFd<'_> {
        match &self.cache {
            Some((_, fd, _)) => fd.as_fd(),
            None => self.root.as_fd(),
        }
    }

    /// Make the parent directory `path` the cached one; with `create`, make missing
    /// directories (0755, as tar does). False when it does not exist and `create` is off.
    fn parent(&mut self, path: &[u8], create: bool, e: &Entry) -> Result<bool> {
        if let Some((cached, _, _)) = &self.cache {
            if cached == path {
                return Ok(true);
            }
        }
        let fd = match open_dir_in_root(&self.root, Path::new(os(path))) {
            Ok(fd) => fd,
            Err(Errno::ENOENT) if !create => return Ok(false),
            Err(Errno::ENOENT) => self.make_parents(path, e)?,
            Err(Errno::ENOTDIR) => return Err(refuse("entry", entry_name(&e.path), "a parent is not a directory")),
            Err(err) => return Err(explain_errno("openat2", &entry_name(&e.path), err)),
        };
        let sgid = fstat(&fd).map(|st| st.st_mode & libc::S_ISGID != 0).unwrap_or(true);
        self.cache = Some((path.to_vec(), fd, sgid));
        Ok(true)
    }

    fn make_parents(&mut self, path: &[u8], e: &Entry) -> Result<OwnedFd> {
        let comps: Vec<&[u8]> = path.split(|&b| b == b'/').filter(|c| !c.is_empty()).collect();
        let mut dir = self.root.try_clone().map_err(|err| Error::io("dup", "root", err))?;
        for i in 0..comps.len() {
            let prefix = join(&comps[..=i]);
            dir = match open_dir_in_root(&self.root, Path::new(os(&prefix))) {
                Ok(fd) => fd,
                Err(Errno::ENOENT) => {
                    match mkdirat(dir.as_fd(), os(comps[i]), Mode::from_bits_truncate(0o755)) {
                        Ok(()) => {}
                        Err(Errno::EEXIST) => {
                            return Err(refuse(
                                "entry",
                                entry_name(&e.path),
                                format!(
                                    "parent {} is a symlink that leads nowhere inside the root",
                                    entry_name(&prefix)
                                ),
                            ))
                        }
                        Err(err) => return Err(Error::errno("mkdir", entry_name(&prefix), err)),
                    }
                    if self.mode == ApplyMode::Flatten {
                        self.mark_written(&prefix);
                    }
                    openat(
                        dir.as_fd(),
                        os(comps[i]),
                        OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                        Mode::empty(),
                    )
                    .map_err(|err| Error::errno("open", entry_name(&prefix), err))?
                }
                Err(Errno::ENOTDIR) => return Err(refuse("entry", entry_name(&e.path), "a parent is not a directory")),
                Err(err) => return Err(explain_errno("openat2", &entry_name(&prefix), err)),
            };
        }
        Ok(dir)
    }

    fn mark_written(&mut self, path: &[u8]) {
        let mut p = path;
        while !p.is_empty() && self.written.insert(p.to_vec()) {
            p = match p.iter().rposition(|&b| b == b'/') {
                Some(i) => &p[..i],
                None => b"",
            };
        }
    }

    fn root_entry(&mut self, e: &Entry) -> Result<()> {
        if e.kind != Kind::Dir {
            return Err(refuse("entry", entry_name(&e.path), "the root of the image must be a directory"));
        }
        let root =
            openat(self.root.as_fd(), ".", OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC, Mode::empty())
                .map_err(|err| Error::errno("open", "the root", err))?;
        self.fd_meta(root.as_fd(), e, true)?;
        self.dir_times.insert(Vec::new(), e.mtime);
        Ok(())
    }

    /// `.wh..wh..opq` in `parents`: the directory holding the marker is opaque.
    fn opaque(&mut self, dir: &[&[u8]], e: &Entry) -> Result<()> {
        let (name, above): (&[u8], &[&[u8]]) = match dir.split_last() {
            Some((n, rest)) => (n, rest),
            None => (b".", &[]),
        };
        let dir_path = join(dir);
        let err = |err: Errno| Error::errno("opaque whiteout", entry_name(&e.path), err);
        match self.mode {
            ApplyMode::Flatten => {
                // The directory holding the marker, resolved inside the root like any parent;
                // if it is not there (or leads nowhere inside the root) there is nothing to hide.
                let dir_fd = match open_dir_in_root(&self.root, Path::new(os(&dir_path))) {
                    Ok(fd) => fd,
                    Err(Errno::ENOENT) | Err(Errno::ENOTDIR) => return Ok(()),
                    Err(e2) => return Err(explain_errno("openat2", &entry_name(&e.path), e2)),
                };
                let written = &self.written;
                let mut keep = |child: &OsStr| {
                    let mut full = dir_path.clone();
                    if !full.is_empty() {
                        full.push(b'/');
                    }
                    full.extend_from_slice(child.as_bytes());
                    written.contains(&full)
                };
                whiteout::flatten_opaque(dir_fd.as_fd(), OsStr::new("."), &mut keep).map_err(err)
            }
            ApplyMode::Overlay => {
                self.parent(&join(above), true, e)?;
                match tree::lstat_at(self.pfd(), os(name)).map_err(err)? {
                    None => mkdirat(self.pfd(), os(name), Mode::from_bits_truncate(0o755)).map_err(err)?,
                    Some(m) if tree::is_dir(m) => {}
                    Some(_) => {
                        return Err(refuse(
                            "entry",
                            entry_name(&e.path),
                            "opaque marker in something that is not a directory",
                        ))
                    }
                }
                whiteout::overlay_opaque(self.pfd(), os(name)).map_err(err)
            }
        }
    }
}
