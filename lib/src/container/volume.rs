//! `-v HOST:CTR[:ro]`: a host directory or file bind-mounted into the container.
//!
//! Checked at parse time, before anything is created: HOST must be an absolute path that
//! exists (docker would create a missing one; we refuse, so a typo cannot litter the host);
//! CTR must be absolute, normal (no `.`/`..` components: a volume never reaches outside the
//! container's root by name) and not `/` itself. Options: `ro`, `rw` (default).
//! Where CTR is created inside the root, symlinks are resolved *inside* it (in_root.rs).
//!
//! No syscalls but stat(2). Read: mount(2) (MS_BIND). Shell: `mount --bind HOST ROOT/CTR`.
//! Used by: ctr-run (-v), container::spec.

use crate::error::{Error, Result};
use std::path::{Component, Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volume {
    pub host: PathBuf,
    pub container: PathBuf,
    pub read_only: bool,
}

impl Volume {
    /// Parse `HOST:CTR[:ro|rw]`.
    pub fn parse(text: &str) -> Result<Volume> {
        let bad = |why: &str| Error::invalid(format!("-v {text:?}"), why.to_string());
        let parts: Vec<&str> = text.split(':').collect();
        let (host, ctr, opt) = match parts[..] {
            [h, c] => (h, c, None),
            [h, c, o] => (h, c, Some(o)),
            _ => return Err(bad("expected HOST:CONTAINER[:ro]")),
        };
        let read_only = match opt {
            None | Some("rw") => false,
            Some("ro") => true,
            Some(o) => return Err(bad(&format!("unknown option {o:?}: use ro or rw"))),
        };
        if host.is_empty() || !host.starts_with('/') {
            return Err(bad("the host path must be absolute (named volumes are not supported)"));
        }
        let container = check_container_path(ctr).map_err(|why| bad(&why))?;
        let host = PathBuf::from(host);
        if let Err(e) = std::fs::metadata(&host) {
            return Err(Error::io("stat", host.display(), e).with_hint("create the host directory first"));
        }
        Ok(Volume { host, container, read_only })
    }
}

/// A path inside the container: absolute, no `.` or `..`, not the root itself.
pub fn check_container_path(p: &str) -> std::result::Result<PathBuf, String> {
    let path = Path::new(p);
    if !path.is_absolute() {
        return Err(format!("the container path {p:?} must be absolute"));
    }
    let mut normal = 0;
    for c in path.components() {
        match c {
            Component::RootDir => {}
            Component::Normal(_) => normal += 1,
            _ => return Err(format!("the container path {p:?} may not contain . or ..")),
        }
    }
    if normal == 0 {
        return Err("the container path may not be / itself".into());
    }
    Ok(path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_host_container_and_ro() {
        let v = Volume::parse("/tmp:/data:ro").unwrap();
        assert_eq!(
            (v.host.as_path(), v.container.as_path(), v.read_only),
            (Path::new("/tmp"), Path::new("/data"), true)
        );
        assert!(!Volume::parse("/tmp:/data").unwrap().read_only);
    }

    #[test]
    fn refuses_bad_volumes() {
        for bad in [":/x", "/tmp:", "/tmp:x", "/tmp:/a/../b", "/tmp:/", "rel:/x", "/tmp:/x:rx", "/tmp", "a:b:c:d"] {
            let e = Volume::parse(bad).expect_err(bad).to_string();
            assert!(!e.contains('\n'), "{e}");
        }
        assert!(Volume::parse("/no/such/dir/ctrkit:/x").is_err());
    }
}
