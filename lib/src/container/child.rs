//! The container's first process, from fork to exec: everything that must happen *inside* the
//! new namespaces. create.rs holds the parent's side and the protocol table.
//!
//! | # | step                                        | why in this order                                  |
//! |---|---------------------------------------------|----------------------------------------------------|
//! | 0 | born in the cgroup's v2 dir: `0` → each v1 `tasks` | before anything else runs; one thread moves without the kernel's global cgroup lock (cgroup::born) |
//! | 1 | stdio: dup2 the pty slave / log pipes / /dev/null onto 0-2 | before anything can print                 |
//! | 2 | unshare(NEWNS, NEWUTS, NEWIPC[, NEWNET])     | we are already pid 1 of the new pid namespace (the parent unshared NEWPID before fork: pid_namespaces(7)) |
//! | 3 | network (network.rs: lo up, or setns into the prepared/shared one); mount --make-rprivate / | before sysfs is mounted: it shows the mounter's network devices; private before any mount, or mounts leak to the host |
//! | 4 | overlay root; spec mounts; /dev nodes; workdir | all paths resolved inside the root, before pivot  |
//! | 5 | pivot_root; masked and read-only paths       | after pivot: /proc is the container's own          |
//! | 6 | sethostname                                  | the UTS namespace is ours                          |
//! | 6a| with -t: open /dev/ptmx, send `Terminal` + the master fd, slave onto 0-2 | after pivot: /dev/ptmx is the container's own devpts instance, so the terminal is /dev/pts/0 inside |
//! | 7 | wait for `Joined`; unshare(NEWCGROUP); mount /sys/fs/cgroup (ro) | the parent moved us into the cgroup meanwhile; the cgroup namespace's root is the cgroup we are in *when* we unshare, and a cgroupfs mounted after that shows it as its root (cgroupfs.rs) |
//! | 8 | `--init`: fork, parent becomes init          | init is pid 1, the command its child               |
//! | 9 | setsid + TIOCSCTTY (with -t)                 | the pty becomes the controlling terminal           |
//! | 10| drop privileges; seccomp (privileges.rs)     | last before exec: it constrains all later calls    |
//! | 11| chdir(cwd); close_range; execve              | as the final user; the sync socket closes at exec  |
//!
//! A failure sends `Failed` (or `NotFound`/`NotExecutable` for a failed exec) with the error
//! text and leaves with _exit(125/127/126): the parent prints one line.
//! Used by: container::create.

use super::create::Container;
use super::{cgroupfs, devices, exec, in_root, masked, mounts, rootfs, tty};
use crate::error::{Error, Result};
use crate::explain::{self, Op};
use crate::ns;
use crate::process::sync::{Channel, Step};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::Path;

/// What becomes fds 0, 1, 2 (None: keep ctr-run's; `default()` keeps all three).
#[derive(Default)]
pub struct ChildIo {
    pub stdin: Option<OwnedFd>,
    pub stdout: Option<OwnedFd>,
    pub stderr: Option<OwnedFd>,
    /// stdin is a terminal to make our controlling one.
    pub tty: bool,
    /// The container's pid 1 opens a pty in its own /dev/pts (step 6a), sends the master to
    /// the parent and makes the slave its 0-2 (`-t`; then the three fds above are unused).
    pub pty_inside: bool,
    /// The new terminal's size, set before the command starts (the user's, read before fork).
    pub window: Option<libc::winsize>,
}

impl ChildIo {
    /// `-t` for a container: its terminal is made inside it (step 6a), `window` rows and columns.
    pub fn terminal_inside(window: Option<libc::winsize>) -> ChildIo {
        ChildIo { stdin: None, stdout: None, stderr: None, tty: true, pty_inside: true, window }
    }

    /// A terminal already open: its slave becomes fds 0, 1 and 2 (`ctrkit exec -t`, ctr-oci's
    /// console).
    pub fn terminal(slave: &OwnedFd) -> Result<ChildIo> {
        let dup = || slave.try_clone().map_err(|e| Error::io("dup", "pty slave", e));
        Ok(ChildIo {
            stdin: Some(dup()?),
            stdout: Some(dup()?),
            stderr: Some(dup()?),
            tty: true,
            pty_inside: false,
            window: None,
        })
    }
}

/// Run steps 0–11; never returns. `netns`: the namespace prepared for `--network bridge`;
/// `join_v1`: the v1 cgroup dirs to join ourselves (we were born in the v2 one: cgroup::born).
pub fn run(
    c: &Container,
    netns: Option<&crate::net::netns::Netns>,
    join_v1: &[std::path::PathBuf],
    chan: Channel,
    io: ChildIo,
) -> ! {
    let err = match setup(c, netns, join_v1, &chan, io) {
        Ok(()) => {
            let process = c.spec.process().as_ref();
            let args = process.and_then(|p| p.args().clone()).unwrap_or_default();
            let env = process.and_then(|p| p.env().clone()).unwrap_or_default();
            let err = exec::exec(&args, &env);
            let code = exec::exit_code(&err);
            let step = if code == crate::process::exec::NOT_FOUND { Step::NotFound } else { Step::NotExecutable };
            let _ = chan.send_with(step, &err.to_string());
            code
        }
        Err(e) => {
            let _ = chan.fail(&e);
            125
        }
    };
    // SAFETY: _exit(2) ends this forked child without running the parent's exit handlers.
    unsafe { libc::_exit(err as i32) }
}

