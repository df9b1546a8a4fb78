//! Ending a cgroup: kill every process in it, then remove its directories.
//!
//! Killing a whole cgroup is a race against fork: a process may fork between our reading
//! cgroup.procs and our kill(2). So:
//! 1. v2 (unified or the hybrid tracking tree): write `1` to cgroup.kill. The kernel kills
//!    the whole subtree in one step and new forks into it fail, so even a fork bomb is gone
//!    at once (Linux 5.14+; on older kernels the file is absent and step 2 does the work).
//! 2. Then, and on v1-only hosts instead, loop: read cgroup.procs of every directory (sub-
//!    cgroups too), SIGKILL each pid, wait a little, until no pid is left. Each round kills
//!    every process that could fork, so the loop ends; a process stuck in uninterruptible
//!    sleep is given up on after KILL_TIMEOUT with an error saying so.
//!    (On v1 there remains a tiny window where a listed pid exits and is reused before
//!    kill(2); cgroup.kill has no such window, which is one more reason v2 is better.)
//! 3. rmdir every directory, deepest first (the command may have made sub-cgroups). An
//!    exiting process can hold a cgroup busy for a moment, so EBUSY is retried briefly.
//!    rmdir works on a cgroup directory although it holds files: they are the kernel's.
//!
//! Syscalls: kill(2), rmdir(2), write cgroup.kill. Read: cgroups(7),
//! Documentation/admin-guide/cgroup-v2.rst ("cgroup.kill").
//! Shell equivalent: `echo 1 > DIR/cgroup.kill; rmdir DIR`, or `cgdelete -r`.
//! Used by: cg-limit (after the command, --remove), tests.

use super::files;
use super::group::{tree, Cgroup};
use super::hierarchy::Version;
use crate::error::{Cause, Error, Result};
use crate::explain::{self, Op};
use nix::errno::Errno;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::path::Path;
use std::time::{Duration, Instant};

/// How long we keep killing before saying the cgroup will not empty.
const KILL_TIMEOUT: Duration = Duration::from_secs(10);
/// How long rmdir may keep seeing EBUSY while the last processes finish exiting.
const RMDIR_TIMEOUT: Duration = Duration::from_secs(3);

