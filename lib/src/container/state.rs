//! The per-container record: a directory under the state root holding what the lifecycle
//! commands (ps, stop, kill, rm, logs, inspect) need to find and judge a container.
//!
//!     ${CTRKIT_STATE:-/run/ctrkit}/
//!       containers/<id>/state.json   this record (below), replaced whole: temp + fsync + rename
//!       containers/<id>/lock         flock(2) it (LOCK_EX) around every read-modify-write
//!       containers/<id>/config.json  the OCI runtime spec the container was made from
//!       containers/<id>/{upper,work} the overlay's writable layer; rootfs/ its mount point
//!       containers/<id>/{hostname,hosts,resolv.conf}  bind-mounted into /etc
//!       containers/<id>/container.log  detached containers' output (log.rs)
//!       containers/<id>/attach.sock    `-d -i`: the monitor's socket for `ctrkit attach` (attach.rs)
//!       names/<name> -> <id>         a symlink: symlink(2) is atomic, so of two runs with the
//!                                    same --name exactly one wins
//!
//! A record is never half-written (rename replaces it atomically), and the lock is released by
//! the kernel when its holder dies, so a `kill -9` never leaves a stuck lock. A pid is only
//! signalled after checking that its start time (proc(5) stat field 22) is the recorded one.
//! Syscalls: open, write, fsync, rename(2), flock(2), symlink(2). Read: flock(2), rename(2).
//! Used by: ctr-run; the lifecycle front end (ctrkit ps/stop/kill/rm/logs/inspect; lookup.rs).

use crate::error::{Error, Result};
use nix::fcntl::{Flock, FlockArg};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Set up, the command not started yet.
    Created,
    Running,
    Exited,
}

/// state.json.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    pub id: String,
    pub name: String,
    pub status: Status,
    /// The container's pid 1 as the host sees it; 0 before it exists.
    pub pid: i32,
    /// Its start time (clock ticks since boot): pid + this names one process for good.
    pub pid_start_time: u64,
    /// The process that waits for the container and writes its exit (ctr-run or its monitor).
    pub monitor_pid: i32,
    /// The monitor's start time, so a reused monitor pid is never waited on or signalled.
    #[serde(default)]
    pub monitor_start_time: u64,
    /// The shell's number: the exit code, or 128 + the signal.
    pub exit_code: Option<i32>,
    /// RFC 3339 UTC times.
    pub created: String,
    pub started: Option<String>,
    pub finished: Option<String>,
    pub command: Vec<String>,
    /// The cgroup's name (under the creator's own cgroup in each hierarchy).
    pub cgroup: String,
    /// Remove everything when it ends (`--rm`).
    pub auto_remove: bool,
    /// The image as the user named it (`demo`); empty for `--rootfs`/`--layers-json` runs.
    /// `#[serde(default)]`: records written before these fields existed still read.
    #[serde(default)]
    pub image: String,
    /// The image's id (`sha256:…`), so `rmi` can refuse an image a container uses.
    #[serde(default)]
    pub image_id: String,
    /// The cgroup's directories, one per hierarchy, as created: `rm` finds them here even
    /// when run from another cgroup than the one that created the container.
    #[serde(default)]
    pub cgroup_dirs: Vec<PathBuf>,
    /// `--network`, the address on the bridge while it runs, the published ports.
    #[serde(default)]
    pub network: super::network::Record,
}

pub fn containers_dir(root: &Path) -> PathBuf {
    root.join("containers")
}

pub fn dir_of(root: &Path, id: &str) -> PathBuf {
    containers_dir(root).join(id)
}

pub fn name_link(root: &Path, name: &str) -> PathBuf {
    root.join("names").join(name)
}

/// Hold the container's lock until dropped.
pub fn lock(dir: &Path) -> Result<Flock<std::fs::File>> {
    let path = dir.join("lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::io("open", path.display(), e))?;
    Flock::lock(file, FlockArg::LockExclusive).map_err(|(_, e)| Error::errno("flock", path.display(), e))
}

/// Replace `dir/file` with `content`: write a temp file, fsync, rename over.
pub fn write_atomic(dir: &Path, file: &str, content: &[u8]) -> Result<()> {
    let tmp = dir.join(format!(".{file}.tmp"));
    let dest = dir.join(file);
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(content)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &dest)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io("write", dest.display(), e)
    })
}

pub fn write(dir: &Path, state: &State) -> Result<()> {
    let json = serde_json::to_vec_pretty(state).map_err(|e| Error::invalid("state.json", e.to_string()))?;
    write_atomic(dir, "state.json", &json)
}

pub fn read(dir: &Path) -> Result<State> {
    let path = dir.join("state.json");
    let text = std::fs::read(&path).map_err(|e| Error::io("read", path.display(), e))?;
    serde_json::from_slice(&text).map_err(|e| Error::invalid(path.display(), format!("not a state record: {e}")))
}

/// Under the lock: read, change, write back.
pub fn update(dir: &Path, change: impl FnOnce(&mut State)) -> Result<State> {
    let _held = lock(dir)?;
    let mut s = read(dir)?;
    change(&mut s);
    write(dir, &s)?;
    Ok(s)
}

/// Take `name` for `id`; fails with one clear line when another container has it.
pub fn claim_name(root: &Path, name: &str, id: &str) -> Result<()> {
    let link = name_link(root, name);
    if let Some(parent) = link.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io("mkdir", parent.display(), e))?;
    }
    std::os::unix::fs::symlink(id, &link).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            let owner = std::fs::read_link(&link).map(|p| p.display().to_string()).unwrap_or_default();
            Error::invalid(
                format!("--name {name}"),
                format!("already in use by container {}", super::id::short(&owner)),
            )
            .with_hint("choose another name, or remove that container first")
        } else {
            Error::io("symlink", link.display(), e)
        }
    })
}

/// Remove the container's directory and its name, if the name still points at it.
pub fn remove(root: &Path, id: &str, name: &str) -> Result<()> {
    let link = name_link(root, name);
    if std::fs::read_link(&link).is_ok_and(|t| t == Path::new(id)) {
        let _ = std::fs::remove_file(&link);
    }
    let dir = dir_of(root, id);
    match std::fs::remove_dir_all(&dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io("remove", dir.display(), e)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_names_are_exclusive() {
        let root = std::env::temp_dir().join(format!("ctrkit-state-test-{}", std::process::id()));
        let dir = dir_of(&root, "abc");
        std::fs::create_dir_all(&dir).unwrap();
        let s = State {
            id: "abc".into(),
            name: "web".into(),
            status: Status::Created,
            pid: 0,
            pid_start_time: 0,
            monitor_pid: 1,
            monitor_start_time: 0,
            exit_code: None,
            created: crate::timestamp::now_rfc3339(),
            started: None,
            finished: None,
            command: vec!["true".into()],
            cgroup: "abc".into(),
            auto_remove: false,
            image: String::new(),
            image_id: String::new(),
            cgroup_dirs: Vec::new(),
            network: Default::default(),
        };
        write(&dir, &s).unwrap();
        let after = update(&dir, |s| s.status = Status::Exited).unwrap();
        assert_eq!(read(&dir).unwrap(), after);
        claim_name(&root, "web", "abc").unwrap();
        assert!(claim_name(&root, "web", "def").unwrap_err().to_string().contains("already in use"));
        remove(&root, "abc", "web").unwrap();
        assert!(!dir.exists() && !name_link(&root, "web").exists());
        let _ = std::fs::remove_dir_all(&root);
    }
}
