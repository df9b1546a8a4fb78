//! ctrkit — the docker-like front end. Image verbs (images.rs) and container verbs
//! (containers.rs: ps inspect stop kill rm logs attach exec top wait stats info version) are
//! implemented here over the library; `run` and any other verb runs the matching tool git-style: `ctrkit run` execs ctr-run,
//! `ctrkit VERB ARGS…` execs `ctrkit-VERB` (found next to this binary, then on $PATH), so new
//! verbs are new small tools.
//! Global `--root` (images, records; $CTRKIT_ROOT, default /var/lib/ctrkit) and `--state`
//! (runtime state; $CTRKIT_STATE, default /run/ctrkit) are passed on in the environment.
//! Man page: README.md here.
#![forbid(unsafe_code)]

#[path = "../common/mod.rs"]
mod common;
mod containers;
mod images;

use clap::{Parser, Subcommand};
use ctrkit::process::{self, Status};
use ctrkit::{Error, Result};
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

const TOOL: &str = "ctrkit";

#[derive(Parser)]
#[command(
    name = TOOL,
    version,
    about = "A docker-like front end over the ctrkit tools",
    after_help = "`ctrkit run` runs ctr-run; other verbs run the tool ctrkit-VERB, git-style.\n\nExamples:\n  ctrkit run --rm demo echo hello world\n  ctrkit load -i demo.tar\n  ctrkit images\n  ctrkit tag demo:latest mine:1\n  ctrkit save -o out.tar demo\n  ctrkit rmi mine:1\n  ctrkit pull 127.0.0.1:5000/demo:1"
)]
struct Args {
    /// Where images and container records live
    #[arg(long, global = true, env = "CTRKIT_ROOT", default_value = "/var/lib/ctrkit", value_name = "DIR")]
    root: PathBuf,
    /// Where runtime state lives
    #[arg(long, global = true, env = "CTRKIT_STATE", default_value = "/run/ctrkit", value_name = "DIR")]
    state: PathBuf,
    /// Print each kernel operation as it happens (stderr)
    #[arg(long, global = true)]
    explain: bool,
    #[command(subcommand)]
    verb: Verb,
}

#[derive(Subcommand)]
enum Verb {
    /// Load an image from a docker-save or OCI archive (a file, or stdin)
    Load(images::LoadArgs),
    /// Save images to a docker-save archive
    Save(images::SaveArgs),
    /// List images
    Images(images::ListArgs),
    /// Tag an image: ctrkit tag SOURCE TARGET
    Tag(images::TagArgs),
    /// Remove images
    Rmi(images::RmiArgs),
    /// Pull an image from a registry (OCI distribution API)
    Pull(images::PullArgs),
    /// Image commands: ls, inspect, rm, tag, load, save
    #[command(subcommand)]
    Image(images::ImageVerb),
    /// List containers
    Ps(containers::PsArgs),
    /// Show containers as JSON (docker's shape)
    Inspect(containers::InspectArgs),
    /// Stop containers: SIGTERM, then SIGKILL after -t seconds
    Stop(containers::StopArgs),
    /// Send a signal to containers (default KILL)
    Kill(containers::KillArgs),
    /// Remove containers
    Rm(containers::RmArgs),
    /// Print a container's output
    Logs(containers::LogsArgs),
    /// Connect to a running container (stdin too if run with -i; ctrl-p ctrl-q detaches)
    Attach(containers::AttachArgs),
    /// Run a command in a running container
    Exec(containers::ExecArgs),
    /// The processes of a container
    Top(containers::OneArgs),
    /// A container's published ports: `80/tcp -> 0.0.0.0:8080`
    Port(containers::PortArgs),
    /// Wait for containers to end; print their exit codes
    Wait(containers::TargetsArgs),
    /// CPU, memory and pids of containers, from their cgroups
    Stats(containers::StatsArgs),
    /// The host: cgroup mode, storage driver, kernel, namespaces; counts
    Info(containers::InfoArgs),
    /// ctrkit's version, the kernel and the cgroup mode
    Version,
    /// Create a container without starting it: `ctrkit create [run's flags] IMAGE [COMMAND…]`
    Create {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true, value_name = "ARGS")]
        args: Vec<OsString>,
    },
    /// Start containers (created, or ended) in the background, as they were made
    Start(containers::TargetsArgs),
    /// Stop containers and start them again
    Restart(containers::StopArgs),
    /// Any other verb: runs ctrkit-VERB
    #[command(external_subcommand)]
    Other(Vec<OsString>),
}

