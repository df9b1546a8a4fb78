//! The content-addressed image store: every verified blob and every unpacked layer once, by
//! digest, so a layer shared by many images is stored once and an image already there is
//! never unpacked again.
//!
//!     STORE/                      mode 0700: images hold setuid files and devices
//!     ├── lock                    flock(2): one writer at a time
//!     ├── blobs/sha256/<hex>      manifests, configs, layer blobs as received
//!     ├── layers/<diffid-hex>/    one layer, unpacked in overlay form (an overlayfs lowerdir)
//!     ├── layers/<diffid-hex>.json  {"diff_id","size","created","digest","media_type"}
//!     ├── images/<config-hex>.json  {"id","tags","manifest_digest","config_digest","layers"}
//!     └── tmp/<random>/           work in progress; renamed into place only when verified
//!
//! Crash safety: everything is written under tmp/ first, synced (syncfs(2) once, not per
//! file), and published with rename(2), which is atomic; the image record is written last.
//! A crashed run leaves only tmp/ entries, removed by the next writer (which holds the lock,
//! so whatever it finds in tmp/ is from a dead run).
//!
//! Syscalls: mkdir(2), chmod(2), open(2), flock(2), rename(2), fsync(2), unlink(2).
//! Man: flock(2), rename(2), fsync(2); OCI image-layout.md (the blobs/ layout).
//! Shell equivalent: `mkdir -p STORE/{blobs/sha256,layers,images,tmp}; flock STORE/lock …;
//! mv tmp/x layers/<hex>`. Used by: image::unpack; the front end (images, rmi, save) and
//! ovl-mount (the layer dirs of an image, bottom first).

use super::digest::Digest;
use super::reference;
use super::refuse;
use crate::error::{Error, Result};
use crate::explain::{self, Op};
use nix::fcntl::{Flock, FlockArg};
use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// `STORE/images/<config-hex>.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImageRecord {
    pub id: Digest,
    pub tags: Vec<String>,
    pub manifest_digest: Digest,
    pub config_digest: Digest,
    /// diff_ids, bottom layer first.
    pub layers: Vec<Digest>,
}

/// `STORE/layers/<diffid-hex>.json`, beside (not inside) the layer dir.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerRecord {
    pub diff_id: Digest,
    /// Uncompressed bytes of the layer's tar.
    pub size: u64,
    /// When it was stored (RFC 3339, UTC).
    pub created: String,
    /// The blob it was unpacked from, and its media type.
    #[serde(default)]
    pub digest: Option<Digest>,
    #[serde(default)]
    pub media_type: Option<String>,
}

pub struct Store {
    root: PathBuf,
    lock: Option<Flock<File>>,
}

/// Removes a directory under tmp/ when dropped (on every error path).
pub struct WorkDir {
    pub path: PathBuf,
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

fn io<'a>(op: &str, path: &'a Path) -> impl FnOnce(std::io::Error) -> Error + 'a {
    let op = op.to_string();
    move |e| Error::io(op, path.display(), e)
}

impl Store {
    /// `${CTRKIT_ROOT:-/var/lib/ctrkit}/store`.
    pub fn default_root() -> PathBuf {
        let base =
            std::env::var_os("CTRKIT_ROOT").filter(|v| !v.is_empty()).unwrap_or_else(|| "/var/lib/ctrkit".into());
        PathBuf::from(base).join("store")
    }

    /// Open an existing store for reading (images, layers); nothing is created.
    pub fn open(root: &Path) -> Result<Store> {
        if !root.join("images").is_dir() {
            return Err(refuse("store", root.display(), "no image store here")
                .with_hint("unpack an image into it with img-unpack --store"));
        }
        Ok(Store { root: root.to_path_buf(), lock: None })
    }

