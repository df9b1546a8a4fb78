//! ctr-oci — an OCI runtime: runc's command line (create, start, state, kill, delete, exec,
//! ps, list, features, spec) over the library's container code, so podman and containerd can
//! run containers with it.
//!
//! Each verb is one library call (lib/src/oci/: create.rs holds the runtime/init protocol
//! table, init.rs the container's steps, state.rs the observed states). Errors go to stderr as
//! `ctr-oci: …` and, with `--log FILE`, to FILE as text or JSON lines (oci/log.rs).
//! Man page: bins/ctr-oci/README.md.
#![forbid(unsafe_code)]

#[path = "../common/mod.rs"]
mod common;

use clap::{Parser, Subcommand, ValueEnum};
use ctrkit::container::signal;
use ctrkit::oci::create::{CreateOptions, Refused};
use ctrkit::oci::exec::ExecOptions;
use ctrkit::oci::log::{Format, Log};
use ctrkit::oci::{self, state};
use ctrkit::process::Status;
use ctrkit::{explain, Error, Result};
use std::path::PathBuf;
use std::process::ExitCode;

const TOOL: &str = "ctr-oci";

#[derive(Parser)]
#[command(
    name = TOOL,
    version,
    about = "An OCI runtime (runc's command line) over ctrkit's container code",
    long_about = "Create, start, signal, inspect and delete containers from OCI bundles, as runc does, \
                  so that podman (--runtime) and containerd (the runc shim's BinaryName) can drive it. \
                  State lives under --root (default /run/ctrkit-oci).",
    after_help = "Examples:\n  mkdir -p b/rootfs && cp -a /srv/busybox/. b/rootfs && cd b && ctr-oci spec\n  \
                  ctr-oci create --bundle b c1 && ctr-oci start c1 && ctr-oci state c1\n  \
                  ctr-oci kill c1 KILL && ctr-oci delete c1\n  \
                  podman --runtime $(command -v ctr-oci) --cgroup-manager cgroupfs run --rm IMAGE true"
)]
struct Args {
    /// Where containers' state lives
    #[arg(long, global = true, value_name = "DIR", default_value = state::DEFAULT_ROOT)]
    root: PathBuf,
    /// Also write errors and warnings to FILE
    #[arg(long, global = true, value_name = "FILE")]
    log: Option<PathBuf>,
    /// The format of --log lines
    #[arg(long, global = true, value_name = "FORMAT", default_value = "text")]
    log_format: LogFormat,
    /// Use systemd for cgroups (not supported: refused with a clear error)
    #[arg(long, global = true)]
    systemd_cgroup: bool,
    /// Accepted for runc compatibility (no extra output)
    #[arg(long, global = true)]
    debug: bool,
    /// Print each kernel operation as it happens (stderr)
    #[arg(long, global = true)]
    explain: bool,
    #[command(subcommand)]
    verb: Verb,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Verb {
    /// Create a container from a bundle; it waits for `start`
    Create {
        /// The bundle directory (holding config.json)
        #[arg(short, long, value_name = "DIR", default_value = ".")]
        bundle: PathBuf,
        /// Write the container's pid here
        #[arg(long, value_name = "FILE")]
        pid_file: Option<PathBuf>,
        /// Send the pty master to this AF_UNIX socket (process.terminal)
        #[arg(long, value_name = "SOCKET")]
        console_socket: Option<PathBuf>,
        /// Pass N more fds (3…3+N-1) to the container
        #[arg(long, value_name = "N", default_value_t = 0)]
        preserve_fds: u16,
        /// Accepted for runc compatibility (no session keyring is created anyway)
        #[arg(long)]
        no_new_keyring: bool,
        /// The container's id
        id: String,
    },
    /// Start a created container's process
    Start { id: String },
    /// Print a container's state as the OCI spec's JSON
    State { id: String },
    /// Send a signal (default TERM) to a container's init
    Kill {
        /// Send it to every process in the container
        #[arg(short, long)]
        all: bool,
        id: String,
        #[arg(default_value = "TERM")]
        signal: String,
    },
    /// Delete a container (--force: even a running one)
    Delete {
        #[arg(short, long)]
        force: bool,
        id: String,
    },
    /// Run a new process in a running container
    Exec {
        /// A config.json `process` object to run
        #[arg(short, long, value_name = "FILE")]
        process: Option<PathBuf>,
        /// Do not wait: print nothing, exit 0 once the process runs
        #[arg(short, long)]
        detach: bool,
        /// Write the process's pid here
        #[arg(long, value_name = "FILE")]
        pid_file: Option<PathBuf>,
        /// Send the pty master to this AF_UNIX socket
        #[arg(long, value_name = "SOCKET")]
        console_socket: Option<PathBuf>,
        /// Give the process a terminal (without --process)
        #[arg(short, long)]
        tty: bool,
        /// The working directory (without --process)
        #[arg(long, value_name = "DIR")]
        cwd: Option<PathBuf>,
        /// NAME=VALUE to add (without --process)
        #[arg(short, long, value_name = "NAME=VALUE")]
        env: Vec<String>,
        #[arg(long, value_name = "N", default_value_t = 0)]
        preserve_fds: u16,
        id: String,
        /// The command (without --process)
        #[arg(trailing_var_arg = true)]
        command: Vec<String>,
    },
    /// List the processes of a container
    Ps {
        #[arg(short, long, default_value = "table")]
        format: ListFormat,
        id: String,
        /// ps(1) options (not supported: pids only)
        #[arg(trailing_var_arg = true, hide = true)]
        ps_args: Vec<String>,
    },
    /// List the containers under --root
    List {
        #[arg(short, long, default_value = "table")]
        format: ListFormat,
        /// Print the ids only
        #[arg(short, long)]
        quiet: bool,
    },
    /// Print what this runtime supports (features.md JSON)
    Features,
    /// Write a default config.json into the bundle directory
    Spec {
        #[arg(short, long, value_name = "DIR", default_value = ".")]
        bundle: PathBuf,
        /// Accepted for runc compatibility (not supported: refused)
        #[arg(long)]
        rootless: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ListFormat {
    Table,
    Json,
}

fn main() -> ExitCode {
    common::main::<Args>(TOOL, run)
}

/// The verb, with its error also written to --log (the clients read it there).
fn run(args: Args) -> Result<Status> {
    let log = Log {
        file: args.log.clone(),
        format: match args.log_format {
            LogFormat::Text => Format::Text,
            LogFormat::Json => Format::Json,
        },
    };
    let outcome = verb(args, &log);
    if let Err(e) = &outcome {
        log.write("error", &e.to_string());
    }
    outcome
}

fn json(value: serde_json::Result<String>) -> Result<String> {
    value.map_err(|e| Error::invalid("output", e.to_string()))
}

fn verb(args: Args, log: &Log) -> Result<Status> {
    explain::set_explain(args.explain);
    if args.systemd_cgroup {
        return Err(Error::invalid("--systemd-cgroup", "the systemd cgroup driver is not supported by ctr-oci")
            .with_hint(
                "use the cgroupfs driver: podman --cgroup-manager cgroupfs; containerd: SystemdCgroup = false",
            ));
    }
    let warn = |msg: &str| {
        eprintln!("{TOOL}: {msg}");
        log.write("warning", msg);
    };
    let root = args.root;
    match args.verb {
        Verb::Create { bundle, pid_file, console_socket, preserve_fds, no_new_keyring: _, id } => {
            let o = CreateOptions { root, id, bundle, pid_file, console_socket, preserve_fds: preserve_fds as i32 };
            match oci::create::create(&o) {
                Ok(_) => Ok(Status::Exited(0)),
                Err(Refused::Failed(e)) => Err(e),
                Err(Refused::NotFound(e)) => {
                    eprintln!("{TOOL}: {e}");
                    log.write("error", &e.to_string());
                    Ok(Status::Exited(ctrkit::process::exec::NOT_FOUND as i32))
                }
            }
        }
        Verb::Start { id } => oci::start::start(&root, &id, warn).map(|_| Status::Exited(0)),
        Verb::State { id } => {
            let dir = state::existing(&root, &id)?;
            let r = state::read(&dir)?;
            let text = serde_json::to_string_pretty(&state::shown(&r, state::status(&dir, &r)))
                .map_err(|e| Error::invalid("state", e.to_string()))?;
            println!("{text}");
            Ok(Status::Exited(0))
        }
        Verb::Kill { all, id, signal } => {
            let sig = signal::parse(&signal)?;
            oci::kill::kill(&root, &id, sig, all).map(|_| Status::Exited(0))
        }
        Verb::Delete { force, id } => oci::delete::delete(&root, &id, force, warn).map(|_| Status::Exited(0)),
        Verb::Exec { process, detach, pid_file, console_socket, tty, cwd, env, preserve_fds, id, command } => {
            let o = ExecOptions {
                root,
                id,
                process_file: process,
                args: command,
                tty,
                cwd,
                env,
                detach,
                pid_file,
                console_socket,
                preserve_fds: preserve_fds as i32,
            };
            oci::exec::exec(&o)
        }
        Verb::Ps { format, id, ps_args: _ } => {
            let pids = oci::kill::ps(&root, &id)?;
            match format {
                ListFormat::Json => println!("{}", json(serde_json::to_string(&pids))?),
                ListFormat::Table => {
                    println!("PID");
                    pids.iter().for_each(|p| println!("{p}"));
                }
            }
            Ok(Status::Exited(0))
        }
        Verb::List { format, quiet } => {
            let all = oci::list::list(&root)?;
            if quiet {
                all.iter().for_each(|(r, _)| println!("{}", r.id));
            } else if let ListFormat::Json = format {
                let shown: Vec<_> = all.iter().map(|(r, s)| state::shown(r, *s)).collect();
                println!("{}", json(serde_json::to_string(&shown))?);
            } else {
                println!("{:<24} {:<8} {:<9} {:<40} CREATED", "ID", "PID", "STATUS", "BUNDLE");
                for (r, s) in &all {
                    let shown = state::shown(r, *s);
                    println!("{:<24} {:<8} {:<9} {:<40} {}", r.id, shown.pid, s, r.bundle.display(), r.created);
                }
            }
            Ok(Status::Exited(0))
        }
        Verb::Features => {
            println!("{}", serde_json::to_string_pretty(&oci::features::document()).unwrap_or_default());
            Ok(Status::Exited(0))
        }
        Verb::Spec { bundle, rootless } => {
            if rootless {
                return Err(Error::invalid("--rootless", "rootless containers are not supported by ctr-oci"));
            }
            oci::default_spec::write(&bundle, &oci::default_spec::default(true))?;
            Ok(Status::Exited(0))
        }
    }
}
