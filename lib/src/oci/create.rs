//! `ctr-oci create`: make the container — state, cgroup, namespaces, mounts, a pid 1 waiting
//! on its exec fifo — and return, leaving it `created` for `start`.
//!
//! The runtime/init protocol (process::sync steps over a SOCK_SEQPACKET pair):
//!
//! | # | runtime: ctr-oci create                                   | init: the container's pid 1 (init.rs)        |
//! |---|-----------------------------------------------------------|----------------------------------------------|
//! | 1 | load + check the bundle, compile seccomp: nothing made yet | —                                           |
//! | 2 | mkdir ROOT/<id> (EEXIST: the id is taken); config.json; state.json with pid 0 (`creating`); mkfifo exec.fifo; cgroup | — |
//! | 3 | unshare(CLONE_NEWPID) (or setns to a given pid namespace); clone3 into the cgroup's v2 dir (or fork); setns back to our own pid namespace | born pid 1 (in the cgroup's v2 dir) |
//! | 4 | (plain fork only: write its pid to every cgroup.procs); record pid + start time | `0` to each v1 `tasks`; namespaces, rprivate, root bind, mounts, /dev |
//! | 5 | wait `Environment`; prestart + createRuntime hooks; send `HooksDone` | send `Environment`; wait `HooksDone` |
//! | 6 | wait `Created` (or `Failed` / `NotFound` + text)           | createContainer hooks, pivot_root, terminal (console.rs), … ; send `Created`; block on the fifo |
//! | 7 | --pid-file (temp + rename); exit 0                        | (waits for `start`)                          |
//!
//! Why setns back after the fork: unshare(CLONE_NEWPID) changes where the caller's *next*
//! children go (pid_namespaces(7)); the hooks the runtime runs in step 6 must not land in the
//! container's pid namespace, so the runtime returns its pid_for_children to its own
//! namespace (setns(2) allows the caller's own active namespace).
//!
//! Any failure in steps 2–6 undoes everything in reverse (the `Undo` guard): SIGKILL and reap
//! the init, kill and rmdir the cgroup, remove ROOT/<id>. Mounts need no undoing: they exist
//! only in the init's mount namespace and vanish with it. The init is not tied to us with
//! PR_SET_PDEATHSIG: `create` exits and the container lives on (its parent becomes the
//! nearest subreaper — conmon, the containerd shim — or init).
//! Used by: ctr-oci create.

use super::bundle::{self, Bundle};
use super::state::{self, Record};
use super::{fifo, hooks, init, rlimits, sysctl};
use crate::cgroup::born::{self, Joined};
use crate::cgroup::Cgroup;
use crate::container::child::ChildIo;
use crate::container::privileges::Privileges;
use crate::error::{Error, Result};
use crate::ns::{self, Kind};
use crate::process::sync::{self, Step};
use crate::process::Forked;
use nix::unistd::Pid;
use oci_spec::runtime::LinuxNamespaceType;
use std::path::{Path, PathBuf};

pub struct CreateOptions {
    pub root: PathBuf,
    pub id: String,
    pub bundle: PathBuf,
    pub pid_file: Option<PathBuf>,
    pub console_socket: Option<PathBuf>,
    pub preserve_fds: i32,
}

/// How a create that did not succeed ended: the command is missing (127) or anything else.
pub enum Refused {
    NotFound(Error),
    Failed(Error),
}

impl From<Error> for Refused {
    fn from(e: Error) -> Refused {
        Refused::Failed(e)
    }
}

/// What step 2 on made, undone on drop unless `done`.
struct Undo {
    dir: PathBuf,
    cgroup: Option<Cgroup>,
    child: Option<Pid>,
    done: bool,
}

