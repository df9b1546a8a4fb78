//! process.rlimits: resource limits set in the container's init just before exec, inherited by
//! the command (podman passes RLIMIT_NOFILE and RLIMIT_NPROC).
//!
//! Raising a hard limit needs CAP_SYS_RESOURCE, which the init still has at this point (it is
//! root, privileges are dropped after); a limit this host does not allow fails with EPERM and
//! the error names it.
//! Syscalls: setrlimit(2). Read: getrlimit(2), config.md ("POSIX process"). Shell: `prlimit --nofile=S:H`.
//! Used by: oci::init, oci::exec.

use crate::error::{Error, Result};
use crate::explain::{self, Op};
use nix::sys::resource::{setrlimit, Resource};
use oci_spec::runtime::PosixRlimit;

/// The nix name of an `RLIMIT_*` type.
fn resource(name: &str) -> Option<Resource> {
    Some(match name {
        "RLIMIT_AS" => Resource::RLIMIT_AS,
        "RLIMIT_CORE" => Resource::RLIMIT_CORE,
        "RLIMIT_CPU" => Resource::RLIMIT_CPU,
        "RLIMIT_DATA" => Resource::RLIMIT_DATA,
        "RLIMIT_FSIZE" => Resource::RLIMIT_FSIZE,
        "RLIMIT_LOCKS" => Resource::RLIMIT_LOCKS,
        "RLIMIT_MEMLOCK" => Resource::RLIMIT_MEMLOCK,
        "RLIMIT_MSGQUEUE" => Resource::RLIMIT_MSGQUEUE,
        "RLIMIT_NICE" => Resource::RLIMIT_NICE,
        "RLIMIT_NOFILE" => Resource::RLIMIT_NOFILE,
        "RLIMIT_NPROC" => Resource::RLIMIT_NPROC,
        "RLIMIT_RSS" => Resource::RLIMIT_RSS,
        "RLIMIT_RTPRIO" => Resource::RLIMIT_RTPRIO,
        "RLIMIT_RTTIME" => Resource::RLIMIT_RTTIME,
        "RLIMIT_SIGPENDING" => Resource::RLIMIT_SIGPENDING,
        "RLIMIT_STACK" => Resource::RLIMIT_STACK,
        _ => return None,
    })
}

/// The spec's name for a limit (`RLIMIT_NOFILE`).
fn name_of(r: &PosixRlimit) -> String {
    serde_json::to_value(r.typ()).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

/// Refuse unknown types before anything is created.
pub fn check(limits: &[PosixRlimit]) -> Result<()> {
    for r in limits {
        let name = name_of(r);
        if resource(&name).is_none() {
            return Err(Error::invalid(format!("process.rlimits {name:?}"), "unknown limit type"));
        }
        if r.soft() > r.hard() {
            return Err(Error::invalid(format!("process.rlimits {name}"), "soft is above hard"));
        }
    }
    Ok(())
}

/// setrlimit each one.
pub fn apply(limits: &[PosixRlimit]) -> Result<()> {
    for r in limits {
        let name = name_of(r);
        let Some(res) = resource(&name) else { continue };
        let op = Op::new(
            format!("setrlimit({name}, {}, {})", r.soft(), r.hard()),
            "a limit the spec asks for",
            "getrlimit(2)",
        );
        explain::change(op, &name, || setrlimit(res, r.soft(), r.hard()))?;
    }
    Ok(())
}
