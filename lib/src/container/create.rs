//! Running one container: prepare (nothing touched), create (state dir, config.json, cgroup),
//! start (fork the first process into new namespaces), wait, clean up.
//!
//! The parent/child protocol (process::sync steps over a SOCK_SEQPACKET pair):
//!
//! | # | parent: ctr-run (or the -d monitor)                  | child: the container's pid 1 (child.rs)     |
//! |---|------------------------------------------------------|---------------------------------------------|
//! | 1 | check flags, resolve the user, build the spec, compile seccomp | —                                 |
//! | 2 | state dir, name, config.json, /etc files, record `created`; cgroup with limits; `--network bridge`: a new netns, plugged into the bridge (network.rs) | — |
//! | 3 | block forwarded signals; unshare(CLONE_NEWPID); clone3 into the cgroup's v2 dir (or fork); setns back to our own pid namespace; `-p`: the proxy's threads | born as pid 1 of the new pid namespace, in its cgroup's v2 dir |
//! | 4 | (plain fork only: write the child's pid to each cgroup.procs); send `Joined` | first: `0` → each v1 `tasks` (cgroup::born: no global lock); meanwhile: namespaces (network: network::enter), root, mounts, pivot_root, hostname; with -t: open /dev/ptmx (its own devpts), send `Terminal` + the master fd (SCM_RIGHTS) |
//! | 5 | receive: `Terminal` = keep the master and go on receiving; end-of-file = exec done; `Failed`/`NotFound`/`NotExecutable` + text = error | wait `Joined`; cgroup ns; privileges; exec (the socket is close-on-exec) |
//! | 6 | record `running` (pid + start time); close our netns fd; forward signals, wait4 (`-p`: the proxy threads relay) | the command runs |
//! | 7 | record `exited` + code; kill what is left in the cgroup, rmdir it; give the address back; with --rm remove the state dir | — |
//!
//! `ctrkit create` stops after step 2's record (`create_only`: no cgroup, no network yet). `ctrkit start` of an
//! existing container (RunOptions::id) reuses its state dir, name and writable layer in step 2.
//!
//! Why unshare(CLONE_NEWPID) in the parent and then fork, instead of clone(2) with all the
//! flags: a pid namespace applies to the caller's *children* only (pid_namespaces(7)), so the
//! parent's one fork is the namespace's pid 1 — no second fork, no raw clone outside libc's
//! knowledge; the child creates the other namespaces itself, in parallel with the parent's
//! cgroup work (step 4). The cgroup namespace comes after `Joined`, so its root is the
//! container's cgroup. The child gets PR_SET_PDEATHSIG(SIGKILL): a container whose supervisor
//! died is killed rather than left running with nobody to record its end.
//! Used by: ctr-run; container::detach.

use super::child::{self, ChildIo};
use super::network::{self, Plan};
use super::options::{Io, RootSource, RunOptions};
use super::privileges::Privileges;
use super::state::{self, State, Status as RunStatus};
use super::{caps, etc_files, id, spec, user};
use crate::cgroup::born::{self, Joined};
use crate::cgroup::{Cgroup, Limits};
use crate::error::{Error, Result};
use crate::process::status::Status;
use crate::process::supervise::Forwarding;
use crate::process::sync::{self, Step};
use crate::process::Forked;
use nix::unistd::Pid;
use oci_spec::runtime::Spec;
use std::path::PathBuf;

/// A container ready to be created: everything decided, nothing on disk yet.
pub struct Container {
    pub id: String,
    pub name: String,
    pub hostname: String,
    pub state_root: PathBuf,
    /// STATE/containers/<id>.
    pub dir: PathBuf,
    pub spec: Spec,
    /// Overlay lowers, bottom first.
    pub lowers: Vec<PathBuf>,
    pub read_only: bool,
    pub limits: Limits,
    pub init: bool,
    pub io: Io,
    pub remove: bool,
    pub privileges: Privileges,
    /// The stored image it runs, recorded for `ps`, `inspect` and `rmi`'s in-use check.
    pub image_ref: Option<super::options::ImageRef>,
    /// Start again a container that exists (see RunOptions::id): its dir and name are ours.
    pub reuse: bool,
    /// The ctr-run arguments to keep in `run-args.json`.
    pub args: Vec<String>,
    /// `--network`, with the `-p` sockets bound or the shared namespace open (network.rs).
    pub network: Plan,
    pub network_mode: String,
    pub dns: etc_files::Dns,
}

