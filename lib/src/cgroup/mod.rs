//! Control groups: limit what a group of processes may use (memory, CPU time, CPUs, number
//! of processes) and count what it used, on cgroup v2, v1 and hybrid hosts alike.
//!
//! A cgroup is a directory in a cgroup filesystem; its files are the controls. Putting a
//! process in one is writing its pid to `cgroup.procs`; its children are born inside. On v1
//! each controller has its own tree, so one of our cgroups is several directories; on v2 it
//! is one. `Cgroup` hides that: the tools say *what*, the backend files say *where*.
//!
//! | file          | concept                                                        |
//! |---------------|----------------------------------------------------------------|
//! | `mode`        | unified / hybrid / legacy, by statfs of /sys/fs/cgroup         |
//! | `hierarchy`   | our own cgroup in each hierarchy (/proc/self/cgroup + mountinfo) |
//! | `limits`      | parsing and checking sizes, CPUs, shares, pid counts (pure)    |
//! | `cpulist`     | CPU lists (`0-1,3`) for --cpuset-cpus, checked against online CPUs |
//! | `name`        | safe cgroup names                                              |
//! | `plan`        | which hierarchies and controllers a set of limits needs        |
//! | `v1`, `v2`    | the control files of each version, for limits and for stats    |
//! | `files`       | reading and writing control files, explained                   |
//! | `group`       | `Cgroup`: create, open, add_process, processes, stats          |
//! | `born`        | a child born in its cgroup (clone3 into v2, `0` → v1 `tasks`)  |
//! | `kill`        | kill_all (cgroup.kill or a kill loop), remove, delete          |
//! | `stats`       | the statistics, serialisable for `--json`                      |
//! | `report`      | the "limit hit" line and the human form of the statistics      |
//! | `join`        | join the cgroups of another process (ctr-enter)                |
//!
//! Every function that reads the hierarchy takes its roots from a `Layout` or a `Path`, so
//! the unit tests run against fixture directories, never the host's cgroups.
//! Read: cgroups(7), Documentation/admin-guide/cgroup-v2.rst and cgroup-v1/*.rst.
//! Shell equivalent: mkdir/echo/cat under /sys/fs/cgroup; cgcreate, cgexec, systemd-run -p.
//! Used by: cg-limit, ctr-enter (join).

pub mod born;
pub mod cpulist;
pub mod files;
pub mod group;
pub mod hierarchy;
pub mod join;
pub mod kill;
pub mod limits;
pub mod mode;
pub mod name;
pub mod plan;
pub mod report;
pub mod stats;
#[cfg(test)]
mod testdir;
pub mod v1;
pub mod v2;

pub use cpulist::CpuList;
pub use group::{Cgroup, Part};
pub use hierarchy::{Hierarchy, Layout, Version};
pub use join::join_cgroups_of;
pub use limits::{CpuQuota, Limits, Swap};
pub use mode::Mode;
pub use name::{check_name, default_name};
pub use stats::Stats;
