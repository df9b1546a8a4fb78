//! The container verbs of the front end: ps, inspect, stop, kill, rm, logs, attach, exec,
//! top, wait, stats, info, version. Each is a lookup (lib/src/container/lookup.rs) and one or
//! two library calls; this file only parses flags and prints. `run` is ctr-run (main.rs).

use clap::Args;
use ctrkit::container::exec_in::{self, ExecOptions};
use ctrkit::container::list::{self, Filter, Query};
use ctrkit::container::logs::{self, LogOptions};
use ctrkit::container::lookup::{self, Record};
use ctrkit::container::{attach_client, info, inspect, remove, signal, stats, status_text, stop, top, wait};
use ctrkit::process::Status;
use ctrkit::{Error, Result};
use std::path::Path;
use std::time::Duration;

#[derive(Args)]
pub struct PsArgs {
    /// Show all containers (default: running ones)
    #[arg(short, long)]
    all: bool,
    /// Only ids
    #[arg(short, long)]
    quiet: bool,
    /// KEY=VALUE: status=created|running|exited, name=X, id=X (repeatable)
    #[arg(short, long = "filter", value_name = "KEY=VALUE")]
    filter: Vec<String>,
    /// Go-template per row: {{.ID}} {{.Image}} {{.Command}} {{.CreatedAt}} {{.Status}} {{.Names}}; `table` prefix adds a header
    #[arg(long, value_name = "TEMPLATE")]
    format: Option<String>,
    /// The N newest containers (any state)
    #[arg(short = 'n', long = "last", value_name = "N")]
    last: Option<usize>,
    /// The newest container (any state)
    #[arg(short, long)]
    latest: bool,
    /// Full ids and commands
    #[arg(long)]
    no_trunc: bool,
    /// The size of each container's writable layer
    #[arg(short, long)]
    size: bool,
}

#[derive(Args)]
pub struct TargetsArgs {
    #[arg(required = true, value_name = "CONTAINER")]
    containers: Vec<String>,
}

#[derive(Args)]
pub struct InspectArgs {
    /// Go-template subset: {{.State.Pid}} {{.Name}} {{json .Config}} …
    #[arg(short, long, value_name = "TEMPLATE")]
    format: Option<String>,
    #[arg(required = true, value_name = "CONTAINER")]
    containers: Vec<String>,
}

#[derive(Args)]
pub struct StopArgs {
    /// Seconds to wait after SIGTERM before SIGKILL
    #[arg(short = 't', long = "time", value_name = "SECONDS", default_value_t = 10)]
    time: u64,
    #[arg(required = true, value_name = "CONTAINER")]
    containers: Vec<String>,
}

#[derive(Args)]
pub struct KillArgs {
    /// The signal: a name (KILL, SIGKILL) or a number
    #[arg(short, long, value_name = "SIGNAL", default_value = "KILL", value_parser = parse_signal)]
    signal: signal::Signal,
    #[arg(required = true, value_name = "CONTAINER")]
    containers: Vec<String>,
}

#[derive(Args)]
pub struct RmArgs {
    /// Kill a running container first
    #[arg(short, long)]
    force: bool,
    /// Remove anonymous volumes too (there are none yet: accepted for docker's sake)
    #[arg(short, long)]
    volumes: bool,
    #[arg(required = true, value_name = "CONTAINER")]
    containers: Vec<String>,
}

#[derive(Args)]
pub struct LogsArgs {
    /// Keep printing until the container ends
    #[arg(short, long)]
    follow: bool,
    /// Only the last N lines ("all" for all)
    #[arg(short = 'n', long, value_name = "N", default_value = "all")]
    tail: String,
    /// Prefix each line with its time
    #[arg(short, long)]
    timestamps: bool,
    #[arg(value_name = "CONTAINER")]
    container: String,
}

#[derive(Args)]
pub struct ExecArgs {
    /// Keep stdin open
    #[arg(short, long)]
    interactive: bool,
    /// A pseudo-terminal
    #[arg(short, long)]
    tty: bool,
    /// NAME=VALUE (repeatable)
    #[arg(short, long = "env", value_name = "NAME[=VALUE]")]
    env: Vec<String>,
    /// The working directory inside the container (absolute)
    #[arg(short, long, value_name = "DIR")]
    workdir: Option<String>,
    /// USER, UID, USER:GROUP or UID:GID, looked up in the container
    #[arg(short, long, value_name = "USER")]
    user: Option<String>,
    #[arg(value_name = "CONTAINER")]
    container: String,
    #[arg(trailing_var_arg = true, required = true, value_name = "COMMAND")]
    command: Vec<String>,
}

#[derive(Args)]
pub struct AttachArgs {
    #[arg(value_name = "CONTAINER")]
    container: String,
    /// Pass the signals we get (INT, TERM, HUP, QUIT, USR1, USR2) to the container
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    sig_proxy: bool,
}

#[derive(Args)]
pub struct OneArgs {
    #[arg(value_name = "CONTAINER")]
    container: String,
}

