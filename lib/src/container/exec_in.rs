//! `ctrkit exec`: start a new process inside a running container, confined as its pid 1 is:
//! same namespaces, same cgroups (so its limits hold), same root, and the same privileges
//! (capabilities, no_new_privs, seccomp) read back from the container's config.json.
//!
//! | # | step (ctrkit)                                            | why then                                  |
//! |---|----------------------------------------------------------|-------------------------------------------|
//! | 1 | pidfd on pid 1, start time checked                       | never enter a stranger that reused the pid |
//! | 2 | read config.json; resolve -u in /proc/PID/root/etc/passwd | the container's users, not the host's     |
//! | 3 | open its namespace files and /proc/PID/root               | before setns(mnt) changes what paths mean |
//! | 4 | join its cgroups; setns; chroot (ns/enter.rs)             | cgroup paths are host paths: first        |
//! | 5 | fork                                                      | setns(CLONE_NEWPID) applies to children only |
//! | 6 | child: stdio (with -t a pty opened after entering, from the container's own /dev/pts: setsid, TIOCSCTTY); privileges; chdir(-w or the spec's cwd); close fds; execve | as child.rs, steps 9–11 |
//! | 7 | parent: relay the pty, or wait forwarding signals; pass the status on | exit status passes through  |
//!
//! Syscalls: pidfd_open(2), setns(2), chroot(2), fork(2), prctl(2), capset(2), seccomp(2), execve(2).
//! Read: docker-container-exec(1), setns(2). Shell: `nsenter -t PID -a -r -w` + joining cgroups + setpriv.
//! Used by: ctrkit exec.

use super::child::{self, ChildIo};
use super::lookup::Record;
use super::privileges::Privileges;
use super::{exec, signal, tty, user};
use crate::error::{Error, Result};
use crate::explain::{self, Op};
use crate::ns::enter::{self, Entry, Source};
use crate::process::{supervise, Forked, Status};
use std::path::PathBuf;

#[derive(Debug, Clone, Default)]
pub struct ExecOptions {
    pub interactive: bool,
    pub tty: bool,
    /// NAME=VALUE (or NAME: copied from our environment), added to the container's.
    pub env: Vec<String>,
    pub workdir: Option<String>,
    pub user: Option<String>,
    pub command: Vec<String>,
}

/// The container's environment with `extra` laid over it, docker's way: same NAME replaces.
pub fn merge_env(base: &[String], extra: &[String]) -> Vec<String> {
    let mut out: Vec<String> = base.to_vec();
    for e in extra {
        let entry = if e.contains('=') { e.clone() } else { format!("{e}={}", std::env::var(e).unwrap_or_default()) };
        let name = entry.split('=').next().unwrap_or("").to_string();
        out.retain(|x| x.split('=').next() != Some(name.as_str()));
        out.push(entry);
    }
    out
}

/// Run `o.command` in the container of `rec`; its status.
pub fn exec_in(rec: &Record, o: &ExecOptions) -> Result<Status> {
    if o.command.is_empty() {
        return Err(Error::invalid("COMMAND", "give the command to run in the container"));
    }
    if let Some(w) = o.workdir.as_deref().filter(|w| !w.starts_with('/')) {
        return Err(Error::invalid(format!("-w {w:?}"), "the working directory must be absolute"));
    }
    let pid = rec.state.pid;
    let _pinned = signal::open_container(rec)?; // step 1: held until the end
    let spec_path = rec.dir.join("config.json");
    let spec = oci_spec::runtime::Spec::load(&spec_path)
        .map_err(|e| Error::invalid(spec_path.display(), format!("cannot read the container's spec: {e}")))?;
    let mut privileges = Privileges::from_spec(&spec)?;
    let process = spec.process().as_ref().ok_or_else(|| Error::invalid("OCI spec", "no process"))?;
    let root = PathBuf::from(format!("/proc/{pid}/root"));
    if let Some(u) = &o.user {
        let who = user::resolve(std::slice::from_ref(&root), Some(u))?;
        (privileges.uid, privileges.gid, privileges.additional_gids) = (who.uid, who.gid, who.additional_gids);
    }
    let env = merge_env(process.env().as_deref().unwrap_or(&[]), &o.env);
    let cwd = o.workdir.clone().map(PathBuf::from).unwrap_or_else(|| process.cwd().clone());

    // Steps 3–4: every namespace in which pid 1 differs from us (never the user namespace:
    // the container has none of its own).
    let kinds = enter::kinds_differing_from_ours(pid)?;
    let chosen: Vec<_> = kinds.into_iter().filter(|k| k.name != "user").map(|k| (k, Source::Process(pid))).collect();
    let entry = Entry {
        targets: enter::open(&chosen)?,
        root: Some(crate::mount::chroot::open_dir(&root, "the container's root, held")?),
        wd: None,
        cgroup_of: Some(pid),
    };
    enter::enter(&entry)?;

    // After entering: /dev/ptmx is now the container's, so the terminal is one of its own.
    let (pty, io) = if o.tty {
        let (master, slave) = tty::allocate(Some(privileges.uid))?;
        let io = ChildIo::terminal(&slave)?;
        (Some(tty::Pty::from_master(master)), io)
    } else {
        let stdin = if o.interactive { None } else { Some(child::dev_null()?) };
        (None, ChildIo { stdin, ..ChildIo::default() })
    };
    let forwarding = supervise::block()?;
    match crate::process::fork("the exec'd command, in the container's pid namespace")? {
        Forked::Child => {
            forwarding.restore();
            let code = match prepare_child(&io, &privileges, &cwd) {
                Ok(()) => {
                    let err = exec::exec(&o.command, &env);
                    eprintln!("ctrkit exec: {err}");
                    exec::exit_code(&err) as i32
                }
                Err(e) => {
                    eprintln!("ctrkit exec: {e}");
                    125
                }
            };
            // SAFETY: _exit(2) ends the forked child without running the parent's exit handlers.
            unsafe { libc::_exit(code) }
        }
        Forked::Parent(child) => {
            drop(io);
            match pty {
                Some(p) => p.relay(child, o.interactive),
                None => forwarding.wait(child),
            }
        }
    }
}

/// Step 6, in the child.
fn prepare_child(io: &ChildIo, privileges: &Privileges, cwd: &std::path::Path) -> Result<()> {
    child::redirect(io)?;
    if io.tty {
        let op = Op::new("setsid()", "a new session, to own the terminal", "setsid(2)");
        explain::change(op, "session", || nix::unistd::setsid().map(drop))?;
        let op = Op::new("ioctl(0, TIOCSCTTY, 0)", "the pty becomes our controlling terminal", "ioctl_tty(2)");
        explain::change(op, "stdin", || crate::sys::tty::set_controlling(std::os::fd::AsFd::as_fd(&std::io::stdin())))?;
    }
    privileges.apply()?;
    let op = Op::new(format!("chdir({cwd:?})"), "the working directory, as the final user", "chdir(2)");
    explain::change(op, &cwd.display().to_string(), || nix::unistd::chdir(cwd))
        .map_err(|e| e.with_hint("the working directory must exist in the container"))?;
    exec::close_extra_fds()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_env_replaces_by_name() {
        let base = vec!["PATH=/bin".to_string(), "A=1".to_string()];
        assert_eq!(merge_env(&base, &["A=2".into(), "B=x=y".into()]), vec!["PATH=/bin", "A=2", "B=x=y"]);
    }
}