    /// Open a store for writing, creating its layout (mode 0700) if needed.
    pub fn create(root: &Path) -> Result<Store> {
        if !root.exists() {
            let op = Op::new(format!("mkdir({root:?}, 0700)"), "create the image store, private to root", "mkdir(2)");
            explain::change(op, &root.display().to_string(), || {
                fs::DirBuilder::new().recursive(true).mode(0o755).create(root).map_err(explain::io_errno)?;
                fs::set_permissions(root, fs::Permissions::from_mode(0o700)).map_err(explain::io_errno)
            })?;
        }
        let mode = fs::metadata(root).map_err(io("stat", root))?.permissions().mode();
        if mode & 0o077 != 0 {
            fs::set_permissions(root, fs::Permissions::from_mode(0o700)).map_err(io("chmod", root))?;
        }
        // Explicit modes: the caller may run with umask 0 (image::apply::Umask).
        for sub in ["blobs/sha256", "layers", "images", "tmp"] {
            let p = root.join(sub);
            fs::DirBuilder::new().recursive(true).mode(0o755).create(&p).map_err(io("mkdir", &p))?;
        }
        let root = fs::canonicalize(root).map_err(io("realpath", root))?;
        Ok(Store { root, lock: None })
    }

    pub fn path(&self) -> &Path {
        &self.root
    }

    /// Take the store's lock (waits for another writer to finish).
    pub fn lock(&mut self) -> Result<()> {
        let path = self.root.join("lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&path)
            .map_err(io("open", &path))?;
        explain::note(&format!("flock({path:?}, LOCK_EX)   # one writer in the store at a time — flock(2)"));
        let locked =
            Flock::lock(file, FlockArg::LockExclusive).map_err(|(_, e)| Error::errno("flock", path.display(), e))?;
        self.lock = Some(locked);
        Ok(())
    }

    /// Remove what crashed runs left in tmp/ (call with the lock held). Returns how many.
    pub fn clean_tmp(&self) -> Result<usize> {
        let tmp = self.root.join("tmp");
        let mut n = 0;
        for entry in fs::read_dir(&tmp).map_err(io("readdir", &tmp))? {
            let entry = entry.map_err(io("readdir", &tmp))?;
            let p = entry.path();
            let removed = if entry.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                fs::remove_dir_all(&p)
            } else {
                fs::remove_file(&p)
            };
            removed.map_err(io("remove", &p))?;
            explain::note(&format!("removed leftover {p:?}   # from a run that did not finish"));
            n += 1;
        }
        Ok(n)
    }

    /// A fresh directory under tmp/, removed when dropped.
    pub fn work_dir(&self) -> Result<WorkDir> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
        let name = format!("{}-{nanos:x}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
        let path = self.root.join("tmp").join(name);
        fs::DirBuilder::new().mode(0o700).create(&path).map_err(io("mkdir", &path))?;
        Ok(WorkDir { path })
    }

    pub fn layer_dir(&self, diff_id: &Digest) -> PathBuf {
        self.root.join("layers").join(diff_id.hex())
    }

    pub fn has_layer(&self, diff_id: &Digest) -> bool {
        self.layer_dir(diff_id).is_dir() && self.layer_record_path(diff_id).is_file()
    }

    fn layer_record_path(&self, diff_id: &Digest) -> PathBuf {
        self.root.join("layers").join(format!("{}.json", diff_id.hex()))
    }

    pub fn layer_record(&self, diff_id: &Digest) -> Result<Option<LayerRecord>> {
        read_json(&self.layer_record_path(diff_id))
    }