#[derive(Args)]
pub struct PortArgs {
    #[arg(value_name = "CONTAINER")]
    container: String,
    /// Only this container port: PORT or PORT/PROTO (prints just the host side)
    #[arg(value_name = "PRIVATE_PORT[/PROTO]")]
    port: Option<String>,
}

#[derive(Args)]
pub struct StatsArgs {
    /// One sample, then exit
    #[arg(long)]
    no_stream: bool,
    /// Containers (default: every running one)
    #[arg(value_name = "CONTAINER")]
    containers: Vec<String>,
}

#[derive(Args)]
pub struct InfoArgs {
    /// Go-template over the JSON form ({{json .}} prints it all)
    #[arg(short, long, value_name = "TEMPLATE")]
    format: Option<String>,
}

fn parse_signal(s: &str) -> std::result::Result<signal::Signal, String> {
    signal::parse(s).map_err(|e| e.cause.to_string())
}

/// Run `each` on every named container; report each failure, fail if any did (docker goes on too).
fn for_each(state: &Path, names: &[String], mut each: impl FnMut(&Record) -> Result<()>) -> Result<Status> {
    if let [one] = names {
        // One container: its error is the tool's error, printed once.
        lookup::find(state, one).and_then(|r| each(&r))?;
        return Ok(Status::Exited(0));
    }
    let mut failed = 0;
    for n in names {
        if let Err(e) = lookup::find(state, n).and_then(|r| each(&r)) {
            eprintln!("ctrkit: {e}");
            failed += 1;
        }
    }
    if failed > 0 {
        return Err(Error::invalid(format!("{failed} of {} container(s)", names.len()), "failed (see above)"));
    }
    Ok(Status::Exited(0))
}

pub fn ps(state: &Path, a: PsArgs) -> Result<Status> {
    let listing = lookup::all(state)?;
    for e in &listing.skipped {
        eprintln!("ctrkit: skipped a record: {e}");
    }
    let q = Query {
        all: a.all,
        filter: Filter::parse(&a.filter)?,
        last: if a.latest { Some(1) } else { a.last },
        no_trunc: a.no_trunc,
        size: a.size,
    };
    let rows = list::rows(&listing.records, &q, status_text::now());
    if a.quiet {
        rows.iter().for_each(|r| println!("{}", r.id));
    } else {
        print!("{}", list::render(&rows, a.format.as_deref(), a.size)?);
    }
    Ok(Status::Exited(0))
}

pub fn inspect(state: &Path, a: InspectArgs) -> Result<Status> {
    let mut all = Vec::new();
    let status = for_each(state, &a.containers, |r| {
        let v = inspect::inspect(r)?;
        if let Some(t) = &a.format {
            println!("{}", ctrkit::template::render(t, &v)?);
        }
        all.push(v);
        Ok(())
    });
    if a.format.is_none() {
        println!("{}", serde_json::to_string_pretty(&all).map_err(|e| Error::invalid("inspect", e.to_string()))?);
    }
    status
}

pub fn stop(state: &Path, a: StopArgs) -> Result<Status> {
    let containers = a.containers.clone();
    for_each(state, &containers, |r| {
        stop::stop(r, Duration::from_secs(a.time))?;
        println!(
            "{}",
            containers.iter().find(|c| lookup::find_id(state, c).is_ok_and(|i| i == r.state.id)).unwrap_or(&r.state.id)
        );
        Ok(())
    })
}

pub fn kill(state: &Path, a: KillArgs) -> Result<Status> {
    for_each(state, &a.containers, |r| {
        signal::kill(r, a.signal)?;
        println!("{}", r.state.id);
        Ok(())
    })
}

pub fn rm(state: &Path, a: RmArgs) -> Result<Status> {
    if a.volumes {
        eprintln!("ctrkit: rm -v: containers have no anonymous volumes yet; nothing extra to remove");
    }
    for_each(state, &a.containers, |r| {
        remove::remove(state, r, a.force)?;
        println!("{}", r.state.id);
        Ok(())
    })
}

pub fn logs(state: &Path, a: LogsArgs) -> Result<Status> {
    let tail = match a.tail.as_str() {
        "all" => None,
        n => Some(n.parse().map_err(|_| Error::invalid(format!("--tail {n:?}"), "a number of lines, or all"))?),
    };
    let rec = lookup::find(state, &a.container)?;
    let o = LogOptions { tail, timestamps: a.timestamps, follow: a.follow };
    logs::print(&rec, o, &mut std::io::stdout(), &mut std::io::stderr())?;
    Ok(Status::Exited(0))
}

