//! Capabilities: which of root's powers the container keeps — docker's default 14, changed by
//! `--cap-add` / `--cap-drop` (`ALL` allowed, as in docker).
//!
//! A process has five sets (capabilities(7)): *bounding* (the most it can ever get back, even
//! through setuid binaries), *permitted*, *effective* (what the kernel checks), *inheritable*
//! and *ambient* (what survives execve(2) for a non-root program). As docker and runc do, the
//! container gets bounding = permitted = effective = the chosen set, inheritable and ambient
//! empty. So root inside has the set after exec (the kernel gives uid 0 its bounding set),
//! and a non-root user (`-u 1000`) has none — docker's behaviour.
//! Default set, as hex in /proc/PID/status (CapBnd, CapEff): 00000000a80425fb.
//!
//! Syscalls (in privileges.rs): prctl(PR_CAPBSET_DROP), capset(2). Read: capabilities(7).
//! Shell: `capsh --drop=… --caps=…`, `setpriv --bounding-set`. Used by: container::spec, privileges.

use crate::error::{Error, Result};
use caps::{Capability, CapsHashSet};
use std::str::FromStr;

/// Docker's default set (moby oci/caps/defaults.go).
pub const DEFAULT: [Capability; 14] = [
    Capability::CAP_CHOWN,
    Capability::CAP_DAC_OVERRIDE,
    Capability::CAP_FSETID,
    Capability::CAP_FOWNER,
    Capability::CAP_MKNOD,
    Capability::CAP_NET_RAW,
    Capability::CAP_SETGID,
    Capability::CAP_SETUID,
    Capability::CAP_SETFCAP,
    Capability::CAP_SETPCAP,
    Capability::CAP_NET_BIND_SERVICE,
    Capability::CAP_SYS_CHROOT,
    Capability::CAP_KILL,
    Capability::CAP_AUDIT_WRITE,
];

/// `chown`, `CHOWN`, `cap_chown`, `CAP_CHOWN` all name CAP_CHOWN.
pub fn parse(name: &str) -> Result<Capability> {
    let upper = name.to_ascii_uppercase();
    let full = if upper.starts_with("CAP_") { upper } else { format!("CAP_{upper}") };
    Capability::from_str(&full).map_err(|_| {
        Error::invalid(format!("capability {name:?}"), "unknown: see capabilities(7), e.g. NET_ADMIN or SYS_TIME")
    })
}

/// The set docker would give: the default, then drops, then adds. `ALL` in `--cap-drop`
/// empties the set first; `ALL` in `--cap-add` means every capability this kernel knows.
pub fn chosen(add: &[String], drop: &[String]) -> Result<CapsHashSet> {
    let is_all = |s: &String| s.eq_ignore_ascii_case("ALL");
    let mut set: CapsHashSet = DEFAULT.into_iter().collect();
    if drop.iter().any(is_all) {
        set.clear();
    }
    for d in drop.iter().filter(|d| !is_all(d)) {
        set.remove(&parse(d)?);
    }
    if add.iter().any(is_all) {
        set.extend(caps::all().into_iter().filter(|c| c.index() <= last_cap()));
    }
    for a in add.iter().filter(|a| !is_all(a)) {
        set.insert(parse(a)?);
    }
    Ok(set)
}

/// The highest capability number this kernel knows (/proc/sys/kernel/cap_last_cap).
fn last_cap() -> u8 {
    std::fs::read_to_string("/proc/sys/kernel/cap_last_cap").ok().and_then(|s| s.trim().parse().ok()).unwrap_or(40)
}

/// The set as the hex mask /proc/PID/status prints (`CapEff: 00000000a80425fb`).
pub fn mask(set: &CapsHashSet) -> u64 {
    set.iter().fold(0, |m, c| m | c.bitmask())
}

/// The set in the OCI spec's names (`CAP_CHOWN`), sorted so config.json is stable.
pub fn names(set: &CapsHashSet) -> Vec<String> {
    let mut v: Vec<String> = set.iter().map(|c| c.to_string()).collect();
    v.sort();
    v
}

/// Read names back from an OCI spec (ctr-oci will feed config.json through here).
pub fn from_names(names: &[String]) -> Result<CapsHashSet> {
    names.iter().map(|n| parse(n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_set_is_dockers() {
        assert_eq!(mask(&chosen(&[], &[]).unwrap()), 0xa80425fb);
    }

    #[test]
    fn add_and_drop_follow_docker() {
        let s = chosen(&["net_admin".into()], &["CAP_CHOWN".into()]).unwrap();
        assert!(s.contains(&Capability::CAP_NET_ADMIN) && !s.contains(&Capability::CAP_CHOWN));
        let only = chosen(&["KILL".into()], &["ALL".into()]).unwrap();
        assert_eq!(only.into_iter().collect::<Vec<_>>(), vec![Capability::CAP_KILL]);
        assert!(chosen(&["ALL".into()], &[]).unwrap().contains(&Capability::CAP_SYS_ADMIN));
        assert!(chosen(&["NOPE".into()], &[]).is_err());
    }

    #[test]
    fn names_round_trip() {
        let s = chosen(&[], &[]).unwrap();
        assert_eq!(from_names(&names(&s)).unwrap(), s);
        assert!(names(&s).contains(&"CAP_AUDIT_WRITE".to_string()));
    }
}
