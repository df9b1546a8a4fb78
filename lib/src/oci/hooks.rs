//! Hooks: programs the spec names, run at fixed points of the lifecycle with the container's
//! state JSON on their stdin (config.md, "POSIX-platform Hooks").
//!
//! | hook            | run by, where                          | when                                         | if it fails |
//! |-----------------|----------------------------------------|----------------------------------------------|-------------|
//! | prestart        | `create`, runtime namespace (deprecated) | after the namespaces and mounts exist, before pivot_root | create fails, nothing left |
//! | createRuntime   | `create`, runtime namespace            | right after prestart                         | create fails |
//! | createContainer | the container's init, its namespaces   | after createRuntime, before pivot_root       | create fails |
//! | startContainer  | the container's init, inside the root  | in `start`, just before the command's exec   | the init exits 125; the command never runs |
//! | poststart       | `start`, runtime namespace             | after the command started, before start returns | a warning |
//! | poststop        | `delete`, runtime namespace            | after the container is deleted               | a warning |
//!
//! Each hook: `path` exec'd with `args` (args[0] is argv[0]) and exactly `env`, stdin a pipe
//! carrying the state JSON, stdout/stderr ours; killed after `timeout` seconds if given.
//! Syscalls: pipe(2), fork(2)+execve(2) (std::process::Command), wait4(2), kill(2).
//! Read: runtime-spec config.md ("Hooks"), runtime.md ("Lifecycle"). Shell: `echo "$STATE" | hook args…`.
//! Used by: oci::create, oci::init, oci::start, oci::delete.

use crate::error::{Error, Result};
use crate::explain::{self, Op};
use oci_spec::runtime::{Hook, Hooks, Spec};
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The six hook lists, by their config.json names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Point {
    Prestart,
    CreateRuntime,
    CreateContainer,
    StartContainer,
    Poststart,
    Poststop,
}

impl Point {
    pub fn name(self) -> &'static str {
        match self {
            Point::Prestart => "prestart",
            Point::CreateRuntime => "createRuntime",
            Point::CreateContainer => "createContainer",
            Point::StartContainer => "startContainer",
            Point::Poststart => "poststart",
            Point::Poststop => "poststop",
        }
    }

    fn list(self, h: &Hooks) -> Option<&Vec<Hook>> {
        #[allow(deprecated)]
        match self {
            Point::Prestart => h.prestart().as_ref(),
            Point::CreateRuntime => h.create_runtime().as_ref(),
            Point::CreateContainer => h.create_container().as_ref(),
            Point::StartContainer => h.start_container().as_ref(),
            Point::Poststart => h.poststart().as_ref(),
            Point::Poststop => h.poststop().as_ref(),
        }
    }
}

/// The hooks of `spec` at `point`.
pub fn at(spec: &Spec, point: Point) -> Vec<Hook> {
    spec.hooks().as_ref().and_then(|h| point.list(h)).cloned().unwrap_or_default()
}

/// Run every hook at `point` in order, `state` on each one's stdin; the first failure stops.
pub fn run(spec: &Spec, point: Point, state: &str) -> Result<()> {
    for hook in at(spec, point) {
        run_one(&hook, point, state)?;
    }
    Ok(())
}

/// As `run`, but a failure is only reported (poststart, poststop: the spec says warn).
pub fn run_warning(spec: &Spec, point: Point, state: &str, log: impl Fn(&str)) {
    for hook in at(spec, point) {
        if let Err(e) = run_one(&hook, point, state) {
            log(&format!("warning: {e}"));
        }
    }
}

fn run_one(hook: &Hook, point: Point, state: &str) -> Result<()> {
    let path = hook.path();
    let what = format!("{} hook {}", point.name(), path.display());
    let args = hook.args().clone().unwrap_or_default();
    let mut cmd = Command::new(path);
    if let Some((argv0, rest)) = args.split_first() {
        cmd.arg0(argv0).args(rest);
    }
    cmd.env_clear().stdin(Stdio::piped());
    for e in hook.env().as_deref().unwrap_or(&[]) {
        if let Some((k, v)) = e.split_once('=') {
            cmd.env(k, v);
        }
    }
    let op = Op::new(
        format!("fork + execve({path:?}, {args:?})"),
        "a hook the spec asks for, state JSON on stdin",
        "config.md",
    );
    explain::announce(&op, "…");
    let mut child = cmd.spawn().map_err(|e| Error::io("run", &what, e))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A hook that does not read its stdin closes the pipe: EPIPE is its business.
        let _ = stdin.write_all(state.as_bytes());
    }
    let timeout = hook.timeout().filter(|t| *t > 0).map(|t| Duration::from_secs(t as u64));
    let started = Instant::now();
    let mut pause = Duration::from_millis(1);
    let status = loop {
        if timeout.is_none() {
            break child.wait().map_err(|e| Error::io("wait for", &what, e))?;
        }
        match child.try_wait().map_err(|e| Error::io("wait for", &what, e))? {
            Some(status) => break status,
            None if timeout.is_some_and(|t| started.elapsed() > t) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Error::invalid(
                    &what,
                    format!("did not finish within its timeout of {:?}", timeout.unwrap_or_default()),
                ));
            }
            None => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(20));
            }
        }
    };
    if status.success() {
        Ok(())
    } else {
        Err(Error::invalid(&what, format!("failed: {status}")))
    }
}
