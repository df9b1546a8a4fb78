//! Keeping a namespace alive without a process in it, by bind-mounting its file.
//!
//! A namespace lives as long as something refers to it: a process, an open fd, or a bind
//! mount of its /proc/PID/ns file. Bind-mounting `/proc/PID/ns/net` onto an empty file
//! (what `ip netns add` and `unshare --net=FILE` do) keeps it after every process has left,
//! and the file can be handed to setns(2) later (`ctr-enter --net=FILE`, `nsenter --net=FILE`).
//!
//! The bind mount must be made from *outside* the new mount namespace: made inside, it
//! would live in that namespace's own mount table and vanish with it. For pid and time the
//! file to bind is `pid_for_children` / `time_for_children` (see ns/unshare.rs).
//! Releasing is the reverse: unmount the file, then remove it.
//!
//! Read: namespaces(7) ("The /proc/[pid]/ns/ directory"), mount(2) (MS_BIND).
//! Shell: `touch F; mount --bind /proc/PID/ns/net F` … `umount F; rm F`.
//! Used by: ns-unshare (--persist, --net=FILE …, --unpersist).

use super::{proc_file, Kind};
use crate::error::{Error, Result};
use crate::explain::{self, Op};
use crate::mount;
use std::path::{Path, PathBuf};

/// The magic number statfs(2) reports for namespace files (NSFS_MAGIC, linux/magic.h).
const NSFS_MAGIC: i64 = 0x6e73_6673;

/// Bind-mount the `kind` namespace of `pid` onto `file`, creating the file if needed.
/// On failure a file we created is removed again.
pub fn persist(pid: i32, kind: Kind, file: &Path) -> Result<()> {
    let created = !file.exists();
    if created {
        let op = Op::new(
            format!("open({:?}, O_CREAT|O_EXCL|O_WRONLY|O_CLOEXEC, 0444)", file),
            "an empty file to mount the namespace on",
            "open(2)",
        );
        explain::change(op, &file.display().to_string(), || {
            use nix::fcntl::OFlag;
            let flags = OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_WRONLY | OFlag::O_CLOEXEC;
            nix::fcntl::open(file, flags, nix::sys::stat::Mode::from_bits_truncate(0o444)).map(drop)
        })?;
    }
    let result = mount::bind::bind(&proc_file(pid, kind), file, "keep the namespace alive after its processes leave");
    if result.is_err() && created && !explain::is_dry_run() {
        let _ = std::fs::remove_file(file);
    }
    result.map_err(|e| {
        e.with_hint("the file must not be inside the new mount namespace's own tree; put it on a private mount (mount --make-private)")
    })
}

/// The file `--persist DIR` uses for a kind: `DIR/<name>`.
pub fn file_in(dir: &Path, kind: Kind) -> PathBuf {
    dir.join(kind.name)
}

/// Is `path` a namespace file (a bind mount of one)?
pub fn is_namespace_file(path: &Path) -> bool {
    nix::sys::statfs::statfs(path).map(|s| s.filesystem_type().0 == NSFS_MAGIC).unwrap_or(false)
}

/// Release a persisted namespace file, or every one in a directory made by `--persist`
/// (then the directory too, if that left it empty). Files that are not namespace mounts
/// are left alone: we only undo what persisting did.
pub fn release(path: &Path) -> Result<Vec<PathBuf>> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| Error::io("stat", path.display(), e))?;
    let mut released = Vec::new();
    if meta.is_dir() {
        let entries = std::fs::read_dir(path).map_err(|e| Error::io("read directory", path.display(), e))?;
        let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        files.sort();
        for file in files.into_iter().filter(|f| is_namespace_file(f)) {
            release_file(&file)?;
            released.push(file);
        }
        // Only succeeds when empty, which is what we want: never remove the user's files.
        let _ = std::fs::remove_dir(path);
    } else {
        if !is_namespace_file(path) {
            return Err(Error::invalid(path.display(), "not a persisted namespace file (no nsfs bind mount on it)"));
        }
        release_file(path)?;
        released.push(path.to_path_buf());
    }
    Ok(released)
}

fn release_file(file: &Path) -> Result<()> {
    mount::bind::unmount(file, "drop the reference that kept the namespace alive")?;
    std::fs::remove_file(file).map_err(|e| Error::io("remove", file.display(), e))
}
