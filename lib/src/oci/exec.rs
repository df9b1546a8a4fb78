//! `ctr-oci exec ID`: start one more process in a running container, described by
//! `--process process.json` (a config.json `process` object, what podman and containerd pass)
//! or by the container's own process with the arguments after ID replacing its args.
//!
//! | # | step (ctr-oci exec)                                        | why then                                    |
//! |---|------------------------------------------------------------|---------------------------------------------|
//! | 1 | the container is `running`; pidfd on its init, start time checked | never enter a stranger that reused the pid |
//! | 2 | privileges from the container's spec with this process's user, caps, no_new_privs; rlimits checked | its seccomp profile stays the container's |
//! | 3 | open the --pid-file's directory; terminal: connect --console-socket | before setns(mnt)/chroot change what paths mean |
//! | 4 | open the init's namespace files and root; join its cgroups; setns; chroot (ns::enter); terminal: openpty there, send the master | cgroup paths are host paths: first; the pty must come from the container's devpts |
//! | 5 | fork                                                       | setns(CLONE_NEWPID) applies to children only |
//! | 6 | child: stdio; rlimits; setsid + TIOCSCTTY; privileges; chdir(cwd); close fds; execve — a failure goes back as `NotFound`/`NotExecutable`/`Failed` | as init.rs, steps 12–13 |
//! | 7 | parent: end-of-file on the sync socket = exec'd; --pid-file (temp + rename in the held dir); `-d`: exit 0, else wait and pass the status on | conmon and the shim read the pid file |
//!
//! Syscalls: pidfd_open(2), setns(2), chroot(2), fork(2), openat(2), renameat(2), execve(2).
//! Read: runc-exec(8), setns(2). Shell: `runc exec -d --pid-file F --process P ID`.
//! Used by: ctr-oci exec.

use super::state::{self, Status as OciStatus};
use super::{console, rlimits};
use crate::container::child::{self, ChildIo};
use crate::container::privileges::Privileges;
use crate::container::{exec, signal};
use crate::error::{Error, Result};
use crate::explain::{self, Op};
use crate::ns::enter::{self, Entry, Source};
use crate::process::sync::{self, Step};
use crate::process::{supervise, Forked, Status};
use oci_spec::runtime::Process;
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};

pub struct ExecOptions {
    pub root: PathBuf,
    pub id: String,
    /// --process FILE, else the container's process with these args.
    pub process_file: Option<PathBuf>,
    pub args: Vec<String>,
    pub tty: bool,
    pub cwd: Option<PathBuf>,
    pub env: Vec<String>,
    pub detach: bool,
    pub pid_file: Option<PathBuf>,
    pub console_socket: Option<PathBuf>,
    pub preserve_fds: i32,
}

/// The process to run: from the file, or the container's with our args, cwd, env, tty.
fn process_of(o: &ExecOptions, base: &Process) -> Result<Process> {
    if let Some(file) = &o.process_file {
        let text = std::fs::read(file).map_err(|e| Error::io("read", file.display(), e))?;
        return serde_json::from_slice(&text)
            .map_err(|e| Error::invalid(file.display(), format!("not an OCI process: {e}")));
    }
    if o.args.is_empty() {
        return Err(Error::invalid("COMMAND", "give the command to run, or --process FILE"));
    }
    let mut p = base.clone();
    p.set_args(Some(o.args.clone()));
    p.set_terminal(Some(o.tty));
    if let Some(cwd) = &o.cwd {
        p.set_cwd(cwd.clone());
    }
    let env = crate::container::exec_in::merge_env(base.env().as_deref().unwrap_or(&[]), &o.env);
    p.set_env(Some(env));
    Ok(p)
}

