//! A manifest document as a registry serves it: either an *index* (OCI image index or
//! docker manifest list: one entry per platform) or an *image manifest* (one config
//! descriptor and the layer descriptors, bottom first). Read only far enough to know what to
//! fetch next; image::manifest reads the same bytes again, in full, when image::unpack
//! stores the image, so there is one set of rules for what a valid image is.
//!
//!     GET /v2/<name>/manifests/<tag>     Accept: the four media types below
//!       → index    {"manifests":[{"digest","size","mediaType","platform":{"os","architecture"}}…]}
//!       → manifest {"config":{"digest","size"},"layers":[{"digest","size","mediaType"}…]}
//!
//! Refused: a document that is both (an ambiguous document), schemaVersion other than 2
//! (docker's schema 1 is signed JSON of another shape), digests that are not sha256 (checked
//! before they become URL paths or file names), JSON above the cap (image::limits).
//!
//! No syscalls. Spec: OCI image-spec image-index.md, manifest.md, descriptor.md; docker
//! "Image Manifest V2, Schema 2". Shell equivalent:
//! `skopeo inspect --raw docker://127.0.0.1:5000/demo:1 | jq .`. Used by: registry::pull.

use super::platform::Platform;
use crate::error::{Error, Result};
use crate::image::json::{self, required, At};
use crate::image::{Digest, Limits};
use serde_json::Value;

pub use crate::image::manifest::{OCI_INDEX, OCI_MANIFEST};
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";

/// The `Accept` header of a manifest request: what we can read, best first.
pub const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, \
     application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json";