/// How a run ended.
#[derive(Debug)]
pub enum Outcome {
    /// The command ran; its status.
    Exited(Status),
    /// The command could not be started: 127 not found, 126 not executable.
    ExecFailed { code: u8, error: Error },
    /// Foreground `run -it` only: the user detached (ctrl-p ctrl-q); the container runs on
    /// under its monitor, which will record its end (detach.rs).
    Detached,
}

/// Step 1: check and decide everything; creates nothing.
pub fn prepare(o: &RunOptions) -> Result<Container> {
    o.check()?;
    let id = match &o.id {
        Some(id) => id.clone(),
        None => id::new_id()?,
    };
    let name = o.name.clone().unwrap_or_else(|| id::short(&id).to_string());
    let hostname = o.hostname.clone().unwrap_or_else(|| id::short(&id).to_string());
    let who = user::resolve(&o.roots_top_first(), o.user.as_deref().or(o.image.user.as_deref()))?;
    let kept = caps::chosen(&o.cap_add, &o.cap_drop)?;
    let dir = state::dir_of(&o.state_root, &id);
    let spec = spec::build(o, &id, &hostname, &who, &kept, &dir)?;
    let privileges = Privileges::from_spec(&spec)?;
    let lowers = match &o.root {
        RootSource::Dir(d) => vec![d.clone()],
        RootSource::Layers(v) => v.clone(),
    };
    // Last: binding the published ports is the first thing that holds a resource.
    let network = network::plan(o)?;
    Ok(Container {
        id,
        name,
        hostname,
        state_root: o.state_root.clone(),
        dir,
        spec,
        lowers,
        read_only: o.read_only,
        limits: o.limits.clone(),
        init: o.init,
        io: o.io,
        remove: o.remove,
        privileges,
        image_ref: o.image_ref.clone(),
        reuse: o.id.is_some(),
        args: o.args.clone(),
        network,
        network_mode: o.network.name(),
        dns: o.dns.clone(),
    })
}

/// What step 2 made; dropping it without `finish` removes it all (a failed start leaves nothing).
pub struct Created<'a> {
    c: &'a Container,
    cgroup: Option<Cgroup>,
    /// `bridge`: the container's network namespace, held by us until its pid 1 is in it.
    netns: Option<crate::net::netns::Netns>,
    endpoint: Option<crate::net::endpoint::Endpoint>,
    done: bool,
}

/// Step 2.
pub fn create(c: &Container) -> Result<Created<'_>> {
    let mut created = record(c)?;
    let cgroup = Cgroup::create(&c.id, &c.limits)?;
    let dirs = cgroup.dirs();
    created.cgroup = Some(cgroup);
    // Where the cgroup is, for `rm` run later from another cgroup (ours is its parent).
    state::update(&c.dir, |s| s.cgroup_dirs = dirs)?;
    if let Some((netns, endpoint)) = network::connect(&c.network, &c.id, &c.name, &c.hostname)? {
        created.netns = Some(netns);
        created.endpoint = Some(endpoint.clone());
        state::update(&c.dir, |s| s.network.endpoint = Some(endpoint))?;
    }
    Ok(created)
}

