//! Errors that teach: every failure names the operation, the object it was done to and the
//! kernel's errno, plus a hint when the fix is known.
//!
//!     mount /run/ctrkit/c1/rootfs: Operation not permitted (EPERM)
//!     hint: run as root, or add --user to get a user namespace where you are root
//!
//! One error type serves the whole library: the tools only print it and pick an exit code,
//! so finer types per module would add names without adding meaning.
//! Used by: every module and every tool.

use nix::errno::Errno;
use std::fmt;
use std::io;

/// What went wrong underneath: the kernel's errno, an I/O error, or input we refused.
#[derive(Debug)]
pub enum Cause {
    Errno(Errno),
    Io(io::Error),
    /// Bad input (a flag, a file's content): the text says what is wrong with it.
    Invalid(String),
}

#[derive(Debug)]
pub struct Error {
    /// The operation, named after the syscall or the step: `mount`, `setns`, `write`.
    pub op: String,
    /// What it was done to: a path, a pid, a flag.
    pub object: String,
    pub cause: Cause,
    /// What to do next, when we know.
    pub hint: Option<String>,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn errno(op: impl Into<String>, object: impl fmt::Display, errno: Errno) -> Error {
        Error { op: op.into(), object: object.to_string(), cause: Cause::Errno(errno), hint: None }
    }

    pub fn io(op: impl Into<String>, object: impl fmt::Display, err: io::Error) -> Error {
        // An io::Error from the kernel carries an errno: keep it as one so it prints alike.
        let cause = match err.raw_os_error() {
            Some(code) => Cause::Errno(Errno::from_raw(code)),
            None => Cause::Io(err),
        };
        Error { op: op.into(), object: object.to_string(), cause, hint: None }
    }

    /// Refused input: `Error::invalid("--memory", "-5: a size cannot be negative")`.
    pub fn invalid(object: impl fmt::Display, why: impl Into<String>) -> Error {
        Error { op: "invalid".into(), object: object.to_string(), cause: Cause::Invalid(why.into()), hint: None }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Error {
        self.hint = Some(hint.into());
        self
    }

    /// The errno underneath, if the kernel said no.
    pub fn errno_value(&self) -> Option<Errno> {
        match self.cause {
            Cause::Errno(e) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // "Operation not permitted (EPERM)": the text for people, the name for man pages.
            Cause::Errno(e) => write!(f, "{} ({:?})", e.desc(), e),
            Cause::Io(e) => write!(f, "{e}"),
            Cause::Invalid(why) => write!(f, "{why}"),
        }
    }
}

impl fmt::Display for Error {
    /// One line; the hint, if any, goes on a second line starting with `hint: `.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.op, self.object, self.cause)?;
        if let Some(hint) = &self.hint {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_errors_name_operation_object_and_errno() {
        let e = Error::errno("mount", "/x", Errno::EPERM).with_hint("run as root");
        assert_eq!(e.to_string(), "mount /x: Operation not permitted (EPERM)\nhint: run as root");
    }

    #[test]
    fn io_errors_with_an_os_code_become_errno() {
        let e = Error::io("open", "/nope", io::Error::from_raw_os_error(libc::ENOENT));
        assert_eq!(e.errno_value(), Some(Errno::ENOENT));
        assert_eq!(e.to_string(), "open /nope: No such file or directory (ENOENT)");
    }

    #[test]
    fn invalid_input_reads_as_one_line() {
        let e = Error::invalid("--pids", "0: the limit must be at least 1");
        assert_eq!(e.to_string(), "invalid --pids: 0: the limit must be at least 1");
    }
}
