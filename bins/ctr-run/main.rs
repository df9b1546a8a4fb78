//! ctr-run — run a container from a root directory or stored image layers; our `docker run`.
//!
//! Steps (lib/src/container/create.rs holds the protocol table, child.rs the child's order):
//! check flags → resolve user, build the OCI spec, compile seccomp → state dir, config.json,
//! cgroup → unshare(NEWPID) + fork → child: namespaces, overlay root, mounts, pivot_root,
//! privileges, exec → parent: join cgroup, wait, record the exit, clean up.
//! Man page: bins/ctr-run/README.md.
#![forbid(unsafe_code)]

#[path = "../common/mod.rs"]
mod common;

use clap::Parser;
use ctrkit::cgroup::{cpulist, limits, CpuQuota, Limits};
use ctrkit::container::create::{self, Outcome};
use ctrkit::container::etc_files::Dns;
use ctrkit::container::image_config::{self, ImageDefaults};
use ctrkit::container::options::{ImageRef, Io, RootSource, RunOptions};
use ctrkit::container::volume::Volume;
use ctrkit::container::{detach, foreground, lookup, network, pipeline};
use ctrkit::net::publish::PortMap;
use ctrkit::process::Status;
use ctrkit::{explain, Error, Result};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const TOOL: &str = "ctr-run";

#[derive(Parser)]
#[command(
    name = TOOL,
    version,
    about = "Run a command in a new container (like docker run)",
    long_about = "Run COMMAND in a new container whose root is an overlay over --rootfs DIR (never \
                  modified) or over stored image layers (--layers-json), in new mount, UTS, IPC, pid, \
                  cgroup and network namespaces (--network: only lo by default, or on the ctrkit0 bridge), under a cgroup with the given limits, with \
                  docker's default capabilities, masked paths and seccomp profile.",
    after_help = "Examples:\n  ctr-run --rm demo echo hello world\n  \
                  ctr-run --rm --rootfs /srv/busybox -- sh -c 'hostname; ps'\n  \
                  ctr-run --rm -it --rootfs /srv/busybox sh\n  \
                  ctr-run --rm --memory 32M --pids-limit 64 -u 1000 --rootfs DIR -- id\n  \
                  img-unpack --store S --json demo.tar | ctr-run --rm --layers-json - -- echo hi\n  \
                  ctr-run -d --name web --rootfs DIR -- httpd -f\n  \
                  ctr-run -d --name web -p 8080:80 demo httpd -f -p 80\n  \
                  ctr-run --print-pipeline --memory 64M --rootfs DIR -- sh"
)]
struct Args {
    /// The root directory to run instead of an IMAGE (an overlay goes over it; it is never modified)
    #[arg(long, value_name = "DIR", conflicts_with = "layers_json")]
    rootfs: Option<PathBuf>,
    /// img-unpack's --json output (FILE, or - for stdin): its layers become the root, its config the defaults
    #[arg(long, value_name = "FILE|-")]
    layers_json: Option<PathBuf>,
    /// An image config object (Env, Cmd, Entrypoint, WorkingDir, User) to take defaults from
    #[arg(long, value_name = "FILE")]
    image_config: Option<PathBuf>,
    /// Keep stdin open
    #[arg(short = 'i', long)]
    interactive: bool,
    /// Give the container a pseudo-terminal
    #[arg(short = 't', long)]
    tty: bool,
    /// Run in the background; print the container id
    #[arg(short = 'd', long)]
    detach: bool,
    /// Remove the container's state when it exits
    #[arg(long)]
    rm: bool,
    /// The container's name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Set an environment variable (NAME=VALUE, or NAME to copy ours)
    #[arg(short = 'e', long = "env", value_name = "NAME[=VALUE]")]
    env: Vec<String>,
    /// The working directory inside the container (absolute)
    #[arg(short = 'w', long = "workdir", value_name = "DIR")]
    workdir: Option<String>,
    /// The user: NAME, UID, NAME:GROUP or UID:GID (looked up in the image)
    #[arg(short = 'u', long = "user", value_name = "USER")]
    user: Option<String>,
    /// Bind-mount a host path: HOST:CONTAINER[:ro]
    #[arg(short = 'v', long = "volume", value_name = "HOST:CTR[:ro]", value_parser = parse_volume)]
    volumes: Vec<Volume>,
    /// The container's hostname (default: the short id)
    #[arg(long, value_name = "NAME")]
    hostname: Option<String>,
    /// Memory limit (e.g. 32M)
    #[arg(short = 'm', long, value_name = "SIZE", allow_hyphen_values = true, value_parser = parse_size)]
    memory: Option<u64>,
    /// CPUs the container may use (e.g. 0.5)
    #[arg(long, value_name = "N.N", allow_hyphen_values = true, value_parser = parse_cpus)]
    cpus: Option<CpuQuota>,
    /// Most processes and threads at once
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = parse_pids)]
    pids_limit: Option<u64>,
    /// Mount the root read-only
    #[arg(long)]
    read_only: bool,
    /// The network: none (only lo), host, bridge, container:NAME [default: none; bridge with -p/-P]
    #[arg(long, value_name = "MODE", env = "CTRKIT_NETWORK", hide_env_values = true)]
    network: Option<String>,
    /// Publish a container port on the host: [IP:]HOST_PORT:CONTAINER_PORT[/tcp|/udp], or CONTAINER_PORT
    #[arg(short = 'p', long = "publish", value_name = "[IP:]HOST:CTR[/PROTO]")]
    publish: Vec<String>,
    /// Publish every port the image EXPOSEs, each on a free host port
    #[arg(short = 'P', long)]
    publish_all: bool,
    /// A DNS server for the container's resolv.conf (instead of the host's file)
    #[arg(long, value_name = "ADDRESS")]
    dns: Vec<std::net::IpAddr>,
    /// A DNS search domain for resolv.conf
    #[arg(long, value_name = "DOMAIN")]
    dns_search: Vec<String>,
    /// A resolv.conf option (e.g. ndots:2)
    #[arg(long, value_name = "OPTION")]
    dns_option: Vec<String>,
    /// Add a capability (or ALL)
    #[arg(long, value_name = "CAP")]
    cap_add: Vec<String>,
    /// Drop a capability (or ALL)
    #[arg(long, value_name = "CAP")]
    cap_drop: Vec<String>,
    /// Replace the image's entrypoint ("" clears it)
    #[arg(long, value_name = "CMD")]
    entrypoint: Option<String>,
    /// Run a small init as pid 1 that reaps zombies and forwards signals
    #[arg(long)]
    init: bool,
    /// seccomp=unconfined, no-new-privileges
    #[arg(long, value_name = "OPT")]
    security_opt: Vec<String>,
    /// Print the equivalent pipeline of the small ctrkit tools, and exit
    #[arg(long)]
    print_pipeline: bool,
    /// Make the container (state, name, config) but do not start it; print its id (`ctrkit create`)
    #[arg(long, conflicts_with_all = ["detach", "print_pipeline"])]
    create: bool,
    /// Start an existing container in the background, as it was made (`ctrkit start`)
    #[arg(long, value_name = "CONTAINER", conflicts_with_all = ["create", "rootfs", "layers_json", "command"])]
    start: Option<String>,
    /// Print each kernel operation as it happens (stderr)
    #[arg(long)]
    explain: bool,
    /// IMAGE (from the store; `demo` is built in) then the command and its arguments (default:
    /// the image's). With --rootfs or --layers-json there is no IMAGE: all of it is the command.
    #[arg(trailing_var_arg = true, value_name = "IMAGE] [COMMAND")]
    command: Vec<String>,
}

