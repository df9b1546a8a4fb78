//! Mounting the spec's `mounts` list inside the new root, in order, before pivot_root:
//! /proc, /dev (tmpfs), /dev/pts, /dev/shm, /dev/mqueue, /sys (read-only), the /etc files and
//! the `-v` volumes. The `cgroup` entry (/sys/fs/cgroup) is skipped here: it must be mounted
//! from inside the cgroup namespace, which exists only later (child.rs step 7, cgroupfs.rs).
//!
//! Each mount point is found or made inside the root without following symlinks out
//! (in_root.rs) and mounted on through its fd. A fresh /proc shows only the container's pid
//! namespace because the kernel ties a procfs to the pid namespace of whoever mounts it — the
//! child is already pid 1 of its own. sysfs shows the network devices of the mounter's network
//! namespace: only `lo`. Read-only binds take two calls (mount_options.rs).
//! Syscalls: mount(2). Read: mount(2), proc(5), sysfs(5), tmpfs(5), devpts docs, mq_overview(7).
//! Shell: `mount -t proc proc R/proc; mount --bind -o ro HOST R/CTR` …
//! Used by: container::child.

use super::in_root;
use super::mount_options::{self, names, Parsed};
use crate::error::{Error, Result};
use crate::explain::{self, Op};
use nix::mount::MsFlags;
use oci_spec::runtime::Mount;
use std::os::fd::OwnedFd;
use std::path::Path;

/// Mount every entry of `mounts` under `root` (an O_PATH fd of it).
pub fn mount_all(root: &OwnedFd, mounts: &[Mount]) -> Result<()> {
    // `cgroup` (/sys/fs/cgroup) comes later, from inside the cgroup namespace (cgroupfs.rs).
    for m in mounts.iter().filter(|m| m.typ().as_deref() != Some("cgroup")) {
        mount_one(root, m)?;
    }
    Ok(())
}

fn mount_one(root: &OwnedFd, m: &Mount) -> Result<()> {
    let dest = m.destination();
    let opts = mount_options::parse(m.options().as_deref().unwrap_or(&[]));
    let typ = m.typ().as_deref().unwrap_or("bind");
    let source = m.source().as_deref().unwrap_or(Path::new("none"));
    let bind = opts.bind || typ == "bind";
    let file = bind && !source.is_dir();
    let open = || if file { in_root::ensure_file(root, dest) } else { in_root::ensure_dir(root, dest) };
    let target = open()?;
    let at = in_root::fd_path(&target);
    let shown = dest.display().to_string();
    if bind {
        let mut flags = MsFlags::MS_BIND;
        if opts.recursive {
            flags |= MsFlags::MS_REC;
        }
        let op =
            Op::new(format!("mount({source:?}, {shown:?}, NULL, {}, NULL)", names(flags)), "a bind mount", "mount(2)");
        explain::change(op, &dest.display().to_string(), || {
            nix::mount::mount(Some(source), &at, None::<&str>, flags, None::<&str>)
        })?;
        if !opts.flags.is_empty() {
            // The held fd still names the directory *under* the new mount: look it up again.
            let on_top = open()?;
            remount(&in_root::fd_path(&on_top), dest, &opts)?;
        }
    } else {
        let data = (!opts.data.is_empty()).then_some(opts.data.as_str());
        let op = Op::new(
            format!("mount({source:?}, {shown:?}, {typ:?}, {}, {:?})", names(opts.flags), opts.data),
            why(typ),
            man(typ),
        );
        explain::change(op, &dest.display().to_string(), || {
            nix::mount::mount(Some(source), &at, Some(typ), opts.flags, data)
        })
        .map_err(|e| mount_hint(e, typ))?;
    }
    if !opts.propagation.is_empty() {
        let on_top = open()?;
        let at = in_root::fd_path(&on_top);
        let op =
            Op::new(format!("mount(NULL, {shown:?}, NULL, propagation, NULL)"), "propagation asked for", "mount(2)");
        explain::change(op, &dest.display().to_string(), || {
            nix::mount::mount(None::<&str>, &at, None::<&str>, opts.propagation, None::<&str>)
        })?;
    }
    Ok(())
}

/// Second call of a bind mount: apply ro/nosuid/… (the first call ignores them).
fn remount(at: &Path, dest: &Path, opts: &Parsed) -> Result<()> {
    let flags = MsFlags::MS_BIND | MsFlags::MS_REMOUNT | opts.flags;
    let op = Op::new(
        format!("mount(NULL, {:?}, NULL, {}, NULL)", dest, names(flags)),
        "bind mounts take their flags in a second call",
        "mount(2)",
    );
    explain::change(op, &dest.display().to_string(), || {
        nix::mount::mount(None::<&str>, at, None::<&str>, flags, None::<&str>)
    })
}

fn why(typ: &str) -> &'static str {
    match typ {
        "proc" => "a /proc that shows only the container's processes",
        "tmpfs" => "an empty in-memory directory",
        "devpts" => "the container's own pseudo-terminals",
        "mqueue" => "POSIX message queues of the container's IPC namespace",
        "sysfs" => "/sys, read-only; it lists the container's network devices",
        _ => "a file system the spec asks for",
    }
}

fn man(typ: &str) -> &'static str {
    match typ {
        "proc" => "proc(5)",
        "tmpfs" => "tmpfs(5)",
        "devpts" => "pts(4)",
        "mqueue" => "mq_overview(7)",
        "sysfs" => "sysfs(5)",
        _ => "mount(2)",
    }
}

fn mount_hint(e: Error, typ: &str) -> Error {
    match (typ, e.errno_value()) {
        ("proc", Some(nix::errno::Errno::EPERM)) => {
            e.with_hint("mounting proc needs a pid namespace of our own and no locked-over /proc entries")
        }
        _ => e,
    }
}
