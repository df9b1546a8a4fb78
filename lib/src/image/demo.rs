//! The built-in demo image: a tiny root file system made from the host's static busybox, so
//! the engine runs a real container on a fresh machine without downloading anything.
//!
//!     bin/busybox            copied from the host (Debian's busybox-static)
//!     bin/<applet>           -> /bin/busybox, one symlink per applet (`busybox --list`)
//!     etc/passwd, etc/group  root (0), app (1000), nobody (65534)
//!     tmp (1777), root, home/app, proc, sys, dev, run, var/tmp   empty mount points
//!
//! The busybox must be *static*: a dynamically linked one would look for a libc the image
//! does not have and fail with "not found". We check the ELF program headers for an
//! interpreter (PT_INTERP), which only dynamically linked programs have.
//!
//! The engine builds it into the image store the first time `demo` is asked for
//! (`ensure_in_store`): rootfs → img-pack's archive → img-unpack's store, the same code the
//! tools run, so the built-in image is no different from one a user loads.
//!
//! Read: elf(5) (program headers), busybox(1). Shell: `busybox --install -s DIR/bin`.
//! Used by: img-pack --demo, ctr-run/ctrkit run (first use of `demo`).

use crate::error::{Error, Result};
use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::Path;

/// Where Debian's busybox-static installs busybox.
pub const HOST_BUSYBOX: &str = "/bin/busybox";

/// The name the demo image is stored under.
pub const REFERENCE: &str = "demo:latest";

/// Is `reference` a name of the demo image (`demo`, `demo:latest`)?
pub fn is_demo(reference: &str) -> bool {
    super::tag::normalize(reference) == REFERENCE
}

/// Make sure the store at `store` holds the demo image, building it from the host's busybox
/// when it does not. Returns whether it was built now.
pub fn ensure_in_store(store: &Path) -> Result<bool> {
    if let Ok(opened) = super::store::Store::open(store) {
        if super::tag::find(&opened, REFERENCE).is_ok() {
            return Ok(false);
        }
    }
    crate::explain::note("building the demo image from the host's busybox (first use)");
    let scratch = std::env::temp_dir().join(format!("ctrkit-demo-build-{}", std::process::id()));
    let result = (|| {
        fs::create_dir(&scratch).map_err(|e| Error::io("mkdir", scratch.display(), e))?;
        let rootfs = scratch.join("rootfs");
        build_rootfs(Path::new(HOST_BUSYBOX), &rootfs)?;
        let archive = scratch.join("demo.tar");
        let format = super::layout::Format::Archive;
        super::layout::pack_image(&rootfs, &archive, format, REFERENCE, &run_config(), super::pack::Compression::Gzip)?;
        let request = super::unpack::Request {
            source: archive,
            image: None,
            store: Some(store.to_path_buf()),
            to: None,
            limits: super::Limits::default(),
            progress: false,
        };
        super::unpack(&request).map(|_| true)
    })();
    let _ = fs::remove_dir_all(&scratch);
    result
}

/// The image config of the demo image.
pub fn run_config() -> super::layout::RunConfig {
    super::layout::RunConfig {
        env: vec!["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into()],
        cmd: Some(vec!["/bin/sh".into()]),
        labels: vec![("org.opencontainers.image.title".into(), "ctrkit demo (busybox)".into())],
        ..Default::default()
    }
}

/// Build the demo root file system in `dir` (created; must not exist) from `busybox`.
pub fn build_rootfs(busybox: &Path, dir: &Path) -> Result<()> {
    require_static(busybox)?;
    let applets = applets(busybox)?;
    let mkdir = |rel: &str, mode: u32| -> Result<()> {
        let p = dir.join(rel);
        fs::create_dir_all(&p).map_err(|e| Error::io("mkdir", p.display(), e))?;
        fs::set_permissions(&p, fs::Permissions::from_mode(mode)).map_err(|e| Error::io("chmod", p.display(), e))
    };
    fs::create_dir(dir).map_err(|e| Error::io("mkdir", dir.display(), e))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).map_err(|e| Error::io("chmod", dir.display(), e))?;
    for (rel, mode) in [
        ("bin", 0o755),
        ("etc", 0o755),
        ("tmp", 0o1777),
        ("root", 0o700),
        ("home/app", 0o755),
        ("proc", 0o555),
        ("sys", 0o555),
        ("dev", 0o755),
        ("run", 0o755),
        ("var/tmp", 0o1777),
    ] {
        mkdir(rel, mode)?;
    }
    let target = dir.join("bin/busybox");
    fs::copy(busybox, &target).map_err(|e| Error::io("copy", busybox.display(), e))?;
    fs::set_permissions(&target, fs::Permissions::from_mode(0o755))
        .map_err(|e| Error::io("chmod", target.display(), e))?;
    for applet in applets.iter().filter(|a| a.as_str() != "busybox") {
        let link = dir.join("bin").join(applet);
        symlink("/bin/busybox", &link).map_err(|e| Error::io("symlink", link.display(), e))?;
    }
    let files = [
        ("etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"),
        ("etc/group", "root:x:0:\napp:x:1000:\nnogroup:x:65534:\n"),
        ("etc/hostname", "demo\n"),
    ];
    for (rel, text) in files {
        let p = dir.join(rel);
        fs::write(&p, text).map_err(|e| Error::io("write", p.display(), e))?;
    }
    let home = dir.join("home/app");
    nix::unistd::chown(&home, Some(nix::unistd::Uid::from_raw(1000)), Some(nix::unistd::Gid::from_raw(1000)))
        .map_err(|e| Error::errno("chown", home.display(), e))
}

