//! Attaching an overlay at its target, newest kernel interface first:
//!
//!   1. the new mount API, one fsconfig call per layer (`lowerdir+`, Linux ≥ 6.8): no length
//!      limit, any character in a path — see sys::fsmount for the call sequence;
//!   2. mount(2) with one option string (older kernels: fsopen ENOSYS, or "lowerdir+" unknown);
//!   3. one layer, read-only: overlayfs refuses it ("at least 2 lowerdir are needed while
//!      upperdir nonexistent" in dmesg; still so in 6.18). A read-only bind mount of that
//!      layer shows exactly the same tree, so we make one (`--unmount` accepts it too).
//!
//! When a step fails, the kernel's own words (read back from the fs context) go into the hint.
//! Read: fsopen(2), fsconfig(2), fsmount(2), move_mount(2), mount(2),
//! Documentation/filesystems/overlayfs.rst. Shell: `mount -t overlay overlay -o … TARGET`.
//! Used by: mount::overlay.

use crate::error::{Error, Result};
use crate::explain::{self, Op};
use crate::mount::overlay::{How, MountApi, Mounted};
use crate::mount::{bind, overlay_options};
use crate::sys::fsmount;
use nix::errno::Errno;
use nix::mount::MsFlags;
use std::ffi::CString;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Try the interfaces in order (see the header) and say which one worked.
pub fn attach(m: &Mounted, api: MountApi) -> Result<How> {
    let single_read_only = m.read_only && m.layers.len() == 1;
    if api == MountApi::Auto {
        match with_fsconfig(m) {
            Ok(Attempt::Mounted) => return Ok(How::Fsconfig),
            Ok(Attempt::KernelTooOld(why)) => explain::note(&format!("falling back to mount(2): {why}")),
            Err(e) if single_read_only && e.errno_value() == Some(Errno::EINVAL) => return bind_read_only(m),
            Err(e) => return Err(e),
        }
    }
    match with_mount_string(m) {
        Err(e) if single_read_only && e.errno_value() == Some(Errno::EINVAL) => bind_read_only(m),
        other => other.map(|()| How::MountString),
    }
}

