//! From a source to one image's parts: which config, which layers in which order, under
//! which names — with every digest checked before it is trusted.
//!
//! docker-save archive: `manifest.json` is a list of `{Config, RepoTags, Layers}` with paths
//! inside the archive. There is no manifest blob; we compose an OCI manifest from what we
//! read (config digest and size; each layer's digest, size and compression) so the store
//! holds the same three kinds of blob for every image. A path's file name that is a digest
//! (`<hex>.json`, `<hex>.tar`, `blobs/sha256/<hex>`) must match the content.
//!
//! OCI (archive or directory): `index.json` → manifest descriptors (an entry may itself be
//! an index, e.g. multi-platform: we take the one for this machine) → manifest → config and
//! layer descriptors. Refused: a document that is both an index and a manifest, an index
//! that points to itself (or around in a loop), non-layer media types, wrong schemaVersion.
//!
//! No syscalls of its own (reads through image::source). Spec: OCI image-spec
//! image-index.md, manifest.md, descriptor.md, image-layout.md; docker image spec v1.2.
//! Shell equivalent: `jq . index.json`, `skopeo inspect --raw oci-archive:FILE`.
//! Used by: image::unpack.

use super::archive::normalize;
use super::digest::{shown, Digest};
use super::json::{self, required, At};
use super::limits::Limits;
use super::reference;
use super::refuse;
use super::source::{Format, Source};
use crate::error::Result;
use serde_json::Value;

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";

/// One layer as the manifest names it.
#[derive(Clone, Debug)]
pub struct LayerRef {
    /// The file inside the source holding the blob.
    pub name: String,
    /// Digest and size the manifest promises (OCI); for docker archives only when the file
    /// name is a digest.
    pub digest: Option<Digest>,
    pub size: Option<u64>,
    pub media_type: Option<String>,
}

/// An image found in a source, not yet read.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub tags: Vec<String>,
    target: Target,
}

#[derive(Clone, Debug)]
enum Target {
    Docker { at: String, config: String, layers: Vec<String> },
    Oci { manifest: Digest, size: u64 },
}

/// One image, its documents read and verified.
pub struct Resolved {
    pub tags: Vec<String>,
    /// The manifest's digest and bytes (OCI); None for docker archives until composed.
    pub manifest: Option<(Digest, Vec<u8>)>,
    pub config_digest: Digest,
    pub config: Vec<u8>,
    pub layers: Vec<LayerRef>,
}

/// Every image the source holds.
pub fn candidates(src: &Source, limits: &Limits) -> Result<Vec<Candidate>> {
    match src.format {
        Format::DockerArchive => docker_candidates(src, limits),
        Format::OciArchive | Format::OciLayout => {
            let bytes = src.read_small("index.json", limits)?;
            let v = json::parse("index.json", &bytes, limits)?;
            let mut out = Vec::new();
            let mut seen = Vec::new();
            oci_index(src, &v, At::root("index.json"), &[], limits, &mut seen, &mut out, 0)?;
            Ok(out)
        }
    }
}

/// Choose the image: by `--image REF`, or the only one there is.
pub fn select(mut found: Vec<Candidate>, wanted: Option<&str>, source: &str) -> Result<Candidate> {
    let names = |c: &[Candidate]| {
        let all: Vec<String> =
            c.iter().map(|c| if c.tags.is_empty() { "(untagged)".to_string() } else { c.tags.join(", ") }).collect();
        all.join("; ")
    };
    match wanted {
        None if found.len() == 1 => Ok(found.remove(0)),
        None if found.is_empty() => Err(refuse("source", source, "holds no image")),
        None => Err(refuse(
            "source",
            source,
            format!("holds {} images, choose one with --image: {}", found.len(), names(&found)),
        )),
        Some(r) => {
            let listing = names(&found);
            let mut hits: Vec<Candidate> =
                found.into_iter().filter(|c| c.tags.iter().any(|t| reference::matches(r, t))).collect();
            match hits.len() {
                0 => Err(refuse("--image", r, format!("not in {source}; it holds: {listing}"))),
                1 => Ok(hits.remove(0)),
                _ => Err(refuse(
                    "--image",
                    r,
                    format!("matches several images in {source}: {}; be more precise", names(&hits)),
                )),
            }
        }
    }
}

