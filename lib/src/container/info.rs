//! `ctrkit info` and `ctrkit version`: what this host gives containers — the cgroup mode
//! and version, the storage driver, the kernel, the namespaces it has — and how many
//! containers and images there are, in docker's wording.
//!
//! Cgroup version: on a hybrid host the controllers live on v1 (the v2 tree has none), so
//! docker says "Cgroup Version: 1" there; only a unified host is 2.
//! Files: /sys/fs/cgroup (statfs), /proc/self/ns/*, /etc/os-release, /proc/meminfo,
//! STATE/containers, ROOT/store. /proc/sys/kernel/osrelease. Syscalls: statfs(2).
//! Read: docker-system-info(1), namespaces(7), cgroups(7). Shell: `docker info`, `uname -r`.
//! Used by: ctrkit info, ctrkit version.

use super::{liveness, lookup, state::Status};
use crate::cgroup::Mode;
use crate::error::Result;
use serde_json::{json, Value};
use std::path::Path;

/// The kernel's release and machine (uname -r, uname -m): /proc/sys/kernel/osrelease holds
/// what uname(2) returns as release.
pub fn kernel() -> (String, String) {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").map(|s| s.trim().to_string());
    (release.unwrap_or_else(|_| "unknown".into()), std::env::consts::ARCH.to_string())
}

/// The cgroup mode and the version whose controllers containers get.
pub fn cgroup_mode() -> (String, u32) {
    match crate::cgroup::mode::detect(Path::new("/sys/fs/cgroup")) {
        Ok(m) => (m.name().to_string(), if m == Mode::Unified { 2 } else { 1 }),
        Err(_) => ("unknown".into(), 0),
    }
}

/// The namespace kinds this kernel has (the files in /proc/self/ns, `*_for_children` aside).
pub fn namespaces() -> Vec<String> {
    let mut kinds: Vec<String> = std::fs::read_dir("/proc/self/ns")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with("_for_children"))
        .collect();
    kinds.sort();
    kinds
}

fn os_name() -> String {
    std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|t| t.lines().find_map(|l| l.strip_prefix("PRETTY_NAME=").map(|v| v.trim_matches('"').to_string())))
        .unwrap_or_else(|| "Linux".into())
}

/// Everything `info` shows, as JSON (`info --format '{{json .}}'`).
pub fn info(root: &Path, state_root: &Path) -> Result<Value> {
    let listing = lookup::all(state_root)?;
    let running = listing.records.iter().filter(|r| liveness::observed(&r.state) == Status::Running).count();
    let images = crate::image::Store::open(&root.join("store")).and_then(|s| s.images()).map_or(0, |v| v.len());
    let (release, machine) = kernel();
    let (mode, version) = cgroup_mode();
    Ok(json!({
        "Containers": listing.records.len(),
        "ContainersRunning": running,
        "ContainersStopped": listing.records.len() - running,
        "Images": images,
        "Driver": "overlay",
        "CgroupDriver": "cgroupfs",
        "CgroupMode": mode,
        "CgroupVersion": version.to_string(),
        "KernelVersion": release,
        "OperatingSystem": os_name(),
        "Architecture": machine,
        "NCPU": std::thread::available_parallelism().map_or(1, |n| n.get()),
        "MemTotal": super::stats::host_memory(),
        "Namespaces": namespaces(),
        "SecurityOptions": ["name=seccomp,profile=builtin"],
        "DockerRootDir": root,
        "StateDir": state_root,
    }))
}

/// docker info's text form.
pub fn render(v: &Value) -> String {
    let g = |k: &str| match &v[k] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let ns: Vec<&str> =
        v["Namespaces"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    format!(
        "Server:\n Containers: {}\n  Running: {}\n  Stopped: {}\n Images: {}\n Storage Driver: {}\n \
         Cgroup Driver: {}\n Cgroup Mode: {}\n Cgroup Version: {}\n Namespaces: {}\n Security Options:\n  seccomp\n   Profile: builtin\n \
         Kernel Version: {}\n Operating System: {}\n Architecture: {}\n CPUs: {}\n Total Memory: {}\n \
         Root Dir: {}\n State Dir: {}\n",
        g("Containers"), g("ContainersRunning"), g("ContainersStopped"), g("Images"), g("Driver"),
        g("CgroupDriver"), g("CgroupMode"), g("CgroupVersion"), ns.join(" "), g("KernelVersion"),
        g("OperatingSystem"), g("Architecture"), g("NCPU"),
        super::stats::human_bytes(v["MemTotal"].as_u64().unwrap_or(0)), g("DockerRootDir"), g("StateDir")
    )
}