enum Attempt {
    Mounted,
    KernelTooOld(&'static str),
}

/// fsopen → fsconfig per layer → CMD_CREATE → fsmount → move_mount.
fn with_fsconfig(m: &Mounted) -> Result<Attempt> {
    let ctx = match traced_fd(
        Op::new("fsopen(\"overlay\", FSOPEN_CLOEXEC)", "a new overlay, configured step by step", "fsopen(2)"),
        "overlay",
        fsfd_open,
    ) {
        Err(e) if e.errno_value() == Some(Errno::ENOSYS) => {
            return Ok(Attempt::KernelTooOld("no fsopen(2) (kernel < 5.2)"))
        }
        other => other?,
    };
    // "source" is only a label, but mountinfo and findmnt show it: say what this is.
    set_string(ctx.as_ref(), "source", Path::new("overlay"), "the name mountinfo shows as the source")
        .map_err(|(e, said)| with_kernel_words(e, &said))?;
    // The kernel stacks lowerdir+ layers in the order given, TOP FIRST: reverse ours.
    for (i, dir) in m.layers.iter().rev().enumerate() {
        let why = if i == 0 { "the top lower layer, just below the upper" } else { "the next layer down" };
        match set_string(ctx.as_ref(), "lowerdir+", dir, why) {
            Err((e, said)) if i == 0 && e.errno_value() == Some(Errno::EINVAL) && unknown_parameter(&said) => {
                return Ok(Attempt::KernelTooOld("this kernel has no \"lowerdir+\" (Linux < 6.8)"))
            }
            other => other.map_err(|(e, said)| with_kernel_words(e, &said))?,
        }
    }
    if let (Some(upper), Some(work)) = (&m.upper, &m.work) {
        set_string(ctx.as_ref(), "upperdir", upper, "writes, copy-ups and whiteouts go here")
            .map_err(|(e, said)| with_kernel_words(e, &said))?;
        set_string(ctx.as_ref(), "workdir", work, "scratch space for atomic copy-up")
            .map_err(|(e, said)| workdir_hint(with_kernel_words(e, &said), true))?;
    }
    let fd = fd_text(ctx.as_ref());
    let target = m.rootfs.display().to_string();
    let op = Op::new(
        format!("fsconfig({fd}, FSCONFIG_CMD_CREATE, NULL, NULL, 0)"),
        "check the layers, build the overlay superblock",
        "fsconfig(2)",
    );
    explain::change(op, &target, || ctx.as_ref().map_or(Ok(()), |c| fsmount::fsconfig_create(c.as_fd()))).map_err(
        |e| {
            let said = ctx.as_ref().map(|c| fsmount::context_messages(c.as_fd())).unwrap_or_default();
            workdir_hint(with_kernel_words(e, &said), !m.read_only)
        },
    )?;
    let (attr, attr_name) = if m.read_only { (libc::MOUNT_ATTR_RDONLY, "MOUNT_ATTR_RDONLY") } else { (0, "0") };
    let op = Op::new(
        format!("fsmount({fd}, FSMOUNT_CLOEXEC, {attr_name})"),
        "a mount of it, not attached anywhere yet",
        "fsmount(2)",
    );
    let mnt = traced_fd(op, &target, || ctx.as_ref().map_or(Err(Errno::EBADF), |c| fsmount::fsmount(c.as_fd(), attr)))?;
    let c_target = c_path(&m.rootfs)?;
    let op = Op::new(
        format!("move_mount({}, \"\", AT_FDCWD, {:?}, MOVE_MOUNT_F_EMPTY_PATH)", fd_text(mnt.as_ref()), m.rootfs),
        "attach it at the target: now it is visible",
        "move_mount(2)",
    );
    explain::change(op, &target, || mnt.as_ref().map_or(Ok(()), |f| fsmount::move_mount_to(f.as_fd(), &c_target)))?;
    Ok(Attempt::Mounted)
}

fn fsfd_open() -> nix::Result<OwnedFd> {
    fsmount::fsopen(c"overlay")
}

/// Run a call that returns an fd; under --dry-run print it and return None (nothing to hold).
fn traced_fd(op: Op, object: &str, f: impl FnOnce() -> nix::Result<OwnedFd>) -> Result<Option<OwnedFd>> {
    if explain::is_dry_run() {
        return explain::change(op, object, || Ok(())).map(|()| None);
    }
    explain::run(op, object, f).map(Some)
}

fn fd_text(fd: Option<&OwnedFd>) -> String {
    fd.map_or_else(|| "FD".to_string(), |f| f.as_raw_fd().to_string())
}

/// fsconfig(FSCONFIG_SET_STRING); on failure also what the kernel wrote into the context.
fn set_string(
    ctx: Option<&OwnedFd>,
    key: &str,
    dir: &Path,
    why: &str,
) -> std::result::Result<(), (Error, Vec<String>)> {
    let c_key = CString::new(key).map_err(|_| (Error::invalid(key, "contains a NUL byte"), vec![]))?;
    let c_dir = c_path(dir).map_err(|e| (e, vec![]))?;
    let op = Op::new(
        format!("fsconfig({}, FSCONFIG_SET_STRING, {key:?}, {dir:?}, 0)", fd_text(ctx)),
        why,
        "fsconfig(2), overlayfs docs",
    );
    explain::change(op, &dir.display().to_string(), || {
        ctx.map_or(Ok(()), |c| fsmount::fsconfig_set_string(c.as_fd(), &c_key, &c_dir))
    })
    .map_err(|e| (e, ctx.map(|c| fsmount::context_messages(c.as_fd())).unwrap_or_default()))
}

fn unknown_parameter(said: &[String]) -> bool {
    // No message at all also counts: kernels before 5.x logged nothing to the context.
    said.is_empty() || said.iter().any(|s| s.contains("nknown parameter"))
}

/// Put the kernel's own explanation (`e overlay: …`) into the hint: it names the real problem.
fn with_kernel_words(e: Error, said: &[String]) -> Error {
    if said.is_empty() {
        // overlayfs still prints some of its reasons with pr_err, not into the context.
        return e.with_hint("the kernel's reason may be in dmesg (lines starting with \"overlayfs:\")");
    }
    let words: Vec<&str> = said.iter().map(|s| s.trim_start_matches("e ").trim_start_matches("w ")).collect();
    e.with_hint(format!("the kernel says: {}", words.join("; ")))
}

/// EINVAL/EXDEV/EBUSY while upper and work are set is most often a misplaced --work.
fn workdir_hint(e: Error, writable: bool) -> Error {
    match e.errno_value() {
        Some(Errno::EXDEV) | Some(Errno::EINVAL) | Some(Errno::EBUSY) if writable => {
            let before = e.hint.clone().map(|h| format!("{h}; ")).unwrap_or_default();
            let hint = "--work must be an empty dir on the same file system as --upper, neither inside the other";
            e.with_hint(format!("{before}{hint}"))
        }
        _ => e,
    }
}

/// mount(2) with the whole configuration in one option string (older kernels).
fn with_mount_string(m: &Mounted) -> Result<()> {
    let page = nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE).ok().flatten().unwrap_or(4096) as usize;
    let writable = m.upper.as_deref().zip(m.work.as_deref());
    // One page including the terminating NUL.
    let data = overlay_options::legacy_data(&m.layers, writable, page - 1)?;
    let (flags, name) = if m.read_only { (MsFlags::MS_RDONLY, "MS_RDONLY") } else { (MsFlags::empty(), "0") };
    let op = Op::new(
        format!("mount(\"overlay\", {:?}, \"overlay\", {name}, {:?})", m.rootfs, data),
        "stack the layers in one call; lowerdir= lists the top layer first",
        "mount(2), overlayfs docs",
    );
    explain::change(op, &m.rootfs.display().to_string(), || {
        nix::mount::mount(Some("overlay"), &m.rootfs, Some("overlay"), flags, Some(data.as_os_str()))
    })
    .map_err(|e| workdir_hint(with_kernel_words(e, &[]), !m.read_only))
}

/// One layer, no upper, on a kernel that wants more: a read-only bind mount shows the same tree.
fn bind_read_only(m: &Mounted) -> Result<How> {
    explain::note("this kernel refuses an overlay of one lower without upper: using a read-only bind mount");
    bind::bind(&m.layers[0], &m.rootfs, "the only layer, shown at the target")?;
    let op = Op::new(
        format!("mount(NULL, {:?}, NULL, MS_REMOUNT|MS_BIND|MS_RDONLY, NULL)", m.rootfs),
        "make the bind mount read-only, as the overlay would be",
        "mount(2)",
    );
    let ro = explain::change(op, &m.rootfs.display().to_string(), || {
        nix::mount::mount(
            None::<&str>,
            &m.rootfs,
            None::<&str>,
            MsFlags::MS_REMOUNT | MsFlags::MS_BIND | MsFlags::MS_RDONLY,
            None::<&str>,
        )
    });
    if let Err(e) = ro {
        let _ = bind::unmount(&m.rootfs, "undo the bind mount: it could not be made read-only");
        return Err(e);
    }
    Ok(How::ReadOnlyBind)
}

fn c_path(p: &Path) -> Result<CString> {
    CString::new(p.as_os_str().as_bytes()).map_err(|_| Error::invalid(p.display(), "a path cannot contain a NUL byte"))
}
