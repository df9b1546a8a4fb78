//! ctr-enter — run a command inside a running process's namespaces *and* cgroups, root and
//! working directory; our nsenter(1), done the way `docker exec` needs it.
//!
//! Steps (lib/src/ns/enter.rs explains the order): open namespace files, root and cwd →
//! join the target's cgroups → setns in two passes → chroot/fchdir → fork when a pid
//! namespace was joined → exec. Man page: bins/ctr-enter/README.md.
#![forbid(unsafe_code)]

#[path = "../common/mod.rs"]
mod common;

use clap::Parser;
use ctrkit::mount::chroot;
use ctrkit::ns::enter::{self, Entry, Source};
use ctrkit::ns::{self, Kind};
use ctrkit::process::{self, procfs, supervise, Forked, Status};
use ctrkit::{explain, Error, Result};
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

const TOOL: &str = "ctr-enter";

#[derive(Parser)]
#[command(
    name = TOOL,
    version,
    about = "Run a command in another process's namespaces and cgroups (like nsenter(1), plus cgroups)",
    long_about = "Run COMMAND (default /bin/sh) in the namespaces of process PID (-t) or of persisted \
                  namespace files (--KIND=FILE). With --all the target's cgroups are joined too, so \
                  the target's limits (pids, memory, cpu) hold for the command — nsenter does not do that.",
    after_help = "Examples:\n  ctr-enter -t 4242 -a -- hostname\n  ctr-enter -t 4242 -m -u -i -n -p -- sh\n  ctr-enter --net=/run/ctrkit-ns/demo/net -- ip link"
)]
struct Args {
    /// The process whose namespaces to enter
    #[arg(short = 't', long = "target", value_name = "PID")]
    target: Option<i32>,
    /// Enter every namespace of the target that differs from ours, and its cgroups
    #[arg(short = 'a', long)]
    all: bool,
    /// Enter the mount namespace (of -t, or the one persisted at FILE)
    #[arg(short = 'm', long = "mount", value_name = "FILE", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    mount: Option<OsString>,
    /// Enter the UTS namespace
    #[arg(short = 'u', long = "uts", value_name = "FILE", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    uts: Option<OsString>,
    /// Enter the IPC namespace
    #[arg(short = 'i', long = "ipc", value_name = "FILE", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    ipc: Option<OsString>,
    /// Enter the network namespace
    #[arg(short = 'n', long = "net", value_name = "FILE", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    net: Option<OsString>,
    /// Enter the pid namespace (the command runs as a forked child)
    #[arg(short = 'p', long = "pid", value_name = "FILE", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    pid: Option<OsString>,
    /// Enter the user namespace
    #[arg(short = 'U', long = "user", value_name = "FILE", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    user: Option<OsString>,
    /// Enter the cgroup namespace
    #[arg(short = 'C', long = "cgroup", value_name = "FILE", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    cgroup: Option<OsString>,
    /// Enter the time namespace
    #[arg(short = 'T', long = "time", value_name = "FILE", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    time: Option<OsString>,

    /// Join the target's cgroups (the default with --all)
    #[arg(long, overrides_with = "no_join_cgroup")]
    join_cgroup: bool,
    /// Stay in our own cgroups, as nsenter does
    #[arg(long)]
    no_join_cgroup: bool,
    /// Use the target's root directory (or DIR)
    #[arg(short = 'r', long, value_name = "DIR", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    root: Option<OsString>,
    /// Use the target's working directory (or DIR)
    #[arg(short = 'w', long, value_name = "DIR", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    wd: Option<OsString>,

    /// Print each kernel operation as it happens (stderr)
    #[arg(long)]
    explain: bool,
    /// Print the operations that would be made, make none
    #[arg(long)]
    dry_run: bool,

    /// The command to run (default: /bin/sh)
    #[arg(trailing_var_arg = true, value_name = "COMMAND")]
    command: Vec<OsString>,
}

fn main() -> ExitCode {
    match common::parse::<Args>(TOOL) {
        Ok(args) => common::finish(TOOL, run(args)),
        Err(code) => code,
    }
}

