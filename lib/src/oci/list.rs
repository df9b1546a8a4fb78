//! `ctr-oci list`: every container under --root with its observed status (state.rs's table).
//! Syscalls: readdir(2), read(2). Shell: `runc list`. Used by: ctr-oci list.

use super::state::{self, Record, Status};
use crate::error::{Error, Result};
use std::path::Path;

/// Each container's record and status, sorted by id; a missing root is an empty list.
pub fn list(root: &Path) -> Result<Vec<(Record, Status)>> {
    let entries = match std::fs::read_dir(root) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io("read directory", root.display(), e)),
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let dir = entry.path();
        // A directory being created or removed right now has no (or no longer a) record.
        if let Ok(r) = state::read(&dir) {
            let s = state::status(&dir, &r);
            out.push((r, s));
        }
    }
    out.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    Ok(out)
}
