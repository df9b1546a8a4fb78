//! ns-unshare — run a command in new namespaces; our unshare(1).
//!
//! The steps, in the order the kernel needs them (see each library file for why):
//! outside helper forked → unshare(2) → time offsets → mount propagation → helper writes id
//! maps and persists → hostname → lo up → fork (pid 1 of a new pid namespace) → mount /proc
//! → exec. Man page: bins/ns-unshare/README.md.
#![forbid(unsafe_code)]

#[path = "../common/mod.rs"]
mod common;

use clap::Parser;
use common::namespaces::{Given, NamespaceFlags};
use ctrkit::mount::propagation::{self, Propagation};
use ctrkit::ns::idmap::{IdMap, Maps, Setgroups};
use ctrkit::ns::{self, outside, persist, time::Offsets, Kind};
use ctrkit::process::{self, credentials, supervise, Forked, Status};
use ctrkit::{explain, net, uts, Error, Result};
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

const TOOL: &str = "ns-unshare";

#[derive(Parser)]
#[command(
    name = TOOL,
    version,
    about = "Run a command in new namespaces (like unshare(1))",
    long_about = "Run COMMAND (default /bin/sh) in new namespaces. Each namespace flag takes an optional \
                  =FILE: the new namespace is then kept alive by a bind mount on FILE, to be entered \
                  later with ctr-enter --KIND=FILE and released with --unpersist FILE.",
    after_help = "Examples:\n  ns-unshare -u --hostname box -- hostname\n  ns-unshare -U --map-users 0:100000:65536 --map-groups 0:100000:65536 -S 0 -G 0 -- id\n  ns-unshare -m -u -i -p -f --mount-proc -- ps\n  ns-unshare -U -r -- id\n  ns-unshare -n --persist /run/ctrkit-ns/demo -- true; ctr-enter --net=/run/ctrkit-ns/demo/net -- ip link"
)]
struct Args {
    #[command(flatten)]
    ns: NamespaceFlags,

    /// Fork: run COMMAND as a child (pid 1 of a new pid namespace) and wait for it
    #[arg(short = 'f', long)]
    fork: bool,
    /// Mount a new /proc (implies --mount; use with --pid --fork)
    #[arg(long, value_name = "DIR", num_args = 0..=1, require_equals = true, default_missing_value = "/proc")]
    mount_proc: Option<PathBuf>,
    /// With --fork: kill COMMAND when ns-unshare dies
    #[arg(long)]
    kill_child: bool,

    /// Map your uid and gid to root inside (implies --user, --setgroups deny)
    #[arg(short = 'r', long)]
    map_root_user: bool,
    /// Map your uid to UID inside (implies --user)
    #[arg(long, value_name = "UID")]
    map_user: Option<u32>,
    /// Map your gid to GID inside (implies --user)
    #[arg(long, value_name = "GID")]
    map_group: Option<u32>,
    /// Map a uid range INSIDE:OUTSIDE:COUNT (repeatable; implies --user)
    #[arg(long, value_name = "INSIDE:OUTSIDE:COUNT")]
    map_users: Vec<IdMap>,
    /// Map a gid range INSIDE:OUTSIDE:COUNT (repeatable; implies --user)
    #[arg(long, value_name = "INSIDE:OUTSIDE:COUNT")]
    map_groups: Vec<IdMap>,
    /// Run COMMAND as UID (numbered inside the new user namespace)
    #[arg(short = 'S', long = "setuid", value_name = "UID")]
    setuid: Option<u32>,
    /// Run COMMAND as GID (numbered inside the new user namespace)
    #[arg(short = 'G', long = "setgid", value_name = "GID")]
    setgid: Option<u32>,
    /// Allow or deny setgroups(2) in the new user namespace
    #[arg(long, value_name = "allow|deny", value_parser = ["allow", "deny"])]
    setgroups: Option<String>,

    /// Set the hostname in the new UTS namespace (implies --uts)
    #[arg(long, value_name = "NAME")]
    hostname: Option<String>,
    /// Mount propagation for the new mount namespace
    #[arg(long, value_name = "private|slave|shared|unchanged", default_value = "private")]
    propagation: Propagation,
    /// Offset CLOCK_MONOTONIC by SECONDS in the new time namespace (implies --time)
    #[arg(long, value_name = "SECONDS", allow_hyphen_values = true)]
    monotonic: Option<i64>,
    /// Offset CLOCK_BOOTTIME by SECONDS in the new time namespace (implies --time)
    #[arg(long, value_name = "SECONDS", allow_hyphen_values = true)]
    boottime: Option<i64>,

    /// Keep every new namespace alive as DIR/<kind> (bind mounts)
    #[arg(long, value_name = "DIR")]
    persist: Option<PathBuf>,
    /// Release persisted namespaces (a file, or a --persist DIR) and exit
    #[arg(long, value_name = "PATH", conflicts_with = "command")]
    unpersist: Option<PathBuf>,

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
    if let Some(path) = &args.unpersist {
        for file in persist::release(path)? {
            println!("released {}", file.display());
        }
        return Ok(Status::Exited(0));
    }

