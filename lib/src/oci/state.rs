//! The runtime's record of one container, and the state the OCI spec defines for it.
//!
//!     ${--root:-/run/ctrkit-oci}/<id>/
//!       state.json    this record (below): temp + fsync + rename, under the lock
//!       lock          flock(2) it around every read-modify-write and every verb
//!       config.json   the bundle's spec as created (poststop hooks read it after the bundle is gone)
//!       exec.fifo     exists from `create` until `start` (fifo.rs)
//!
//! The status is never stored: it is *observed*, as runc does, so a container that died
//! while nobody watched is `stopped` without anyone having written that down:
//!
//! | pid recorded | that process (pid + start time) | exec.fifo | status   |
//! |--------------|---------------------------------|-----------|----------|
//! | 0            | —                               | —         | creating |
//! | yes          | alive (not a zombie)            | exists    | created  |
//! | yes          | alive (not a zombie)            | gone      | running  |
//! | yes          | gone, a zombie, or someone else | —         | stopped  |
//!
//! The JSON `ctr-oci state` prints (and hooks read on stdin) is runtime.md's: ociVersion, id,
//! status, pid, bundle, annotations — plus runc's rootfs, created and owner, which podman and
//! containerd read. The pid of a stopped container is 0, as runc prints it.
//! Syscalls: open/write/fsync/rename(2), flock(2), read of /proc/PID/stat.
//! Read: runtime-spec runtime.md ("State"). Shell: `runc state ID`. Used by: every ctr-oci verb.

use crate::container::{liveness, state as files};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The default --root, like runc's /run/runc.
pub const DEFAULT_ROOT: &str = "/run/ctrkit-oci";

/// The OCI version we implement and report.
pub const OCI_VERSION: &str = "1.0.2";

/// state.json.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub id: String,
    /// The container's init (pid 1 of its pid namespace) as the host sees it; 0 while creating.
    pub pid: i32,
    /// proc(5) stat field 22: with `pid`, names one process for good.
    pub pid_start_time: u64,
    pub bundle: PathBuf,
    pub rootfs: PathBuf,
    /// RFC 3339.
    pub created: String,
    pub annotations: BTreeMap<String, String>,
    /// Our cgroup's name and its directories, one per hierarchy, as created.
    pub cgroup: String,
    pub cgroup_dirs: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Creating,
    Created,
    Running,
    Stopped,
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        let s = match self {
            Status::Creating => "creating",
            Status::Created => "created",
            Status::Running => "running",
            Status::Stopped => "stopped",
        };
        f.write_str(s)
    }
}

/// What `state` prints (runtime.md's State + runc's extras).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Shown<'a> {
    pub oci_version: &'static str,
    pub id: &'a str,
    pub status: Status,
    pub pid: i32,
    pub bundle: &'a Path,
    pub rootfs: &'a Path,
    pub created: &'a str,
    pub owner: &'static str,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: &'a BTreeMap<String, String>,
}

/// Container ids become directory names: `[A-Za-z0-9_.+-]`, not starting with `.`, at most
/// 1024 bytes (runc's rule, minus nothing).
pub fn check_id(id: &str) -> Result<()> {
    let ok = !id.is_empty()
        && id.len() <= 1024
        && !id.starts_with('.')
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.+-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!("container id {id:?}"), "use letters, digits, `_`, `.`, `+`, `-` (not first `.`)"))
    }
}

pub fn dir_of(root: &Path, id: &str) -> PathBuf {
    root.join(id)
}

/// The container's directory, checking that it exists.
pub fn existing(root: &Path, id: &str) -> Result<PathBuf> {
    check_id(id)?;
    let dir = dir_of(root, id);
    if !dir.join("state.json").exists() {
        return Err(Error::errno("find container", id, nix::errno::Errno::ENOENT)
            .with_hint(format!("no such container under {} (see `ctr-oci list`)", root.display())));
    }
    Ok(dir)
}

pub fn read(dir: &Path) -> Result<Record> {
    let path = dir.join("state.json");
    let text = std::fs::read(&path).map_err(|e| Error::io("read", path.display(), e))?;
    serde_json::from_slice(&text).map_err(|e| Error::invalid(path.display(), format!("not a ctr-oci record: {e}")))
}

pub fn write(dir: &Path, r: &Record) -> Result<()> {
    let json = serde_json::to_vec(r).map_err(|e| Error::invalid("state.json", e.to_string()))?;
    files::write_atomic(dir, "state.json", &json)
}

/// Hold the container's lock until dropped.
pub fn lock(dir: &Path) -> Result<nix::fcntl::Flock<std::fs::File>> {
    files::lock(dir)
}

/// The observed status (the table in the header).
pub fn status(dir: &Path, r: &Record) -> Status {
    if r.pid == 0 {
        Status::Creating
    } else if !liveness::is_same_process(r.pid, r.pid_start_time) {
        Status::Stopped
    } else if dir.join(super::fifo::NAME).exists() {
        Status::Created
    } else {
        Status::Running
    }
}

/// The spec's state for `r` in `status`.
pub fn shown(r: &Record, status: Status) -> Shown<'_> {
    Shown {
        oci_version: OCI_VERSION,
        id: &r.id,
        status,
        pid: if status == Status::Stopped { 0 } else { r.pid },
        bundle: &r.bundle,
        rootfs: &r.rootfs,
        created: &r.created,
        owner: "",
        annotations: &r.annotations,
    }
}

/// `shown` as JSON text.
pub fn to_json(r: &Record, status: Status) -> Result<String> {
    serde_json::to_string(&shown(r, status)).map_err(|e| Error::invalid("state", e.to_string()))
}

/// A verb refused because of the state the container is in: one line naming both.
pub fn wrong_state(id: &str, verb: &str, status: Status) -> Error {
    Error::invalid(format!("container {id}"), format!("cannot {verb} a container that is {status}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_refused_unless_plain_names() {
        for ok in ["abc", "a-b_c.d+e", &"f".repeat(64)] {
            check_id(ok).unwrap();
        }
        for bad in ["", ".", "..", ".x", "a/b", "a b", "../x", "é"] {
            assert!(check_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_shown_state_is_the_specs_with_pid_0_when_stopped() {
        let r = Record {
            id: "c1".into(),
            pid: 42,
            pid_start_time: 7,
            bundle: "/b".into(),
            rootfs: "/b/rootfs".into(),
            created: "2026-01-01T00:00:00Z".into(),
            annotations: BTreeMap::new(),
            cgroup: "c1".into(),
            cgroup_dirs: vec![],
        };
        let v: serde_json::Value = serde_json::from_str(&to_json(&r, Status::Running).unwrap()).unwrap();
        assert_eq!(v["ociVersion"], OCI_VERSION);
        assert_eq!(v["status"], "running");
        assert_eq!(v["pid"], 42);
        assert_eq!(v["bundle"], "/b");
        let v: serde_json::Value = serde_json::from_str(&to_json(&r, Status::Stopped).unwrap()).unwrap();
        assert_eq!((v["status"].as_str(), v["pid"].as_i64()), (Some("stopped"), Some(0)));
    }
}
