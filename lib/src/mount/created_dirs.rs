//! Directories a tool creates for a job (mount points, an upper dir), recorded *before* each
//! mkdir and removed again, newest first, if the job fails — so a failed `ovl-mount` leaves no
//! empty `rootfs/` or `upper/` behind (house rule 14). On success the caller calls `keep`.
//!
//! Read: mkdir(2), rmdir(2). Shell: `mkdir -p DIR`, and on failure `rmdir DIR`.
//! Used by: mount::overlay (ovl-mount), the engine's rootfs set-up.

use crate::error::Result;
use crate::explain::{self, Op};
use nix::sys::stat::Mode;
use std::path::{Path, PathBuf};

/// What we created, oldest first. Dropping it without `keep` removes it all.
#[derive(Debug, Default)]
pub struct CreatedDirs {
    /// (dir, leaf): a leaf is a dir asked for, which a failed mount may have filled (the
    /// kernel makes `work/work` in a workdir); the others are only missing parents.
    dirs: Vec<(PathBuf, bool)>,
}

impl CreatedDirs {
    pub fn new() -> CreatedDirs {
        CreatedDirs::default()
    }

    /// `mkdir -p dir`: create the missing parents (0755) and `dir` itself with `mode`.
    /// An existing `dir` is left alone and not recorded: it is not ours to remove.
    pub fn create(&mut self, dir: &Path, mode: u32, why: &str) -> Result<()> {
        let missing: Vec<&Path> = dir.ancestors().take_while(|d| !d.as_os_str().is_empty() && !exists(d)).collect();
        // Parents first: ancestors() walks upwards, so create in reverse.
        for (i, d) in missing.iter().enumerate().rev() {
            let leaf = i == 0;
            let mode_bits = if leaf { mode } else { 0o755 };
            let why = if leaf { why } else { "a missing parent directory" };
            let op = Op::new(format!("mkdir({:?}, {:#o})", d, mode_bits), why, "mkdir(2)");
            explain::change(op, &d.display().to_string(), || {
                nix::unistd::mkdir(*d, Mode::from_bits_truncate(mode_bits))
            })?;
            if !explain::is_dry_run() {
                self.dirs.push((d.to_path_buf(), leaf));
            }
        }
        Ok(())
    }

    /// The job succeeded: the directories stay.
    pub fn keep(mut self) {
        self.dirs.clear();
    }

    /// Remove what we created, newest first. Best effort: it runs on a path that is already
    /// failing, and the first error is the one to report.
    fn remove_all(&mut self) {
        while let Some((dir, leaf)) = self.dirs.pop() {
            let op = Op::new(format!("rmdir({:?})", dir), "undo: we created it for a job that failed", "rmdir(2)");
            let _ = explain::change(op, &dir.display().to_string(), || {
                if leaf {
                    // A leaf may hold what the kernel put there during the failed attempt.
                    std::fs::remove_dir_all(&dir).map_err(explain::io_errno)
                } else {
                    std::fs::remove_dir(&dir).map_err(explain::io_errno)
                }
            });
        }
    }
}

impl Drop for CreatedDirs {
    fn drop(&mut self) {
        self.remove_all();
    }
}

/// Whether anything is at `p`, without following a final symlink (a dangling link exists too).
fn exists(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok()
}
