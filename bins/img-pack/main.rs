//! img-pack — pack a root file system directory into an OCI image (archive or layout dir).
//!
//! The reverse of img-unpack: one layer made from the directory, an image config saying how
//! to run it, a manifest and an index, every blob named by its sha256. `--demo` builds the
//! toolkit's built-in demo image from the host's static busybox. Man page: README.md here.
#![forbid(unsafe_code)]

#[path = "../common/mod.rs"]
mod common;

use clap::Parser;
use ctrkit::image::demo;
use ctrkit::image::layout::{self, Format, RunConfig};
use ctrkit::image::pack::Compression;
use ctrkit::process::Status;
use ctrkit::{Error, Result};
use std::path::PathBuf;
use std::process::ExitCode;

const TOOL: &str = "img-pack";

#[derive(Parser)]
#[command(
    name = TOOL,
    version,
    about = "Pack a root file system directory into an OCI image",
    after_help = "Examples:\n  img-pack -o hello.tar --tag hello:1 --cmd '[\"/bin/echo\",\"hi\"]' ./rootfs\n  img-pack --demo -o demo.tar\n  img-pack --format dir -o ./layout --tag app:2 ./rootfs && skopeo inspect oci:./layout:app:2"
)]
struct Args {
    /// The image file (oci archive) or directory (with --format dir) to write; must not exist
    #[arg(short = 'o', long, value_name = "PATH")]
    output: PathBuf,
    /// The reference to record (org.opencontainers.image.ref.name)
    #[arg(short = 't', long, value_name = "NAME[:TAG]")]
    tag: Option<String>,
    /// archive (one tar file) or dir (an OCI layout directory)
    #[arg(long, value_name = "archive|dir", default_value = "archive", value_parser = ["archive", "dir"])]
    format: String,
    /// Layer compression: gzip, zstd or none
    #[arg(long, value_name = "gzip|zstd|none", default_value = "gzip")]
    compress: String,
    /// Default command, as a JSON array: '["/bin/sh","-c","echo hi"]'
    #[arg(long, value_name = "JSON")]
    cmd: Option<String>,
    /// Entrypoint, as a JSON array
    #[arg(long, value_name = "JSON")]
    entrypoint: Option<String>,
    /// Environment variable (repeatable)
    #[arg(short = 'e', long = "env", value_name = "KEY=VALUE")]
    env: Vec<String>,
    /// Working directory (absolute)
    #[arg(short = 'w', long, value_name = "DIR")]
    workdir: Option<String>,
    /// User to run as: name, uid, name:group or uid:gid
    #[arg(short = 'u', long, value_name = "USER")]
    user: Option<String>,
    /// Label (repeatable)
    #[arg(long = "label", value_name = "KEY=VALUE")]
    labels: Vec<String>,
    /// Exposed port, e.g. 8080/tcp (repeatable)
    #[arg(long = "expose", value_name = "PORT[/PROTO]")]
    expose: Vec<String>,
    /// Build the built-in demo image from the host's static busybox instead of ROOTFS
    #[arg(long, conflicts_with = "rootfs")]
    demo: bool,
    /// The busybox to use with --demo
    #[arg(long, value_name = "PATH", default_value = demo::HOST_BUSYBOX, requires = "demo")]
    busybox: PathBuf,
    /// Print what was written as JSON on stdout
    #[arg(long)]
    json: bool,
    /// The root file system directory to pack
    #[arg(value_name = "ROOTFS", required_unless_present = "demo")]
    rootfs: Option<PathBuf>,
}

fn main() -> ExitCode {
    common::main(TOOL, run)
}

fn run(args: Args) -> Result<Status> {
    let mut config = if args.demo { demo::run_config() } else { RunConfig::default() };
    layout::apply_flags(&mut config, &flags(&args))?;
    let reference = args.tag.clone().unwrap_or_else(|| if args.demo { "demo:latest".into() } else { "latest".into() });
    layout::check_reference(&reference)?;
    let compression = Compression::parse(&args.compress)?;
    let format = if args.format == "dir" { Format::Directory } else { Format::Archive };

    let written = if args.demo {
        let scratch = tempdir_beside(&args.output)?;
        let rootfs = scratch.join("rootfs");
        let result = demo::build_rootfs(&args.busybox, &rootfs)
            .and_then(|_| layout::pack_image(&rootfs, &args.output, format, &reference, &config, compression));
        let _ = std::fs::remove_dir_all(&scratch);
        result?
    } else {
        let rootfs = args.rootfs.as_ref().ok_or_else(|| Error::invalid("ROOTFS", "missing"))?;
        layout::pack_image(rootfs, &args.output, format, &reference, &config, compression)?
    };
    if args.json {
        println!("{}", layout::written_json(&written, &args.output, format));
    } else {
        eprintln!(
            "{TOOL}: wrote {} ({} layer, manifest {})",
            args.output.display(),
            written.layers.len(),
            written.manifest.short()
        );
    }
    Ok(Status::Exited(0))
}

fn flags(a: &Args) -> layout::Flags<'_> {
    layout::Flags {
        cmd: a.cmd.as_deref(),
        entrypoint: a.entrypoint.as_deref(),
        env: &a.env,
        workdir: a.workdir.as_deref(),
        user: a.user.as_deref(),
        labels: &a.labels,
        expose: &a.expose,
    }
}

/// A scratch directory next to the output, so a later rename stays on one file system.
fn tempdir_beside(out: &std::path::Path) -> Result<PathBuf> {
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    let dir = parent.join(format!(".img-pack-{}", std::process::id()));
    std::fs::create_dir(&dir).map_err(|e| Error::io("mkdir", dir.display(), e))?;
    Ok(dir)
}
