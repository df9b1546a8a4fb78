//! The default seccomp profile — docker's, expressed as what it *withholds* — and loading it.
//!
//! Docker's profile (moby profiles/seccomp/default.json) allows ~350 calls by name and fails
//! the rest with EPERM. Against the calls a kernel has, that is the same as allowing all but
//! the ~60 listed below, which is how we write it: a table a learner can read in one screen,
//! each row with the capability that lifts it (docker allows `mount` when you `--cap-add
//! SYS_ADMIN`, `reboot` with SYS_BOOT, …). Also as docker: `clone` with a namespace flag fails
//! unless SYS_ADMIN is kept, `clone3` fails with ENOSYS (its flags live in memory a filter
//! cannot read; ENOSYS makes glibc fall back to `clone`), and foreign ABIs are refused.
//! The one difference: a syscall newer than this table is allowed here, where docker's
//! allowlist would refuse it until its profile is updated.
//!
//! The profile is put in config.json (`linux.seccomp`), then compiled from there by
//! seccomp_bpf.rs, so an OCI bundle's own profile takes the same path. Compiling is a walk over
//! ~70 rules (microseconds, measured in bench/ctr-run.sh), cheaper than reading a cached
//! file would be, so nothing is cached; libseccomp's 20 ms compile is what caching fixes.
//! Syscalls: seccomp(2) (sys::seccomp). Read: seccomp(2), docs.docker.com "Seccomp security
//! profiles for Docker". Shell: `docker run --security-opt seccomp=…`.
//! Used by: container::spec (the profile), container::privileges (load).

use super::seccomp_bpf;
use crate::error::{Error, Result};
use crate::explain::{self, Op};
use crate::sys::seccomp::{self as sys, Instruction};
use caps::{Capability as C, CapsHashSet};
use oci_spec::runtime::{
    LinuxSeccomp, LinuxSeccompAction, LinuxSeccompArgBuilder, LinuxSeccompBuilder, LinuxSeccompOperator, LinuxSyscall,
    LinuxSyscallBuilder,
};