fn main() -> ExitCode {
    common::main::<Args>(TOOL, run)
}

fn run(args: Args) -> Result<Status> {
    explain::set_explain(args.explain);
    if let Some(query) = &args.start {
        return start(query);
    }
    let mut options = options(&args)?;
    // Kept in the state dir, so `start` can run the container again as it was asked for.
    options.args = std::env::args().skip(1).filter(|a| a != "--create").collect();
    if args.create {
        println!("{}", create::create_only(&options)?);
        return Ok(Status::Exited(0));
    }
    if args.print_pipeline {
        options.check()?;
        println!("{}", pipeline::render(&options));
        return Ok(Status::Exited(0));
    }
    if args.detach {
        println!("{}", detach::run_detached(&options)?);
        return Ok(Status::Exited(0));
    }
    match foreground::run(&options)? {
        Outcome::Exited(status) => Ok(status),
        // The command could not be run inside: say why, exit 126/127 like a shell.
        Outcome::ExecFailed { code, error } => {
            eprintln!("{TOOL}: {error}");
            Ok(Status::Exited(code as i32))
        }
        // -it and ctrl-p ctrl-q: the container runs on, as after `-d`.
        Outcome::Detached => Ok(Status::Exited(0)),
    }
}

/// `--start`: run an existing container again, in the background, from the arguments it
/// was made with (its `run-args.json`), under its own id, name and writable layer.
fn start(query: &str) -> Result<Status> {
    let state_root = state_root();
    let record = lookup::find(&state_root, query)?;
    if ctrkit::container::liveness::is_running(&record.state) {
        return Err(Error::invalid(format!("container {query}"), "is already running"));
    }
    let file = record.dir.join("run-args.json");
    let text = std::fs::read_to_string(&file).map_err(|e| {
        Error::io("read", file.display(), e).with_hint("this container's arguments were not recorded: run a new one")
    })?;
    let stored: Vec<String> = serde_json::from_str(&text)
        .map_err(|e| Error::invalid(file.display(), format!("not a JSON list of arguments: {e}")))?;
    let again = Args::try_parse_from(std::iter::once(TOOL.to_string()).chain(stored.iter().cloned())).map_err(|e| {
        Error::invalid(file.display(), e.to_string().lines().next().unwrap_or("bad arguments").to_string())
    })?;
    let mut options = options(&again)?;
    options.id = Some(record.state.id.clone());
    options.name = Some(record.state.name.clone());
    options.io = Io::Log { tty: again.tty, stdin: again.interactive };
    options.args = stored;
    detach::run_detached(&options)?;
    println!("{query}");
    Ok(Status::Exited(0))
}

