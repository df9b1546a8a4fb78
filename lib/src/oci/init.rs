//! The container's init for `ctr-oci create`: from fork to the exec fifo, then — once `start`
//! opens the fifo — to the command. create.rs holds the runtime's side and the protocol table;
//! the steps reuse the engine's pieces (container::{in_root, mounts, devices, rootfs, masked,
//! privileges, exec}), only the root differs: the bundle's directory, bind-mounted onto
//! itself, not an overlay.
//!
//! | # | step                                                   | why in this order                                  |
//! |---|--------------------------------------------------------|----------------------------------------------------|
//! | 0 | born in the cgroup's v2 dir (clone3): write `0` to each v1 hierarchy's `tasks` | before anything else runs; no global lock (cgroup::born) |
//! | 1 | stdio: the runtime's own (a terminal comes in step 8)  | —                                                  |
//! | 2 | setns(2) the namespaces given by path; unshare(2) the rest (not pid: the runtime did it before fork; not cgroup: step 9) | we are pid 1 of the new pid namespace already |
//! | 3 | mount --make-rprivate /; lo up in a new network namespace | private before any mount, or mounts leak to the host |
//! | 4 | mount --rbind ROOTFS ROOTFS; the spec's mounts; /dev nodes; cwd | pivot_root needs the root to be a mount point; paths resolved in-root |
//! | 5 | open(exec.fifo, O_PATH); connect the console socket    | after pivot_root both are out of reach             |
//! | 6 | send `Environment`; wait `HooksDone`                   | the runtime runs prestart/createRuntime now, and has put us in the cgroup |
//! | 7 | createContainer hooks                                  | container namespaces, before pivot_root (config.md) |
//! | 8 | pivot_root; read-only root; masked/read-only paths; terminal: openpty, master to the socket, slave onto 0-2 and /dev/console (console.rs); hostname; sysctl; oom_score_adj | /proc and /dev/pts are the container's own |
//! | 9 | unshare(NEWCGROUP)                                     | its root is the cgroup we are in now: ours          |
//! | 10| find the command on the container's PATH               | a missing command fails `create` (127), as runc does |
//! | 11| send `Created`; open the fifo O_WRONLY: *blocks* until `start` | fifo.rs                                    |
//! | 12| startContainer hooks; rlimits; setsid + TIOCSCTTY (terminal); privileges | hooks as root; privileges last before exec |
//! | 13| chdir(cwd); close fds above 2 (+ --preserve-fds); execve | the sync socket closed at step 11's end            |
//!
//! A failure up to step 11 sends `Failed`/`NotFound` with the text and _exits 125/127; after
//! it (nobody listens any more) the error goes to the container's stderr.
//! Used by: oci::create.

use super::bundle::Bundle;
use super::{console, fifo, hooks, rlimits, sysctl};
use crate::container::child::{self, ChildIo};
use crate::container::privileges::Privileges;
use crate::container::{devices, exec, in_root, masked, mounts, rootfs};
use crate::error::{Error, Result};
use crate::explain::{self, Op};
use crate::ns::setns::Target;
use crate::ns::Kind;
use crate::process::sync::{Channel, Step};
use nix::mount::MsFlags;
use oci_spec::runtime::Mount;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};

/// Everything the init needs, decided by the runtime before fork.
pub struct Plan {
    pub dir: PathBuf,
    pub bundle: Bundle,
    pub privileges: Privileges,
    /// Namespaces given by path, opened before fork.
    pub joins: Vec<Target>,
    /// New namespaces to make in step 2 (never pid or cgroup).
    pub unshares: Vec<Kind>,
    pub cgroup_ns: bool,
    pub preserve_fds: i32,
    /// process.terminal with --console-socket: the socket to send the pty master to.
    pub console_socket: Option<PathBuf>,
    /// The cgroup's v1 directories, joined by the init itself when it was born in the v2 one.
    pub v1_cgroup_dirs: Vec<PathBuf>,
}

/// Steps 0–13; never returns.
pub fn run(plan: &Plan, chan: Channel, io: ChildIo, joined: crate::cgroup::born::Joined) -> ! {
    let code = match setup(plan, &chan, &io, joined) {
        Ok((held, state)) => {
            // Step 11: from here on nobody reads the channel once it is closed.
            let _ = chan.send(Step::Created);
            drop(chan);
            match after_start(plan, held, &state, &io) {
                Ok(e) => {
                    eprintln!("ctr-oci: {e}");
                    exec::exit_code(&e)
                }
                Err(e) => {
                    eprintln!("ctr-oci: {e}");
                    125
                }
            }
        }
        Err((step, e)) => {
            let _ = chan.send_with(step, &e.to_string());
            if step == Step::NotFound {
                crate::process::exec::NOT_FOUND
            } else {
                125
            }
        }
    };
    // SAFETY: _exit(2) ends this forked child without running the parent's exit handlers.
    unsafe { libc::_exit(code as i32) }
}

