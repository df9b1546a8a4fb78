//! `ctr-oci start ID`: let a `created` container run its command, then run the poststart hooks.
//!
//! | # | step                                                  | why                                      |
//! |---|-------------------------------------------------------|------------------------------------------|
//! | 1 | take the container's lock; observe its status         | only `created` may start (runtime.md: start on another state is an error) |
//! | 2 | open the exec fifo for reading; wait for the init's byte; unlink the fifo | fifo.rs: the init goes on to exec |
//! | 3 | poststart hooks (a failure is a warning)              | config.md: after the process started, before start returns |
//!
//! Syscalls: flock(2), open(2), poll(2), read(2), unlink(2). Read: runtime.md ("start").
//! Shell: `runc start ID`. Used by: ctr-oci start.

use super::state::{self, Status};
use super::{fifo, hooks};
use crate::container::liveness;
use crate::error::{Error, Result};
use oci_spec::runtime::Spec;
use std::path::Path;

/// Steps 1–3; `warn` receives hook warnings.
pub fn start(root: &Path, id: &str, warn: impl Fn(&str)) -> Result<()> {
    let dir = state::existing(root, id)?;
    let _held = state::lock(&dir)?;
    let r = state::read(&dir)?;
    let status = state::status(&dir, &r);
    if status != Status::Created {
        return Err(state::wrong_state(id, "start", status));
    }
    fifo::release(&dir, || liveness::is_same_process(r.pid, r.pid_start_time))?;
    let spec = spec_of(&dir)?;
    hooks::run_warning(&spec, hooks::Point::Poststart, &state::to_json(&r, Status::Running)?, warn);
    Ok(())
}

/// The spec the container was created from (its copy in the state dir).
pub fn spec_of(dir: &Path) -> Result<Spec> {
    let path = dir.join("config.json");
    let text = std::fs::read(&path).map_err(|e| Error::io("read", path.display(), e))?;
    serde_json::from_slice(&text).map_err(|e| Error::invalid(path.display(), format!("not an OCI runtime spec: {e}")))
}
