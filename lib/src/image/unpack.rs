//! The whole job of img-unpack: open the source, choose the image, verify manifest and
//! config, then read every layer once — blob digest and size, diff_id — and
//!
//! - STORE: extract each missing layer in overlay form into STORE/tmp/<run>/, several layers
//!   at once (one worker per CPU), and only when *everything* verified: syncfs(2) once,
//!   rename(2) each layer and blob into place, write the image record last. Layers the store
//!   already holds are not read at all; an image already stored costs a few small reads.
//! - FLATTEN (`--to DIR`): apply the layers in order into DIR, whiteouts applied, while the
//!   next layers are already being decompressed and hashed on other cores. Each layer is
//!   verified when its stream ends; on any error DIR is removed (if we created it) or emptied.
//!
//! | step                       | syscalls                         | explained as            |
//! |----------------------------|----------------------------------|-------------------------|
//! | open the source            | open, read (headers), lseek      | open(…)                 |
//! | lock the store, clean tmp/ | flock, unlink, rmdir             | flock(…), removed …     |
//! | extract a layer            | mkdir, openat2, openat, write, … | mkdir(…), extract …     |
//! | verify a layer             | (sha256 in user space)           | layer i/n …: verified   |
//! | make it durable            | syncfs                           | syncfs(…)               |
//! | publish                    | rename, fsync                    | rename(…)               |
//!
//! Shell equivalent: `skopeo copy oci-archive:X containers-storage:…` (store) or
//! `umoci unpack --image DIR:TAG bundle` (flatten). Used by: img-unpack; the front end (load).

use super::apply::Umask;
use super::config::ImageConfig;
use super::digest::Digest;
use super::layer::{Blob, Digests};
use super::limits::Limits;
use super::manifest::{self, Resolved, OCI_CONFIG, OCI_MANIFEST};
use super::refuse;
use super::source::Source;
use crate::error::Result;
use crate::explain;
use serde::Serialize;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// What to unpack, from where, to where.
#[derive(Clone, Debug)]
pub struct Request {
    pub source: PathBuf,
    /// `--image REF`: which image, when the source holds several.
    pub image: Option<String>,
    /// Store the layers here (None: do not store).
    pub store: Option<PathBuf>,
    /// Flatten the root file system into this directory (None: do not flatten).
    pub to: Option<PathBuf>,
    pub limits: Limits,
    /// Draw progress on stderr.
    pub progress: bool,
}

/// The `--json` output (docs: bins/img-unpack/README.md, "JSON OUTPUT").
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub image: ImageSummary,
    pub store: Option<PathBuf>,
    pub layers: Vec<LayerReport>,
    pub rootfs: Option<PathBuf>,
    pub config: Value,
    /// Layers extracted into the store by this run (0 when all were there).
    #[serde(skip)]
    pub extracted: usize,
    /// The source's kind: docker-archive, oci-archive, oci-layout.
    #[serde(skip)]
    pub format: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct ImageSummary {
    pub id: Digest,
    pub tags: Vec<String>,
    pub manifest_digest: Digest,
}

#[derive(Clone, Debug, Serialize)]
pub struct LayerReport {
    pub digest: Digest,
    pub diff_id: Digest,
    pub media_type: String,
    pub size: u64,
    pub dir: Option<PathBuf>,
}

/// What is known of a layer blob once read (or once trusted from the store).
#[derive(Clone, Debug)]
pub(super) struct BlobInfo {
    pub(super) digest: Digest,
    pub(super) size: u64,
    pub(super) media_type: String,
}

