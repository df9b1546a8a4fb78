//! img-pull — pull an image from a registry (OCI distribution API v2) into the image store:
//! manifest → blobs, every digest and size verified as the bytes arrive, blobs the store
//! already holds never fetched again; then stored by the same code as img-unpack. Our
//! `docker pull`.
//!
//! Steps (each in ctrkit::registry, see its files): parse the reference → GET /v2/ (and a
//! token, if the registry asks) → GET the manifest (an index: this machine's entry) → GET the
//! config and each missing layer blob, verified while streaming → stage an OCI layout →
//! image::unpack into the store → report. Man page: bins/img-pull/README.md.
#![forbid(unsafe_code)]

#[path = "../common/mod.rs"]
mod common;

use clap::Parser;
use ctrkit::image::{Limits, Store};
use ctrkit::process::Status;
use ctrkit::registry::{self, Credentials, PullRequest};
use ctrkit::{explain, Result};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

const TOOL: &str = "img-pull";

#[derive(Parser)]
#[command(
    name = TOOL,
    version,
    about = "Pull an image from a registry into the layer store, every blob verified",
    long_about = "Pull REFERENCE from a registry speaking the OCI distribution API v2 (docker's \
                  registry, zot, Docker Hub, ghcr.io, …): the manifest (this machine's entry of a \
                  multi-platform index), the config and each layer blob the store does not already \
                  hold, every size and sha256 verified as it arrives. The image is then stored exactly \
                  as img-unpack stores one, tagged with REFERENCE as docker shows it.",
    after_help = "Examples:\n  img-pull 127.0.0.1:5000/demo:1\n  img-pull --json --store /tmp/store localhost:5000/team/app@sha256:…\n  CTRKIT_REGISTRY_AUTH=user:pass img-pull registry.example.com/private/app"
)]
struct Args {
    /// The image store (default: ${CTRKIT_ROOT:-/var/lib/ctrkit}/store)
    #[arg(long, value_name = "DIR")]
    store: Option<PathBuf>,
    /// Print one JSON object describing the stored image on stdout (as img-unpack --json)
    #[arg(long)]
    json: bool,
    /// Print each request and kernel operation as it happens (stderr)
    #[arg(long)]
    explain: bool,
    /// Print nothing on success (no status lines, no progress)
    #[arg(short, long)]
    quiet: bool,
    /// Allow plain http to a registry that is not on this machine (loopback always uses http)
    #[arg(long)]
    insecure: bool,
    /// Credentials for Basic auth or the token endpoint (default: $CTRKIT_REGISTRY_AUTH)
    #[arg(long, value_name = "USER:PASS")]
    user_pass: Option<String>,
    /// NAME[:TAG] or NAME@sha256:DIGEST, as docker writes it: 127.0.0.1:5000/demo:1, busybox
    #[arg(value_name = "REFERENCE")]
    reference: String,
}

fn main() -> ExitCode {
    common::main(TOOL, run)
}

fn run(args: Args) -> Result<Status> {
    explain::set_explain(args.explain);
    // Checked before anything touches the store or the network.
    registry::Reference::parse(&args.reference)?;
    let credentials = match &args.user_pass {
        Some(text) => Some(Credentials::parse(text, "--user-pass")?),
        None => Credentials::from_env()?,
    };
    let quiet = args.quiet || args.json;
    let request = PullRequest {
        reference: args.reference.clone(),
        store: args.store.clone().unwrap_or_else(Store::default_root),
        insecure: args.insecure,
        credentials,
        limits: Limits::default(),
        progress: std::io::stderr().is_terminal() && !quiet,
        status: !args.quiet,
    };
    let pulled = registry::pull(&request)?;
    if args.json {
        println!("{}", serde_json::to_string(&pulled.report).unwrap_or_default());
    }
    Ok(Status::Exited(0))
}
