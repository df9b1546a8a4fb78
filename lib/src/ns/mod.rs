//! Namespaces: the kernel's way of giving a process its own view of one global resource.
//!
//! This file holds the table every other part reads from — the eight namespace kinds with
//! their clone flag, their file under /proc/PID/ns and what they isolate — in the order
//! nsenter(1) enters them. The operations live one per file:
//!
//! - `unshare` — unshare(2): move the caller into new namespaces (`unshare(1)`).
//! - `setns`   — setns(2): join a namespace through its /proc/PID/ns file (`nsenter(1)`).
//! - `enter`   — join a process's namespaces, cgroups, root and cwd (`nsenter -a`, `docker exec`).
//! - `idmap`   — uid_map, gid_map, setgroups of a user namespace (user_namespaces(7)).
//! - `time`    — the clock offsets of a new time namespace (time_namespaces(7)).
//! - `persist` — keep a namespace alive by bind-mounting its file (`unshare --net=FILE`).
//! - `outside` — the helper that does both of those from outside the new namespaces.
//!
//! Read: namespaces(7). Used by: ns-unshare, ctr-enter.

pub mod enter;
pub mod idmap;
pub mod outside;
pub mod persist;
pub mod setns;
pub mod time;
pub mod unshare;

use nix::sched::CloneFlags;

/// One kind of namespace, as namespaces(7) lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    /// The name of its file in /proc/PID/ns: `mnt`, `uts`, `ipc`, `pid`, `net`, `user`, `cgroup`, `time`.
    pub name: &'static str,
    /// The flag for clone(2), unshare(2) and setns(2).
    pub flag: CloneFlags,
    /// The flag's name, for `--explain`.
    pub flag_name: &'static str,
    /// What a process in a new one of these gets of its own.
    pub isolates: &'static str,
    /// True for pid and time: unshare(2) does not move the caller itself, only its future
    /// children, so the file to read is `/proc/PID/ns/<name>_for_children`.
    pub for_children: bool,
}

// CLONE_NEWTIME is newer than nix's CloneFlags; the bit comes from libc.
const NEWTIME: CloneFlags = CloneFlags::from_bits_retain(libc::CLONE_NEWTIME);

pub const USER: Kind = Kind {
    name: "user",
    flag: CloneFlags::CLONE_NEWUSER,
    flag_name: "CLONE_NEWUSER",
    isolates: "user and group ids, capabilities",
    for_children: false,
};
pub const CGROUP: Kind = Kind {
    name: "cgroup",
    flag: CloneFlags::CLONE_NEWCGROUP,
    flag_name: "CLONE_NEWCGROUP",
    isolates: "cgroup root",
    for_children: false,
};
pub const IPC: Kind = Kind {
    name: "ipc",
    flag: CloneFlags::CLONE_NEWIPC,
    flag_name: "CLONE_NEWIPC",
    isolates: "System V IPC, POSIX message queues",
    for_children: false,
};
pub const UTS: Kind = Kind {
    name: "uts",
    flag: CloneFlags::CLONE_NEWUTS,
    flag_name: "CLONE_NEWUTS",
    isolates: "hostname",
    for_children: false,
};
pub const NET: Kind = Kind {
    name: "net",
    flag: CloneFlags::CLONE_NEWNET,
    flag_name: "CLONE_NEWNET",
    isolates: "network devices, addresses, ports",
    for_children: false,
};
pub const PID: Kind = Kind {
    name: "pid",
    flag: CloneFlags::CLONE_NEWPID,
    flag_name: "CLONE_NEWPID",
    isolates: "process ids",
    for_children: true,
};
pub const MNT: Kind = Kind {
    name: "mnt",
    flag: CloneFlags::CLONE_NEWNS,
    flag_name: "CLONE_NEWNS",
    isolates: "mount table",
    for_children: false,
};
pub const TIME: Kind = Kind {
    name: "time",
    flag: NEWTIME,
    flag_name: "CLONE_NEWTIME",
    isolates: "boot and monotonic clocks",
    for_children: true,
};

/// All kinds, in the order nsenter(1) joins them: user first (see setns.rs for why it may
/// also go last), mnt late because joining it changes what paths mean.
pub const ALL: [Kind; 8] = [USER, CGROUP, IPC, UTS, NET, PID, MNT, TIME];

/// Look a kind up by its /proc name (`mnt`) or util-linux long option name (`mount`).
pub fn by_name(name: &str) -> Option<Kind> {
    let name = if name == "mount" { "mnt" } else { name };
    ALL.iter().copied().find(|k| k.name == name)
}

/// The file that names this kind of namespace of `pid`, as seen from outside:
/// `/proc/PID/ns/pid_for_children` for the kinds unshare(2) applies to children only.
pub fn proc_file(pid: i32, kind: Kind) -> std::path::PathBuf {
    let file = if kind.for_children { format!("{}_for_children", kind.name) } else { kind.name.to_string() };
    std::path::PathBuf::from(format!("/proc/{pid}/ns/{file}"))
}

/// `CLONE_NEWUTS|CLONE_NEWPID` — the flags of `kinds`, as --explain prints them.
pub fn flag_names(kinds: &[Kind]) -> String {
    kinds.iter().map(|k| k.flag_name).collect::<Vec<_>>().join("|")
}

/// `new hostname, new process ids` — what `kinds` give, as --explain prints it.
pub fn describe(kinds: &[Kind]) -> String {
    kinds.iter().map(|k| format!("new {}", k.isolates)).collect::<Vec<_>>().join("; ")
}

pub fn flags_of(kinds: &[Kind]) -> CloneFlags {
    kinds.iter().fold(CloneFlags::empty(), |acc, k| acc | k.flag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases_resolve() {
        assert_eq!(by_name("mount"), Some(MNT));
        assert_eq!(by_name("time"), Some(TIME));
        assert_eq!(by_name("bogus"), None);
    }

    #[test]
    fn pid_and_time_are_named_by_their_for_children_file() {
        assert_eq!(proc_file(7, PID).to_str(), Some("/proc/7/ns/pid_for_children"));
        assert_eq!(proc_file(7, UTS).to_str(), Some("/proc/7/ns/uts"));
    }

    #[test]
    fn flags_print_as_the_kernel_names_them() {
        assert_eq!(flag_names(&[UTS, PID]), "CLONE_NEWUTS|CLONE_NEWPID");
        assert_eq!(flags_of(&[UTS, PID]), CloneFlags::CLONE_NEWUTS | CloneFlags::CLONE_NEWPID);
    }
}
