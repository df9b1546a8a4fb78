//! The eight namespace flags that ns-unshare and ctr-enter share, spelled as util-linux's
//! unshare(1) and nsenter(1) spell them: `-m, --mount[=FILE]` … `-T, --time[=FILE]`.
//! Without `=FILE` a flag means "this namespace" (new, or the target's); with it, the
//! namespace kept alive by a bind mount on FILE (see lib/src/ns/persist.rs).
// bins/common is compiled into every tool (#[path]); only two of them use this file.
#![allow(dead_code)]

use ctrkit::ns::{self, Kind};
use std::ffi::OsString;

#[derive(clap::Args, Debug, Default)]
pub struct NamespaceFlags {
    /// Mount namespace: the mount table (FILE: a persisted one)
    #[arg(short = 'm', long = "mount", value_name = "FILE", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    pub mount: Option<OsString>,
    /// UTS namespace: the hostname
    #[arg(short = 'u', long = "uts", value_name = "FILE", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    pub uts: Option<OsString>,
    /// IPC namespace: System V IPC, POSIX message queues
    #[arg(short = 'i', long = "ipc", value_name = "FILE", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    pub ipc: Option<OsString>,
    /// Network namespace: devices, addresses, ports (a new one gets lo up)
    #[arg(short = 'n', long = "net", value_name = "FILE", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    pub net: Option<OsString>,
    /// PID namespace: process ids (applies to a forked child)
    #[arg(short = 'p', long = "pid", value_name = "FILE", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    pub pid: Option<OsString>,
    /// User namespace: user and group ids, capabilities
    #[arg(short = 'U', long = "user", value_name = "FILE", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    pub user: Option<OsString>,
    /// Cgroup namespace: the cgroup root
    #[arg(short = 'C', long = "cgroup", value_name = "FILE", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    pub cgroup: Option<OsString>,
    /// Time namespace: boot and monotonic clocks
    #[arg(short = 'T', long = "time", value_name = "FILE", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    pub time: Option<OsString>,
}

/// What one flag said: absent, the namespace itself, or a persisted file.
pub enum Given<'a> {
    Absent,
    Plain,
    File(&'a OsString),
}

impl NamespaceFlags {
    /// Each kind with what its flag said, in the order nsenter joins them (ns::ALL).
    pub fn each(&self) -> [(Kind, Given<'_>); 8] {
        [
            (ns::USER, given(&self.user)),
            (ns::CGROUP, given(&self.cgroup)),
            (ns::IPC, given(&self.ipc)),
            (ns::UTS, given(&self.uts)),
            (ns::NET, given(&self.net)),
            (ns::PID, given(&self.pid)),
            (ns::MNT, given(&self.mount)),
            (ns::TIME, given(&self.time)),
        ]
    }
}

fn given(flag: &Option<OsString>) -> Given<'_> {
    match flag {
        None => Given::Absent,
        Some(file) if file.is_empty() => Given::Plain,
        Some(file) => Given::File(file),
    }
}
