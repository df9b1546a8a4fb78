//! Dropping root's powers to what the spec allows, in the one order that works.
//!
//! | step | call                                   | why here                                         |
//! |------|----------------------------------------|--------------------------------------------------|
//! | 1    | prctl(PR_CAPBSET_DROP) for each cap not kept | needs CAP_SETPCAP, so before anything drops it; the bounding set caps what exec and setuid programs can ever give back |
//! | 2    | setgroups, setgid                      | need CAP_SETGID: before setuid (credentials(7))  |
//! | 3    | prctl(PR_SET_KEEPCAPS, 1); setuid      | keep the permitted set across the uid change; the kernel clears the effective set when uid 0 leaves |
//! | 4    | seccomp, when no_new_privs is off      | loading a filter without no_new_privs needs CAP_SYS_ADMIN *effective* (seccomp(2)): load it while we still have it (runc does the same) |
//! | 5    | capset: effective = permitted = kept, inheritable and ambient empty | the final sets; execve then gives root the bounding set and a non-root user nothing (docker's behaviour) |
//! | 6    | prctl(PR_SET_NO_NEW_PRIVS, 1), seccomp | with no_new_privs the filter needs no privilege: load it last, just before exec, so it filters only the command |
//!
//! Syscalls: prctl(2), setgroups(2), setgid(2), setuid(2), capset(2), seccomp(2).
//! Read: capabilities(7), credentials(7), prctl(2), seccomp(2), no_new_privs (kernel docs).
//! Shell: `setpriv --reuid=U --regid=G --groups=… --bounding-set=… --inh-caps=-all --no-new-privs`.
//! Used by: container::child.

use crate::error::{Error, Result};
use crate::explain::{self, Op};
use crate::sys::seccomp::Instruction;
use caps::{CapSet, CapsHashSet};
use nix::unistd::{Gid, Uid};
use oci_spec::runtime::Spec;

#[derive(Debug, Clone)]
pub struct Privileges {
    pub uid: u32,
    pub gid: u32,
    pub additional_gids: Vec<u32>,
    pub kept: CapsHashSet,
    pub no_new_privs: bool,
    /// The compiled filter (compiled once, in the parent, before fork).
    pub seccomp: Option<Vec<Instruction>>,
}

impl Privileges {
    /// Read them from the spec, compiling its seccomp profile.
    pub fn from_spec(spec: &Spec) -> Result<Privileges> {
        let process = spec.process().as_ref().ok_or_else(|| Error::invalid("OCI spec", "no process"))?;
        let user = process.user();
        let names: Vec<String> = process
            .capabilities()
            .as_ref()
            .and_then(|c| c.bounding().as_ref())
            .map(|set| set.iter().map(|c| format!("CAP_{c}")).collect())
            .unwrap_or_default();
        let seccomp = match spec.linux().as_ref().and_then(|l| l.seccomp().as_ref()) {
            Some(profile) => Some(super::seccomp::compile(profile)?),
            None => None,
        };
        Ok(Privileges {
            uid: user.uid(),
            gid: user.gid(),
            additional_gids: user.additional_gids().clone().unwrap_or_default(),
            kept: super::caps::from_names(&names)?,
            no_new_privs: process.no_new_privileges().unwrap_or(false),
            seccomp,
        })
    }

    /// Steps 1–6 of the table.
    pub fn apply(&self) -> Result<()> {
        let kept_names = super::caps::names(&self.kept).join(",");
        let op = Op::new(
            format!("prctl(PR_CAPBSET_DROP, …) keeping [{kept_names}]"),
            "limit what can ever be regained",
            "capabilities(7)",
        );
        explain::change(op, "bounding set", || {
            for cap in caps::all() {
                if !self.kept.contains(&cap) && caps::has_cap(None, CapSet::Bounding, cap).unwrap_or(false) {
                    caps::drop(None, CapSet::Bounding, cap).map_err(|_| nix::errno::Errno::EPERM)?;
                }
            }
            Ok(())
        })?;

        let groups: Vec<Gid> = self.additional_gids.iter().map(|g| Gid::from_raw(*g)).collect();
        let op = Op::new(
            format!("setgroups({:?})", self.additional_gids),
            "the user's supplementary groups",
            "setgroups(2)",
        );
        explain::change(op, "supplementary groups", || nix::unistd::setgroups(&groups))?;
        let op = Op::new(format!("setgid({})", self.gid), "the user's group", "setgid(2)");
        explain::change(op, &format!("gid {}", self.gid), || nix::unistd::setgid(Gid::from_raw(self.gid)))?;
        let op = Op::new("prctl(PR_SET_KEEPCAPS, 1)", "keep permitted caps across setuid", "prctl(2)");
        explain::change(op, "PR_SET_KEEPCAPS", || nix::sys::prctl::set_keepcaps(true))?;
        let op = Op::new(format!("setuid({})", self.uid), "the user", "setuid(2)");
        explain::change(op, &format!("uid {}", self.uid), || nix::unistd::setuid(Uid::from_raw(self.uid)))?;

        if let (Some(prog), false) = (&self.seccomp, self.no_new_privs) {
            let op = Op::new("capset(effective = permitted)", "CAP_SYS_ADMIN to load seccomp", "capset(2)");
            explain::change(op, "effective set", || {
                let permitted = caps::read(None, CapSet::Permitted).map_err(|_| nix::errno::Errno::EPERM)?;
                caps::set(None, CapSet::Effective, &permitted).map_err(|_| nix::errno::Errno::EPERM)
            })?;
            super::seccomp::load(prog)?;
        }

        let op = Op::new(
            format!("capset(effective = permitted = [{kept_names}], inheritable = [])"),
            "the final capability sets",
            "capset(2)",
        );
        explain::change(op, "capability sets", || {
            let set = |which, caps: &CapsHashSet| caps::set(None, which, caps).map_err(|_| nix::errno::Errno::EPERM);
            set(CapSet::Effective, &self.kept)?;
            set(CapSet::Permitted, &self.kept)?;
            set(CapSet::Inheritable, &CapsHashSet::new())?;
            caps::clear(None, CapSet::Ambient).map_err(|_| nix::errno::Errno::EPERM)
        })?;

        if self.no_new_privs {
            let op = Op::new("prctl(PR_SET_NO_NEW_PRIVS, 1)", "setuid binaries and file caps give nothing", "prctl(2)");
            explain::change(op, "no_new_privs", nix::sys::prctl::set_no_new_privs)?;
            if let Some(prog) = &self.seccomp {
                super::seccomp::load(prog)?;
            }
        }
        Ok(())
    }
}
