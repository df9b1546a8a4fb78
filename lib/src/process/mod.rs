//! Processes: fork, exec, wait, and how a tool that runs a command passes on its fate.
//!
//! - `credentials` — become another uid/gid (setuid, setgid, setgroups).
//! - `fork`      — fork(2), explained.
//! - `exec`      — execvp(3), with the shell's exit codes 126 (not executable) and 127 (not found).
//! - `status`    — a child's end as an exit code, re-raising its fatal signal like a shell would.
//! - `supervise` — wait for a child while forwarding the signals sent to us.
//! - `sync`      — named steps between two processes over a socket pair.
//! - `procfs`    — what /proc says about a pid (start time, namespace inodes).
//!
//! Used by: ns-unshare, cg-limit, ctr-enter.

pub mod credentials;
pub mod exec;
pub mod fork;
pub mod procfs;
pub mod status;
pub mod supervise;
pub mod sync;

pub use exec::{exec, exec_or_exit};
pub use fork::{fork, Forked};
pub use status::Status;