fn run(args: Args) -> Result<Status> {
    explain::set_explain(args.explain);
    explain::set_dry_run(args.dry_run);
    if let Some(pid) = args.target {
        procfs::require_running(pid)?;
    }
    let namespaces = chosen_namespaces(&args)?;
    let join_cgroup = (args.all || args.join_cgroup) && !args.no_join_cgroup;
    if join_cgroup && args.target.is_none() {
        return Err(Error::invalid("--join-cgroup", "needs a target process (-t PID)"));
    }
    let root_default = args.all.then_some(OsString::new());
    let entry = Entry {
        targets: enter::open(&namespaces)?,
        root: held_dir(&args.root.clone().or(root_default.clone()), args.target, "root", "the target's root, held")?,
        wd: held_dir(&args.wd.clone().or(root_default), args.target, "cwd", "the target's working directory, held")?,
        cgroup_of: if join_cgroup { args.target } else { None },
    };
    enter::enter(&entry)?;

    let command = if args.command.is_empty() { vec![OsString::from("/bin/sh")] } else { args.command };
    if explain::is_dry_run() {
        explain::note(&format!("(dry run) would exec {command:?}"));
        return Ok(Status::Exited(0));
    }
    if !enter::needs_fork(&entry) {
        process::exec_or_exit(TOOL, &command);
    }
    let forwarding = supervise::block()?;
    match process::fork("the command, a child in the joined pid namespace")? {
        Forked::Child => {
            forwarding.restore();
            process::exec_or_exit(TOOL, &command)
        }
        Forked::Parent(child) => forwarding.wait(child),
    }
}

/// The namespaces to join and where each is named. `--all` takes every kind in which the
/// target differs from us; a `--KIND=FILE` names a persisted file instead of the target's.
fn chosen_namespaces(a: &Args) -> Result<Vec<(Kind, Source)>> {
    let flags = [
        (ns::USER, &a.user),
        (ns::CGROUP, &a.cgroup),
        (ns::IPC, &a.ipc),
        (ns::UTS, &a.uts),
        (ns::NET, &a.net),
        (ns::PID, &a.pid),
        (ns::MNT, &a.mount),
        (ns::TIME, &a.time),
    ];
    let all_kinds = match (a.all, a.target) {
        (true, Some(pid)) => enter::kinds_differing_from_ours(pid)?,
        (true, None) => return Err(Error::invalid("--all", "needs a target process (-t PID)")),
        (false, _) => Vec::new(),
    };
    let mut chosen = Vec::new();
    for (kind, flag) in flags {
        let source = match flag {
            Some(file) if !file.is_empty() => Source::File(PathBuf::from(file)),
            Some(_) => match a.target {
                Some(pid) => Source::Process(pid),
                None => return Err(Error::invalid(format!("--{}", kind.name), "needs a target process (-t PID) or a file (--KIND=FILE)")),
            },
            None if all_kinds.contains(&kind) => Source::Process(a.target.unwrap_or_default()),
            None => continue,
        };
        chosen.push((kind, source));
    }
    if chosen.is_empty() && a.target.is_some() && !a.all {
        return Err(Error::invalid("namespaces", "none chosen: add -a, or some of -m -u -i -n -p -U -C -T"));
    }
    Ok(chosen)
}

/// `-r`/`-w`: open the given DIR, or the target's /proc/PID/root or /proc/PID/cwd.
fn held_dir(flag: &Option<OsString>, target: Option<i32>, which: &str, why: &str) -> Result<Option<std::os::fd::OwnedFd>> {
    let path = match (flag, target) {
        (None, _) => return Ok(None),
        (Some(dir), _) if !dir.is_empty() => PathBuf::from(dir),
        (Some(_), Some(pid)) => procfs::proc_dir(pid).join(which),
        (Some(_), None) => return Err(Error::invalid(format!("--{}", if which == "cwd" { "wd" } else { which }), "needs a target process (-t PID) or a DIR")),
    };
    chroot::open_dir(&path, why).map(Some)
}
