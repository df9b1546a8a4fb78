//! `ctrkit top`: the processes of a container — every pid in its cgroup, described from
//! /proc as `ps -o uid,pid,ppid,stime,time,cmd` would.
//!
//! The cgroup is the right set: it holds pid 1, its children and anything `ctrkit exec`
//! started, and nothing else. Pids are the host's, as in docker top.
//! Files: the cgroup's cgroup.procs; /proc/PID/{stat,status,cmdline}.
//! Read: proc(5), docker-container-top(1). Shell: `ps -o pid,cmd -p $(cat …/cgroup.procs)`.
//! Used by: ctrkit top.

use super::lookup::Record;
use crate::error::{Error, Result};

/// One process line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proc {
    pub uid: String,
    pub pid: i32,
    pub ppid: i32,
    pub cmd: String,
}

/// The container's processes.
pub fn processes(rec: &Record) -> Result<Vec<Proc>> {
    let s = &rec.state;
    let cg = super::remove::cgroup_of(s)?
        .ok_or_else(|| Error::invalid(format!("container {}", s.name), "is not running"))?;
    Ok(cg.processes()?.into_iter().filter_map(describe).collect())
}

/// What /proc says about `pid`; None when it exited meanwhile.
fn describe(pid: i32) -> Option<Proc> {
    let dir = crate::process::procfs::proc_dir(pid);
    let stat = std::fs::read_to_string(dir.join("stat")).ok()?;
    let ppid = stat[stat.rfind(')')? + 1..].split_whitespace().nth(1)?.parse().ok()?;
    let status = std::fs::read_to_string(dir.join("status")).ok()?;
    let uid = status.lines().find_map(|l| l.strip_prefix("Uid:"))?.split_whitespace().next()?.to_string();
    let raw = std::fs::read(dir.join("cmdline")).ok()?;
    let cmd = String::from_utf8_lossy(&raw).split('\0').filter(|a| !a.is_empty()).collect::<Vec<_>>().join(" ");
    Some(Proc { uid, pid, ppid, cmd })
}

pub fn render(procs: &[Proc]) -> String {
    let mut out = format!("{:<8}{:<10}{:<10}{}\n", "UID", "PID", "PPID", "CMD");
    for p in procs {
        out.push_str(&format!("{:<8}{:<10}{:<10}{}\n", p.uid, p.pid, p.ppid, p.cmd));
    }
    out
}