    let kinds = chosen_kinds(&args);
    if let Some(name) = &args.hostname {
        uts::validate_hostname(name)?;
    }
    let offsets = Offsets { monotonic: args.monotonic, boottime: args.boottime };
    let work = outside::Work { maps: id_maps(&args), persist: persisted_files(&args, &kinds)? };
    let has = |k: Kind| kinds.contains(&k);

    let helper = outside::start(work)?;
    ns::unshare::unshare(&kinds)?;
    if has(ns::TIME) {
        ns::time::write_offsets(&offsets)?;
    }
    if has(ns::MNT) {
        propagation::set_root(args.propagation)?;
    }
    if let Some(helper) = helper {
        helper.finish()?;
    }
    if let Some(name) = &args.hostname {
        uts::set_hostname(name)?;
    }
    if has(ns::NET) {
        net::loopback::bring_up_loopback()?;
    }

    let command = if args.command.is_empty() { vec![OsString::from("/bin/sh")] } else { args.command.clone() };
    if explain::is_dry_run() {
        explain::note(&format!("(dry run) would {}exec {:?}", if args.fork { "fork and " } else { "" }, command));
        return Ok(Status::Exited(0));
    }
    if !args.fork {
        credentials::become_ids(args.setuid, args.setgid)?;
        process::exec_or_exit(TOOL, &command);
    }
    let forwarding = supervise::block()?;
    match process::fork("run the command as a child (pid 1 in a new pid namespace)")? {
        Forked::Child => {
            forwarding.restore();
            if let Err(e) = child_setup(&args) {
                eprintln!("{TOOL}: {e}");
                std::process::exit(common::TOOL_FAILED as i32);
            }
            process::exec_or_exit(TOOL, &command)
        }
        Forked::Parent(child) => forwarding.wait(child),
    }
}

/// In the forked child, before exec: the parts that must happen inside the new pid namespace.
/// Credentials come last: mounting /proc needs the capabilities a new uid may lose.
fn child_setup(args: &Args) -> Result<()> {
    if args.kill_child {
        process::fork::die_with_parent()?;
    }
    if let Some(dir) = &args.mount_proc {
        ctrkit::mount::proc::mount_proc(dir)?;
    }
    credentials::become_ids(args.setuid, args.setgid)
}

/// The namespaces to create: those asked for, plus those other flags imply.
fn chosen_kinds(a: &Args) -> Vec<Kind> {
    let implied = |k: Kind| match k.name {
        "user" => {
            a.map_root_user
                || a.map_user.is_some()
                || a.map_group.is_some()
                || !a.map_users.is_empty()
                || !a.map_groups.is_empty()
        }
        "uts" => a.hostname.is_some(),
        "mnt" => a.mount_proc.is_some(),
        "time" => a.monotonic.is_some() || a.boottime.is_some(),
        _ => false,
    };
    a.ns.each().into_iter().filter(|(k, g)| !matches!(g, Given::Absent) || implied(*k)).map(|(k, _)| k).collect()
}

/// The uid/gid maps the flags ask for. `-r` is `--map-user 0 --map-group 0 --setgroups deny`.
fn id_maps(a: &Args) -> Maps {
    let mut maps = Maps { uids: a.map_users.clone(), gids: a.map_groups.clone(), setgroups: None };
    maps.map_caller(a.map_user.or(a.map_root_user.then_some(0)), a.map_group.or(a.map_root_user.then_some(0)));
    match a.setgroups.as_deref() {
        Some("allow") => maps.setgroups = Some(Setgroups::Allow),
        Some("deny") => maps.setgroups = Some(Setgroups::Deny),
        _ => {}
    }
    maps
}

/// Which new namespaces to persist, and where: `--KIND=FILE` forms and `--persist DIR`.
fn persisted_files(a: &Args, kinds: &[Kind]) -> Result<Vec<(Kind, PathBuf)>> {
    let mut files: Vec<(Kind, PathBuf)> =
        a.ns.each()
            .into_iter()
            .filter_map(|(k, g)| match g {
                Given::File(f) => Some((k, PathBuf::from(f))),
                _ => None,
            })
            .collect();
    if let Some(dir) = &a.persist {
        if kinds.is_empty() {
            return Err(Error::invalid("--persist", "no namespace to persist: add -m, -u, -i, -n, -p, -U, -C or -T"));
        }
        if !explain::is_dry_run() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io("mkdir", dir.display(), e))?;
        }
        for kind in kinds {
            if !files.iter().any(|(k, _)| k == kind) {
                files.push((*kind, persist::file_in(dir, *kind)));
            }
        }
    }
    Ok(files)
}