    pub fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.root.join("blobs/sha256").join(digest.hex())
    }

    pub fn has_blob(&self, digest: &Digest) -> bool {
        self.blob_path(digest).is_file()
    }

    pub fn read_blob(&self, digest: &Digest) -> Result<Vec<u8>> {
        let p = self.blob_path(digest);
        fs::read(&p).map_err(io("read", &p))
    }

    fn image_path(&self, id: &Digest) -> PathBuf {
        self.root.join("images").join(format!("{}.json", id.hex()))
    }

    pub fn image(&self, id: &Digest) -> Result<Option<ImageRecord>> {
        read_json(&self.image_path(id))
    }

    /// Every image record in the store.
    pub fn images(&self) -> Result<Vec<ImageRecord>> {
        let dir = self.root.join("images");
        let mut out = Vec::new();
        for entry in fs::read_dir(&dir).map_err(io("readdir", &dir))? {
            let p = entry.map_err(io("readdir", &dir))?.path();
            if p.extension().is_some_and(|e| e == "json") {
                if let Some(rec) = read_json::<ImageRecord>(&p)? {
                    out.push(rec);
                }
            }
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }

    /// Find an image by tag (`localhost/layered:3`, `layered:3`), full id, or id prefix
    /// (at least 4 hex digits, like `podman images` shows).
    pub fn find_image(&self, wanted: &str) -> Result<ImageRecord> {
        let images = self.images()?;
        let hex = wanted.strip_prefix("sha256:").unwrap_or(wanted);
        let by_tag: Vec<&ImageRecord> =
            images.iter().filter(|i| i.tags.iter().any(|t| reference::matches(wanted, t))).collect();
        let hits: Vec<&ImageRecord> = if !by_tag.is_empty() {
            by_tag
        } else if hex.len() >= 4 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            images.iter().filter(|i| i.id.hex().starts_with(hex)).collect()
        } else {
            Vec::new()
        };
        match hits.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(refuse("image", wanted, format!("not in the store {}", self.root.display()))),
            _ => Err(refuse("image", wanted, "matches several images: give more of the id")),
        }
    }

    /// The layer directories of an image, bottom first (what ovl-mount stacks).
    pub fn layer_dirs(&self, image: &ImageRecord) -> Result<Vec<PathBuf>> {
        image
            .layers
            .iter()
            .map(|d| match self.has_layer(d) {
                true => Ok(self.layer_dir(d)),
                false => {
                    Err(refuse("layer", d.short(), format!("of image {} is missing from the store", image.id.short())))
                }
            })
            .collect()
    }

    /// Move a verified, synced directory or file from tmp/ to its place.
    pub fn publish(&self, from: &Path, to: &Path, why: &str) -> Result<()> {
        let op = Op::new(format!("rename({from:?}, {to:?})"), why, "rename(2)");
        explain::change(op, &to.display().to_string(), || fs::rename(from, to).map_err(explain::io_errno))
    }

    /// Write a small file through tmp/: write, fsync, rename, so it is never seen half-written.
    pub fn write_atomic(&self, to: &Path, bytes: &[u8], work: &WorkDir) -> Result<()> {
        let name = to.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        let tmp = work.path.join(name);
        let mut f = new_file(&tmp)?;
        f.write_all(bytes).map_err(io("write", &tmp))?;
        f.sync_all().map_err(io("fsync", &tmp))?;
        fs::rename(&tmp, to).map_err(io("rename", to))
    }

    pub fn write_layer_record(&self, rec: &LayerRecord, work: &WorkDir) -> Result<()> {
        let bytes =
            serde_json::to_vec_pretty(rec).map_err(|e| refuse("layer record", rec.diff_id.short(), e.to_string()))?;
        self.write_atomic(&self.layer_record_path(&rec.diff_id), &bytes, work)
    }

    /// Write an image record, merging tags with an existing one; a tag moves: it is taken
    /// off any other image that had it.
    pub fn write_image(&self, rec: &ImageRecord, work: &WorkDir) -> Result<ImageRecord> {
        let mut merged = rec.clone();
        if let Some(old) = self.image(&rec.id)? {
            for t in old.tags {
                if !merged.tags.contains(&t) {
                    merged.tags.push(t);
                }
            }
        }
        for mut other in self.images()? {
            if other.id != rec.id && other.tags.iter().any(|t| rec.tags.contains(t)) {
                other.tags.retain(|t| !rec.tags.contains(t));
                let bytes = serde_json::to_vec_pretty(&other)
                    .map_err(|e| refuse("image record", other.id.short(), e.to_string()))?;
                self.write_atomic(&self.image_path(&other.id), &bytes, work)?;
            }
        }
        let bytes =
            serde_json::to_vec_pretty(&merged).map_err(|e| refuse("image record", merged.id.short(), e.to_string()))?;
        self.write_atomic(&self.image_path(&merged.id), &bytes, work)?;
        Ok(merged)
    }

    /// fsync the directories renames went into, so the new names survive a crash.
    pub fn sync_dirs(&self) -> Result<()> {
        for sub in ["blobs/sha256", "layers", "images"] {
            let p = self.root.join(sub);
            File::open(&p).and_then(|d| d.sync_all()).map_err(io("fsync", &p))?;
        }
        Ok(())
    }
}

/// Create a new file, mode 0644 whatever the umask.
pub fn new_file(path: &Path) -> Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(path)
        .map_err(|e| Error::io("create", path.display(), e))
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Option<T>> {
    match fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| refuse("store record", path.display(), format!("unreadable: {e}"))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("read", path.display(), e)),
    }
}
