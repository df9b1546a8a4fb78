//! The last step: find the container's command on the *container's* $PATH and execve(2) it
//! with the container's environment, holding no fd but 0, 1 and 2.
//!
//! Not execvp(3): that searches ctr-run's own PATH and passes ctr-run's environment. The
//! search follows execvp's rules: a name with `/` is used as it is; otherwise each PATH
//! directory in turn; "not found" only if no directory had it (127), "found but not
//! executable" if one had it but exec said EACCES/ENOEXEC (126).
//! Every fd above 2 is marked close-on-exec (close_range), so the sync socket still works up
//! to the execve that closes it — which is how the parent learns the exec happened.
//! Syscalls: close_range(2), chdir(2), execve(2). Read: execve(2), exec(3).
//! Shell: `env -i PATH=… cmd`. Used by: container::child.

use crate::error::Error;
use crate::explain::{self, Op};
use nix::errno::Errno;
use std::ffi::CString;

/// What a failed exec means for the exit code.
pub fn exit_code(e: &Error) -> u8 {
    match e.errno_value() {
        Some(Errno::ENOENT) | Some(Errno::ENOTDIR) => crate::process::exec::NOT_FOUND,
        _ => crate::process::exec::NOT_EXECUTABLE,
    }
}

/// Mark every fd above 2 close-on-exec.
pub fn close_extra_fds() -> crate::Result<()> {
    let op =
        Op::new("close_range(3, ~0U, CLOSE_RANGE_CLOEXEC)", "the command starts with fds 0-2 only", "close_range(2)");
    explain::change(op, "fds 3 and up", || crate::sys::close_range::cloexec_from(3))
}

/// Exec `args` with `env`; returns only the error when no exec worked.
pub fn exec(args: &[String], env: &[String]) -> Error {
    let Some(program) = args.first() else {
        return Error::invalid("COMMAND", "empty process.args");
    };
    let cstr = |v: &[String]| v.iter().map(|s| CString::new(s.as_bytes())).collect::<Result<Vec<_>, _>>();
    let (Ok(cargs), Ok(cenv)) = (cstr(args), cstr(env)) else {
        return Error::invalid("COMMAND", "an argument or variable contains a NUL byte");
    };
    let candidates: Vec<String> = if program.contains('/') {
        vec![program.clone()]
    } else {
        let path = env.iter().find_map(|e| e.strip_prefix("PATH=")).unwrap_or("/usr/bin:/bin");
        path.split(':').map(|d| format!("{}/{program}", if d.is_empty() { "." } else { d })).collect()
    };
    let mut worst = Errno::ENOENT;
    for candidate in candidates {
        let Ok(path) = CString::new(candidate.as_bytes()) else { continue };
        let op = Op::new(
            format!("execve({candidate:?}, {args:?}, [{} vars])", env.len()),
            "become the container's command",
            "execve(2)",
        );
        explain::announce(&op, "0 (does not return)");
        let Err(e) = nix::unistd::execve(&path, &cargs, &cenv);
        // As execvp: EACCES and ENOEXEC are remembered, ENOENT/ENOTDIR mean "try the next".
        if !matches!(e, Errno::ENOENT | Errno::ENOTDIR) {
            worst = e;
        }
    }
    let err = Error::errno("exec", program, worst);
    match worst {
        Errno::ENOENT => err.with_hint("the command must exist inside the container's root (on its $PATH)"),
        Errno::EACCES => err.with_hint("the file is not executable, or not a regular file"),
        _ => err,
    }
}