impl Cgroup {
    /// SIGKILL every process in the cgroup and wait until it is empty.
    pub fn kill_all(&self) -> Result<()> {
        if explain::is_dry_run() {
            explain::note(&format!("(dry run) would kill every process left in cgroup {}", self.name()));
            return Ok(());
        }
        if self.processes()?.is_empty() {
            return Ok(());
        }
        for part in self.parts().iter().filter(|p| p.version == Version::V2) {
            let file = part.dir.join("cgroup.kill");
            if file.exists() {
                let why = "kill the whole cgroup at once; forks into it fail meanwhile";
                explain::write_file(&file, "1", why, "cgroups(7)")?;
            }
        }
        let deadline = Instant::now() + KILL_TIMEOUT;
        let mut pause = Duration::from_millis(1);
        loop {
            let pids = self.processes()?;
            if pids.is_empty() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(Error::errno(format!("kill the processes of cgroup {}", self.name()), list(&pids), Errno::EBUSY)
                    .with_hint("they did not die within 10 s: a process in uninterruptible sleep (state D in ps) dies only when its I/O ends; try `cg-limit --remove --force` later"));
            }
            for pid in pids {
                let op = Op::new(format!("kill({pid}, SIGKILL)"), "end a process left in the cgroup", "kill(2)");
                match explain::change(op, &pid.to_string(), || kill(Pid::from_raw(pid), Signal::SIGKILL)) {
                    // Gone already: exited between our read and the kill.
                    Err(e) if e.errno_value() == Some(Errno::ESRCH) => {}
                    other => other?,
                }
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }

    /// Remove the cgroup's directories (and any sub-cgroups), deepest first. Fails with
    /// EBUSY if processes are still inside: `kill_all` first, or use `delete(true)`.
    pub fn remove(&self) -> Result<()> {
        let mut first_error = None;
        for part in self.parts().iter().rev() {
            let dirs = if part.dir.is_dir() { tree(&part.dir)? } else { vec![part.dir.clone()] };
            for dir in dirs.iter().rev() {
                if let Err(e) = rmdir_patiently(dir, self.name()) {
                    first_error.get_or_insert(e);
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// What `cg-limit --remove NAME` does: refuse while processes are inside, unless
    /// `force`, which kills them first; then remove.
    pub fn delete(&self, force: bool) -> Result<()> {
        let pids = self.processes()?;
        if !pids.is_empty() && !force {
            return Err(Error {
                op: "remove".into(),
                object: format!("cgroup {}", self.name()),
                cause: Cause::Invalid(format!("it still has {} process(es): {}", pids.len(), list(&pids))),
                hint: Some(format!(
                    "stop them first, or add --force to kill them: cg-limit --remove {} --force",
                    self.name()
                )),
            });
        }
        if !pids.is_empty() {
            self.kill_all()?;
        }
        self.remove()
    }
}

fn list(pids: &[i32]) -> String {
    let shown: Vec<String> = pids.iter().take(10).map(|p| p.to_string()).collect();
    let more = if pids.len() > 10 { format!(" and {} more", pids.len() - 10) } else { String::new() };
    format!("{}{more}", shown.join(" "))
}

/// rmdir, retrying EBUSY for a moment; a directory already gone counts as removed.
fn rmdir_patiently(dir: &Path, name: &str) -> Result<()> {
    let deadline = Instant::now() + RMDIR_TIMEOUT;
    let mut pause = Duration::from_millis(1);
    loop {
        let op = Op::new(format!("rmdir({dir:?})"), "remove the cgroup", "cgroups(7)");
        let outcome =
            explain::change(op, &dir.display().to_string(), || std::fs::remove_dir(dir).map_err(explain::io_errno));
        match outcome {
            Ok(()) => return Ok(()),
            Err(e) if e.errno_value() == Some(Errno::ENOENT) => return Ok(()),
            Err(e) if e.errno_value() == Some(Errno::EBUSY) && Instant::now() < deadline => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            Err(e) if e.errno_value() == Some(Errno::EBUSY) => {
                let procs = files::read_optional(&dir.join("cgroup.procs")).unwrap_or_default();
                return Err(e.with_hint(format!(
                    "processes are still inside ({}): `cg-limit --remove {name} --force` kills them",
                    list(&files::pids(&procs))
                )));
            }
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cgroup::hierarchy::{Hierarchy, Layout};
    use crate::cgroup::mode::Mode;
    use crate::cgroup::testdir::TestDir;

    fn layout_at(dir: &TestDir) -> Layout {
        let h = Hierarchy {
            version: Version::V1,
            controllers: vec!["pids".into()],
            mount_point: dir.path().into(),
            dir: dir.path().into(),
        };
        Layout { mode: Mode::Legacy, hierarchies: vec![h] }
    }

    #[test]
    fn delete_refuses_while_processes_are_inside() {
        // The pid is never signalled: without --force, delete only reads.
        let root = TestDir::new("kill-busy", &[("busy/cgroup.procs", "4242\n")]);
        let cg = Cgroup::open_in(&layout_at(&root), "busy").unwrap();
        let err = cg.delete(false).unwrap_err().to_string();
        assert_eq!(
            err,
            "remove cgroup busy: it still has 1 process(es): 4242\nhint: stop them first, or add --force to kill them: cg-limit --remove busy --force"
        );
        assert!(root.path().join("busy").exists());
    }

    #[test]
    fn an_empty_cgroup_is_removed_deepest_first() {
        let root = TestDir::new("kill-empty", &[]);
        std::fs::create_dir_all(root.path().join("idle/sub/deeper")).unwrap();
        let cg = Cgroup::open_in(&layout_at(&root), "idle").unwrap();
        // Plain directories stand in for cgroups: no cgroup.procs means no processes to list,
        // so only remove() is exercised here.
        cg.remove().unwrap();
        assert!(!root.path().join("idle").exists());
        cg.remove().unwrap();
    }

    #[test]
    fn long_pid_lists_are_cut() {
        let pids: Vec<i32> = (1..=12).collect();
        assert_eq!(list(&pids), "1 2 3 4 5 6 7 8 9 10 and 2 more");
    }
}