/// The calls docker's default profile refuses, and the capability that makes it allow them.
#[rustfmt::skip]
const WITHHELD: &[(&str, i64, Option<C>)] = &[
    ("acct", libc::SYS_acct, Some(C::CAP_SYS_PACCT)),
    ("add_key", libc::SYS_add_key, None),
    ("bpf", libc::SYS_bpf, Some(C::CAP_SYS_ADMIN)),
    ("clock_adjtime", libc::SYS_clock_adjtime, Some(C::CAP_SYS_TIME)),
    ("clock_settime", libc::SYS_clock_settime, Some(C::CAP_SYS_TIME)),
    ("delete_module", libc::SYS_delete_module, Some(C::CAP_SYS_MODULE)),
    ("finit_module", libc::SYS_finit_module, Some(C::CAP_SYS_MODULE)),
    ("init_module", libc::SYS_init_module, Some(C::CAP_SYS_MODULE)),
    ("fanotify_init", libc::SYS_fanotify_init, Some(C::CAP_SYS_ADMIN)),
    ("fsconfig", libc::SYS_fsconfig, Some(C::CAP_SYS_ADMIN)),
    ("fsmount", libc::SYS_fsmount, Some(C::CAP_SYS_ADMIN)),
    ("fsopen", libc::SYS_fsopen, Some(C::CAP_SYS_ADMIN)),
    ("fspick", libc::SYS_fspick, Some(C::CAP_SYS_ADMIN)),
    ("get_mempolicy", libc::SYS_get_mempolicy, Some(C::CAP_SYS_NICE)),
    ("io_uring_enter", libc::SYS_io_uring_enter, None),
    ("io_uring_register", libc::SYS_io_uring_register, None),
    ("io_uring_setup", libc::SYS_io_uring_setup, None),
    ("kcmp", libc::SYS_kcmp, Some(C::CAP_SYS_PTRACE)),
    ("kexec_file_load", libc::SYS_kexec_file_load, Some(C::CAP_SYS_BOOT)),
    ("kexec_load", libc::SYS_kexec_load, Some(C::CAP_SYS_BOOT)),
    ("keyctl", libc::SYS_keyctl, None),
    ("lookup_dcookie", libc::SYS_lookup_dcookie, Some(C::CAP_SYS_ADMIN)),
    ("mbind", libc::SYS_mbind, Some(C::CAP_SYS_NICE)),
    ("mount", libc::SYS_mount, Some(C::CAP_SYS_ADMIN)),
    ("mount_setattr", libc::SYS_mount_setattr, Some(C::CAP_SYS_ADMIN)),
    ("move_mount", libc::SYS_move_mount, Some(C::CAP_SYS_ADMIN)),
    ("move_pages", libc::SYS_move_pages, Some(C::CAP_SYS_NICE)),
    ("name_to_handle_at", libc::SYS_name_to_handle_at, Some(C::CAP_SYS_ADMIN)),
    ("open_by_handle_at", libc::SYS_open_by_handle_at, Some(C::CAP_DAC_READ_SEARCH)),
    ("open_tree", libc::SYS_open_tree, Some(C::CAP_SYS_ADMIN)),
    ("perf_event_open", libc::SYS_perf_event_open, Some(C::CAP_SYS_ADMIN)),
    ("pivot_root", libc::SYS_pivot_root, Some(C::CAP_SYS_ADMIN)),
    ("process_vm_readv", libc::SYS_process_vm_readv, Some(C::CAP_SYS_PTRACE)),
    ("process_vm_writev", libc::SYS_process_vm_writev, Some(C::CAP_SYS_PTRACE)),
    ("quotactl", libc::SYS_quotactl, Some(C::CAP_SYS_ADMIN)),
    ("reboot", libc::SYS_reboot, Some(C::CAP_SYS_BOOT)),
    ("request_key", libc::SYS_request_key, None),
    ("set_mempolicy", libc::SYS_set_mempolicy, Some(C::CAP_SYS_NICE)),
    ("setns", libc::SYS_setns, Some(C::CAP_SYS_ADMIN)),
    ("settimeofday", libc::SYS_settimeofday, Some(C::CAP_SYS_TIME)),
    ("swapoff", libc::SYS_swapoff, Some(C::CAP_SYS_ADMIN)),
    ("swapon", libc::SYS_swapon, Some(C::CAP_SYS_ADMIN)),
    ("syslog", libc::SYS_syslog, Some(C::CAP_SYSLOG)),
    ("umount2", libc::SYS_umount2, Some(C::CAP_SYS_ADMIN)),
    ("unshare", libc::SYS_unshare, Some(C::CAP_SYS_ADMIN)),
    ("userfaultfd", libc::SYS_userfaultfd, Some(C::CAP_SYS_PTRACE)),
    ("vhangup", libc::SYS_vhangup, Some(C::CAP_SYS_TTY_CONFIG)),
];

/// Obsolete or x86-only calls docker also withholds.
#[cfg(target_arch = "x86_64")]
#[rustfmt::skip]
const WITHHELD_X86_64: &[(&str, i64, Option<C>)] = &[
    ("ioperm", libc::SYS_ioperm, Some(C::CAP_SYS_RAWIO)),
    ("iopl", libc::SYS_iopl, Some(C::CAP_SYS_RAWIO)),
    ("nfsservctl", libc::SYS_nfsservctl, None),
    ("_sysctl", libc::SYS__sysctl, None),
    ("sysfs", libc::SYS_sysfs, None),
    ("uselib", libc::SYS_uselib, None),
    ("ustat", libc::SYS_ustat, None),
];
#[cfg(not(target_arch = "x86_64"))]
const WITHHELD_X86_64: &[(&str, i64, Option<C>)] = &[];

/// The namespace flags docker's profile refuses in clone(2) without CAP_SYS_ADMIN.
const NAMESPACE_FLAGS: [i32; 7] = [
    libc::CLONE_NEWNS,
    libc::CLONE_NEWUTS,
    libc::CLONE_NEWIPC,
    libc::CLONE_NEWUSER,
    libc::CLONE_NEWPID,
    libc::CLONE_NEWNET,
    libc::CLONE_NEWCGROUP,
];

