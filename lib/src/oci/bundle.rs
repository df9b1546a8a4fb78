//! The bundle: a directory holding `config.json` (the OCI runtime spec) and the root file
//! system it names — read, checked and turned into what the library needs, creating nothing.
//!
//! Checked here, before `create` makes anything (so a refused bundle leaves nothing behind):
//! - `ociVersion` is 1.x; `process` exists with a non-empty `args`; `root.path` is a directory;
//! - a mount namespace is asked for (pivot_root needs one); no user namespace and no
//!   uid/gid mappings (not supported: refused by name, never ignored);
//! - `hostname` only with a UTS namespace (config.md says so);
//! - `linux.resources`: memory, cpu and pids become cgroup limits; `devices` rules are not
//!   enforced (only the safe nodes exist, container::devices); blockIO, hugepages, rdma,
//!   network and unified are refused.
//!
//! `linux.cgroupsPath` (podman: `/libpod_parent/libpod-<id>`; containerd: `/default/<id>`)
//! becomes one safe cgroup name *under the runtime's own cgroup*: its last component, every
//! byte outside `[A-Za-z0-9_.-]` made `-`, cut to 64 bytes — never a path that could point
//! at a cgroup we did not create. `slice:prefix:name` (systemd's form) is refused.
//! No syscalls but stat(2) and read(2). Read: runtime-spec bundle.md, config.md,
//! config-linux.md. Shell: `jq . BUNDLE/config.json`. Used by: oci::create.

use crate::cgroup::{CpuQuota, Limits};
use crate::error::{Error, Result};
use oci_spec::runtime::{LinuxNamespaceType, Spec};
use std::path::{Path, PathBuf};

/// A bundle as `create` uses it.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// Absolute.
    pub dir: PathBuf,
    pub spec: Spec,
    /// The root file system, absolute (root.path, relative to the bundle when relative).
    pub rootfs: PathBuf,
}

fn bad(what: impl std::fmt::Display, why: impl Into<String>) -> Error {
    Error::invalid(what, why)
}

/// Read and check `dir/config.json`.
pub fn load(dir: &Path) -> Result<Bundle> {
    let dir = std::fs::canonicalize(dir).map_err(|e| {
        Error::io("open bundle", dir.display(), e).with_hint("--bundle takes the directory holding config.json")
    })?;
    let path = dir.join("config.json");
    let text = std::fs::read(&path).map_err(|e| Error::io("read", path.display(), e))?;
    let spec: Spec =
        serde_json::from_slice(&text).map_err(|e| bad(path.display(), format!("not an OCI runtime spec: {e}")))?;
    check(&spec)?;
    let root = spec.root().as_ref().ok_or_else(|| bad("config.json", "no root"))?;
    let rootfs = if root.path().is_absolute() { root.path().clone() } else { dir.join(root.path()) };
    if !rootfs.is_dir() {
        return Err(bad(format!("root.path {}", rootfs.display()), "not a directory"));
    }
    Ok(Bundle { dir, spec, rootfs })
}

/// Every rule of the header that needs no file system.
pub fn check(spec: &Spec) -> Result<()> {
    if !spec.version().starts_with("1.") {
        return Err(bad(format!("ociVersion {:?}", spec.version()), "only 1.x specs are supported"));
    }
    let process = spec.process().as_ref().ok_or_else(|| bad("config.json", "no process: nothing to run"))?;
    if process.args().as_ref().is_none_or(|a| a.is_empty()) {
        return Err(bad("process.args", "empty: give the command to run"));
    }
    if !process.cwd().is_absolute() {
        return Err(bad(format!("process.cwd {:?}", process.cwd()), "must be absolute"));
    }
    let linux = spec.linux().as_ref().ok_or_else(|| bad("config.json", "no linux section"))?;
    let namespaces = linux.namespaces().clone().unwrap_or_default();
    let has = |t: LinuxNamespaceType| namespaces.iter().any(|n| n.typ() == t);
    if has(LinuxNamespaceType::User) || linux.uid_mappings().as_ref().is_some_and(|m| !m.is_empty()) {
        return Err(bad("linux.namespaces", "user namespaces are not supported by ctr-oci"));
    }
    if let Some(n) = namespaces.iter().find(|n| n.typ() == LinuxNamespaceType::Mount && n.path().is_some()) {
        return Err(bad(format!("mount namespace path {:?}", n.path()), "joining a mount namespace is not supported"));
    }
    if !has(LinuxNamespaceType::Mount) {
        return Err(bad("linux.namespaces", "a mount namespace is required (pivot_root needs one)"));
    }
    if spec.hostname().as_ref().is_some_and(|h| !h.is_empty()) && !has(LinuxNamespaceType::Uts) {
        return Err(bad("hostname", "setting a hostname needs a UTS namespace (config.md)"));
    }
    if let Some(h) = spec.hostname().as_ref().filter(|h| !h.is_empty()) {
        crate::uts::validate_hostname(h)?;
    }
    limits(spec)?;
    Ok(())
}

