//! Removing images, and the layers and blobs nobody needs any more.
//!
//! `rmi NAME` takes the tag away; when an image has no tag left (or was named by id), its
//! record goes, and then garbage collection removes every layer directory and blob that no
//! remaining image refers to. Layers shared with another image stay. The record is removed
//! first, so a crash half way leaves only unreferenced files that the next collection takes.
//!
//! Files: STORE/images/<id>.json, STORE/layers/<hex>/ (+ .json), STORE/blobs/sha256/<hex>.
//! Read: docker-rmi(1), docker-image-prune(1). Shell: `docker rmi`. Used by: ctrkit rmi (with the
//! in-use list from container::lookup).

use super::digest::Digest;
use super::store::{ImageRecord, Store};
use crate::error::{Error, Result};
use crate::explain;
use std::collections::HashSet;
use std::fs;
use std::path::Path;

/// What `rmi` did, in docker's words: `Untagged: demo:latest`, `Deleted: sha256:…`.
#[derive(Debug, Default)]
pub struct Removed {
    pub untagged: Vec<String>,
    pub deleted: Vec<Digest>,
}

/// Remove `wanted` (a tag or an id). A tag of an image that has other tags is only untagged;
/// `force` removes the image with all its tags. `in_use` lists (image id, container name) of
/// every container record (container::lookup::images_in_use): removing an image a container
/// uses — running or stopped, as docker counts — is refused unless `force`.
pub fn remove_image(store: &mut Store, wanted: &str, force: bool, in_use: &[(String, String)]) -> Result<Removed> {
    store.lock()?;
    let image = super::tag::find(store, wanted)?;
    let users: Vec<&str> = in_use.iter().filter(|(id, _)| id == image.id.as_str()).map(|(_, n)| n.as_str()).collect();
    let last_tag =
        image.tags.len() <= 1 || !image.tags.iter().any(|t| t == wanted || *t == super::tag::normalize(wanted));
    if !users.is_empty() && !force && last_tag {
        return Err(Error::invalid(
            format!("image {wanted}"),
            format!("is in use by container(s) {}: cannot remove it", users.join(", ")),
        )
        .with_hint("remove the containers first (ctrkit rm), or use rmi -f"));
    }
    let normalized = super::tag::normalize(wanted);
    let named_by_tag = image.tags.iter().any(|t| t == wanted || *t == normalized);
    let mut out = Removed::default();
    if named_by_tag && image.tags.len() > 1 && !force {
        let mut rec = image.clone();
        rec.tags.retain(|t| t != wanted && *t != normalized);
        out.untagged = image.tags.iter().filter(|t| !rec.tags.contains(t)).cloned().collect();
        write_tags_exactly(store, &rec)?;
        return Ok(out);
    }
    if !named_by_tag && image.tags.len() > 1 && !force {
        return Err(Error::invalid(
            format!("image {}", image.id.short()),
            format!("is tagged {}: remove the tags, or use -f", image.tags.join(", ")),
        ));
    }
    out.untagged = image.tags.clone();
    let record = store.path().join("images").join(format!("{}.json", image.id.hex()));
    remove_file(&record)?;
    out.deleted.push(image.id.clone());
    collect_garbage(store)?;
    Ok(out)
}

/// Rewrite a record with exactly these tags (write_image merges, which is not what untag wants).
fn write_tags_exactly(store: &Store, rec: &ImageRecord) -> Result<()> {
    let work = store.work_dir()?;
    let bytes = serde_json::to_vec_pretty(rec).map_err(|e| Error::invalid("image record", e.to_string()))?;
    store.write_atomic(&store.path().join("images").join(format!("{}.json", rec.id.hex())), &bytes, &work)
}

/// Remove layers and blobs no image refers to. Returns how many entries went.
pub fn collect_garbage(store: &Store) -> Result<usize> {
    let mut keep_layers = HashSet::new();
    let mut keep_blobs = HashSet::new();
    for image in store.images()? {
        keep_blobs.insert(image.config_digest.hex().to_string());
        keep_blobs.insert(image.manifest_digest.hex().to_string());
        for diff_id in &image.layers {
            keep_layers.insert(diff_id.hex().to_string());
            if let Ok(Some(rec)) = store.layer_record(diff_id) {
                if let Some(d) = rec.digest {
                    keep_blobs.insert(d.hex().to_string());
                }
            }
        }
    }
    let mut removed = 0;
    let layers = store.path().join("layers");
    for entry in read_dir(&layers)? {
        let name = entry.file_name().to_string_lossy().into_owned();
        let hex = name.strip_suffix(".json").unwrap_or(&name);
        if Digest::from_hex(hex, "layer").is_err() || keep_layers.contains(hex) {
            continue; // not ours to judge, or still in use
        }
        let path = entry.path();
        if path.is_dir() {
            explain::note(&format!("rm -rf {}   # layer no image uses any more", path.display()));
            fs::remove_dir_all(&path).map_err(|e| Error::io("remove", path.display(), e))?;
        } else {
            remove_file(&path)?;
        }
        removed += 1;
    }
    let blobs = store.path().join("blobs/sha256");
    for entry in read_dir(&blobs)? {
        let name = entry.file_name().to_string_lossy().into_owned();
        if Digest::from_hex(&name, "blob").is_ok() && !keep_blobs.contains(&name) {
            remove_file(&entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

fn read_dir(dir: &Path) -> Result<Vec<fs::DirEntry>> {
    match fs::read_dir(dir) {
        Ok(it) => it.collect::<std::io::Result<Vec<_>>>().map_err(|e| Error::io("read directory", dir.display(), e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(Error::io("read directory", dir.display(), e)),
    }
}

fn remove_file(path: &Path) -> Result<()> {
    explain::note(&format!("rm {}", path.display()));
    fs::remove_file(path).map_err(|e| Error::io("remove", path.display(), e))
}
