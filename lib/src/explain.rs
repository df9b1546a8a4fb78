//! The `--explain` tracer: every kernel operation the library makes goes through `run` or
//! `change`, which do the operation *and* print it, so what a learner reads and what the code
//! does can never drift apart (house rule 10).
//!
//! One line per operation on stderr:
//!
//!     [4242] unshare(CLONE_NEWUTS|CLONE_NEWPID) = 0   # new hostname, new pid numbering — namespaces(7)
//!     [1] mount("proc", "/proc", "proc", MS_NOSUID|MS_NODEV|MS_NOEXEC) = 0   # ... — proc(5)
//!
//! The `[pid]` is the caller's pid as the kernel shows it to the caller: after a fork into a
//! new pid namespace the child's lines read `[1]`. A failed call ends in `= -1 EPERM (...)`.
//! Under `--dry-run`, `change` prints the line with `= (dry run)` and does nothing.
//! Used by: every module that touches the kernel; the tools set the switches from flags.

use crate::error::{Error, Result};
use nix::errno::Errno;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static EXPLAIN: AtomicBool = AtomicBool::new(false);
static DRY_RUN: AtomicBool = AtomicBool::new(false);

/// Turn the printing of kernel operations on or off (`--explain`).
pub fn set_explain(on: bool) {
    EXPLAIN.store(on, Ordering::Relaxed);
}

/// Turn dry-run on: operations that change the system are printed, not done (`--dry-run`).
/// Dry-run implies explain: a plan nobody sees is no plan.
pub fn set_dry_run(on: bool) {
    DRY_RUN.store(on, Ordering::Relaxed);
    if on {
        set_explain(true);
    }
}

pub fn is_dry_run() -> bool {
    DRY_RUN.load(Ordering::Relaxed)
}

pub fn is_explaining() -> bool {
    EXPLAIN.load(Ordering::Relaxed)
}

/// A kernel operation as a learner should read it.
pub struct Op<'a> {
    /// The call with decoded arguments: `unshare(CLONE_NEWUTS)`, `write("/proc/1/uid_map", "0 1000 1")`.
    pub call: String,
    /// Why we make it, in a few words.
    pub why: &'a str,
    /// Where to read more: `namespaces(7)`.
    pub man: &'a str,
}

impl<'a> Op<'a> {
    pub fn new(call: impl Into<String>, why: &'a str, man: &'a str) -> Op<'a> {
        Op { call: call.into(), why, man }
    }
}

/// A value a call returns, as it is printed after `=`.
pub trait Shown {
    fn shown(&self) -> String;
}
impl Shown for () {
    fn shown(&self) -> String {
        "0".into()
    }
}
impl Shown for i32 {
    fn shown(&self) -> String {
        self.to_string()
    }
}
impl Shown for usize {
    fn shown(&self) -> String {
        self.to_string()
    }
}
impl Shown for nix::unistd::Pid {
    fn shown(&self) -> String {
        self.to_string()
    }
}
impl Shown for std::os::fd::OwnedFd {
    fn shown(&self) -> String {
        use std::os::fd::AsRawFd;
        self.as_raw_fd().to_string()
    }
}

impl Shown for std::os::unix::net::UnixListener {
    fn shown(&self) -> String {
        use std::os::fd::AsRawFd;
        self.as_raw_fd().to_string()
    }
}
impl Shown for std::os::unix::net::UnixStream {
    fn shown(&self) -> String {
        use std::os::fd::AsRawFd;
        self.as_raw_fd().to_string()
    }
}

/// Print a line now, before the operation: for execve(2), which does not come back to print.
pub fn announce(op: &Op, outcome: &str) {
    print(op, outcome);
}

fn print(op: &Op, outcome: &str) {
    if !is_explaining() {
        return;
    }
    let line = format!("[{}] {} = {}   # {} — {}\n", std::process::id(), op.call, outcome, op.why, op.man);
    // One write per line, so lines of parent and child never interleave mid-line.
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

fn failed(e: Errno) -> String {
    format!("-1 {:?} ({})", e, e.desc())
}

/// Run an operation that reads or creates something we need the result of; it runs even
/// under `--dry-run`. `object` names what the error message should point at.
pub fn run<T: Shown>(op: Op, object: &str, f: impl FnOnce() -> nix::Result<T>) -> Result<T> {
    let name = op.call.split('(').next().unwrap_or("").to_string();
    match f() {
        Ok(v) => {
            print(&op, &v.shown());
            Ok(v)
        }
        Err(e) => {
            print(&op, &failed(e));
            Err(Error::errno(name, object, e))
        }
    }
}

/// Run an operation that changes the system; under `--dry-run` it is only printed.
pub fn change(op: Op, object: &str, f: impl FnOnce() -> nix::Result<()>) -> Result<()> {
    if is_dry_run() {
        print(&op, "(dry run)");
        return Ok(());
    }
    run(op, object, f)
}

/// Print a step that is not a single syscall but worth seeing (e.g. which cgroup was chosen).
pub fn note(what: &str) {
    if is_explaining() {
        let line = format!("[{}] {}\n", std::process::id(), what);
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}

/// Write a small file, such as a cgroup or /proc control file, as one explained operation:
/// `write("/proc/42/uid_map", "0 1000 1")`. One write(2) call, as these files require.
pub fn write_file(path: &std::path::Path, content: &str, why: &str, man: &str) -> Result<()> {
    let op = Op::new(format!("write({:?}, {:?})", path, content.trim_end()), why, man);
    change(op, &path.display().to_string(), || {
        let mut f = std::fs::OpenOptions::new().write(true).open(path).map_err(io_errno)?;
        f.write_all(content.as_bytes()).map_err(io_errno)
    })
}

/// The errno inside an io::Error (EIO when there is none), for use inside `run`/`change`.
pub fn io_errno(e: std::io::Error) -> Errno {
    Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO))
}