/// `linux.resources` as cgroup limits (see the header for what is refused).
pub fn limits(spec: &Spec) -> Result<Limits> {
    let mut limits = Limits::default();
    let Some(r) = spec.linux().as_ref().and_then(|l| l.resources().as_ref()) else {
        return Ok(limits);
    };
    let unsupported = [
        ("blockIO", r.block_io().is_some()),
        ("hugepageLimits", r.hugepage_limits().as_ref().is_some_and(|v| !v.is_empty())),
        ("network", r.network().is_some()),
        ("rdma", r.rdma().as_ref().is_some_and(|m| !m.is_empty())),
        ("unified", r.unified().as_ref().is_some_and(|m| !m.is_empty())),
    ];
    if let Some((name, _)) = unsupported.iter().find(|(_, set)| *set) {
        return Err(bad(format!("linux.resources.{name}"), "not supported by ctr-oci"));
    }
    if let Some(m) = r.memory() {
        if let Some(limit) = m.limit().filter(|l| *l > 0) {
            limits.memory = Some(limit as u64);
        }
    }
    if let Some(c) = r.cpu() {
        if let Some(quota) = c.quota().filter(|q| *q > 0) {
            let period = c.period().unwrap_or(crate::cgroup::limits::CPU_PERIOD_US);
            limits.cpus = Some(CpuQuota { quota_us: quota as u64, period_us: period });
        }
        limits.cpu_shares = c.shares().filter(|s| *s > 0);
    }
    if let Some(p) = r.pids() {
        if p.limit() > 0 {
            limits.pids = Some(p.limit() as u64);
        }
    }
    limits.check()?;
    Ok(limits)
}

/// The cgroup name for container `id` (see the header).
pub fn cgroup_name(spec: &Spec, id: &str) -> Result<String> {
    let path = spec.linux().as_ref().and_then(|l| l.cgroups_path().clone());
    let wanted = match &path {
        Some(p) if p.to_string_lossy().contains(':') => {
            return Err(bad(
                format!("linux.cgroupsPath {}", p.display()),
                "the systemd form slice:prefix:name is not supported",
            )
            .with_hint(
                "use the cgroupfs driver (podman --cgroup-manager cgroupfs; containerd SystemdCgroup = false)",
            ));
        }
        Some(p) => p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| id.to_string()),
        None => id.to_string(),
    };
    let mut name: String =
        wanted.chars().map(|c| if c.is_ascii_alphanumeric() || "_.-".contains(c) { c } else { '-' }).collect();
    name.truncate(crate::cgroup::name::MAX_NAME_LEN);
    if name.is_empty() || name.chars().all(|c| c == '.') {
        name = format!("ctr-oci-{}", &id[..id.len().min(40)]);
    }
    crate::cgroup::name::check_name(&name)?;
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec_with_cgroups_path(path: Option<&str>) -> Spec {
        let mut spec = Spec::default();
        let mut linux = spec.linux().clone().unwrap();
        linux.set_cgroups_path(path.map(PathBuf::from));
        spec.set_linux(Some(linux));
        spec
    }

    #[test]
    fn cgroups_paths_become_one_safe_name_below_ours() {
        let id = "abc";
        assert_eq!(cgroup_name(&spec_with_cgroups_path(None), id).unwrap(), "abc");
        assert_eq!(cgroup_name(&spec_with_cgroups_path(Some("/default/web")), id).unwrap(), "web");
        assert_eq!(cgroup_name(&spec_with_cgroups_path(Some("../../etc")), id).unwrap(), "etc");
        assert_eq!(cgroup_name(&spec_with_cgroups_path(Some("/a/..")), id).unwrap(), "abc");
        let long = format!("/libpod_parent/libpod-{}", "f".repeat(64));
        assert_eq!(cgroup_name(&spec_with_cgroups_path(Some(&long)), id).unwrap().len(), 64);
        assert!(cgroup_name(&spec_with_cgroups_path(Some("machine.slice:libpod:x")), id).is_err());
    }

    #[test]
    fn the_default_spec_passes_and_user_namespaces_are_refused() {
        let spec = Spec::default();
        check(&spec).unwrap();
        let mut bad_spec = spec.clone();
        let mut linux = bad_spec.linux().clone().unwrap();
        let mut ns = linux.namespaces().clone().unwrap();
        ns.push(oci_spec::runtime::LinuxNamespaceBuilder::default().typ(LinuxNamespaceType::User).build().unwrap());
        linux.set_namespaces(Some(ns));
        bad_spec.set_linux(Some(linux));
        assert!(check(&bad_spec).unwrap_err().to_string().contains("user namespaces"));
        let mut no_args = spec.clone();
        let mut p = no_args.process().clone().unwrap();
        p.set_args(Some(vec![]));
        no_args.set_process(Some(p));
        assert!(check(&no_args).is_err());
    }
}
