//! linux.sysctl: kernel parameters set inside the container, by writing /proc/sys files
//! after pivot_root (so /proc is the container's own and the write lands in its namespaces),
//! before /proc/sys is made read-only.
//!
//! Only parameters that belong to a namespace the container has of its own are accepted —
//! the rest would change the host (runc's rule): `kernel.msg*`, `kernel.sem`, `kernel.shm*`,
//! `fs.mqueue.*` (IPC namespace), `net.*` (network namespace), `kernel.hostname` and
//! `kernel.domainname` (UTS namespace). Keys are `[a-z0-9_.]` words: no `/`, no `..`.
//! Syscalls: open(2)/write(2) of /proc/sys/…. Read: sysctl(8), proc(5) ("/proc/sys").
//! Shell: `sysctl -w net.ipv4.ping_group_range="0 0"`. Used by: oci::init (and check by oci::create).

use crate::error::{Error, Result};
use oci_spec::runtime::{LinuxNamespaceType, Spec};
use std::path::PathBuf;

/// The namespace a key belongs to, if any.
fn namespace_of(key: &str) -> Option<LinuxNamespaceType> {
    let ipc = [
        "kernel.msgmax",
        "kernel.msgmnb",
        "kernel.msgmni",
        "kernel.sem",
        "kernel.shmall",
        "kernel.shmmax",
        "kernel.shmmni",
        "kernel.shm_rmid_forced",
    ];
    if ipc.contains(&key) || key.starts_with("fs.mqueue.") {
        Some(LinuxNamespaceType::Ipc)
    } else if key.starts_with("net.") {
        Some(LinuxNamespaceType::Network)
    } else if key == "kernel.hostname" || key == "kernel.domainname" {
        Some(LinuxNamespaceType::Uts)
    } else {
        None
    }
}

/// The /proc/sys file of a key.
pub fn file_of(key: &str) -> PathBuf {
    PathBuf::from("/proc/sys").join(key.replace('.', "/"))
}

/// Every key is well-formed and in a namespace the container owns (a new one, not joined).
pub fn check(spec: &Spec) -> Result<()> {
    let Some(linux) = spec.linux() else { return Ok(()) };
    let namespaces = linux.namespaces().clone().unwrap_or_default();
    for key in linux.sysctl().as_ref().map(|m| m.keys().cloned().collect::<Vec<_>>()).unwrap_or_default() {
        let bad = |why: &str| Error::invalid(format!("linux.sysctl {key:?}"), why.to_string());
        let well_formed = !key.is_empty()
            && key.split('.').all(|w| !w.is_empty())
            && key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.');
        if !well_formed {
            return Err(bad("not a sysctl name"));
        }
        let owned = namespace_of(&key).is_some_and(|t| namespaces.iter().any(|n| n.typ() == t && n.path().is_none()));
        if !owned {
            return Err(bad("not namespaced to this container: setting it would change the host"));
        }
    }
    Ok(())
}

/// Write each value (after pivot_root, in the container).
pub fn apply(spec: &Spec) -> Result<()> {
    let Some(map) = spec.linux().as_ref().and_then(|l| l.sysctl().as_ref()) else { return Ok(()) };
    for (key, value) in map {
        crate::explain::write_file(&file_of(key), value, "a sysctl the spec asks for", "sysctl(8)")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_namespaced_well_formed_keys_pass() {
        let with = |key: &str| {
            let mut spec = Spec::default();
            let mut linux = spec.linux().clone().unwrap();
            linux.set_sysctl(Some([(key.to_string(), "1".to_string())].into_iter().collect()));
            spec.set_linux(Some(linux));
            check(&spec)
        };
        with("kernel.shmmax").unwrap();
        with("net.ipv4.ping_group_range").unwrap();
        for bad in ["vm.swappiness", "kernel.panic", "net/../../x", "net..x", "NET.ipv4.x", ""] {
            assert!(with(bad).is_err(), "{bad}");
        }
        assert_eq!(file_of("net.ipv4.ip_forward"), PathBuf::from("/proc/sys/net/ipv4/ip_forward"));
    }
}
