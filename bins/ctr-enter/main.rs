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
use common::namespaces::{Given, NamespaceFlags};
use ctrkit::mount::chroot;
use ctrkit::ns::enter::{self, Entry, Source};
use ctrkit::ns::Kind;
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
    after_help = "Examples:\n  ctr-enter -t 4242 -a -- hostname\n  ctr-enter -t web -a -- ps\n  ctr-enter -t 4242 -m -u -i -n -p -- sh\n  ctr-enter --net=/run/ctrkit-ns/demo/net -- ip link"
)]
struct Args {
    /// The process whose namespaces to enter: a PID, or a ctrkit container's name or id
    /// (its pid 1; looked up under $CTRKIT_STATE, default /run/ctrkit)
    #[arg(short = 't', long = "target", value_name = "PID|CONTAINER", value_parser = parse_target)]
    target: Option<i32>,
    /// Enter every namespace of the target that differs from ours, and its cgroups
    #[arg(short = 'a', long)]
    all: bool,
    #[command(flatten)]
    ns: NamespaceFlags,

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

    #[command(flatten)]
    trace: common::trace::Trace,

    /// The command to run (default: /bin/sh)
    #[arg(trailing_var_arg = true, value_name = "COMMAND")]
    command: Vec<OsString>,
}

fn main() -> ExitCode {
    common::main(TOOL, run)
}

fn run(args: Args) -> Result<Status> {
    args.trace.apply();
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

/// `-t`: a number is a pid; anything else names a container, whose pid 1 we take — only
/// while it runs (pid and start time checked), so a stale record never sends us elsewhere.
fn parse_target(s: &str) -> std::result::Result<i32, String> {
    if let Ok(pid) = s.parse::<i32>() {
        return Ok(pid);
    }
    let rec = ctrkit::container::lookup::find(&ctrkit::container::lookup::default_state_root(), s)
        .map_err(|e| e.to_string().replace('\n', " "))?;
    if !ctrkit::container::liveness::is_running(&rec.state) {
        return Err(format!("container {s} is not running"));
    }
    Ok(rec.state.pid)
}

/// The namespaces to join and where each is named. `--all` takes every kind in which the
/// target differs from us; a `--KIND=FILE` names a persisted file instead of the target's.
fn chosen_namespaces(a: &Args) -> Result<Vec<(Kind, Source)>> {
    let all_kinds = match (a.all, a.target) {
        (true, Some(pid)) => enter::kinds_differing_from_ours(pid)?,
        (true, None) => return Err(Error::invalid("--all", "needs a target process (-t PID)")),
        (false, _) => Vec::new(),
    };
    let mut chosen = Vec::new();
    for (kind, flag) in a.ns.each() {
        let source = match flag {
            Given::File(file) => Source::File(PathBuf::from(file)),
            Given::Plain => match a.target {
                Some(pid) => Source::Process(pid),
                None => {
                    return Err(Error::invalid(
                        format!("--{}", kind.name),
                        "needs a target process (-t PID) or a file (--KIND=FILE)",
                    ))
                }
            },
            Given::Absent if all_kinds.contains(&kind) => Source::Process(a.target.unwrap_or_default()),
            Given::Absent => continue,
        };
        chosen.push((kind, source));
    }
    if chosen.is_empty() && a.target.is_some() && !a.all {
        return Err(Error::invalid("namespaces", "none chosen: add -a, or some of -m -u -i -n -p -U -C -T"));
    }
    Ok(chosen)
}

/// `-r`/`-w`: open the given DIR, or the target's /proc/PID/root or /proc/PID/cwd.
fn held_dir(
    flag: &Option<OsString>,
    target: Option<i32>,
    which: &str,
    why: &str,
) -> Result<Option<std::os::fd::OwnedFd>> {
    let path = match (flag, target) {
        (None, _) => return Ok(None),
        (Some(dir), _) if !dir.is_empty() => PathBuf::from(dir),
        (Some(_), Some(pid)) => procfs::proc_dir(pid).join(which),
        (Some(_), None) => {
            return Err(Error::invalid(
                format!("--{}", if which == "cwd" { "wd" } else { which }),
                "needs a target process (-t PID) or a DIR",
            ))
        }
    };
    chroot::open_dir(&path, why).map(Some)
}