/// Step 2's record: state dir, name, config.json, /etc files, state `created`.
fn record(c: &Container) -> Result<Created<'_>> {
    let mut created = Created { c, cgroup: None, netns: None, endpoint: None, done: false };
    if c.reuse {
        // `start`: the dir, the name and the writable layer exist; only a running container
        // may not be started twice. (Its lock is held by whoever writes its record.)
        let old = state::read(&c.dir)?;
        if super::liveness::is_running(&old) {
            created.done = true;
            return Err(Error::invalid(format!("container {}", c.name), "is already running"));
        }
        // An address still recorded (its supervisor was killed) goes back before a new one.
        network::release(&c.state_root, &old)?;
    } else {
        let containers = state::containers_dir(&c.state_root);
        std::fs::create_dir_all(&containers).map_err(|e| Error::io("mkdir", containers.display(), e))?;
        std::fs::create_dir(&c.dir).map_err(|e| Error::io("mkdir", c.dir.display(), e))?;
        if let Err(e) = state::claim_name(&c.state_root, &c.name, &c.id) {
            let _ = std::fs::remove_dir_all(&c.dir);
            created.done = true;
            return Err(e);
        }
    }
    if !c.args.is_empty() {
        let args = serde_json::to_vec(&c.args).map_err(|e| Error::invalid("run-args.json", e.to_string()))?;
        state::write_atomic(&c.dir, "run-args.json", &args)?;
    }
    state::write_atomic(&c.dir, "config.json", spec::to_json(&c.spec)?.as_bytes())?;
    etc_files::write(&c.dir, &c.hostname, &c.dns)?;
    if let Plan::Bridge { network, .. } = &c.network {
        network.prepare_hosts_file()?;
    }
    state::write(&c.dir, &initial_state(c))?;
    Ok(created)
}

fn initial_state(c: &Container) -> State {
    State {
        id: c.id.clone(),
        name: c.name.clone(),
        status: RunStatus::Created,
        pid: 0,
        pid_start_time: 0,
        monitor_pid: std::process::id() as i32,
        monitor_start_time: crate::process::procfs::start_time(std::process::id() as i32).unwrap_or(0),
        exit_code: None,
        created: crate::timestamp::now_rfc3339(),
        started: None,
        finished: None,
        command: c.spec.process().as_ref().and_then(|p| p.args().clone()).unwrap_or_default(),
        cgroup: c.id.clone(),
        auto_remove: c.remove,
        image: c.image_ref.as_ref().map(|r| r.name.clone()).unwrap_or_default(),
        image_id: c.image_ref.as_ref().map(|r| r.id.clone()).unwrap_or_default(),
        cgroup_dirs: Vec::new(),
        network: super::network::Record { mode: c.network_mode.clone(), endpoint: None, ports: c.network.ports() },
    }
}

/// A started container: its pid 1 as we see it, and with `-t` the master of the terminal it
/// opened inside (step 5).
pub struct Started {
    pub pid: Pid,
    pub terminal: Option<std::os::fd::OwnedFd>,
}

impl Started {
    /// The terminal's master, taken (`-t` only), sized like our terminal.
    pub fn pty(&mut self) -> Result<super::tty::Pty> {
        let master = self.terminal.take().ok_or_else(|| Error::invalid("container", "sent no terminal"))?;
        Ok(super::tty::Pty::from_master(master))
    }
}

