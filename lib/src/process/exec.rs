//! execvp(3): replace this process with the user's command, found through $PATH.
//!
//! Exit codes follow the shell (and util-linux): 127 when the command is not found,
//! 126 when it exists but cannot be executed.
//! Read: execve(2), exec(3). Used by: every tool that ends in `-- COMMAND`.

use crate::error::Error;
use crate::explain::{self, Op};
use nix::errno::Errno;
use std::ffi::{CString, OsString};
use std::os::unix::ffi::OsStrExt;

/// Exit status for a command that does not exist.
pub const NOT_FOUND: u8 = 127;
/// Exit status for a command that exists but cannot be run.
pub const NOT_EXECUTABLE: u8 = 126;

/// Exec `argv`; returns only when the exec failed.
pub fn exec(argv: &[OsString]) -> Error {
    let Some(program) = argv.first() else {
        return Error::invalid("COMMAND", "no command given");
    };
    let cstrings: Result<Vec<CString>, _> = argv.iter().map(|a| CString::new(a.as_bytes())).collect();
    let Ok(cargs) = cstrings else {
        return Error::invalid("COMMAND", "an argument contains a NUL byte");
    };
    let op = Op::new(format!("execvp({:?}, {:?})", program, argv), "become the command", "execve(2)");
    let name = program.to_string_lossy().into_owned();
    // On success execvp never returns, so the line is printed first.
    explain::announce(&op, "0 (does not return)");
    let errno = match nix::unistd::execvp(&cargs[0], &cargs) {
        Err(errno) => errno,
        Ok(_) => Errno::EINVAL, // execvp's Ok is uninhabited in practice; kept for the type
    };
    let err = Error::errno("exec", &name, errno);
    match errno {
        Errno::ENOENT => {
            err.with_hint("check the command's name and $PATH (inside a new root, the command must exist there)")
        }
        Errno::EACCES => err.with_hint("the file is not executable (chmod +x), or its file system is mounted noexec"),
        _ => err,
    }
}

/// The exit status a failed exec should end with: 127 not found, 126 anything else.
pub fn exit_code_for(err: &Error) -> u8 {
    match err.errno_value() {
        Some(Errno::ENOENT) | Some(Errno::ENOTDIR) => NOT_FOUND,
        _ => NOT_EXECUTABLE,
    }
}

/// In a forked child: exec, or print `tool: error` and leave with 126/127 through `_exit`,
/// which skips the parent's buffered output and exit handlers (they belong to the parent).
pub fn exec_or_exit(tool: &str, argv: &[OsString]) -> ! {
    let err = exec(argv);
    eprintln!("{tool}: {err}");
    let code = exit_code_for(&err);
    // SAFETY: _exit(2) only ends this process; it is always safe to call.
    unsafe { libc::_exit(code as i32) }
}