/// This machine's number for a syscall name (the names the profile and its tests use).
pub fn number(name: &str) -> Option<i64> {
    let extra = [("clone", libc::SYS_clone), ("clone3", libc::SYS_clone3)];
    WITHHELD
        .iter()
        .chain(WITHHELD_X86_64)
        .map(|(n, nr, _)| (*n, *nr))
        .chain(extra)
        .find(|(n, _)| *n == name)
        .map(|(_, nr)| nr)
        .or_else(|| super::syscall_table::number(name))
}

fn errno_rule(names: Vec<String>, errno: i32) -> Result<LinuxSyscall> {
    LinuxSyscallBuilder::default()
        .names(names)
        .action(LinuxSeccompAction::ScmpActErrno)
        .errno_ret(errno as u32)
        .build()
        .map_err(|e| Error::invalid("seccomp profile", e.to_string()))
}

/// Docker's default profile for a container keeping `kept` capabilities.
pub fn default_profile(kept: &CapsHashSet) -> Result<LinuxSeccomp> {
    let refused = |lift: &Option<C>| lift.is_none_or(|c| !kept.contains(&c));
    let names: Vec<String> = WITHHELD
        .iter()
        .chain(WITHHELD_X86_64)
        .filter(|(_, _, lift)| refused(lift))
        .map(|(n, _, _)| n.to_string())
        .collect();
    let mut rules = vec![errno_rule(names, libc::EPERM)?, errno_rule(vec!["clone3".into()], libc::ENOSYS)?];
    if !kept.contains(&C::CAP_SYS_ADMIN) {
        for flag in NAMESPACE_FLAGS {
            let arg = LinuxSeccompArgBuilder::default()
                .index(0usize)
                .value(flag as u64)
                .value_two(flag as u64)
                .op(LinuxSeccompOperator::ScmpCmpMaskedEq)
                .build()
                .map_err(|e| Error::invalid("seccomp profile", e.to_string()))?;
            let mut rule = errno_rule(vec!["clone".into()], libc::EPERM)?;
            rule.set_args(Some(vec![arg]));
            rules.push(rule);
        }
    }
    LinuxSeccompBuilder::default()
        .default_action(LinuxSeccompAction::ScmpActAllow)
        .syscalls(rules)
        .build()
        .map_err(|e| Error::invalid("seccomp profile", e.to_string()))
}

/// Compile a profile for this machine.
pub fn compile(profile: &LinuxSeccomp) -> Result<Vec<Instruction>> {
    seccomp_bpf::compile(profile, number)
}

/// Install the compiled filter on the calling thread; it is inherited across fork and exec.
pub fn load(program: &[Instruction]) -> Result<()> {
    let op = Op::new(
        format!("seccomp(SECCOMP_SET_MODE_FILTER, 0, {{{} instructions}})", program.len()),
        "refuse the system calls docker's default profile refuses (EPERM)",
        "seccomp(2)",
    );
    explain::change(op, "seccomp filter", || sys::set_mode_filter(program))
        .map_err(|e| e.with_hint("without no_new_privs, loading a filter needs CAP_SYS_ADMIN at that moment"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_has_a_number_and_the_default_compiles() {
        let kept: CapsHashSet = super::super::caps::DEFAULT.into_iter().collect();
        let profile = default_profile(&kept).unwrap();
        let prog = compile(&profile).unwrap();
        assert!(prog.len() > 100 && prog.len() < 300, "{}", prog.len());
        let names = &profile.syscalls().as_ref().unwrap()[0].names().clone();
        assert!(names.contains(&"unshare".to_string()) && names.contains(&"keyctl".to_string()));
    }

    #[test]
    fn sys_admin_lifts_mount_and_clone_flags() {
        let kept: CapsHashSet = [C::CAP_SYS_ADMIN].into_iter().collect();
        let profile = default_profile(&kept).unwrap();
        let rules = profile.syscalls().as_ref().unwrap();
        assert!(!rules[0].names().contains(&"mount".to_string()));
        assert!(rules[0].names().contains(&"keyctl".to_string()));
        assert_eq!(rules.len(), 2, "no clone rules");
    }
}
