//! Tags: the human names of images in the store.
//!
//! An image is its id (the digest of its config); a tag like `demo:latest` is a name pointing
//! at one id. A tag belongs to one image at a time: tagging another image with it moves it.
//! Names without a tag mean `:latest`, as in docker.
//!
//! Files: STORE/images/<id>.json (the `tags` list), rewritten whole (temp + rename).
//! Read: docker-tag(1). Shell: `docker tag SOURCE TARGET`. Used by: ctrkit tag, load, pull.

use super::store::{ImageRecord, Store};
use crate::error::{Error, Result};

/// `demo` → `demo:latest`; `host:5000/demo` → `host:5000/demo:latest`; digests stay as they are.
pub fn normalize(reference: &str) -> String {
    let last = reference.rsplit('/').next().unwrap_or(reference);
    if reference.contains('@') || last.contains(':') {
        reference.to_string()
    } else {
        format!("{reference}:latest")
    }
}

/// Check a name as docker does: lowercase path components of `[a-z0-9._-]`, an optional
/// registry host (with port) first, a tag of `[A-Za-z0-9_.-]` up to 128 characters.
pub fn check(reference: &str) -> Result<()> {
    let bad = |why: &str| Err(Error::invalid(format!("reference '{reference}'"), why.to_string()));
    let (name, tag) = match reference.rsplit_once(':') {
        Some((n, t)) if !t.contains('/') => (n, Some(t)),
        _ => (reference, None),
    };
    if name.is_empty() || name.len() > 255 {
        return bad("a name is 1 to 255 characters");
    }
    let mut parts: Vec<&str> = name.split('/').collect();
    if parts.len() > 1 && (parts[0].contains('.') || parts[0].contains(':') || parts[0] == "localhost") {
        parts.remove(0); // a registry host: its own rules (checked by whoever connects to it)
    }
    let component_ok = |c: &str| {
        !c.is_empty()
            && c.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
            && c.as_bytes()[0].is_ascii_alphanumeric()
    };
    if !parts.iter().all(|c| component_ok(c)) {
        return bad("name components are lowercase letters, digits, '.', '_' and '-', starting with a letter or digit");
    }
    if let Some(t) = tag {
        let ok = !t.is_empty() && t.len() <= 128 && t.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
        if !ok || t.starts_with(['.', '-']) {
            return bad("a tag is 1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'");
        }
    }
    Ok(())
}

/// Point `target` at the image `source` names.
pub fn tag(store: &mut Store, source: &str, target: &str) -> Result<ImageRecord> {
    let target = normalize(target);
    check(&target)?;
    store.lock()?;
    let image = find(store, source)?;
    let work = store.work_dir()?;
    let mut rec = image.clone();
    rec.tags = vec![target];
    store.write_image(&rec, &work)
}

/// Find an image as docker does: by the name as given, then with `:latest` added, then by
/// id or id prefix (the store's own lookup covers exact tags and ids).
pub fn find(store: &Store, wanted: &str) -> Result<ImageRecord> {
    match store.find_image(wanted) {
        Ok(found) => Ok(found),
        Err(first) => {
            let normalized = normalize(wanted);
            if normalized != wanted {
                if let Ok(found) = store.find_image(&normalized) {
                    return Ok(found);
                }
            }
            Err(first)
        }
    }
}
