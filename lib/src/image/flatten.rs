//! Flattening an image (the `--to DIR` half of img-unpack): apply the layers in order into
//! one directory, whiteouts applied, while the next layers are already being decompressed
//! and hashed on other cores. Each layer is verified when its stream ends; on any error DIR
//! is removed (if we created it) or emptied again (if it was an empty directory already).
//!
//! Syscalls: mkdir(2), open(2) (+ those of image::apply). Man: tar(1), openat2(2).
//! Shell equivalent: `umoci unpack --image DIR:TAG bundle`; `for l in layers; do tar -xzf $l -C DIR; done`.
//! Used by: image::unpack.

use super::apply::{Applier, ApplyMode};
use super::config::ImageConfig;
use super::layer;
use super::manifest::Resolved;
use super::progress::Progress;
use super::refuse;
use super::source::Source;
use super::tar::TarReader;
use super::unpack::{check, label, open_blob, BlobInfo, Request};
use super::within;
use crate::error::{Error, Result};
use crate::explain::{self, Op};
use nix::fcntl::OFlag;
use nix::sys::stat::Mode;
use std::collections::VecDeque;
use std::fs;
use std::path::{Path, PathBuf};

/// Undo a failed flatten: remove DIR if we made it, else empty it again.
struct Target {
    path: PathBuf,
    created: bool,
    done: bool,
}

impl Drop for Target {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        if self.created {
            let _ = fs::remove_dir_all(&self.path);
        } else if let Ok(entries) = fs::read_dir(&self.path) {
            for e in entries.flatten() {
                let p = e.path();
                let _ = if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                    fs::remove_dir_all(&p)
                } else {
                    fs::remove_file(&p)
                };
            }
        }
    }
}

pub(super) fn flatten(
    to: &Path,
    src: &Source,
    res: &Resolved,
    config: &ImageConfig,
    req: &Request,
) -> Result<(PathBuf, Vec<BlobInfo>)> {
    let created = match fs::symlink_metadata(to) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let op = Op::new(format!("mkdir({to:?}, 0755)"), "the directory to flatten the image into", "mkdir(2)");
            explain::change(op, &to.display().to_string(), || nix::unistd::mkdir(to, Mode::from_bits_truncate(0o755)))?;
            true
        }
        Err(e) => return Err(Error::io("stat", to.display(), e)),
        Ok(m) if !m.is_dir() => return Err(refuse("--to", to.display(), "exists and is not a directory")),
        Ok(_) => {
            let mut entries = fs::read_dir(to).map_err(|e| Error::io("readdir", to.display(), e))?;
            if entries.next().is_some() {
                return Err(
                    refuse("--to", to.display(), "exists and is not empty").with_hint("give a new or empty directory")
                );
            }
            false
        }
    };
    let mut target = Target { path: to.to_path_buf(), created, done: false };
    let path = fs::canonicalize(to).map_err(|e| Error::io("realpath", to.display(), e))?;
    target.path = path.clone();
    let root = nix::fcntl::open(
        &path,
        OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| Error::errno("open", path.display(), e))?;
    let mut applier = Applier::new(root, ApplyMode::Flatten);
    let n = res.layers.len();
    let mut progress = Progress::new(req.progress);
    let counters: Vec<_> = res.layers.iter().map(|l| progress.add(l.size.unwrap_or(0))).collect();
    let ahead = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).max(2);
    let infos = std::thread::scope(|s| -> Result<Vec<BlobInfo>> {
        let _drawing = progress.start(s, "unpacking");
        let mut pending = VecDeque::new();
        let mut next = 0;
        let mut infos = Vec::with_capacity(n);
        for i in 0..n {
            // Keep the next layers decompressing and hashing while this one is applied.
            while next < n && next < i + ahead {
                let blob = open_blob(src, res, next, counters[next].clone(), None)
                    .map_err(|e| within(&label(res, config, next), e))?;
                pending.push_back(layer::spawn(s, blob, req.limits));
                next += 1;
            }
            let Some((chunks, handle)) = pending.pop_front() else { break };
            explain::note(&format!(
                "extract {} ({}/{n}) onto {path:?}, whiteouts applied",
                label(res, config, i),
                i + 1
            ));
            let mut tar = TarReader::new(chunks, req.limits);
            let applied = applier.apply_layer(&mut tar);
            let (_, digests) =
                layer::join(tar.into_inner(), handle, applied).map_err(|e| within(&label(res, config, i), e))?;
            infos.push(check(res, config, i, &digests)?);
        }
        applier.finish()?;
        Ok(infos)
    })?;
    target.done = true;
    Ok((path, infos))
}
