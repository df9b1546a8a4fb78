//! Compiling a seccomp profile (the OCI spec's `linux.seccomp`) into the classic-BPF program
//! the kernel runs on every system call — by hand, in a few dozen lines, instead of
//! libseccomp (which runc and crun call on *every* start, 20–25 ms here).
//!
//! The program reads `struct seccomp_data` (nr at offset 0, arch at 4, args[i] at 16 + 8i,
//! low 32 bits first on little-endian machines) and is one straight line:
//!
//!     ld  [4]                  ; arch
//!     jeq AUDIT_ARCH, 1, 0     ; a foreign ABI (32-bit int 0x80 calls) is killed:
//!     ret KILL_PROCESS         ;   its numbers mean other calls
//!     ld  [0]                  ; nr
//!     jge X32_BIT, 0, 1        ; x86-64's x32 ABI: refused like docker does
//!     ret ERRNO(EPERM)
//!     jeq NR, 0, 1             ; one pair per rule without arguments
//!     ret ACTION
//!     jeq NR, 0, 5             ; a rule with argument conditions (all must hold):
//!     ld  [16+8i]              ;   (args[i] & mask) == value ?  (NE: != value)
//!     and #mask                ;   (MASKED_EQ only)
//!     jeq #value, 0, 1         ;   … one such group per condition, each jumping to the reload
//!     ret ACTION
//!     ld  [0]                  ;   back to nr for the next rule
//!     ret DEFAULT_ACTION
//!
//! Jumps are short and forward (at most 6 conditions of 3 instructions), so no offset can
//! overflow. Names this architecture lacks are skipped, as runc (libseccomp) does: such a call
//! cannot be made here, so allowing or refusing it changes nothing. Cost: the kernel (5.11+)
//! runs a filter once per syscall number at load time and caches "always allow" in a bitmap,
//! so calls whose answer does not depend on arguments cost nothing extra afterwards.
//! Supported: actions ALLOW, ERRNO, KILL(_PROCESS/_THREAD), LOG; conditions MASKED_EQ, EQ and NE
//! on the low 32 bits; anything else is refused by name, never silently ignored.
//! No syscalls (loading is sys::seccomp). Read: seccomp(2) ("Pragmatic" BPF example),
//! Documentation/networking/filter.rst. Used by: container::seccomp.

use crate::error::{Error, Result};
use crate::sys::seccomp::Instruction;
use oci_spec::runtime::{LinuxSeccomp, LinuxSeccompAction, LinuxSeccompOperator};

