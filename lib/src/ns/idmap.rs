//! The id maps of a user namespace: which host uids and gids the ids inside stand for.
//!
//! A new user namespace starts with no mapping: everyone inside is the overflow id
//! (65534, "nobody"). Writing `/proc/PID/uid_map` once, with lines `INSIDE OUTSIDE COUNT`,
//! fixes the mapping for good. Rules that shape the code (user_namespaces(7)):
//! - each map file may be written once, in a single write(2);
//! - `setgroups` must be set to `deny` *before* `gid_map` when the writer lacks CAP_SETGID
//!   in the parent namespace (otherwise an unprivileged user could drop supplementary
//!   groups and gain access that "deny by group" files meant to refuse);
//! - a process inside the new namespace may only map its own outside id; arbitrary maps
//!   need a writer that is privileged *outside*. So ns-unshare writes the maps from a helper
//!   it forked before unsharing (as util-linux unshare does), which stayed outside.
//!
//! Read: user_namespaces(7). Shell: `unshare --map-users=0:100000:65536`, newuidmap(1).
//! Used by: ns-unshare.

use crate::error::{Error, Result};
use crate::explain;
use std::str::FromStr;

/// One line of a uid_map or gid_map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdMap {
    pub inside: u32,
    pub outside: u32,
    pub count: u32,
}

impl FromStr for IdMap {
    type Err = String;

    /// `INSIDE:OUTSIDE:COUNT`, as util-linux 2.39 `--map-users` takes it.
    fn from_str(s: &str) -> std::result::Result<IdMap, String> {
        let parts: Vec<&str> = s.split(':').collect();
        let [inside, outside, count] = parts[..] else {
            return Err(format!("'{s}': expected INSIDE:OUTSIDE:COUNT, e.g. 0:100000:65536"));
        };
        let num = |what: &str, v: &str| {
            v.parse::<u32>().map_err(|_| format!("'{s}': {what} '{v}' is not an id (0 to 4294967294)"))
        };
        let map =
            IdMap { inside: num("inside", inside)?, outside: num("outside", outside)?, count: num("count", count)? };
        if map.count == 0 {
            return Err(format!("'{s}': the count must be at least 1"));
        }
        // Both ranges must fit below 2^32 - 1 (-1 is "no id" to the kernel).
        for start in [map.inside, map.outside] {
            if start as u64 + map.count as u64 > u32::MAX as u64 {
                return Err(format!("'{s}': the range runs past the largest id"));
            }
        }
        Ok(map)
    }
}

/// What the process may do with setgroups(2) inside the namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setgroups {
    Allow,
    Deny,
}

/// Everything to write for one user namespace.
#[derive(Debug, Clone, Default)]
pub struct Maps {
    pub uids: Vec<IdMap>,
    pub gids: Vec<IdMap>,
    pub setgroups: Option<Setgroups>,
}

impl Maps {
    /// Map the caller's own effective uid and gid to `uid`/`gid` inside (what `-r` does with 0).
    /// Mapping the gid also sets setgroups to deny, as util-linux does.
    pub fn map_caller(&mut self, uid: Option<u32>, gid: Option<u32>) {
        if let Some(inside) = uid {
            let outside = nix::unistd::geteuid().as_raw();
            self.uids.insert(0, IdMap { inside, outside, count: 1 });
        }
        if let Some(inside) = gid {
            let outside = nix::unistd::getegid().as_raw();
            self.gids.insert(0, IdMap { inside, outside, count: 1 });
            self.setgroups = Some(Setgroups::Deny);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.uids.is_empty() && self.gids.is_empty() && self.setgroups.is_none()
    }
}

fn map_text(maps: &[IdMap]) -> String {
    maps.iter().map(|m| format!("{} {} {}\n", m.inside, m.outside, m.count)).collect()
}

/// Write the maps of the user namespace `pid` is in: setgroups first, then uid_map, gid_map.
pub fn write(pid: i32, maps: &Maps) -> Result<()> {
    let dir = std::path::PathBuf::from(format!("/proc/{pid}"));
    if let Some(sg) = maps.setgroups {
        let text = if sg == Setgroups::Deny { "deny" } else { "allow" };
        explain::write_file(&dir.join("setgroups"), text, "setgroups policy, before gid_map", "user_namespaces(7)")?;
    }
    if !maps.uids.is_empty() {
        explain::write_file(
            &dir.join("uid_map"),
            &map_text(&maps.uids),
            "which host uids the ids inside are",
            "user_namespaces(7)",
        )
        .map_err(hint)?;
    }
    if !maps.gids.is_empty() {
        explain::write_file(
            &dir.join("gid_map"),
            &map_text(&maps.gids),
            "which host gids the ids inside are",
            "user_namespaces(7)",
        )
        .map_err(hint)?;
    }
    Ok(())
}

fn hint(e: Error) -> Error {
    e.with_hint("a map may be written once; ranges may not overlap; without root, only your own id can be mapped")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_inside_outside_count() {
        assert_eq!("0:1000:1".parse::<IdMap>(), Ok(IdMap { inside: 0, outside: 1000, count: 1 }));
    }

    #[test]
    fn refuses_malformed_and_overflowing_maps() {
        for bad in ["", "0:1000", "0:1000:0", "a:1:1", "0:4294967295:2", "-1:0:1", "0:0:1:1"] {
            assert!(bad.parse::<IdMap>().is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn map_text_is_one_line_per_range() {
        let m = [IdMap { inside: 0, outside: 1000, count: 1 }, IdMap { inside: 1, outside: 100000, count: 65536 }];
        assert_eq!(map_text(&m), "0 1000 1\n1 100000 65536\n");
    }
}