type Failure = (Step, Error);

fn failed(e: Error) -> Failure {
    (Step::Failed, e)
}

/// Steps 1–10: returns the held fifo and the state JSON for startContainer hooks (read
/// before pivot_root: the state dir is outside the root).
fn setup(
    plan: &Plan,
    chan: &Channel,
    io: &ChildIo,
    joined: crate::cgroup::born::Joined,
) -> std::result::Result<(std::os::fd::OwnedFd, String), Failure> {
    let spec = &plan.bundle.spec;
    if joined == crate::cgroup::born::Joined::V2 {
        crate::cgroup::born::join_v1(&plan.v1_cgroup_dirs).map_err(failed)?;
    }
    child::redirect(io).map_err(failed)?;
    crate::ns::setns::join_all(&plan.joins).map_err(failed)?;
    crate::ns::unshare::unshare(&plan.unshares).map_err(failed)?;
    crate::mount::propagation::set_root(crate::mount::propagation::Propagation::Private).map_err(failed)?;
    if plan.unshares.contains(&crate::ns::NET) {
        crate::net::loopback::bring_up_loopback().map_err(failed)?;
    }

    let root = &plan.bundle.rootfs;
    bind_onto_itself(root).map_err(failed)?;
    let root_fd = in_root::open_root(root).map_err(failed)?;
    let list = adapt(spec.mounts().as_deref().unwrap_or(&[]));
    mounts::mount_all(&root_fd, &list).map_err(failed)?;
    if list.iter().any(|m| m.destination() == Path::new("/dev")) {
        devices::populate(&root_fd).map_err(failed)?;
    }
    let process = spec.process().as_ref().ok_or_else(|| failed(Error::invalid("OCI spec", "no process")))?;
    let read_only = spec.root().as_ref().and_then(|r| r.readonly()).unwrap_or(false);
    if !read_only {
        in_root::ensure_dir(&root_fd, process.cwd()).map_err(failed)?;
    }
    drop(root_fd);
    let held = fifo::hold(&plan.dir.join(fifo::NAME)).map_err(failed)?;
    let console = plan.console_socket.as_deref().map(console::connect).transpose().map_err(failed)?;

    chan.send(Step::Environment).map_err(failed)?;
    chan.wait_for(Step::HooksDone).map_err(failed)?;
    let record = super::state::read(&plan.dir).map_err(failed)?;
    let state = super::state::to_json(&record, super::state::Status::Creating).map_err(failed)?;
    let start_state = super::state::to_json(&record, super::state::Status::Created).map_err(failed)?;
    hooks::run(spec, hooks::Point::CreateContainer, &state).map_err(failed)?;

    rootfs::pivot(root).map_err(failed)?;
    if read_only {
        let flags = MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY;
        let op = Op::new("mount(NULL, \"/\", NULL, MS_BIND|MS_REMOUNT|MS_RDONLY, NULL)", "root.readonly", "mount(2)");
        explain::change(op, "/", || nix::mount::mount(None::<&str>, "/", None::<&str>, flags, None::<&str>))
            .map_err(failed)?;
    }
    if let Some(linux) = spec.linux() {
        sysctl::apply(spec).map_err(failed)?;
        masked::mask(linux.masked_paths().as_deref().unwrap_or(&[])).map_err(failed)?;
        masked::read_only(linux.readonly_paths().as_deref().unwrap_or(&[])).map_err(failed)?;
    }
    if let Some(sock) = console {
        terminal(&sock).map_err(failed)?;
    }
    if let Some(h) = spec.hostname().as_ref().filter(|h| !h.is_empty()) {
        crate::uts::set_hostname(h).map_err(failed)?;
    }
    if let Some(score) = process.oom_score_adj() {
        explain::write_file(
            Path::new("/proc/self/oom_score_adj"),
            &score.to_string(),
            "process.oomScoreAdj",
            "proc(5)",
        )
        .map_err(failed)?;
    }
    if plan.cgroup_ns {
        crate::ns::unshare::unshare(&[crate::ns::CGROUP]).map_err(failed)?;
    }
    let args = process.args().clone().unwrap_or_default();
    let env = process.env().clone().unwrap_or_default();
    find_command(&args, &env).map_err(|e| (Step::NotFound, e))?;
    Ok((held, start_state))
}