const LD_ABS: u16 = (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16;
const JEQ: u16 = (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16;
const JGE: u16 = (libc::BPF_JMP | libc::BPF_JGE | libc::BPF_K) as u16;
const AND: u16 = (libc::BPF_ALU | libc::BPF_AND | libc::BPF_K) as u16;
const RET: u16 = (libc::BPF_RET | libc::BPF_K) as u16;

#[cfg(target_arch = "x86_64")]
const AUDIT_ARCH: u32 = 0xc000_003e; // AUDIT_ARCH_X86_64
#[cfg(target_arch = "aarch64")]
const AUDIT_ARCH: u32 = 0xc000_00b7; // AUDIT_ARCH_AARCH64
/// x32 system calls have this bit set in their number (asm/unistd.h __X32_SYSCALL_BIT).
const X32_SYSCALL_BIT: u32 = 0x4000_0000;

fn stmt(code: u16, k: u32) -> Instruction {
    Instruction { code, jt: 0, jf: 0, k }
}

fn jump(code: u16, k: u32, jt: u8, jf: u8) -> Instruction {
    Instruction { code, jt, jf, k }
}

/// The SECCOMP_RET_* value for an OCI action.
fn ret_value(action: LinuxSeccompAction, errno: Option<u32>) -> Result<u32> {
    Ok(match action {
        LinuxSeccompAction::ScmpActAllow => libc::SECCOMP_RET_ALLOW,
        LinuxSeccompAction::ScmpActErrno => libc::SECCOMP_RET_ERRNO | (errno.unwrap_or(libc::EPERM as u32) & 0xffff),
        LinuxSeccompAction::ScmpActKill | LinuxSeccompAction::ScmpActKillThread => libc::SECCOMP_RET_KILL_THREAD,
        LinuxSeccompAction::ScmpActKillProcess => libc::SECCOMP_RET_KILL_PROCESS,
        LinuxSeccompAction::ScmpActLog => libc::SECCOMP_RET_LOG,
        other => return Err(Error::invalid("seccomp profile", format!("action {other} is not supported"))),
    })
}

/// The instructions after `jeq NR` of a rule: each condition loads its argument and jumps to
/// the trailing `ld [0]` when it does not hold (all must hold: AND); then the action.
fn conditions(args: &[oci_spec::runtime::LinuxSeccompArg], ret: u32) -> Result<Vec<Instruction>> {
    if args.len() > 6 {
        return Err(Error::invalid("seccomp profile", "a rule with more than 6 argument conditions"));
    }
    let mut block = Vec::new();
    let mut exits = Vec::new(); // (index of a conditional jump, jump when equal?)
    for arg in args {
        let (mask, value, equal) = match arg.op() {
            LinuxSeccompOperator::ScmpCmpMaskedEq => (arg.value(), arg.value_two().unwrap_or(0), true),
            LinuxSeccompOperator::ScmpCmpEq => (u32::MAX as u64, arg.value(), true),
            LinuxSeccompOperator::ScmpCmpNe => (u32::MAX as u64, arg.value(), false),
            op => return Err(Error::invalid("seccomp profile", format!("operator {op:?} is not supported"))),
        };
        if mask > u32::MAX as u64 || value > u32::MAX as u64 || arg.index() > 5 {
            return Err(Error::invalid("seccomp profile", "only the low 32 bits of args 0-5 can be compared"));
        }
        block.push(stmt(LD_ABS, 16 + 8 * arg.index() as u32));
        if mask != u32::MAX as u64 {
            block.push(stmt(AND, mask as u32));
        }
        exits.push((block.len(), equal));
        block.push(jump(JEQ, value as u32, 0, 0));
    }
    block.push(stmt(RET, ret));
    if !args.is_empty() {
        block.push(stmt(LD_ABS, 0)); // back to nr for the next rule
    }
    let reload = block.len() - 1;
    for (at, equal) in exits {
        let skip = (reload - at - 1) as u8;
        // EQ/MASKED_EQ: go on when equal, else skip to the reload; NE: the other way round.
        (block[at].jt, block[at].jf) = if equal { (0, skip) } else { (skip, 0) };
    }
    Ok(block)
}

/// Compile `profile`; `number` maps a syscall name to this machine's number (None: unknown).
pub fn compile(profile: &LinuxSeccomp, number: impl Fn(&str) -> Option<i64>) -> Result<Vec<Instruction>> {
    let default = ret_value(profile.default_action(), profile.default_errno_ret())?;
    let mut prog =
        vec![stmt(LD_ABS, 4), jump(JEQ, AUDIT_ARCH, 1, 0), stmt(RET, libc::SECCOMP_RET_KILL_PROCESS), stmt(LD_ABS, 0)];
    if cfg!(target_arch = "x86_64") {
        prog.push(jump(JGE, X32_SYSCALL_BIT, 0, 1));
        prog.push(stmt(RET, libc::SECCOMP_RET_ERRNO | libc::EPERM as u32));
    }
    for rule in profile.syscalls().as_deref().unwrap_or(&[]) {
        let ret = ret_value(rule.action(), rule.errno_ret())?;
        let conditions = conditions(rule.args().as_deref().unwrap_or(&[]), ret)?;
        for name in rule.names() {
            // A call this architecture does not have cannot be made here: skip it, as runc
            // (libseccomp) does; allowlists from other tools name calls of every architecture.
            let Some(nr) = number(name) else { continue };
            let nr =
                u32::try_from(nr).map_err(|_| Error::invalid("seccomp profile", format!("bad number for {name}")))?;
            prog.push(jump(JEQ, nr, 0, conditions.len() as u8));
            prog.extend(conditions.iter().copied());
        }
    }
    prog.push(stmt(RET, default));
    if prog.len() > libc::BPF_MAXINSNS as usize {
        return Err(Error::invalid("seccomp profile", format!("{} instructions: the kernel takes 4096", prog.len())));
    }
    Ok(prog)
}

#[cfg(test)]
mod tests {
    use super::*;
    use oci_spec::runtime::{LinuxSeccompArgBuilder, LinuxSeccompBuilder, LinuxSyscallBuilder};

    /// Run the program the way the kernel would, for one (arch, nr, arg0).
    fn run(prog: &[Instruction], arch: u32, nr: u32, arg0: u32) -> u32 {
        run_args(prog, arch, nr, [arg0, 0, 0, 0, 0, 0])
    }

    /// The same with all six arguments (low 32 bits).
    fn run_args(prog: &[Instruction], arch: u32, nr: u32, args: [u32; 6]) -> u32 {
        let (mut a, mut pc) = (0u32, 0usize);
        loop {
            let i = &prog[pc];
            pc += 1;
            match i.code {
                LD_ABS => {
                    a = match i.k {
                        0 => nr,
                        4 => arch,
                        k => args[(k as usize - 16) / 8],
                    }
                }
                AND => a &= i.k,
                RET => return i.k,
                JEQ => pc += if a == i.k { i.jt } else { i.jf } as usize,
                JGE => pc += if a >= i.k { i.jt } else { i.jf } as usize,
                c => panic!("unexpected opcode {c:#x}"),
            }
        }
    }

    #[test]
    fn rules_and_conditions_give_the_right_actions() {
        let deny = LinuxSyscallBuilder::default()
            .names(vec!["keyctl".to_string()])
            .action(LinuxSeccompAction::ScmpActErrno)
            .errno_ret(1u32)
            .build()
            .unwrap();
        let arg = LinuxSeccompArgBuilder::default()
            .index(0usize)
            .value(0x2000_0000u64)
            .value_two(0x2000_0000u64)
            .op(LinuxSeccompOperator::ScmpCmpMaskedEq)
            .build()
            .unwrap();
        let clone = LinuxSyscallBuilder::default()
            .names(vec!["clone".to_string()])
            .action(LinuxSeccompAction::ScmpActErrno)
            .args(vec![arg])
            .build()
            .unwrap();
        let profile = LinuxSeccompBuilder::default()
            .default_action(LinuxSeccompAction::ScmpActAllow)
            .syscalls(vec![deny, clone])
            .build()
            .unwrap();
        let number = |n: &str| match n {
            "keyctl" => Some(250),
            "clone" => Some(56),
            _ => None,
        };
        let prog = compile(&profile, number).unwrap();
        let eperm = libc::SECCOMP_RET_ERRNO | 1;
        assert_eq!(run(&prog, AUDIT_ARCH, 250, 0), eperm);
        assert_eq!(run(&prog, AUDIT_ARCH, 56, 0x2000_0011), eperm, "clone with a namespace flag");
        assert_eq!(run(&prog, AUDIT_ARCH, 56, 0x11), libc::SECCOMP_RET_ALLOW, "plain clone (fork)");
        assert_eq!(run(&prog, AUDIT_ARCH, 0, 0x2000_0000), libc::SECCOMP_RET_ALLOW, "read(2)");
        assert_eq!(run(&prog, 0x4000_0003, 0, 0), libc::SECCOMP_RET_KILL_PROCESS, "i386 ABI");
        let unknown = |_: &str| None;
        assert_eq!(compile(&profile, unknown).unwrap().len(), 7, "names this machine lacks are skipped");
    }

    #[test]
    fn conditions_are_and_ed_and_ne_inverts() {
        // podman's socket rules: AF_VSOCK (40) with protocol 9 is refused; everything else allowed.
        let cond = |index: usize, value: u64, op| {
            LinuxSeccompArgBuilder::default().index(index).value(value).op(op).build().unwrap()
        };
        let refuse = LinuxSyscallBuilder::default()
            .names(vec!["socket".to_string()])
            .action(LinuxSeccompAction::ScmpActErrno)
            .errno_ret(22u32)
            .args(vec![cond(0, 40, LinuxSeccompOperator::ScmpCmpEq), cond(2, 9, LinuxSeccompOperator::ScmpCmpEq)])
            .build()
            .unwrap();
        let allow = LinuxSyscallBuilder::default()
            .names(vec!["socket".to_string()])
            .action(LinuxSeccompAction::ScmpActAllow)
            .args(vec![cond(2, 9, LinuxSeccompOperator::ScmpCmpNe)])
            .build()
            .unwrap();
        let profile = LinuxSeccompBuilder::default()
            .default_action(LinuxSeccompAction::ScmpActErrno)
            .default_errno_ret(38u32)
            .syscalls(vec![refuse, allow])
            .build()
            .unwrap();
        let prog = compile(&profile, |n| (n == "socket").then_some(41)).unwrap();
        let (einval, enosys) = (libc::SECCOMP_RET_ERRNO | 22, libc::SECCOMP_RET_ERRNO | 38);
        assert_eq!(run_args(&prog, AUDIT_ARCH, 41, [40, 1, 9, 0, 0, 0]), einval, "both hold");
        assert_eq!(run_args(&prog, AUDIT_ARCH, 41, [2, 1, 0, 0, 0, 0]), libc::SECCOMP_RET_ALLOW, "protocol != 9");
        assert_eq!(run_args(&prog, AUDIT_ARCH, 41, [2, 1, 9, 0, 0, 0]), enosys, "neither rule: the default");
        assert_eq!(run_args(&prog, AUDIT_ARCH, 0, [0; 6]), enosys, "another call");
    }
}