impl Drop for Undo {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        if let Some(pid) = self.child {
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
            let _ = nix::sys::wait::waitpid(pid, None);
        }
        if let Some(cg) = &self.cgroup {
            let _ = cg.kill_all();
            let _ = cg.remove();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Step 1: everything decided, nothing made.
fn plan(o: &CreateOptions) -> Result<(Bundle, Privileges, String)> {
    state::check_id(&o.id)?;
    let b = bundle::load(&o.bundle)?;
    sysctl::check(&b.spec)?;
    let process = b.spec.process().as_ref().ok_or_else(|| Error::invalid("config.json", "no process"))?;
    rlimits::check(process.rlimits().as_deref().unwrap_or(&[]))?;
    if process.terminal() == Some(true) && o.console_socket.is_none() {
        return Err(Error::invalid("process.terminal", "is true but no --console-socket was given")
            .with_hint("pass --console-socket SOCKET, or set process.terminal to false"));
    }
    let privileges = Privileges::from_spec(&b.spec)?;
    let cgroup = bundle::cgroup_name(&b.spec, &o.id)?;
    Ok((b, privileges, cgroup))
}

/// Steps 1–7. The container's pid on success.
pub fn create(o: &CreateOptions) -> std::result::Result<i32, Refused> {
    let (bundle, privileges, cgroup_name) = plan(o)?;
    let limits = bundle::limits(&bundle.spec)?;
    std::fs::create_dir_all(&o.root).map_err(|e| Error::io("mkdir", o.root.display(), e))?;
    let dir = state::dir_of(&o.root, &o.id);
    std::fs::create_dir(&dir).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Error::invalid(format!("container {}", o.id), "already exists")
                .with_hint("delete it first, or choose another id")
        } else {
            Error::io("mkdir", dir.display(), e)
        }
    })?;
    let mut undo = Undo { dir: dir.clone(), cgroup: None, child: None, done: false };
    let config =
        std::fs::read(bundle.dir.join("config.json")).map_err(|e| Error::io("read", bundle.dir.display(), e))?;
    crate::container::state::write_atomic(&dir, "config.json", &config)?;
    let mut record = Record {
        id: o.id.clone(),
        pid: 0,
        pid_start_time: 0,
        bundle: bundle.dir.clone(),
        rootfs: bundle.rootfs.clone(),
        created: crate::timestamp::now_rfc3339(),
        annotations: bundle.spec.annotations().clone().unwrap_or_default().into_iter().collect(),
        cgroup: cgroup_name.clone(),
        cgroup_dirs: Vec::new(),
    };
    state::write(&dir, &record)?;
    fifo::make(&dir)?;
    let cgroup = Cgroup::create(&cgroup_name, &limits)?;
    record.cgroup_dirs = cgroup.dirs();
    undo.cgroup = Some(cgroup);
    state::write(&dir, &record)?;

    let io = ChildIo::default();

    // Step 3.
    let (joins, unshares, pid_ns, cgroup_ns) = namespaces(&bundle)?;
    let terminal = bundle.spec.process().as_ref().and_then(|p| p.terminal()).unwrap_or(false);
    let console_socket = if terminal { o.console_socket.clone() } else { None };
    let plan = init::Plan {
        dir: dir.clone(),
        bundle,
        privileges,
        joins,
        unshares,
        cgroup_ns,
        preserve_fds: o.preserve_fds,
        console_socket,
        v1_cgroup_dirs: born::v1_dirs(undo.cgroup.as_ref()),
    };
    let (ours, theirs) = sync::channel()?;
    let own_pid_ns = ns::setns::open(ns::PID, Path::new("/proc/self/ns/pid"))?;
    match &pid_ns {
        PidNs::New => ns::unshare::unshare(&[ns::PID])?,
        PidNs::Join(target) => ns::setns::join(target)?,
        PidNs::Host => {}
    }
    let why = "the container's init, born in its cgroup: no migration later";
    let (child, joined) = born::fork_into(undo.cgroup.as_ref(), why)?;
    let pid = match child {
        Forked::Child => {
            drop(ours);
            init::run(&plan, theirs, io, joined)
        }
        Forked::Parent(pid) => pid,
    };
    undo.child = Some(pid);
    if !matches!(pid_ns, PidNs::Host) {
        ns::setns::join(&own_pid_ns)?;
    }
    drop(theirs);
    drop(io);

    // Step 4 (the cgroup: see cgroup::born).
    if let (Some(cg), Joined::Nothing) = (&undo.cgroup, joined) {
        cg.add_process(pid.as_raw())?;
    }
    record.pid = pid.as_raw();
    record.pid_start_time = crate::process::procfs::start_time(pid.as_raw())?;
    state::write(&dir, &record)?;

    // Step 5.
    expect(&ours, Step::Environment)?;
    let json = state::to_json(&record, state::Status::Creating)?;
    hooks::run(&plan.bundle.spec, hooks::Point::Prestart, &json)?;
    hooks::run(&plan.bundle.spec, hooks::Point::CreateRuntime, &json)?;
    ours.send(Step::HooksDone)?;

    // Step 6.
    expect(&ours, Step::Created)?;

    // Step 7.
    if let Some(file) = &o.pid_file {
        write_pid_file(file, pid.as_raw())?;
    }
    undo.done = true;
    Ok(pid.as_raw())
}

/// The init's next message must be `want`; its `Failed`/`NotFound` text becomes our error.
fn expect(chan: &sync::Channel, want: Step) -> std::result::Result<(), Refused> {
    match chan.receive()? {
        Some((got, _)) if got == want => Ok(()),
        Some((Step::NotFound, text)) => Err(Refused::NotFound(Error::invalid("container", text))),
        Some((_, text)) => Err(Refused::Failed(Error::invalid("container", text))),
        None => Err(Refused::Failed(Error::invalid("container init", "ended before it was set up"))),
    }
}

enum PidNs {
    New,
    Join(ns::setns::Target),
    Host,
}

/// The spec's namespaces: those to join (opened now), those to make, the pid namespace's
/// fate and whether a cgroup namespace is wanted.
#[allow(clippy::type_complexity)]
fn namespaces(b: &Bundle) -> Result<(Vec<ns::setns::Target>, Vec<Kind>, PidNs, bool)> {
    let list = b.spec.linux().as_ref().and_then(|l| l.namespaces().clone()).unwrap_or_default();
    let (mut joins, mut unshares, mut pid, mut cgroup) = (Vec::new(), Vec::new(), PidNs::Host, false);
    for n in &list {
        let kind = match n.typ() {
            LinuxNamespaceType::Pid => ns::PID,
            LinuxNamespaceType::Network => ns::NET,
            LinuxNamespaceType::Ipc => ns::IPC,
            LinuxNamespaceType::Uts => ns::UTS,
            LinuxNamespaceType::Mount => ns::MNT,
            LinuxNamespaceType::Cgroup => ns::CGROUP,
            other => return Err(Error::invalid(format!("namespace {other:?}"), "not supported by ctr-oci")),
        };
        match (n.path(), kind.name) {
            (Some(p), "pid") => pid = PidNs::Join(ns::setns::open(kind, p)?),
            (None, "pid") => pid = PidNs::New,
            (Some(p), _) => joins.push(ns::setns::open(kind, p)?),
            (None, "cgroup") => cgroup = true,
            (None, _) => unshares.push(kind),
        }
    }
    Ok((joins, unshares, pid, cgroup))
}

/// runc writes the pid file whole: a temp file renamed over.
pub fn write_pid_file(file: &Path, pid: i32) -> Result<()> {
    let dir = file.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = file.file_name().ok_or_else(|| Error::invalid(file.display(), "not a file name"))?;
    crate::container::state::write_atomic(dir, &name.to_string_lossy(), pid.to_string().as_bytes())
}
