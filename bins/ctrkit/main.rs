//! ctrkit — the docker-like front end. Image verbs are implemented here over the library
//! (images.rs); any other verb runs the matching tool git-style: `ctrkit run` execs ctr-run,
//! `ctrkit VERB ARGS…` execs `ctrkit-VERB` (found next to this binary, then on $PATH), so new
//! verbs are new small tools.
//! Global `--root` (images, records; $CTRKIT_ROOT, default /var/lib/ctrkit) and `--state`
//! (runtime state; $CTRKIT_STATE, default /run/ctrkit) are passed on in the environment.
//! Man page: README.md here.
#![forbid(unsafe_code)]

#[path = "../common/mod.rs"]
mod common;
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
        Verb::Rmi(a) => images::rmi(&store, a),
        Verb::Pull(a) => images::pull(&store, a),
        Verb::Image(v) => images::image(&store, v),
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
    let tool = match verb.as_str() {
        "run" => "ctr-run".to_string(),
        _ => format!("ctrkit-{verb}"),
    };
    let beside = std::env::current_exe().ok().and_then(|exe| exe.parent().map(|d| d.join(&tool)));
    let program = match beside.filter(|p| p.exists()) {
        Some(p) => p.into_os_string(),
        None if on_path(&tool) => OsString::from(&tool),
        None => {
            return Err(Error::invalid(format!("verb '{verb}'"), "unknown: no such ctrkit command (see ctrkit --help)"))
        }
    };
    std::env::set_var("CTRKIT_ROOT", root);
    std::env::set_var("CTRKIT_STATE", state);
    let mut command = vec![program];
    command.extend(argv.into_iter().skip(1));
    process::exec_or_exit(TOOL, &command)
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH").map(|paths| std::env::split_paths(&paths).any(|d| d.join(tool).is_file())).unwrap_or(false)
}
