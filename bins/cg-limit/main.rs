//! cg-limit — run a command under a cgroup with memory / CPU / cpuset / pids limits, and show
//! or remove such a cgroup; like `systemd-run --wait -p MemoryMax=…` or cgcreate + cgexec.
//!
//! The steps (each library file says why):
//!
//! | step | parent (cg-limit)                          | child                                  |
//! |------|--------------------------------------------|----------------------------------------|
//! | 1    | check every flag; nothing exists yet       |                                        |
//! | 2    | create the cgroup under our own (mkdir, write limits) |                             |
//! | 3    | block forwarded signals, fork              |                                        |
//! | 4    | wait, forwarding SIGTERM, SIGINT, …        | write own pid to cgroup.procs (every hierarchy), restore signal mask, exec COMMAND |
//! | 5    | read stats; print --stats or the limit-hit line |                                   |
//! | 6    | kill what is left in the cgroup, rmdir it (unless --keep) |                             |
//! | 7    | exit with the child's status (re-raising its signal) |                               |
//!
//! The child joins the cgroup itself, before exec, so not one instruction of COMMAND runs
//! outside the limits. Man page: bins/cg-limit/README.md.
#![forbid(unsafe_code)]

#[path = "../common/mod.rs"]
mod common;

use clap::Parser;
use ctrkit::cgroup::{self, cpulist, limits, report, Cgroup, CpuList, CpuQuota, Limits, Swap};
use ctrkit::process::{self, supervise, Forked, Status};
use ctrkit::{explain, Result};
use std::ffi::OsString;
use std::path::Path;
use std::process::ExitCode;

const TOOL: &str = "cg-limit";

#[derive(Parser)]
#[command(
    name = TOOL,
    version,
    about = "Run a command under a cgroup with memory, CPU, cpuset and pids limits",
    long_about = "Create a cgroup under your own (on cgroup v1, v2 and hybrid hosts), run COMMAND in it, \
                  and remove it when COMMAND ends, killing what COMMAND left behind. --show and --remove \
                  act on a cgroup kept with --keep.",
    after_help = "Examples:\n  cg-limit --memory 64M --pids 32 -- sh\n  cg-limit --cpus 0.5 --stats -- make\n  \
                  cg-limit --pids 32 -- ns-unshare --pid --fork --mount-proc -- sh\n  \
                  cg-limit --name web --keep --memory 1G -- ./server &  cg-limit --show web --json"
)]
struct Args {
    /// Name of the cgroup (default ctrkit-<pid>); letters, digits, _ . - only
    #[arg(long, value_name = "NAME", value_parser = parse_name)]
    name: Option<String>,
    /// Memory limit: bytes or k/M/G (binary), e.g. 64M
    #[arg(long, value_name = "SIZE", allow_hyphen_values = true, value_parser = parse_size)]
    memory: Option<u64>,
    /// Memory + swap limit (docker's meaning; -1 unlimited; default twice --memory)
    #[arg(long, value_name = "SIZE", allow_hyphen_values = true, value_parser = parse_swap)]
    memory_swap: Option<Swap>,
    /// CPU time as a number of CPUs, e.g. 0.5 (quota per 100 ms period)
    #[arg(long, value_name = "N.N", allow_hyphen_values = true, value_parser = parse_cpus)]
    cpus: Option<CpuQuota>,
    /// Relative CPU weight, 2..262144 (default 1024)
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = parse_shares)]
    cpu_shares: Option<u64>,
    /// CPUs allowed, e.g. 0-1,3
    #[arg(long, value_name = "LIST", allow_hyphen_values = true, value_parser = parse_cpuset)]
    cpuset_cpus: Option<CpuList>,
    /// Maximum number of processes and threads
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = parse_pids)]
    pids: Option<u64>,

    /// After COMMAND: print usage and events (OOM kills, throttling, refused forks) to stderr
    #[arg(long)]
    stats: bool,
    /// Print statistics as one JSON line (stderr after a command, stdout with --show)
    #[arg(long)]
    json: bool,
    /// Leave the cgroup (and any processes still in it) in place after COMMAND
    #[arg(long)]
    keep: bool,

    /// Show the limits, usage and events of cgroup NAME, then exit
    #[arg(long, value_name = "NAME", value_parser = parse_name, conflicts_with_all = ["remove", "command"])]
    show: Option<String>,
    /// Remove cgroup NAME (refused while processes are in it, unless --force)
    #[arg(long, value_name = "NAME", value_parser = parse_name, conflicts_with = "command")]
    remove: Option<String>,
    /// With --remove: kill the processes in the cgroup first
    #[arg(long, requires = "remove")]
    force: bool,

    #[command(flatten)]
    trace: common::trace::Trace,

    /// The command to run
    #[arg(trailing_var_arg = true, value_name = "COMMAND", required_unless_present_any = ["show", "remove"])]
    command: Vec<OsString>,
}

fn main() -> ExitCode {
    common::main(TOOL, run)
}