/// Steps 1–7: the status (0 with `-d`).
pub fn exec(o: &ExecOptions) -> Result<Status> {
    let dir = state::existing(&o.root, &o.id)?;
    let r = state::read(&dir)?;
    let status = state::status(&dir, &r);
    if status != OciStatus::Running {
        return Err(state::wrong_state(&o.id, "exec in", status));
    }
    let _pinned = signal::open_verified(r.pid, r.pid_start_time)?
        .ok_or_else(|| state::wrong_state(&o.id, "exec in", OciStatus::Stopped))?;
    let mut spec = super::start::spec_of(&dir)?;
    let base = spec.process().clone().ok_or_else(|| Error::invalid("config.json", "no process"))?;
    let process = process_of(o, &base)?;
    if process.args().as_ref().is_none_or(|a| a.is_empty()) || !process.cwd().is_absolute() {
        return Err(Error::invalid("process", "needs args and an absolute cwd"));
    }
    rlimits::check(process.rlimits().as_deref().unwrap_or(&[]))?;
    spec.set_process(Some(process.clone()));
    let privileges = Privileges::from_spec(&spec)?;

    // Step 3.
    let pid_dir = match &o.pid_file {
        Some(f) => Some(open_dir(f.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")))?),
        None => None,
    };
    let terminal = process.terminal().unwrap_or(false);
    let console = match (terminal, &o.console_socket) {
        (true, Some(socket)) => Some(console::connect(socket)?),
        (true, None) => return Err(Error::invalid("process.terminal", "is true but no --console-socket was given")),
        (false, _) => None,
    };

    // Step 4.
    let kinds = enter::kinds_differing_from_ours(r.pid)?;
    let chosen: Vec<_> = kinds.into_iter().filter(|k| k.name != "user").map(|k| (k, Source::Process(r.pid))).collect();
    let entry = Entry {
        targets: enter::open(&chosen)?,
        root: Some(crate::mount::chroot::open_dir(
            &PathBuf::from(format!("/proc/{}/root", r.pid)),
            "the container's root, held",
        )?),
        wd: None,
        cgroup_of: Some(r.pid),
    };
    enter::enter(&entry)?;
    // A terminal of the container's own devpts: we are in its mount namespace and root now.
    let io = match &console {
        Some(sock) => {
            let (master, slave) = console::open_pty()?;
            console::send_master(sock, &master)?;
            ChildIo::terminal(&slave)?
        }
        None => ChildIo::default(),
    };

    // Step 5.
    let (ours, theirs) = sync::channel()?;
    let forwarding = supervise::block()?;
    let child = match crate::process::fork("the exec'd process, in the container's pid namespace")? {
        Forked::Child => {
            drop(ours);
            forwarding.restore();
            let (step, err) = match prepare_child(&io, &process, &privileges, o.preserve_fds) {
                Ok(()) => {
                    let err =
                        exec::exec(process.args().as_deref().unwrap_or(&[]), process.env().as_deref().unwrap_or(&[]));
                    let code = exec::exit_code(&err);
                    (if code == crate::process::exec::NOT_FOUND { Step::NotFound } else { Step::NotExecutable }, err)
                }
                Err(e) => (Step::Failed, e),
            };
            let _ = theirs.send_with(step, &err.to_string());
            let code = match step {
                Step::NotFound => 127,
                Step::NotExecutable => 126,
                _ => 125,
            };
            // SAFETY: _exit(2) ends the forked child without running the parent's exit handlers.
            unsafe { libc::_exit(code) }
        }
        Forked::Parent(pid) => pid,
    };
    drop(theirs);
    drop(io);

    // Step 7.
    if let Some((step, text)) = ours.receive()? {
        let _ = nix::sys::wait::waitpid(child, None);
        let e = Error::invalid("exec", text);
        return match step {
            Step::NotFound => Err(e.with_hint("exit 127: the command was not found in the container")),
            _ => Err(e),
        };
    }
    if let (Some(dir), Some(file)) = (&pid_dir, &o.pid_file) {
        write_pid_at(dir, file, child.as_raw())?;
    }
    if o.detach {
        return Ok(Status::Exited(0));
    }
    forwarding.wait(child)
}

/// Step 6, in the child.
fn prepare_child(io: &ChildIo, process: &Process, privileges: &Privileges, preserve_fds: i32) -> Result<()> {
    child::redirect(io)?;
    rlimits::apply(process.rlimits().as_deref().unwrap_or(&[]))?;
    if io.tty {
        let op = Op::new("setsid()", "a new session, to own the terminal", "setsid(2)");
        explain::change(op, "session", || nix::unistd::setsid().map(drop))?;
        let op = Op::new("ioctl(0, TIOCSCTTY, 0)", "the pty becomes our controlling terminal", "ioctl_tty(2)");
        explain::change(op, "stdin", || crate::sys::tty::set_controlling(std::io::stdin().as_fd()))?;
    }
    privileges.apply()?;
    let cwd = process.cwd();
    let op = Op::new(format!("chdir({cwd:?})"), "process.cwd, as the final user", "chdir(2)");
    explain::change(op, &cwd.display().to_string(), || nix::unistd::chdir(cwd))?;
    let op = Op::new(
        format!("close_range({}, ~0U, CLOSE_RANGE_CLOEXEC)", 3 + preserve_fds),
        "fds 0-2 (and --preserve-fds) only",
        "close_range(2)",
    );
    explain::change(op, "fds", || crate::sys::close_range::cloexec_from(3 + preserve_fds as u32))
}

fn open_dir(dir: &Path) -> Result<OwnedFd> {
    use nix::fcntl::OFlag;
    nix::fcntl::open(dir, OFlag::O_DIRECTORY | OFlag::O_PATH | OFlag::O_CLOEXEC, nix::sys::stat::Mode::empty())
        .map_err(|e| Error::errno("open", dir.display(), e))
}

/// The pid file, whole, in a directory held before we entered the container.
fn write_pid_at(dir: &OwnedFd, file: &Path, pid: i32) -> Result<()> {
    use nix::fcntl::OFlag;
    let name = file.file_name().ok_or_else(|| Error::invalid(file.display(), "not a file name"))?;
    let tmp = format!(".{}.tmp", name.to_string_lossy());
    let fd = nix::fcntl::openat(
        dir,
        tmp.as_str(),
        OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_TRUNC | OFlag::O_CLOEXEC,
        nix::sys::stat::Mode::from_bits_truncate(0o644),
    )
    .map_err(|e| Error::errno("open", file.display(), e))?;
    nix::unistd::write(&fd, pid.to_string().as_bytes()).map_err(|e| Error::errno("write", file.display(), e))?;
    nix::fcntl::renameat(dir, tmp.as_str(), dir, name).map_err(|e| Error::errno("rename", file.display(), e))
}
