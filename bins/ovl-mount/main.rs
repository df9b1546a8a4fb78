//! ovl-mount — stack read-only layer directories under a writable upper dir with overlayfs;
//! unmount such a stack; tell which layer a path comes from. Our `mount -t overlay`.
//!
//! Three jobs, one per mode: mount (mount::overlay::mount — fsopen, fsconfig per layer,
//! fsmount, move_mount; mount(2) on older kernels), `--unmount` (umount2) and `--which`
//! (mount::overlay_origin: mountinfo, then overlayfs's lookup by hand).
//! Man page: bins/ovl-mount/README.md.
#![forbid(unsafe_code)]

#[path = "../common/mod.rs"]
mod common;

use clap::Parser;
use ctrkit::mount::overlay::{self, MountApi, Overlay, Writable};
use ctrkit::mount::{overlay_layers, overlay_origin};
use ctrkit::process::Status;
use ctrkit::{Error, Result};
use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;

const TOOL: &str = "ovl-mount";

#[derive(Parser)]
#[command(
    name = TOOL,
    version,
    about = "Stack read-only layer directories under a writable upper dir with overlayfs (like mount -t overlay)",
    long_about = "Mount an overlay of the --lower dirs (LOWEST FIRST) at TARGET, with --upper/--work for writes \
                  or --read-only. Without --lower, reads img-unpack's JSON ({\"layers\":[{\"dir\":…},…]}) \
                  from stdin. TARGET, --upper and --work are created when missing.",
    after_help = "Examples:\n  ovl-mount --lower base --lower app --upper up --work wk rootfs\n  ovl-mount --read-only --lower base rootfs\n  img-unpack --store /var/lib/ctrkit --json demo.tar | ovl-mount --upper up --work wk rootfs\n  ovl-mount --which rootfs/etc/passwd\n  ovl-mount --unmount rootfs"
)]
struct Args {
    /// A lower (read-only) layer dir; repeat it, LOWEST FIRST
    #[arg(long = "lower", value_name = "DIR")]
    lowers: Vec<PathBuf>,
    /// The writable upper dir: writes, copy-ups and whiteouts land here (needs --work)
    #[arg(long, value_name = "DIR", conflicts_with = "read_only")]
    upper: Option<PathBuf>,
    /// overlayfs's scratch dir: empty, on the same file system as --upper
    #[arg(long, value_name = "DIR", conflicts_with = "read_only")]
    work: Option<PathBuf>,
    /// Mount the lowers only, read-only (no --upper/--work)
    #[arg(long)]
    read_only: bool,
    /// Use mount(2) with one option string, as kernels before 6.8 need (to compare)
    #[arg(long)]
    legacy: bool,

    /// Unmount the overlay at TARGET (umount2) and exit
    #[arg(short = 'u', long, value_name = "TARGET", conflicts_with_all = ["lowers", "upper", "work", "read_only", "which", "target"])]
    unmount: Option<PathBuf>,
    /// With --unmount: detach now, free when the last user is gone (MNT_DETACH)
    #[arg(long, requires = "unmount")]
    lazy: bool,
    /// Tell which layer PATH (inside a mounted overlay) comes from, and exit
    #[arg(long, value_name = "PATH", conflicts_with_all = ["lowers", "upper", "work", "read_only", "target"])]
    which: Option<PathBuf>,

    /// Print the result as JSON on stdout
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    trace: common::trace::Trace,

    /// Where the merged tree appears (created when missing)
    #[arg(value_name = "TARGET")]
    target: Option<PathBuf>,
}

fn main() -> ExitCode {
    common::main(TOOL, run)
}

fn run(args: Args) -> Result<Status> {
    args.trace.apply();
    if let Some(target) = &args.unmount {
        overlay::unmount(target, args.lazy)?;
    } else if let Some(path) = &args.which {
        let origin = overlay_origin::which(path)?;
        if args.json {
            println!("{}", origin.to_json());
        } else {
            println!("{origin}");
        }
    } else {
        let mounted = overlay::mount(&overlay_from(args_checked(&args)?)?)?;
        if args.json {
            let text = serde_json::to_string(&mounted)
                .map_err(|e| Error::invalid("--json", format!("cannot print the result: {e}")))?;
            println!("{text}");
        }
    }
    Ok(Status::Exited(0))
}

/// The mount-mode checks clap cannot express: a TARGET, and writable or read-only.
fn args_checked(args: &Args) -> Result<&Args> {
    if args.target.is_none() {
        return Err(Error::invalid("TARGET", "missing: where should the overlay be mounted?"));
    }
    match (&args.upper, &args.work) {
        (Some(_), None) => {
            Err(Error::invalid("--work", "missing: --upper needs --work, an empty dir on the same file system"))
        }
        (None, Some(_)) => {
            Err(Error::invalid("--upper", "missing: --work goes with --upper, the dir that takes the writes"))
        }
        (None, None) if !args.read_only => {
            Err(Error::invalid("--upper", "missing: give --upper DIR --work DIR for a writable mount, or --read-only"))
        }
        _ => Ok(()),
    }?;
    Ok(args)
}

fn overlay_from(args: &Args) -> Result<Overlay> {
    let lowers = if !args.lowers.is_empty() {
        args.lowers.clone()
    } else if !std::io::stdin().is_terminal() {
        let mut json = String::new();
        std::io::stdin().read_to_string(&mut json).map_err(|e| Error::io("read", "stdin", e))?;
        overlay_layers::dirs_from_unpack_json(&json)?
    } else {
        Vec::new() // overlay::mount refuses this with a hint
    };
    let writable = match (&args.upper, &args.work) {
        (Some(upper), Some(work)) => Some(Writable { upper: upper.clone(), work: work.clone() }),
        _ => None,
    };
    Ok(Overlay {
        lowers,
        writable,
        target: args.target.clone().unwrap_or_default(),
        api: if args.legacy { MountApi::Legacy } else { MountApi::Auto },
    })
}