/// Steps 11 (the wait) to 13; returns only the exec's error.
fn after_start(plan: &Plan, held: std::os::fd::OwnedFd, state: &str, io: &ChildIo) -> Result<Error> {
    let spec = &plan.bundle.spec;
    let process = spec.process().as_ref().ok_or_else(|| Error::invalid("OCI spec", "no process"))?;
    // Held until execve closes it: `start` waits for that end-of-file (fifo.rs).
    let _started = fifo::wait_for_start(held)?;
    hooks::run(spec, hooks::Point::StartContainer, state)?;
    rlimits::apply(process.rlimits().as_deref().unwrap_or(&[]))?;
    if let Some(mask) = process.user().umask() {
        nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(mask as libc::mode_t));
    }
    if io.tty || plan.console_socket.is_some() {
        let op = Op::new("setsid()", "a new session, to own the terminal", "setsid(2)");
        explain::change(op, "session", || nix::unistd::setsid().map(drop))?;
        let op = Op::new("ioctl(0, TIOCSCTTY, 0)", "the pty becomes our controlling terminal", "ioctl_tty(2)");
        explain::change(op, "stdin", || crate::sys::tty::set_controlling(std::io::stdin().as_fd()))?;
    }
    plan.privileges.apply()?;
    let op = Op::new(format!("chdir({:?})", process.cwd()), "process.cwd, as the final user", "chdir(2)");
    explain::change(op, &process.cwd().display().to_string(), || nix::unistd::chdir(process.cwd()))?;
    let op = Op::new(
        format!("close_range({}, ~0U, CLOSE_RANGE_CLOEXEC)", 3 + plan.preserve_fds),
        "the command starts with fds 0-2 (and --preserve-fds) only",
        "close_range(2)",
    );
    explain::change(op, "fds", || crate::sys::close_range::cloexec_from(3 + plan.preserve_fds as u32))?;
    let args = process.args().clone().unwrap_or_default();
    let env = process.env().clone().unwrap_or_default();
    Ok(exec::exec(&args, &env))
}

/// Step 8's terminal: a pty of the container's devpts; the master goes out, the slave becomes
/// stdio and /dev/console.
fn terminal(sock: &std::os::fd::OwnedFd) -> Result<()> {
    let (master, slave) = console::open_pty()?;
    console::send_master(sock, &master)?;
    drop(master);
    console::bind_console(&console::slave_name(&slave)?)?;
    child::redirect(&ChildIo::terminal(&slave)?)
}

/// Step 4's first mount: pivot_root(2) needs the new root to be a mount point.
fn bind_onto_itself(root: &Path) -> Result<()> {
    let op = Op::new(
        format!("mount({root:?}, {root:?}, NULL, MS_BIND|MS_REC, NULL)"),
        "the root becomes a mount point for pivot_root",
        "mount(2)",
    );
    explain::change(op, &root.display().to_string(), || {
        nix::mount::mount(Some(root), root, None::<&str>, MsFlags::MS_BIND | MsFlags::MS_REC, None::<&str>)
    })
}

/// Mount options that tell the runtime what to do rather than the kernel, and cgroup mounts.
/// runc copies an image's files into a `tmpcopyup` tmpfs; we mount it empty. A `cgroup` mount
/// becomes an empty read-only tmpfs (the cgroup tree is not shown inside: see the README).
pub fn adapt(list: &[Mount]) -> Vec<Mount> {
    const RUNTIME_ONLY: [&str; 6] = ["tmpcopyup", "notmpcopyup", "copy-symlink", "z", "Z", "U"];
    list.iter()
        .map(|m| {
            let mut m = m.clone();
            let opts: Vec<String> = m
                .options()
                .clone()
                .unwrap_or_default()
                .into_iter()
                .filter(|o| !RUNTIME_ONLY.contains(&o.as_str()))
                .collect();
            if m.typ().as_deref() == Some("cgroup") || m.typ().as_deref() == Some("cgroup2") {
                m.set_typ(Some("tmpfs".into()));
                m.set_source(Some("cgroup".into()));
                m.set_options(Some(vec![
                    "ro".into(),
                    "nosuid".into(),
                    "nodev".into(),
                    "noexec".into(),
                    "mode=755".into(),
                ]));
            } else {
                m.set_options(Some(opts));
            }
            m
        })
        .collect()
}

/// Step 10: the command exists on the container's PATH (exec.rs's search, without the exec).
fn find_command(args: &[String], env: &[String]) -> Result<()> {
    let program = args.first().ok_or_else(|| Error::invalid("process.args", "empty"))?;
    let candidates: Vec<String> = if program.contains('/') {
        vec![program.clone()]
    } else {
        let path = env.iter().find_map(|e| e.strip_prefix("PATH=")).unwrap_or("/usr/bin:/bin");
        path.split(':').map(|d| format!("{}/{program}", if d.is_empty() { "." } else { d })).collect()
    };
    if candidates.iter().any(|c| Path::new(c).exists()) {
        return Ok(());
    }
    Err(Error::errno("exec", program, nix::errno::Errno::ENOENT)
        .with_hint("the command must exist inside the container's root (on its $PATH)"))
}
