//! Is a recorded container really running? The record says what the monitor last wrote; a
//! `kill -9` of the monitor and the container leaves `running` on disk forever. So the
//! lifecycle verbs believe the kernel instead: the recorded pid must exist *and* have the
//! recorded start time (proc(5) /proc/PID/stat field 22) — a pid alone may have been reused.
//!
//! Files: /proc/PID/stat (fields 3 and 22). Read: proc(5). Shell: `ps -o lstart= -p PID`.
//! Used by: lookup users — ps, inspect, stop, kill, rm, wait, exec.

use super::state::{State, Status};
use crate::process::procfs;

/// True when `pid` is alive and is the process that started at `start_time`. A zombie
/// (state Z or X: exited, not yet reaped — e.g. a pid 1 whose monitor was killed, waiting for
/// init to reap it) has kept its start time but is not running.
pub fn is_same_process(pid: i32, start_time: u64) -> bool {
    pid > 0 && procfs::start_time(pid).is_ok_and(|t| t == start_time) && !is_zombie(pid)
}

/// proc(5) stat field 3, the state, after the last `)` of the command name.
fn is_zombie(pid: i32) -> bool {
    let stat = std::fs::read_to_string(procfs::proc_dir(pid).join("stat")).unwrap_or_default();
    let state = stat.rfind(')').and_then(|i| stat[i + 1..].split_whitespace().next());
    matches!(state, Some("Z") | Some("X") | None)
}

/// The container's pid 1 is alive.
pub fn is_running(s: &State) -> bool {
    s.status == Status::Running && is_same_process(s.pid, s.pid_start_time)
}

/// The monitor (ctr-run, or its -d monitor) is alive. Records without a monitor start time
/// (older ones) count as not: an unverifiable pid is never trusted.
pub fn monitor_alive(s: &State) -> bool {
    s.monitor_start_time != 0 && is_same_process(s.monitor_pid, s.monitor_start_time)
}

/// The status to show: the recorded one, except that a `running` record whose process is gone
/// is `exited` (with the recorded code, if the monitor got to write one).
pub fn observed(s: &State) -> Status {
    match s.status {
        Status::Running if !is_same_process(s.pid, s.pid_start_time) => Status::Exited,
        other => other,
    }
}