fn setup(
    c: &Container,
    netns: Option<&crate::net::netns::Netns>,
    join_v1: &[std::path::PathBuf],
    chan: &Channel,
    io: ChildIo,
) -> Result<()> {
    crate::cgroup::born::join_v1(join_v1)?;
    redirect(&io)?;
    let mut kinds = vec![ns::MNT, ns::UTS, ns::IPC];
    if c.network.new_namespace() {
        kinds.push(ns::NET);
    }
    ns::unshare::unshare(&kinds)?;
    super::network::enter(&c.network, netns)?;
    crate::mount::propagation::set_root(crate::mount::propagation::Propagation::Private)?;

    let root = rootfs::mount_root(&c.dir, &c.lowers, c.read_only)?;
    let root_fd = in_root::open_root(&root)?;
    mounts::mount_all(&root_fd, c.spec.mounts().as_deref().unwrap_or(&[]))?;
    devices::populate(&root_fd)?;
    let process = c.spec.process().as_ref().ok_or_else(|| Error::invalid("OCI spec", "no process"))?;
    if !c.read_only {
        in_root::ensure_dir(&root_fd, process.cwd())?;
    }
    drop(root_fd);
    rootfs::pivot(&root)?;
    if let Some(linux) = c.spec.linux() {
        masked::mask(linux.masked_paths().as_deref().unwrap_or(&[]))?;
        masked::read_only(linux.readonly_paths().as_deref().unwrap_or(&[]))?;
    }
    if let Some(h) = c.spec.hostname() {
        crate::uts::set_hostname(h)?;
    }
    if io.pty_inside {
        open_terminal(c, chan, io.window.as_ref())?;
    }

    chan.wait_for(Step::Joined)?;
    let cgroups = if wants_cgroupfs(c) { Some(cgroupfs_plan(&c.id)?) } else { None };
    ns::unshare::unshare(&[ns::CGROUP])?;
    if let Some(plan) = cgroups {
        cgroupfs::mount(&plan)?;
    }
    if c.init {
        // Init keeps no fd: the sync socket must close when the *command* execs.
        super::init::become_init(|| {
            let _ = crate::sys::close_range::close_from(3);
        })?;
    }
    if io.tty {
        let op = Op::new("setsid()", "a new session, to own the terminal", "setsid(2)");
        explain::change(op, "session", || nix::unistd::setsid().map(drop))?;
        let op = Op::new("ioctl(0, TIOCSCTTY, 0)", "the pty becomes our controlling terminal", "ioctl_tty(2)");
        explain::change(op, "stdin", || crate::sys::tty::set_controlling(std::io::stdin().as_fd()))?;
    }
    c.privileges.apply()?;
    let op = Op::new(format!("chdir({:?})", process.cwd()), "the working directory, as the final user", "chdir(2)");
    explain::change(op, &process.cwd().display().to_string(), || nix::unistd::chdir(process.cwd()))
        .map_err(|e| e.with_hint("the working directory must exist in the image (-w, WorkingDir)"))?;
    exec::close_extra_fds()
}

/// Step 6a: a pty from the container's own /dev/pts, sized, its master sent to the parent, its
/// slave our 0-2 (and later, step 9, our controlling terminal).
fn open_terminal(c: &Container, chan: &Channel, window: Option<&libc::winsize>) -> Result<()> {
    let (master, slave) = tty::allocate(Some(c.privileges.uid))?;
    if let Some(ws) = window {
        let op = Op::new(
            format!("ioctl(master, TIOCSWINSZ, {}x{})", ws.ws_col, ws.ws_row),
            "the user's window size, before the command starts",
            "ioctl_tty(2)",
        );
        explain::change(op, "pty master", || crate::sys::tty::set_window_size(master.as_fd(), ws))?;
    }
    chan.send_fd(Step::Terminal, master.as_fd())?;
    drop(master);
    for dup in [nix::unistd::dup2_stdin, nix::unistd::dup2_stdout, nix::unistd::dup2_stderr] {
        dup(&slave).map_err(|e| Error::errno("dup2", "pty slave", e))?;
    }
    Ok(())
}

/// The spec asks for /sys/fs/cgroup (a mount of type `cgroup`, which mounts.rs leaves to us).
fn wants_cgroupfs(c: &Container) -> bool {
    c.spec.mounts().as_deref().unwrap_or(&[]).iter().any(|m| m.typ().as_deref() == Some("cgroup"))
}

/// Step 7: which of our cgroups to show, read while /proc/self/cgroup still has full paths.
fn cgroupfs_plan(id: &str) -> Result<Vec<cgroupfs::Hierarchy>> {
    let text = std::fs::read_to_string("/proc/self/cgroup").map_err(|e| Error::io("read", "/proc/self/cgroup", e))?;
    Ok(cgroupfs::plan(&text, id))
}

/// Step 1 (also used by `ctrkit exec`, exec_in.rs).
pub fn redirect(io: &ChildIo) -> Result<()> {
    type Dup = fn(&OwnedFd) -> nix::Result<()>;
    let steps: [(&Option<OwnedFd>, i32, Dup); 3] = [
        (&io.stdin, 0, |fd| nix::unistd::dup2_stdin(fd)),
        (&io.stdout, 1, |fd| nix::unistd::dup2_stdout(fd)),
        (&io.stderr, 2, |fd| nix::unistd::dup2_stderr(fd)),
    ];
    for (fd, target, dup) in steps {
        if let Some(fd) = fd {
            if fd.as_raw_fd() != target {
                dup(fd).map_err(|e| Error::errno("dup2", target, e))?;
            }
        }
    }
    Ok(())
}

/// `/dev/null` opened for reading: stdin of a container run without `-i`.
pub fn dev_null() -> Result<OwnedFd> {
    let path = Path::new("/dev/null");
    nix::fcntl::open(path, nix::fcntl::OFlag::O_RDONLY | nix::fcntl::OFlag::O_CLOEXEC, nix::sys::stat::Mode::empty())
        .map_err(|e| Error::errno("open", "/dev/null", e))
}
