//! `ctr-oci spec`: write a starting config.json into a bundle directory, as `runc spec` does —
//! runc's own defaults (oci-spec's `Spec::default()`: `sh` on a terminal, the usual mounts,
//! masked paths and namespaces), with the root at `rootfs` beside it.
//! It refuses to replace an existing config.json (created with O_EXCL).
//! Syscalls: open(2) O_CREAT|O_EXCL, write(2). Read: runc-spec(8). Used by: ctr-oci spec.

use crate::error::{Error, Result};
use oci_spec::runtime::Spec;
use std::io::Write;
use std::path::Path;

/// The default spec, with `terminal` as asked.
pub fn default(terminal: bool) -> Spec {
    let mut spec = Spec::default();
    if let Some(mut p) = spec.process().clone() {
        p.set_terminal(Some(terminal));
        spec.set_process(Some(p));
    }
    spec
}

/// Write `bundle/config.json`, never over an existing one.
pub fn write(bundle: &Path, spec: &Spec) -> Result<()> {
    let path = bundle.join("config.json");
    let text = serde_json::to_string_pretty(spec).map_err(|e| Error::invalid("config.json", e.to_string()))?;
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&path).map_err(|e| {
        let err = Error::io("create", path.display(), e);
        if err.errno_value() == Some(nix::errno::Errno::EEXIST) {
            err.with_hint("remove it first: ctr-oci spec never replaces a config.json")
        } else {
            err
        }
    })?;
    f.write_all(text.as_bytes()).map_err(|e| Error::io("write", path.display(), e))
}