fn run(args: Args) -> Result<Status> {
    args.trace.apply();
    if let Some(name) = &args.show {
        return show(&Cgroup::open(name)?, args.json);
    }
    if let Some(name) = &args.remove {
        Cgroup::open(name)?.delete(args.force)?;
        return Ok(Status::Exited(0));
    }
    let limits = Limits {
        memory: args.memory,
        memory_swap: args.memory_swap,
        cpus: args.cpus,
        cpu_shares: args.cpu_shares,
        cpuset_cpus: args.cpuset_cpus.clone(),
        pids: args.pids,
    };
    limits.check()?;
    let name = args.name.clone().unwrap_or_else(|| cgroup::default_name(std::process::id()));
    let cg = Cgroup::create(&name, &limits)?;
    let status = run_inside(&cg, &args.command);
    let cleanup = after(&cg, &args, status.as_ref().ok().copied());
    // The command's fate comes first; a failed cleanup is still reported (it leaks a cgroup).
    match (status, cleanup) {
        (Ok(status), Err(e)) => {
            eprintln!("{TOOL}: {e}");
            Ok(status)
        }
        (status, _) => status,
    }
}

/// Steps 3–4: fork; the child joins the cgroup and execs; the parent waits.
fn run_inside(cg: &Cgroup, command: &[OsString]) -> Result<Status> {
    if explain::is_dry_run() {
        for dir in cg.dirs() {
            explain::note(&format!(
                "(dry run) the child would write its pid to {}",
                dir.join("cgroup.procs").display()
            ));
        }
        explain::note(&format!("(dry run) would fork and exec {command:?}"));
        return Ok(Status::Exited(0));
    }
    let forwarding = supervise::block()?;
    match process::fork("run the command as a child, so cg-limit can clean up after it")? {
        Forked::Child => {
            if let Err(e) = cg.add_process(std::process::id() as i32) {
                eprintln!("{TOOL}: {e}");
                // Nothing is buffered on stdout here, so exit(3) flushes nothing of the parent's.
                std::process::exit(common::TOOL_FAILED as i32);
            }
            forwarding.restore();
            process::exec_or_exit(TOOL, command)
        }
        Forked::Parent(child) => forwarding.wait(child),
    }
}

/// Steps 5–6: report, then kill what is left and remove the cgroup (or keep it).
fn after(cg: &Cgroup, args: &Args, status: Option<Status>) -> Result<()> {
    if !explain::is_dry_run() {
        // Statistics are a report, not the job: failing to read them must not stop the cleanup.
        match cg.stats() {
            Ok(stats) => report_stats(&stats, args, status),
            Err(e) => eprintln!("{TOOL}: {e}"),
        }
    }
    if args.keep {
        let dirs: Vec<String> = cg.dirs().iter().map(|d| d.display().to_string()).collect();
        eprintln!("{TOOL}: kept cgroup {} at {}", cg.name(), dirs.join(" "));
        return Ok(());
    }
    cg.kill_all()?;
    cg.remove()
}

/// `--stats` (human or JSON), or else the one line naming a limit the command ran into.
fn report_stats(stats: &cgroup::Stats, args: &Args, status: Option<Status>) {
    if args.stats {
        eprint!("{}", if args.json { format!("{}\n", json(stats)) } else { indent(&report::text(stats)) });
    } else if let (Some(status), Some(command)) = (status, args.command.first()) {
        let command = Path::new(command).file_name().unwrap_or(command.as_os_str()).to_string_lossy();
        if let Some(line) = report::limit_hits(stats, &command, status) {
            eprintln!("{TOOL}: {line}");
        }
    }
}

/// `--show NAME`: the statistics on stdout.
fn show(cg: &Cgroup, as_json: bool) -> Result<Status> {
    let stats = cg.stats()?;
    if as_json {
        println!("{}", json(&stats));
    } else {
        print!("{}", report::text(&stats));
    }
    Ok(Status::Exited(0))
}

fn json(stats: &cgroup::Stats) -> String {
    serde_json::to_string(stats).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// The human statistics on stderr, each line prefixed like every cg-limit message.
fn indent(text: &str) -> String {
    text.lines().map(|l| format!("{TOOL}: {l}\n")).collect()
}

// Flag parsers: the library's checks, as clap value parsers. Only the reason is shown:
// clap's message already names the flag and the value.
fn reason(e: ctrkit::Error) -> String {
    e.cause.to_string()
}
fn parse_name(s: &str) -> std::result::Result<String, String> {
    cgroup::check_name(s).map(String::from).map_err(reason)
}
fn parse_size(s: &str) -> std::result::Result<u64, String> {
    limits::parse_size(s).map_err(reason)
}
fn parse_swap(s: &str) -> std::result::Result<Swap, String> {
    limits::parse_swap(s).map_err(reason)
}
fn parse_cpus(s: &str) -> std::result::Result<CpuQuota, String> {
    let online = cpulist::online_cpus(Path::new("/")).map_err(|e| e.to_string())?;
    limits::parse_cpus(s, online.0.len()).map_err(reason)
}
fn parse_shares(s: &str) -> std::result::Result<u64, String> {
    limits::parse_shares(s).map_err(reason)
}
fn parse_cpuset(s: &str) -> std::result::Result<CpuList, String> {
    let online = cpulist::online_cpus(Path::new("/")).map_err(|e| e.to_string())?;
    cpulist::parse_cpuset(s, &online).map_err(reason)
}
fn parse_pids(s: &str) -> std::result::Result<u64, String> {
    limits::parse_pids(s).map_err(reason)
}