impl Created<'_> {
    /// Steps 3–6 up to the exec. `forwarding` must have been set up (signals blocked) by the
    /// caller, who later waits with it. On a failed exec returns `Ok(Err(outcome))`.
    pub fn start(&mut self, io: ChildIo, forwarding: &Forwarding) -> Result<std::result::Result<Started, Outcome>> {
        let c = self.c;
        let (ours, theirs) = sync::channel()?;
        // Our own pid namespace, to return to after the fork: unshare(CLONE_NEWPID) changes
        // the namespace of our future children, and while it differs from our own no thread
        // can be made (clone(2): EINVAL) — the port proxy needs threads.
        let own_pid_ns = crate::ns::setns::open(crate::ns::PID, std::path::Path::new("/proc/self/ns/pid"))?;
        crate::ns::unshare::unshare(&[crate::ns::PID])?;
        let why = "the container's first process: pid 1 of its pid namespace, born in its cgroup";
        let (forked, joined) = born::fork_into(self.cgroup.as_ref(), why)?;
        let pid = match forked {
            Forked::Child => {
                drop(ours);
                forwarding.restore();
                let _ = crate::process::fork::die_with_parent();
                let join_v1 = if joined == Joined::V2 { born::v1_dirs(self.cgroup.as_ref()) } else { Vec::new() };
                child::run(c, self.netns.as_ref(), &join_v1, theirs, io)
            }
            Forked::Parent(pid) => pid,
        };
        drop(theirs);
        drop(io);
        crate::ns::setns::join(&own_pid_ns)?;
        // The proxy's threads only now: a thread alive at the fork could hold a lock (malloc's)
        // that the child, a copy of just the forking thread, would then wait for forever.
        if let (Plan::Bridge { listeners, .. }, Some(endpoint)) = (&c.network, &self.endpoint) {
            crate::net::proxy::serve(listeners, std::net::IpAddr::V4(endpoint.ip))?;
        }
        // Born in the v2 directory, the child joins the v1 hierarchies itself (cgroup::born);
        // forked plainly, we move it.
        let moved = match (&self.cgroup, joined) {
            (Some(cg), Joined::Nothing) => cg.add_process(pid.as_raw()),
            _ => Ok(()),
        };
        let joined = moved.and_then(|_| ours.send(Step::Joined));
        if let Err(e) = joined {
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
            let _ = nix::sys::wait::waitpid(pid, None);
            return Err(e);
        }
        let mut terminal = None;
        while let Some(message) = ours.receive_message()? {
            if message.step == Step::Terminal && message.fd.is_some() {
                terminal = message.fd;
                continue;
            }
            let _ = nix::sys::wait::waitpid(pid, None);
            let code = match message.step {
                Step::NotFound => crate::process::exec::NOT_FOUND,
                Step::NotExecutable => crate::process::exec::NOT_EXECUTABLE,
                _ => return Err(Error::invalid("container", message.text)),
            };
            return Ok(Err(Outcome::ExecFailed { code, error: Error::invalid("container", message.text) }));
        }
        let start_time = crate::process::procfs::start_time(pid.as_raw()).unwrap_or(0);
        state::update(&c.dir, |s| {
            s.status = RunStatus::Running;
            s.pid = pid.as_raw();
            s.pid_start_time = start_time;
            s.started = Some(crate::timestamp::now_rfc3339());
        })?;
        // The container's pid 1 holds its network namespace now; ours would keep it (and the
        // veth) alive after the container ends.
        self.netns = None;
        Ok(Ok(Started { pid, terminal }))
    }

    /// Step 7: record the end and remove what the run made (everything, with --rm).
    pub fn finish(mut self, outcome: &Outcome) -> Result<()> {
        self.done = true;
        let code = match outcome {
            Outcome::Exited(s) => s.code() as i32,
            Outcome::ExecFailed { code, .. } => *code as i32,
            Outcome::Detached => return Err(Error::invalid("container", "detached: its monitor records its end")),
        };
        let cg = self.remove_cgroup();
        let net = self.release_network();
        if self.c.remove {
            state::remove(&self.c.state_root, &self.c.id, &self.c.name)?;
        } else {
            state::update(&self.c.dir, |s| {
                s.status = RunStatus::Exited;
                s.exit_code = Some(code);
                s.finished = Some(crate::timestamp::now_rfc3339());
            })?;
        }
        cg.and(net)
    }

    /// Give the address and the name back (docker frees an address when a container stops).
    /// The veth pair goes with the namespace, which dies with the container's last process
    /// (net::endpoint::Network::release says why we do not delete it ourselves).
    fn release_network(&mut self) -> Result<()> {
        self.netns = None;
        let Some(endpoint) = self.endpoint.take() else { return Ok(()) };
        let Plan::Bridge { network, .. } = &self.c.network else { return Ok(()) };
        let released = network.release(&endpoint, &self.c.id);
        if !self.c.remove {
            state::update(&self.c.dir, |s| s.network.endpoint = None)?;
        }
        released
    }

    fn remove_cgroup(&mut self) -> Result<()> {
        match self.cgroup.take() {
            Some(cg) => cg.kill_all().and_then(|_| cg.remove()),
            None => Ok(()),
        }
    }
}

impl Drop for Created<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.remove_cgroup();
            let _ = self.release_network();
            if self.c.reuse {
                // A container that existed before this start stays, as docker keeps it.
                let _ = state::update(&self.c.dir, |s| s.status = RunStatus::Exited);
            } else {
                let _ = state::remove(&self.c.state_root, &self.c.id, &self.c.name);
            }
        }
    }
}

/// `create`: make the container — state dir, name, config.json, its record in state
/// `created` — and stop there, with no process and no cgroup yet (`start` makes them).
pub fn create_only(o: &RunOptions) -> Result<String> {
    let c = prepare(o)?;
    let mut created = record(&c)?;
    created.done = true;
    Ok(c.id.clone())
}
