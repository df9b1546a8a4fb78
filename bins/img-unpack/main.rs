//! img-unpack — unpack a container image archive: verify every digest, store its layers in a
//! content-addressed store (overlay form, each layer once) and/or flatten it into a root file
//! system directory. Our `skopeo copy` + `umoci unpack`.
//!
//! Steps (each in ctrkit::image, see its files): open the source → choose the image →
//! verify manifest and config → read each layer once (hash blob + diff_id while
//! decompressing) → extract (store: in parallel, into tmp/, then rename; --to: in order) →
//! report. Man page: bins/img-unpack/README.md.
#![forbid(unsafe_code)]

#[path = "../common/mod.rs"]
mod common;

use clap::Parser;
use ctrkit::image::{self, limits, Limits, Report, Request, Store};
use ctrkit::process::Status;
use ctrkit::{explain, Result};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

const TOOL: &str = "img-unpack";

#[derive(Parser)]
#[command(
    name = TOOL,
    version,
    about = "Unpack a container image archive into a layer store and/or a root file system",
    long_about = "Unpack SOURCE — a docker-save archive, an OCI archive or an OCI image layout directory, \
                  with plain, gzip or zstd layers — verifying every digest. Layers go into a \
                  content-addressed store (--store, the default) in overlay form, each layer once; \
                  --to DIR also (or instead, without --store) writes the flattened root file system.",
    after_help = "Examples:\n  img-unpack image.tar\n  img-unpack --to rootfs --json image.tar\n  img-unpack --image localhost/layered:3 --store /tmp/store oci-dir"
)]
struct Args {
    /// The image store (default: ${CTRKIT_ROOT:-/var/lib/ctrkit}/store; not used with --to alone)
    #[arg(long, value_name = "DIR")]
    store: Option<PathBuf>,
    /// Write the flattened root file system into DIR (new or empty)
    #[arg(long, value_name = "DIR")]
    to: Option<PathBuf>,
    /// Which image, when SOURCE holds several (a tag: localhost/name:tag, name:tag, or tag)
    #[arg(long, value_name = "REF")]
    image: Option<String>,
    /// Print one JSON object describing the result on stdout
    #[arg(long)]
    json: bool,
    /// Print each kernel operation as it happens (stderr)
    #[arg(long)]
    explain: bool,
    /// Print nothing on success (no summary, no progress)
    #[arg(short, long)]
    quiet: bool,
    /// Refuse a layer that decompresses to more than SIZE (e.g. 512M, 64G)
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "64G")]
    max_layer_size: u64,
    /// Refuse a layer with more than N entries
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_entries)]
    max_entries: u64,
    /// The image: an archive file or an OCI layout directory
    #[arg(value_name = "SOURCE")]
    source: PathBuf,
}

fn parse_size(s: &str) -> std::result::Result<u64, String> {
    limits::parse_size(s).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    common::main(TOOL, run)
}

fn run(args: Args) -> Result<Status> {
    explain::set_explain(args.explain);
    let store = match (&args.store, &args.to) {
        (Some(dir), _) => Some(dir.clone()),
        (None, Some(_)) => None,
        (None, None) => Some(Store::default_root()),
    };
    let limits = Limits { max_layer_bytes: args.max_layer_size, max_entries: args.max_entries, ..Limits::default() };
    let request = Request {
        source: args.source.clone(),
        image: args.image.clone(),
        store,
        to: args.to.clone(),
        limits,
        progress: std::io::stderr().is_terminal() && !args.quiet && !args.json,
    };
    let report = image::unpack(&request)?;
    if args.json {
        println!("{}", serde_json::to_string(&report).unwrap_or_default());
    } else if !args.quiet {
        print_summary(&report);
    }
    Ok(Status::Exited(0))
}

fn print_summary(r: &Report) {
    let tags = if r.image.tags.is_empty() { "(untagged)".to_string() } else { r.image.tags.join(", ") };
    println!("image {} {tags} ({}, {} layers)", r.image.id.short(), r.format, r.layers.len());
    if let Some(store) = &r.store {
        println!(
            "  stored in {} ({} layers extracted, {} already there)",
            store.display(),
            r.extracted,
            r.layers.len() - r.extracted
        );
    }
    if let Some(rootfs) = &r.rootfs {
        println!("  root file system in {}", rootfs.display());
    }
}