/// The applet names `busybox --list` prints (the busybox is static: running it is safe here).
fn applets(busybox: &Path) -> Result<Vec<String>> {
    let out = std::process::Command::new(busybox)
        .arg("--list")
        .output()
        .map_err(|e| Error::io("run", format!("{} --list", busybox.display()), e))?;
    let names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::trim)
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b"[_-.".contains(&b)))
        .map(String::from)
        .collect();
    if names.is_empty() {
        return Err(Error::invalid(busybox.display(), "`busybox --list` printed no applets"));
    }
    Ok(names)
}

/// Refuse a dynamically linked program: it has a PT_INTERP program header (elf(5)).
pub fn require_static(program: &Path) -> Result<()> {
    let bytes = fs::read(program).map_err(|e| {
        Error::io("read", program.display(), e)
            .with_hint("install Debian's busybox-static: apt-get install busybox-static")
    })?;
    match has_interpreter(&bytes) {
        Some(false) => Ok(()),
        Some(true) => Err(Error::invalid(program.display(), "dynamically linked: the image has no libc for it")
            .with_hint("install Debian's busybox-static (not busybox): apt-get install busybox-static")),
        None => Err(Error::invalid(program.display(), "not a 64-bit little-endian ELF program")),
    }
}

/// Does this 64-bit little-endian ELF file name a program interpreter? None: not such an ELF.
fn has_interpreter(elf: &[u8]) -> Option<bool> {
    const PT_INTERP: u32 = 3;
    if elf.get(..4)? != b"\x7fELF" || *elf.get(4)? != 2 || *elf.get(5)? != 1 {
        return None;
    }
    let u16_at = |o: usize| Some(u16::from_le_bytes(elf.get(o..o + 2)?.try_into().ok()?));
    let u32_at = |o: usize| Some(u32::from_le_bytes(elf.get(o..o + 4)?.try_into().ok()?));
    let u64_at = |o: usize| Some(u64::from_le_bytes(elf.get(o..o + 8)?.try_into().ok()?));
    let (phoff, phentsize, phnum) = (u64_at(0x20)? as usize, u16_at(0x36)? as usize, u16_at(0x38)? as usize);
    for i in 0..phnum {
        if u32_at(phoff.checked_add(i.checked_mul(phentsize)?)?)? == PT_INTERP {
            return Some(true);
        }
    }
    Some(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elf_interpreter_detection() {
        // A minimal ELF64 header with one program header of type PT_INTERP at offset 64.
        let mut elf = vec![0u8; 64 + 56];
        elf[..6].copy_from_slice(b"\x7fELF\x02\x01");
        elf[0x20..0x28].copy_from_slice(&64u64.to_le_bytes());
        elf[0x36..0x38].copy_from_slice(&56u16.to_le_bytes());
        elf[0x38..0x3a].copy_from_slice(&1u16.to_le_bytes());
        elf[64..68].copy_from_slice(&3u32.to_le_bytes());
        assert_eq!(has_interpreter(&elf), Some(true));
        elf[64..68].copy_from_slice(&1u32.to_le_bytes());
        assert_eq!(has_interpreter(&elf), Some(false));
        assert_eq!(has_interpreter(b"#!/bin/sh\n"), None);
        assert_eq!(has_interpreter(&elf[..40]), None);
    }
}