/// Read and verify the chosen image's manifest and config.
pub fn resolve(src: &Source, c: Candidate, limits: &Limits) -> Result<Resolved> {
    match c.target {
        Target::Docker { at, config, layers } => {
            let config_bytes = src.read_small(&config, limits)?;
            let config_digest = Digest::of(&config_bytes);
            if let Some(named) = digest_in_name(&config, ".json") {
                if named != config_digest {
                    return Err(refuse(
                        &format!("manifest.json: {at}.Config"),
                        &config,
                        format!("digest mismatch: the file hashes to {config_digest}"),
                    ));
                }
            }
            let layers = layers
                .into_iter()
                .map(|name| LayerRef { digest: digest_in_name(&name, ".tar"), name, size: None, media_type: None })
                .collect();
            Ok(Resolved { tags: c.tags, manifest: None, config_digest, config: config_bytes, layers })
        }
        Target::Oci { manifest, size } => {
            let what = format!("manifest {}", manifest.short());
            let bytes = src.read_blob(&manifest, Some(size), "manifest", limits)?;
            let v = json::parse(&what, &bytes, limits)?;
            let at = At::root(&what);
            let m = at.object(&v)?;
            if m.contains_key("manifests") {
                return Err(match m.contains_key("layers") || m.contains_key("config") {
                    true => at.error("is both an index and a manifest (has \"manifests\" and \"layers\"/\"config\"): refusing an ambiguous document"),
                    false => at.error("is an index, but its descriptor says it is a manifest"),
                });
            }
            schema_version(m, &at)?;
            let config_desc = descriptor(required(m, "config", &at)?, &at.key("config"))?;
            let config = src.read_blob(&config_desc.digest, Some(config_desc.size), "config", limits)?;
            let mut layers = Vec::new();
            let list_at = at.key("layers");
            for (i, item) in list_at.array(required(m, "layers", &at)?)?.iter().enumerate() {
                let d = descriptor(item, &list_at.index(i))?;
                let mt = d.media_type.clone().unwrap_or_default();
                if !(mt.contains(".tar") && (mt.contains(".layer.") || mt.contains(".rootfs."))) {
                    return Err(list_at
                        .index(i)
                        .key("mediaType")
                        .error(format!("{}: not a layer media type this tool can unpack", shown(&mt))));
                }
                layers.push(LayerRef {
                    name: Source::blob_name(&d.digest),
                    digest: Some(d.digest),
                    size: Some(d.size),
                    media_type: d.media_type,
                });
            }
            Ok(Resolved {
                tags: c.tags,
                manifest: Some((manifest, bytes)),
                config_digest: config_desc.digest,
                config,
                layers,
            })
        }
    }
}

/// A file name that is itself a digest: `<hex>.json`, `<hex>.tar`, `blobs/sha256/<hex>`.
fn digest_in_name(name: &str, ext: &str) -> Option<Digest> {
    let base = name.rsplit('/').next()?;
    let hex = base.strip_suffix(ext).unwrap_or(base);
    let in_blobs = name.contains("blobs/sha256/");
    if hex.len() == 64 && (in_blobs || base.ends_with(ext)) {
        Digest::from_hex(hex, name).ok()
    } else {
        None
    }
}

fn docker_candidates(src: &Source, limits: &Limits) -> Result<Vec<Candidate>> {
    let bytes = src.read_small("manifest.json", limits)?;
    let v = json::parse("manifest.json", &bytes, limits)?;
    let at = At::root("manifest.json");
    let mut out = Vec::new();
    for (i, item) in at.array(&v)?.iter().enumerate() {
        let at = at.index(i);
        let m = at.object(item)?;
        let path = |v: &Value, at: &At| -> Result<String> {
            let s = at.string(v)?;
            match normalize("", s) {
                Some(p) if !s.starts_with('/') && !p.is_empty() => Ok(p),
                _ => Err(at.error(format!("{}: path escapes the archive", shown(s)))),
            }
        };
        let config = path(required(m, "Config", &at)?, &at.key("Config"))?;
        let list_at = at.key("Layers");
        let mut layers = Vec::new();
        for (j, l) in list_at.array(required(m, "Layers", &at)?)?.iter().enumerate() {
            layers.push(path(l, &list_at.index(j))?);
        }
        let tags = match m.get("RepoTags") {
            None => Vec::new(),
            Some(t) => at.key("RepoTags").strings(t)?.unwrap_or_default(),
        };
        out.push(Candidate { tags, target: Target::Docker { at: at.path.clone(), config, layers } });
    }
    Ok(out)
}

