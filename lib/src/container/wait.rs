//! `ctrkit wait`: block until a container ends, then print its exit code.
//!
//! The container's pid 1 is not our child, so waitpid(2) cannot be used; a pidfd can: poll(2)
//! on it returns when the process exits. Then we wait for the monitor, which records the code,
//! and read the record. A container whose monitor died too (kill -9) has no code: 137 is
//! what docker reports for a killed container, so we say that, and say why on stderr.
//! Syscalls: pidfd_open(2), poll(2). Read: docker-container-wait(1). Shell: `tail --pid=PID -f /dev/null`.
//! Used by: ctrkit wait.

use super::lookup::Record;
use super::signal::open_verified;
use super::state::{self, Status};
use super::stop;
use crate::error::{Error, Result};
use std::time::Duration;

/// The exit code, once the container has ended. A container still `created` (never
/// started) is waited for until it starts and ends, as docker does.
pub fn wait(rec: &Record) -> Result<i32> {
    let mut s = rec.state.clone();
    loop {
        if s.status == Status::Running {
            if let Some(fd) = open_verified(s.pid, s.pid_start_time)? {
                while !crate::sys::pidfd::wait_exit(&fd, Duration::from_secs(3600))? {}
            }
            stop::wait_for_monitor(&Record { dir: rec.dir.clone(), state: s.clone() })?;
        }
        let now = state::read(&rec.dir).map_err(|e| e.with_hint("the container was removed while we waited"))?;
        match now.status {
            Status::Exited => return Ok(now.exit_code.unwrap_or(137)),
            Status::Running if !super::liveness::is_running(&now) => return Ok(now.exit_code.unwrap_or(137)),
            Status::Created if stop::monitor_fd(&Record { dir: rec.dir.clone(), state: now.clone() })?.is_none() => {
                return Err(Error::invalid(format!("container {}", now.name), "was created but never started")
                    .with_hint("start it: ctrkit start NAME"));
            }
            _ => std::thread::sleep(Duration::from_millis(100)),
        }
        s = now;
    }
}
