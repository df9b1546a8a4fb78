//! What the user asked for (`ctr-run` flags, or the engine's `run` verb), checked before
//! anything is created: a bad flag leaves no state dir, cgroup or mount behind.
//!
//! This is plain data; spec.rs turns it, with the image's defaults and the resolved user, into
//! the OCI runtime spec that describes the container from then on.
//! No syscalls but stat(2). Read: docker-run(1). Used by: ctr-run, container::spec, create.

use super::image_config::ImageDefaults;
use super::volume::{check_container_path, Volume};
use crate::cgroup::Limits;
use crate::error::{Error, Result};
use std::path::PathBuf;

/// Where the container's files come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootSource {
    /// An unpacked root directory (`--rootfs DIR`); it is never modified.
    Dir(PathBuf),
    /// Stored image layers, bottom first (`--layers-json`).
    Layers(Vec<PathBuf>),
}

/// How the container's stdin/stdout/stderr are connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Io {
    /// ctr-run's own stdio, passed straight through (stdin only with `-i`, else /dev/null).
    Inherit { stdin: bool },
    /// A new pseudo-terminal relayed to ctr-run's terminal (`-t`).
    Tty { stdin: bool },
    /// Detached: stdout and stderr into the JSON log in the state dir (`-d`); with `stdin`
    /// (`-d -i`) the monitor keeps the container's stdin open for `ctrkit attach` (attach.rs).
    Log { tty: bool, stdin: bool },
}

/// The stored image a container runs, as named and by id (recorded in state.json).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    pub name: String,
    pub id: String,
}

#[derive(Debug, Clone)]
pub struct RunOptions {
    /// `--name`; None picks the short id.
    pub name: Option<String>,
    pub root: RootSource,
    pub image: ImageDefaults,
    /// The stored image, when run from one (None for `--rootfs`/`--layers-json`).
    pub image_ref: Option<ImageRef>,
    /// The words after the flags: the image's Cmd is replaced by these.
    pub command: Vec<String>,
    /// `--entrypoint`: `Some("")` clears the image's entrypoint.
    pub entrypoint: Option<String>,
    pub env: Vec<String>,
    pub workdir: Option<String>,
    pub user: Option<String>,
    pub hostname: Option<String>,
    pub limits: Limits,
    pub volumes: Vec<Volume>,
    pub read_only: bool,
    pub cap_add: Vec<String>,
    pub cap_drop: Vec<String>,
    pub no_new_privileges: bool,
    /// False for `--security-opt seccomp=unconfined`.
    pub seccomp: bool,
    pub io: Io,
    /// `--init`: a small pid 1 that reaps zombies and forwards signals (init.rs).
    pub init: bool,
    /// `--rm`: remove the state dir and record when the container ends.
    pub remove: bool,
    /// `${CTRKIT_STATE:-/run/ctrkit}`.
    pub state_root: PathBuf,
    /// A container made before (by `create`, or one that has ended): reuse its id, name and
    /// state dir — and so its writable layer — instead of making new ones (`start`, `restart`).
    pub id: Option<String>,
    /// `--network`; `-p`/`-P` without it mean bridge (ctr-run decides).
    pub network: super::network::Mode,
    /// `-p`, and `-P`'s exposed ports (host port 0: any free one).
    pub publish: Vec<crate::net::publish::PortMap>,
    /// `--dns`, `--dns-search`, `--dns-option`: resolv.conf's lines instead of the host's.
    pub dns: super::etc_files::Dns,
    /// The ctr-run arguments the container was made with, kept in its state dir as
    /// `run-args.json` so `start` can run it again exactly as it was asked for.
    pub args: Vec<String>,
}

impl RunOptions {
    /// Every check that needs no file system changes.
    pub fn check(&self) -> Result<()> {
        if let Some(name) = &self.name {
            super::id::check_name(name)?;
        }
        if let Some(h) = &self.hostname {
            crate::uts::validate_hostname(h)?;
        }
        if let Some(w) = &self.workdir {
            if !w.starts_with('/') {
                return Err(Error::invalid(format!("-w {w:?}"), "the working directory must be absolute"));
            }
        }
        if let Some(e) = self.env.iter().find(|e| e.is_empty() || e.starts_with('=') || e.contains('\0')) {
            return Err(Error::invalid(format!("-e {e:?}"), "expected NAME=VALUE or NAME"));
        }
        self.limits.check()?;
        super::caps::chosen(&self.cap_add, &self.cap_drop)?;
        match &self.root {
            RootSource::Dir(dir) => {
                let meta = std::fs::metadata(dir).map_err(|e| {
                    Error::io("stat", dir.display(), e).with_hint("--rootfs takes an unpacked root directory")
                })?;
                if !meta.is_dir() {
                    return Err(Error::invalid(format!("--rootfs {}", dir.display()), "not a directory"));
                }
            }
            RootSource::Layers(dirs) if dirs.is_empty() => {
                return Err(Error::invalid("--layers-json", "no layers"));
            }
            RootSource::Layers(_) => {}
        }
        for v in &self.volumes {
            check_container_path(&v.container.to_string_lossy()).map_err(|why| Error::invalid("-v", why))?;
        }
        let no_entrypoint = self.entrypoint.as_deref().is_none_or(str::is_empty);
        if self.command.is_empty() && self.image.cmd.is_empty() && self.image.entrypoint.is_empty() && no_entrypoint {
            return Err(Error::invalid("COMMAND", "no command given and the image has no Cmd or Entrypoint"));
        }
        Ok(())
    }

    /// The directories holding the image's files, topmost first (for reading /etc/passwd).
    pub fn roots_top_first(&self) -> Vec<PathBuf> {
        match &self.root {
            RootSource::Dir(d) => vec![d.clone()],
            RootSource::Layers(dirs) => dirs.iter().rev().cloned().collect(),
        }
    }
}