/// Unpack one image as `req` says.
pub fn unpack(req: &Request) -> Result<Report> {
    if req.store.is_none() && req.to.is_none() {
        return Err(refuse("request", "", "nothing to do: give a store, a --to directory, or both"));
    }
    let src = Source::open(&req.source, &req.limits)?;
    let source_name = req.source.display().to_string();
    let found = manifest::candidates(&src, &req.limits)?;
    let chosen = manifest::select(found, req.image.as_deref(), &source_name)?;
    let res = manifest::resolve(&src, chosen, &req.limits)?;
    let config = ImageConfig::parse(&format!("config {}", res.config_digest.short()), &res.config, &req.limits)?;
    if config.diff_ids.len() != res.layers.len() {
        return Err(refuse(
            "config",
            res.config_digest.short(),
            format!("rootfs.diff_ids lists {} layers but the manifest has {}", config.diff_ids.len(), res.layers.len()),
        ));
    }
    // Files must get exactly the modes the image says: no umask in between.
    let _umask = Umask::zero();
    let mut blobs: Vec<Option<BlobInfo>> = vec![None; res.layers.len()];
    let mut dirs: Vec<Option<PathBuf>> = vec![None; res.layers.len()];
    let mut manifest_digest = res.manifest.as_ref().map(|(d, _)| d.clone());
    let mut tags = res.tags.clone();
    let mut extracted = 0;
    let mut store_path = None;
    if let Some(root) = &req.store {
        let stored = super::store_image::store_image(root, &src, &res, &config, req)?;
        blobs = stored.blobs.into_iter().map(Some).collect();
        dirs = stored.dirs.into_iter().map(Some).collect();
        manifest_digest = Some(stored.manifest_digest);
        tags = stored.tags;
        extracted = stored.extracted;
        store_path = Some(stored.path);
    }
    let mut rootfs = None;
    if let Some(to) = &req.to {
        let (path, read) = super::flatten::flatten(to, &src, &res, &config, req)?;
        for (slot, info) in blobs.iter_mut().zip(read) {
            slot.get_or_insert(info);
        }
        rootfs = Some(path);
    }
    let blobs: Vec<BlobInfo> =
        blobs.into_iter().map(|b| b.ok_or_else(|| refuse("layer", "", "not read"))).collect::<Result<_>>()?;
    let manifest_digest = match manifest_digest {
        Some(d) => d,
        None => Digest::of(&compose_manifest(&res, &blobs)),
    };
    let layers = blobs
        .into_iter()
        .zip(config.diff_ids.iter())
        .zip(dirs)
        .map(|((b, diff), dir)| LayerReport {
            digest: b.digest,
            diff_id: diff.clone(),
            media_type: b.media_type,
            size: b.size,
            dir,
        })
        .collect();
    Ok(Report {
        image: ImageSummary { id: res.config_digest.clone(), tags, manifest_digest },
        store: store_path,
        layers,
        rootfs,
        config: config.to_json(),
        extracted,
        format: src.format.name(),
    })
}

/// An OCI manifest for a docker archive, which has none: the store keeps one for every image.
pub(super) fn compose_manifest(res: &Resolved, blobs: &[BlobInfo]) -> Vec<u8> {
    let layers: Vec<Value> =
        blobs.iter().map(|b| json!({"mediaType": b.media_type, "digest": b.digest, "size": b.size})).collect();
    let m = json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": res.config_digest, "size": res.config.len()},
        "layers": layers,
    });
    serde_json::to_vec(&m).unwrap_or_default()
}

/// How a layer is named in messages: its blob digest if known, else its diff_id.
pub(super) fn label(res: &Resolved, config: &ImageConfig, i: usize) -> String {
    let d = res.layers[i].digest.as_ref().unwrap_or(&config.diff_ids[i]);
    format!("layer {}", d.short())
}

/// Check what reading a layer proved against what the manifest and config promised.
pub(super) fn check(res: &Resolved, config: &ImageConfig, i: usize, d: &Digests) -> Result<BlobInfo> {
    let l = &res.layers[i];
    let here = label(res, config, i);
    if let Some(want) = &l.digest {
        if &d.blob != want {
            return Err(refuse(&here, "", format!("digest mismatch: the blob hashes to {}", d.blob)));
        }
    }
    if let Some(want) = l.size {
        if d.blob_size != want {
            return Err(refuse(
                &here,
                "",
                format!("size mismatch: the manifest says {want} bytes, the blob has {}", d.blob_size),
            ));
        }
    }
    if d.diff_id != config.diff_ids[i] {
        return Err(refuse(
            &here,
            "",
            format!(
                "diff_id mismatch: the config says {}, the uncompressed layer hashes to {}",
                config.diff_ids[i], d.diff_id
            ),
        ));
    }
    explain::note(&format!(
        "{here} ({}/{}): verified blob digest and size ({} bytes), diff_id {}",
        i + 1,
        res.layers.len(),
        d.blob_size,
        d.diff_id.short()
    ));
    let media_type = l.media_type.clone().unwrap_or_else(|| d.compression.oci_media_type().to_string());
    Ok(BlobInfo { digest: d.blob.clone(), size: d.blob_size, media_type })
}

/// Open layer `i`'s blob in the source.
pub(super) fn open_blob(
    src: &Source,
    res: &Resolved,
    i: usize,
    counter: Arc<AtomicU64>,
    tee: Option<std::fs::File>,
) -> Result<Blob> {
    let (reader, _) = src.open_file(&res.layers[i].name)?;
    Ok(Blob { reader, tee, counter })
}