fn state_root() -> PathBuf {
    std::env::var_os("CTRKIT_STATE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| "/run/ctrkit".into())
}

fn options(a: &Args) -> Result<RunOptions> {
    let mut command = a.command.clone();
    let mut image_ref = None;
    let (root, mut image) = match (&a.rootfs, &a.layers_json) {
        (Some(dir), _) => (RootSource::Dir(dir.clone()), ImageDefaults::default()),
        (None, Some(file)) => {
            let text = read_arg(file)?;
            let (dirs, defaults) = image_config::parse_unpack_json("--layers-json", &text)?;
            (RootSource::Layers(dirs), defaults)
        }
        (None, None) if !command.is_empty() => {
            let reference = command.remove(0);
            let store = ctrkit::image::Store::default_root();
            let (dirs, defaults) = image_config::from_store(&store, &reference)?;
            // Recorded in state.json: `ps` shows it, `rmi` refuses while it is in use.
            let id = ctrkit::image::tag::find(&ctrkit::image::Store::open(&store)?, &reference)?.id;
            image_ref = Some(ImageRef { name: reference, id: id.as_str().to_string() });
            (RootSource::Layers(dirs), defaults)
        }
        (None, None) => return Err(Error::invalid("IMAGE", "give an IMAGE, --rootfs DIR or --layers-json FILE")),
    };
    if let Some(file) = &a.image_config {
        image = ImageDefaults::parse("--image-config", &read_arg(file)?)?;
    }
    let mut seccomp = true;
    let mut no_new_privileges = false;
    for opt in &a.security_opt {
        match opt.as_str() {
            "seccomp=unconfined" | "seccomp:unconfined" => seccomp = false,
            "no-new-privileges" | "no-new-privileges:true" | "no-new-privileges=true" => no_new_privileges = true,
            "no-new-privileges:false" | "no-new-privileges=false" => no_new_privileges = false,
            other => {
                return Err(Error::invalid(
                    format!("--security-opt {other:?}"),
                    "use seccomp=unconfined or no-new-privileges",
                ))
            }
        }
    }
    let mut publish = a.publish.iter().map(|p| PortMap::parse(p)).collect::<Result<Vec<_>>>()?;
    if a.publish_all {
        publish.extend(network::publish_all(&image.exposed_ports)?);
    }
    let network = match &a.network {
        Some(mode) => network::Mode::parse(mode)?,
        None if !publish.is_empty() => network::Mode::Bridge,
        None => network::Mode::None,
    };
    let io = match (a.detach, a.tty) {
        (true, tty) => Io::Log { tty, stdin: a.interactive },
        (false, true) => Io::Tty { stdin: a.interactive },
        (false, false) => Io::Inherit { stdin: a.interactive },
    };
    let state_root = state_root();
    Ok(RunOptions {
        name: a.name.clone(),
        root,
        image,
        image_ref,
        command,
        entrypoint: a.entrypoint.clone(),
        env: a.env.clone(),
        workdir: a.workdir.clone(),
        user: a.user.clone(),
        hostname: a.hostname.clone(),
        limits: Limits { memory: a.memory, cpus: a.cpus, pids: a.pids_limit, ..Default::default() },
        volumes: a.volumes.clone(),
        read_only: a.read_only,
        cap_add: a.cap_add.clone(),
        cap_drop: a.cap_drop.clone(),
        no_new_privileges,
        seccomp,
        io,
        init: a.init,
        remove: a.rm,
        network,
        publish,
        dns: Dns { servers: a.dns.clone(), search: a.dns_search.clone(), options: a.dns_option.clone() },
        state_root,
        id: None,
        args: Vec::new(),
    })
}

/// The text of FILE, or of stdin for `-`.
fn read_arg(file: &Path) -> Result<String> {
    if file == Path::new("-") {
        std::io::read_to_string(std::io::stdin()).map_err(|e| Error::io("read", "stdin", e))
    } else {
        std::fs::read_to_string(file).map_err(|e| Error::io("read", file.display(), e))
    }
}

fn reason(e: Error) -> String {
    e.cause.to_string()
}
fn parse_volume(s: &str) -> std::result::Result<Volume, String> {
    Volume::parse(s).map_err(|e| e.to_string())
}
fn parse_size(s: &str) -> std::result::Result<u64, String> {
    limits::parse_size(s).map_err(reason)
}
fn parse_cpus(s: &str) -> std::result::Result<CpuQuota, String> {
    let online = cpulist::online_cpus(Path::new("/")).map_err(|e| e.to_string())?;
    limits::parse_cpus(s, online.0.len()).map_err(reason)
}
fn parse_pids(s: &str) -> std::result::Result<u64, String> {
    limits::parse_pids(s).map_err(reason)
}
