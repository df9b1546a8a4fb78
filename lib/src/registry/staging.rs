//! The staging area of a pull: an OCI image layout built from what the registry sent, inside
//! the store (same file system: blobs the store already has are hard-linked, not copied), and
//! then handed to image::unpack like any layout directory on disk.
//!
//!     STORE/pulls/<pid>-<nanos>-<n>/
//!     ├── lock                  flock(2)ed while the pull runs: the kernel drops it if we die
//!     └── layout/               the OCI image layout image::unpack reads
//!         ├── oci-layout        {"imageLayoutVersion":"1.0.0"}
//!         ├── index.json        → the manifest, ref name = the reference as docker shows it
//!         └── blobs/sha256/<hex>  manifest, config, layers: verified or linked from the store
//!
//! Why not STORE/tmp/: image::unpack empties tmp/ when it takes the store lock (anything there
//! is from a crashed run, since tmp/ is only used under the lock), and downloads run *without*
//! the store lock so they never hold up other writers. So pulls stage beside it, and a
//! leftover staging dir is recognised by its free lock (its owner is dead) and removed by
//! the next pull, under the store lock so two pulls never race on it.
//!
//! Syscalls: mkdir(2), open(2), flock(2), link(2), rename(2), unlink(2). Man: flock(2),
//! link(2). Spec: OCI image-spec image-layout.md. Shell equivalent: `mkdir -p
//! layout/blobs/sha256 && ln STORE/blobs/sha256/<hex> layout/blobs/sha256/`.
//! Used by: registry::pull.

use crate::error::{Error, Result};
use crate::explain;
use crate::image::layout::REF_NAME;
use crate::image::store::new_file;
use crate::image::Digest;
use nix::fcntl::{Flock, FlockArg};
use serde_json::json;
use std::fs::{self, File};
use std::io::Write;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

const PULLS: &str = "pulls";

/// A staging directory, removed (with everything in it) when dropped.
pub struct Staging {
    dir: PathBuf,
    layout: PathBuf,
    _lock: Flock<File>,
}

impl Drop for Staging {
    fn drop(&mut self) {
        // Remove first, unlock after (the lock field drops after this body).
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn io<'a>(op: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> Error + 'a {
    move |e| Error::io(op, path.display(), e)
}

impl Staging {
    /// Make a fresh staging dir under `STORE/pulls/` (call with the store lock held).
    pub fn create(store_root: &Path) -> Result<Staging> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        let pulls = store_root.join(PULLS);
        fs::DirBuilder::new().recursive(true).mode(0o700).create(&pulls).map_err(io("mkdir", &pulls))?;
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
        let dir = pulls.join(format!("{}-{nanos:x}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
        fs::DirBuilder::new().mode(0o700).create(&dir).map_err(io("mkdir", &dir))?;
        let lock = lock_file(&dir.join("lock"), FlockArg::LockExclusiveNonblock);
        let lock = match lock {
            Ok(l) => l,
            Err(e) => {
                let _ = fs::remove_dir_all(&dir);
                return Err(e);
            }
        };
        let staging = Staging { layout: dir.join("layout"), dir, _lock: lock };
        let blobs = staging.layout.join("blobs/sha256");
        fs::DirBuilder::new().recursive(true).mode(0o755).create(&blobs).map_err(io("mkdir", &blobs))?;
        explain::note(&format!(
            "mkdir({:?})   # stage the pulled image as an OCI layout — image-layout.md",
            staging.dir
        ));
        Ok(staging)
    }

    /// The OCI layout directory to hand to image::unpack.
    pub fn layout(&self) -> &Path {
        &self.layout
    }

    pub fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.layout.join("blobs/sha256").join(digest.hex())
    }

    /// Hard-link a blob the store already holds (verified when it entered the store).
    /// Ok(false) if it is gone (removed meanwhile): the caller fetches it instead.
    pub fn link_from_store(&self, store_blob: &Path, digest: &Digest) -> Result<bool> {
        let to = self.blob_path(digest);
        if to.exists() {
            return Ok(true);
        }
        match fs::hard_link(store_blob, &to) {
            Ok(()) => {
                explain::note(&format!(
                    "link({store_blob:?}, {to:?}) = 0   # {} is already in the store: not fetched — link(2)",
                    digest.short()
                ));
                Ok(true)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Error::io("link", to.display(), e)),
        }
    }

    /// Write a small verified blob (a manifest) whole.
    pub fn write_blob(&self, digest: &Digest, bytes: &[u8]) -> Result<()> {
        let to = self.blob_path(digest);
        if to.exists() {
            return Ok(());
        }
        let mut f = new_file(&to)?;
        f.write_all(bytes).map_err(io("write", &to))
    }

    /// Write `oci-layout` and `index.json` naming the manifest and the reference.
    pub fn write_index(&self, manifest: &Digest, size: u64, media_type: &str, reference: &str) -> Result<()> {
        let index = json!({
            "schemaVersion": 2,
            "manifests": [{
                "mediaType": media_type,
                "digest": manifest.as_str(),
                "size": size,
                "annotations": { REF_NAME: reference },
            }],
        });
        let index = serde_json::to_vec(&index).map_err(|e| Error::invalid("index.json", e.to_string()))?;
        for (name, bytes) in [("oci-layout", &br#"{"imageLayoutVersion":"1.0.0"}"#[..]), ("index.json", &index[..])] {
            let p = self.layout.join(name);
            new_file(&p)?.write_all(bytes).map_err(io("write", &p))?;
        }
        Ok(())
    }
}

fn lock_file(path: &Path, how: FlockArg) -> Result<Flock<File>> {
    let file = fs::OpenOptions::new().create(true).truncate(false).write(true).open(path).map_err(io("open", path))?;
    Flock::lock(file, how).map_err(|(_, e)| Error::errno("flock", path.display(), e))
}

/// Remove staging dirs of pulls that died (their lock is free). Call with the store lock
/// held; returns how many were removed.
pub fn clean_stale(store_root: &Path) -> Result<usize> {
    let pulls = store_root.join(PULLS);
    let entries = match fs::read_dir(&pulls) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(Error::io("readdir", pulls.display(), e)),
    };
    let mut removed = 0;
    for entry in entries {
        let dir = entry.map_err(io("readdir", &pulls))?.path();
        let lock = dir.join("lock");
        // No lock file: its creator died between mkdir and open (both under the store lock).
        let dead = !lock.exists() || lock_file(&lock, FlockArg::LockExclusiveNonblock).is_ok();
        if dead {
            let gone = if dir.is_dir() { fs::remove_dir_all(&dir) } else { fs::remove_file(&dir) };
            gone.map_err(io("remove", &dir))?;
            explain::note(&format!("removed {dir:?}   # left by a pull that did not finish"));
            removed += 1;
        }
    }
    Ok(removed)
}