/// attach: a container run with `-d -i` (or `run -it`): our stdin to its stdin, its output to
/// us, our window size to its pty, our signals to it (--sig-proxy), ctrl-p ctrl-q detaches
/// (exit 0); else (no attach socket) its output from now until it ends. Either way the exit
/// code is the container's.
pub fn attach(state: &Path, a: AttachArgs) -> Result<Status> {
    let rec = lookup::find(state, &a.container)?;
    signal::open_container(&rec)?;
    if let Some(code) = attach_client::attach(&rec, a.sig_proxy)? {
        return Ok(Status::Exited(code));
    }
    let o = LogOptions { tail: Some(0), timestamps: false, follow: true };
    logs::print(&rec, o, &mut std::io::stdout(), &mut std::io::stderr())?;
    let code = wait::wait(&rec)?;
    Ok(Status::Exited(code))
}

pub fn exec(state: &Path, a: ExecArgs) -> Result<Status> {
    let rec = lookup::find(state, &a.container)?;
    let o = ExecOptions {
        interactive: a.interactive,
        tty: a.tty,
        env: a.env,
        workdir: a.workdir,
        user: a.user,
        command: a.command,
    };
    exec_in::exec_in(&rec, &o)
}

pub fn top(state: &Path, a: OneArgs) -> Result<Status> {
    let rec = lookup::find(state, &a.container)?;
    print!("{}", top::render(&top::processes(&rec)?));
    Ok(Status::Exited(0))
}

/// docker port: the published ports of a running container (none once it ended).
pub fn port(state: &Path, a: PortArgs) -> Result<Status> {
    let rec = lookup::find(state, &a.container)?;
    if !ctrkit::container::liveness::is_running(&rec.state) {
        return Ok(Status::Exited(0));
    }
    let ports = &rec.state.network.ports;
    match &a.port {
        None => ports.iter().for_each(|p| println!("{p}")),
        Some(wanted) => {
            let key = if wanted.contains('/') { wanted.clone() } else { format!("{wanted}/tcp") };
            let found: Vec<_> = ports.iter().filter(|p| p.key() == key).collect();
            if found.is_empty() {
                return Err(Error::invalid(
                    format!("port {wanted}"),
                    format!("{} publishes no such port", a.container),
                ));
            }
            found.iter().for_each(|p| println!("{}", std::net::SocketAddr::new(p.host_ip, p.host_port)));
        }
    }
    Ok(Status::Exited(0))
}

pub fn wait(state: &Path, a: TargetsArgs) -> Result<Status> {
    for_each(state, &a.containers, |r| {
        println!("{}", wait::wait(r)?);
        Ok(())
    })
}

pub fn stats(state: &Path, a: StatsArgs) -> Result<Status> {
    let records: Vec<Record> = if a.containers.is_empty() {
        lookup::all(state)?.records.into_iter().filter(|r| ctrkit::container::liveness::is_running(&r.state)).collect()
    } else {
        a.containers.iter().map(|c| lookup::find(state, c)).collect::<Result<_>>()?
    };
    loop {
        let samples: Vec<_> =
            records.iter().map(|r| stats::sample(r, Duration::from_millis(500))).collect::<Result<_>>()?;
        print!("{}", stats::render(&samples));
        if a.no_stream {
            return Ok(Status::Exited(0));
        }
    }
}

pub fn info(root: &Path, state: &Path, a: InfoArgs) -> Result<Status> {
    let v = info::info(root, state)?;
    match &a.format {
        Some(t) => println!("{}", ctrkit::template::render(t, &v)?),
        None => print!("{}", info::render(&v)),
    }
    Ok(Status::Exited(0))
}

pub fn version() -> Result<Status> {
    let (release, arch) = info::kernel();
    let (mode, v) = info::cgroup_mode();
    println!("Client/Engine: ctrkit {}\n Kernel: {release}\n Arch: {arch}\n Cgroup mode: {mode} (version {v})\n Storage driver: overlay\n Runtime: ctr-run", env!("CARGO_PKG_VERSION"));
    Ok(Status::Exited(0))
}

/// `start`: run `ctr-run --start` for each container (it re-reads the arguments the
/// container was made with and runs it in the background under the same id and name).
pub fn start(root: &Path, state: &Path, ctr_run: &std::ffi::OsStr, a: TargetsArgs) -> Result<Status> {
    let mut failed = 0;
    for name in &a.containers {
        let status = std::process::Command::new(ctr_run)
            .arg("--start")
            .arg(name)
            .env("CTRKIT_ROOT", root)
            .env("CTRKIT_STATE", state)
            .status()
            .map_err(|e| Error::io("run", ctr_run.to_string_lossy(), e))?;
        failed += usize::from(!status.success());
    }
    Ok(Status::Exited(if failed == 0 { 0 } else { 125 }))
}

/// `restart`: stop (SIGTERM, then SIGKILL after -t seconds), then start.
pub fn restart(root: &Path, state: &Path, ctr_run: &std::ffi::OsStr, a: StopArgs) -> Result<Status> {
    for name in &a.containers {
        let record = lookup::find(state, name)?;
        stop::stop(&record, Duration::from_secs(a.time))?;
    }
    start(root, state, ctr_run, TargetsArgs { containers: a.containers })
}