/// A pointer to a blob or a manifest: what it is, its digest, its size.
#[derive(Clone, Debug, PartialEq)]
pub struct Descriptor {
    pub media_type: Option<String>,
    pub digest: Digest,
    pub size: u64,
    pub platform: Option<Platform>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Document {
    Index(Vec<Descriptor>),
    Manifest { config: Descriptor, layers: Vec<Descriptor> },
}

/// Parse a fetched document; `what` names it in errors (`manifest 127.0.0.1:5000/demo:1`).
pub fn parse(what: &str, bytes: &[u8], limits: &Limits) -> Result<Document> {
    let v = json::parse(what, bytes, limits)?;
    let at = At::root(what);
    let m = at.object(&v)?;
    let is_index = m.contains_key("manifests");
    let is_manifest = m.contains_key("config") || m.contains_key("layers");
    if is_index && is_manifest {
        return Err(at.error(
            "is both an index and a manifest (has \"manifests\" and \"layers\"/\"config\"): refusing an ambiguous document",
        ));
    }
    let version = match m.get("schemaVersion") {
        Some(v) => at.key("schemaVersion").unsigned(v)?,
        None => return Err(at.key("schemaVersion").error("missing")),
    };
    if version != 2 {
        return Err(at
            .key("schemaVersion")
            .error(format!("{version}: only schema version 2 is supported"))
            .with_hint("docker's schema 1 manifests are obsolete; push the image again with a current client"));
    }
    if is_index {
        let list_at = at.key("manifests");
        let list = list_at.array(required(m, "manifests", &at)?)?;
        let entries: Result<Vec<Descriptor>> =
            list.iter().enumerate().map(|(i, item)| descriptor(item, &list_at.index(i))).collect();
        return entries.map(Document::Index);
    }
    let config = descriptor(required(m, "config", &at)?, &at.key("config"))?;
    let list_at = at.key("layers");
    let mut layers = Vec::new();
    for (i, item) in list_at.array(required(m, "layers", &at)?)?.iter().enumerate() {
        layers.push(descriptor(item, &list_at.index(i))?);
    }
    Ok(Document::Manifest { config, layers })
}

/// Is this media type (header or field) an image manifest we can hand to image::unpack?
pub fn is_manifest_type(media_type: &str) -> bool {
    media_type == OCI_MANIFEST || media_type == DOCKER_MANIFEST
}

fn descriptor(v: &Value, at: &At) -> Result<Descriptor> {
    let d = at.object(v)?;
    let digest_at = at.key("digest");
    let digest = Digest::parse(digest_at.string(required(d, "digest", at)?)?, &digest_at.name())?;
    let size = at.key("size").unsigned(required(d, "size", at)?)?;
    let media_type = match d.get("mediaType") {
        Some(m) => Some(at.key("mediaType").string(m)?.to_string()),
        None => None,
    };
    let platform = match d.get("platform") {
        Some(p) => {
            let pat = at.key("platform");
            let p = pat.object(p)?;
            let text = |key: &str| -> Result<Option<String>> {
                match p.get(key) {
                    Some(v) => Ok(Some(pat.key(key).string(v)?.to_string())),
                    None => Ok(None),
                }
            };
            let os = text("os")?.ok_or_else(|| pat.key("os").error("missing"))?;
            let architecture = text("architecture")?.ok_or_else(|| pat.key("architecture").error("missing"))?;
            Some(Platform { os, architecture, variant: text("variant")? })
        }
        None => None,
    };
    Ok(Descriptor { media_type, digest, size, platform })
}

/// The registry's error document (`{"errors":[{"code","message"}]}`) as one short line.
pub fn registry_errors(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let list = v.get("errors")?.as_array()?;
    let texts: Vec<String> = list
        .iter()
        .take(3)
        .map(|e| {
            let code = e.get("code").and_then(Value::as_str).unwrap_or("ERROR");
            let message = e.get("message").and_then(Value::as_str).unwrap_or("");
            // Server text in our message: printable and short.
            let text: String = format!("{code}: {message}").chars().filter(|c| !c.is_control()).take(200).collect();
            text
        })
        .collect();
    (!texts.is_empty()).then(|| texts.join("; "))
}

/// A refusal of a fetched document or blob: `manifest HOST/NAME:TAG: WHY`,
/// `layer 1/2 sha256:…: WHY` (image::refuse splits off the last word as the object).
pub fn refuse(what: &str, why: impl Into<String>) -> Error {
    crate::image::refuse(what, "", why)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(c: char) -> String {
        format!("sha256:{}", c.to_string().repeat(64))
    }

    #[test]
    fn image_manifests_list_config_and_layers() {
        let text = format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","config":{{"digest":"{}","size":7}},
               "layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{}","size":9}}]}}"#,
            d('a'),
            d('b')
        );
        let doc = parse("manifest x", text.as_bytes(), &Limits::default()).expect("parse");
        let Document::Manifest { config, layers } = doc else { panic!("not a manifest") };
        assert_eq!((config.digest.as_str(), config.size), (d('a').as_str(), 7));
        assert_eq!(layers.len(), 1);
        assert_eq!(layers[0].size, 9);
    }

    #[test]
    fn ambiguous_old_and_bad_documents_are_refused() {
        let both =
            format!(r#"{{"schemaVersion":2,"manifests":[],"layers":[],"config":{{"digest":"{}","size":1}}}}"#, d('a'));
        let schema1 = r#"{"schemaVersion":1,"fsLayers":[]}"#.to_string();
        let bad_digest = r#"{"schemaVersion":2,"manifests":[{"digest":"sha256:../../x","size":1}]}"#.to_string();
        let negative = format!(r#"{{"schemaVersion":2,"manifests":[{{"digest":"{}","size":-1}}]}}"#, d('a'));
        for bad in [both, schema1, bad_digest, negative, "null".into(), "[]".into()] {
            assert!(parse("manifest x", bad.as_bytes(), &Limits::default()).is_err(), "{bad}");
        }
        let small = Limits { max_json_bytes: 10, ..Limits::default() };
        assert!(parse("manifest x", br#"{"schemaVersion":2,"manifests":[]}"#, &small).is_err());
    }

    #[test]
    fn registry_error_bodies_read_as_one_line() {
        let body = br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{}}]}"#;
        assert_eq!(registry_errors(body).as_deref(), Some("MANIFEST_UNKNOWN: manifest unknown"));
        assert_eq!(registry_errors(b"<html>"), None);
    }
}