struct Descriptor {
    media_type: Option<String>,
    digest: Digest,
    size: u64,
    annotations: Vec<(String, String)>,
    platform: Option<(String, String)>,
}

fn descriptor(v: &Value, at: &At) -> Result<Descriptor> {
    let d = at.object(v)?;
    let digest_text = at.key("digest").string(required(d, "digest", at)?)?;
    let digest = Digest::parse(digest_text, &at.key("digest").name())?;
    let size = at.key("size").unsigned(required(d, "size", at)?)?;
    let media_type = match d.get("mediaType") {
        Some(m) => Some(at.key("mediaType").string(m)?.to_string()),
        None => None,
    };
    let mut annotations = Vec::new();
    if let Some(a) = d.get("annotations") {
        for (k, v) in at.key("annotations").object(a)? {
            annotations.push((k.clone(), at.key("annotations").key(k).string(v)?.to_string()));
        }
    }
    let platform = match d.get("platform") {
        Some(p) => {
            let pat = at.key("platform");
            let p = pat.object(p)?;
            let os = pat.key("os").string(required(p, "os", &pat)?)?.to_string();
            let arch = pat.key("architecture").string(required(p, "architecture", &pat)?)?.to_string();
            Some((os, arch))
        }
        None => None,
    };
    Ok(Descriptor { media_type, digest, size, annotations, platform })
}

fn schema_version(m: &serde_json::Map<String, Value>, at: &At) -> Result<()> {
    let v = at.key("schemaVersion").unsigned(required(m, "schemaVersion", at)?)?;
    if v != 2 {
        return Err(at.key("schemaVersion").error(format!("{v}: only schema version 2 is supported")));
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn oci_index(
    src: &Source,
    v: &Value,
    at: At,
    inherited_tags: &[String],
    limits: &Limits,
    seen: &mut Vec<Digest>,
    out: &mut Vec<Candidate>,
    depth: usize,
) -> Result<()> {
    if depth > 4 {
        return Err(at.error("indexes nested more than 4 deep: refusing"));
    }
    let m = at.object(v)?;
    if m.contains_key("layers") || m.contains_key("config") {
        return Err(at.error("is both an index and a manifest (has \"manifests\" and \"layers\"/\"config\"): refusing an ambiguous document"));
    }
    schema_version(m, &at)?;
    let list_at = at.key("manifests");
    let list = list_at.array(required(m, "manifests", &at)?)?;
    let nested = depth > 0;
    for (i, item) in list.iter().enumerate() {
        let item_at = list_at.index(i);
        let d = descriptor(item, &item_at)?;
        let mut tags: Vec<String> = inherited_tags.to_vec();
        for (k, v) in &d.annotations {
            let is_name = k == "org.opencontainers.image.ref.name" || k == "io.containerd.image.name";
            if is_name && !tags.contains(v) {
                tags.push(v.clone());
            }
        }
        if let Some((os, arch)) = &d.platform {
            // In a multi-platform index, only this machine's image can run here.
            if nested && (os != "linux" || arch != super::platform::host_architecture().0) {
                continue;
            }
        }
        match d.media_type.as_deref() {
            Some(OCI_INDEX) | Some(DOCKER_LIST) => {
                if seen.contains(&d.digest) {
                    return Err(item_at
                        .error(format!("index {} points to itself (a loop of indexes): refusing", d.digest.short())));
                }
                seen.push(d.digest.clone());
                let name = format!("index {}", d.digest.short());
                let bytes = src.read_blob(&d.digest, Some(d.size), "index", limits)?;
                let inner = json::parse(&name, &bytes, limits)?;
                oci_index(src, &inner, At::root(&name), &tags, limits, seen, out, depth + 1)?;
                seen.pop();
            }
            Some(OCI_MANIFEST) | Some(DOCKER_MANIFEST) | None => {
                out.push(Candidate { tags, target: Target::Oci { manifest: d.digest, size: d.size } });
            }
            Some(other) => {
                if !nested {
                    return Err(item_at
                        .key("mediaType")
                        .error(format!("{}: not an image manifest or index", shown(other))));
                }
            }
        }
    }
    Ok(())
}
