//! Saving images from the store as a docker-save archive (what `docker load` and
//! `podman load` read).
//!
//! The docker archive format (image spec v1.2, "Combined Image JSON + Filesystem Changeset"):
//!
//!     manifest.json              [{"Config": "<id>.json", "RepoTags": ["demo:latest"],
//!                                  "Layers": ["<diff_id>/layer.tar", …bottom first]}]
//!     <id>.json                  the image config, byte for byte (its sha256 is the image id)
//!     <diff_id>/layer.tar        each layer *uncompressed*: its sha256 is its diff_id
//!     repositories               {"demo": {"latest": "<top diff_id>"}} (for old docker)
//!
//! Layers come from the compressed blobs the store kept as received; they are decompressed
//! while written, and hashed on the way: a layer whose bytes no longer match its diff_id is
//! an error, never a silently different image. The archive is written to a temp name and
//! renamed when complete.
//!
//! Read: docker image spec v1.2 (`docker save` format). Shell: `docker save -o FILE IMAGE…`.
//! Used by: ctrkit save.

use super::digest::{Digest, Hasher};
use super::layer::Compression;
use super::store::{ImageRecord, Store};
use crate::error::{Error, Result};
use serde_json::{json, Map, Value};
use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

/// Write `images` (with the tags to record for each) into a docker archive at `out`.
pub fn save(store: &Store, images: &[(ImageRecord, Vec<String>)], out: &Path) -> Result<()> {
    let tmp = out.with_file_name(format!(
        ".{}.tmp-{}",
        out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        std::process::id()
    ));
    let file = super::store::new_file(&tmp)?;
    let result = write_archive(store, images, io::BufWriter::with_capacity(1 << 20, file));
    match result.and_then(|f| f.sync_all().map_err(|e| Error::io("fsync", tmp.display(), e))) {
        Ok(()) => std::fs::rename(&tmp, out).map_err(|e| Error::io("rename", out.display(), e)),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

fn write_archive(store: &Store, images: &[(ImageRecord, Vec<String>)], sink: io::BufWriter<File>) -> Result<File> {
    let mut tar = tar::Builder::new(sink);
    let mut manifest = Vec::new();
    let mut repositories: Map<String, Value> = Map::new();
    let mut written: HashSet<Digest> = HashSet::new();
    for (image, tags) in images {
        let config = store.read_blob(&image.config_digest)?;
        let config_name = format!("{}.json", image.id.hex());
        append_bytes(&mut tar, &config_name, &config)?;
        let mut layer_names = Vec::new();
        for diff_id in &image.layers {
            let name = format!("{}/layer.tar", diff_id.hex());
            if written.insert(diff_id.clone()) {
                append_layer(&mut tar, store, diff_id, &name)?;
            }
            layer_names.push(name);
        }
        manifest.push(json!({ "Config": config_name, "RepoTags": tags, "Layers": layer_names }));
        if let Some(top) = image.layers.last() {
            for t in tags {
                if let Some((repo, tag)) = t.rsplit_once(':').filter(|(_, tag)| !tag.contains('/')) {
                    let entry = repositories.entry(repo.to_string()).or_insert_with(|| json!({}));
                    entry[tag] = json!(top.hex());
                }
            }
        }
    }
    let manifest = serde_json::to_vec(&manifest).map_err(|e| Error::invalid("manifest.json", e.to_string()))?;
    append_bytes(&mut tar, "manifest.json", &manifest)?;
    let repos = serde_json::to_vec(&repositories).map_err(|e| Error::invalid("repositories", e.to_string()))?;
    append_bytes(&mut tar, "repositories", &repos)?;
    let sink = tar.into_inner().map_err(|e| Error::io("write", "archive", e))?;
    sink.into_inner().map_err(|e| Error::io("write", "archive", e.into_error()))
}

fn append_bytes(tar: &mut tar::Builder<io::BufWriter<File>>, name: &str, bytes: &[u8]) -> Result<()> {
    let mut h = tar::Header::new_ustar();
    h.set_size(bytes.len() as u64);
    h.set_mode(0o644);
    h.set_mtime(0);
    tar.append_data(&mut h, name, bytes).map_err(|e| Error::io("write", name, e))
}

/// Append one layer, decompressed from its stored blob and checked against its diff_id.
fn append_layer(
    tar: &mut tar::Builder<io::BufWriter<File>>,
    store: &Store,
    diff_id: &Digest,
    name: &str,
) -> Result<()> {
    let rec = store
        .layer_record(diff_id)?
        .ok_or_else(|| Error::invalid(format!("layer {}", diff_id.short()), "has no record in the store"))?;
    let blob = rec.digest.ok_or_else(|| {
        Error::invalid(format!("layer {}", diff_id.short()), "the store kept no blob for it (stored by an older run)")
    })?;
    let path = store.blob_path(&blob);
    let mut file =
        BufReader::with_capacity(1 << 20, File::open(&path).map_err(|e| Error::io("open", path.display(), e))?);
    let head = io::BufRead::fill_buf(&mut file).map_err(|e| Error::io("read", path.display(), e))?;
    let reader: Box<dyn Read> = match Compression::sniff(head) {
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(file)),
        Compression::Zstd => {
            Box::new(zstd::Decoder::with_buffer(file).map_err(|e| Error::io("zstd", path.display(), e))?)
        }
        Compression::Plain => Box::new(file),
    };
    let mut checked = Checked { inner: reader, hasher: Hasher::new() };
    let mut h = tar::Header::new_ustar();
    h.set_size(rec.size);
    h.set_mode(0o644);
    h.set_mtime(0);
    tar.append_data(&mut h, name, &mut checked).map_err(|e| Error::io("write layer", diff_id.short(), e))?;
    // The header promised rec.size bytes; anything left over means the record lied.
    let mut extra = [0u8; 1];
    let leftover = checked.read(&mut extra).map_err(|e| Error::io("read", path.display(), e))?;
    let (got, size) = checked.hasher.finish();
    if leftover != 0 || size != rec.size || &got != diff_id {
        return Err(Error::invalid(
            format!("layer {}", diff_id.short()),
            format!("blob {} no longer matches its diff_id", blob.short()),
        )
        .with_hint("the store is damaged: remove the image (ctrkit rmi -f) and load it again"));
    }
    Ok(())
}

/// A reader that hashes what it hands out.
struct Checked<R: Read> {
    inner: R,
    hasher: Hasher,
}

impl<R: Read> Read for Checked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}