fn main() -> ExitCode {
    common::main(TOOL, run)
}

fn run(args: Args) -> Result<Status> {
    ctrkit::explain::set_explain(args.explain);
    let store = args.root.join("store");
    match args.verb {
        Verb::Load(a) => images::load(&store, a),
        Verb::Save(a) => images::save(&store, a),
        Verb::Images(a) => images::list(&store, a),
        Verb::Tag(a) => images::tag(&store, a),
        Verb::Rmi(a) => images::rmi(&store, &args.state, a),
        Verb::Pull(a) => images::pull(&store, a),
        Verb::Image(v) => images::image(&store, &args.state, v),
        Verb::Ps(a) => containers::ps(&args.state, a),
        Verb::Inspect(a) => containers::inspect(&args.state, a),
        Verb::Stop(a) => containers::stop(&args.state, a),
        Verb::Kill(a) => containers::kill(&args.state, a),
        Verb::Rm(a) => containers::rm(&args.state, a),
        Verb::Logs(a) => containers::logs(&args.state, a),
        Verb::Attach(a) => containers::attach(&args.state, a),
        Verb::Exec(a) => containers::exec(&args.state, a),
        Verb::Top(a) => containers::top(&args.state, a),
        Verb::Port(a) => containers::port(&args.state, a),
        Verb::Wait(a) => containers::wait(&args.state, a),
        Verb::Stats(a) => containers::stats(&args.state, a),
        Verb::Info(a) => containers::info(&args.root, &args.state, a),
        Verb::Version => containers::version(),
        Verb::Create { args: rest } => {
            let mut argv = vec![OsString::from("run"), OsString::from("--create")];
            argv.extend(rest);
            dispatch(&args.root, &args.state, argv)
        }
        Verb::Start(a) => containers::start(&args.root, &args.state, &tool("ctr-run")?, a),
        Verb::Restart(a) => containers::restart(&args.root, &args.state, &tool("ctr-run")?, a),
        Verb::Other(argv) => dispatch(&args.root, &args.state, argv),
    }
}

/// Run `ctrkit-VERB` with the rest of the arguments, the roots passed in the environment.
fn dispatch(root: &std::path::Path, state: &std::path::Path, argv: Vec<OsString>) -> Result<Status> {
    let verb = argv.first().map(|v| v.to_string_lossy().into_owned()).unwrap_or_default();
    if verb.is_empty() || !verb.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') {
        return Err(Error::invalid(format!("verb '{verb}'"), "unknown (see ctrkit --help)"));
    }
    // Verbs whose tool has a name of its own; every other verb is ctrkit-VERB.
    let name = match verb.as_str() {
        "run" => "ctr-run".to_string(),
        _ => format!("ctrkit-{verb}"),
    };
    let program = tool(&name)
        .map_err(|_| Error::invalid(format!("verb '{verb}'"), "unknown: no such ctrkit command (see ctrkit --help)"))?;
    std::env::set_var("CTRKIT_ROOT", root);
    std::env::set_var("CTRKIT_STATE", state);
    let mut command = vec![program];
    command.extend(argv.into_iter().skip(1));
    process::exec_or_exit(TOOL, &command)
}

/// Where a tool is: next to this binary, else on $PATH.
fn tool(name: &str) -> Result<OsString> {
    let beside = std::env::current_exe().ok().and_then(|exe| exe.parent().map(|d| d.join(name)));
    match beside.filter(|p| p.exists()) {
        Some(p) => Ok(p.into_os_string()),
        None if on_path(name) => Ok(OsString::from(name)),
        None => Err(Error::invalid(name, "not found next to ctrkit or on $PATH")),
    }
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH").map(|paths| std::env::split_paths(&paths).any(|d| d.join(tool).is_file())).unwrap_or(false)
}
