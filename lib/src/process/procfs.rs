//! What /proc says about a process: does it exist, when did it start, its namespace inodes.
//!
//! A pid is only a number and gets reused; the start time (field 22 of /proc/PID/stat, in
//! clock ticks since boot) tells one process from a later one with the same pid.
//! Read: proc(5) (/proc/pid/stat, /proc/pid/ns). Used by: ctr-enter, tests.

use crate::error::{Error, Result};
use std::path::PathBuf;

pub fn proc_dir(pid: i32) -> PathBuf {
    PathBuf::from(format!("/proc/{pid}"))
}

/// The process's start time in clock ticks since boot (proc(5), /proc/pid/stat field 22).
pub fn start_time(pid: i32) -> Result<u64> {
    let path = proc_dir(pid).join("stat");
    let text = std::fs::read_to_string(&path).map_err(|e| not_running(pid, e))?;
    parse_start_time(&text).ok_or_else(|| Error::invalid(path.display(), "unexpected format"))
}

/// The command name (field 2) may hold spaces and parentheses, so count fields after the
/// *last* `)`.
fn parse_start_time(stat: &str) -> Option<u64> {
    let after = &stat[stat.rfind(')')? + 1..];
    // After ")" come fields 3, 4, …: field 22 is the 20th of them.
    after.split_whitespace().nth(19)?.parse().ok()
}

/// Check that `pid` names a live process; the error says so plainly if not.
pub fn require_running(pid: i32) -> Result<()> {
    if pid <= 0 {
        return Err(Error::invalid(pid, "a process id is a positive number"));
    }
    std::fs::metadata(proc_dir(pid)).map(|_| ()).map_err(|e| not_running(pid, e))
}

fn not_running(pid: i32, e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::NotFound {
        Error::invalid(format!("pid {pid}"), "no such process").with_hint("check the pid with `ps -p PID`")
    } else {
        Error::io("read", proc_dir(pid).display(), e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_time_survives_odd_command_names() {
        let stat = "42 (a) b (c)) S 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 987654 1000 10";
        assert_eq!(parse_start_time(stat), Some(987654));
    }
}
