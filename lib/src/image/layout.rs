//! Writing an OCI image: the layout directory, or the same as one tar archive.
//!
//! An OCI image layout is content-addressed files plus two small entry points:
//!
//!     oci-layout                 {"imageLayoutVersion": "1.0.0"}
//!     index.json                 → the manifest, tagged with org.opencontainers.image.ref.name
//!     blobs/sha256/<manifest>    → the config and the layers, each by digest and size
//!     blobs/sha256/<config>      Env, Cmd, Entrypoint, …, rootfs.diff_ids
//!     blobs/sha256/<layer>       the packed tree (pack.rs)
//!
//! Everything but index.json is named by its own sha256, so a reader can verify every byte
//! (img-unpack does). An "OCI archive" is this directory as a tar (what `skopeo copy …
//! oci-archive:` writes). Files are written to a temp name and renamed into place.
//!
//! Read: OCI image-spec image-layout.md, manifest.md, config.md, annotations.md.
//! Shell: `umoci init` + `umoci repack`, `buildah commit`. Used by: img-pack.

use super::digest::Digest;
use super::pack::PackedLayer;
use crate::error::{Error, Result};
use serde_json::{json, Map, Value};
use std::fs;
use std::path::{Path, PathBuf};

pub const MANIFEST_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
pub const CONFIG_TYPE: &str = "application/vnd.oci.image.config.v1+json";
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// What the image says about how to run it (the `config` object of the image config).
#[derive(Debug, Clone, Default)]
pub struct RunConfig {
    pub env: Vec<String>,
    pub cmd: Option<Vec<String>>,
    pub entrypoint: Option<Vec<String>>,
    pub working_dir: String,
    pub user: String,
    pub exposed_ports: Vec<String>,
    pub labels: Vec<(String, String)>,
}

/// The digests of what was written.
#[derive(Debug, Clone)]
pub struct Written {
    pub manifest: Digest,
    pub config: Digest,
    pub layers: Vec<PackedLayer>,
    pub reference: String,
}

/// The image config JSON for `layers` (bottom first), run as `run`.
pub fn config_json(run: &RunConfig, layers: &[PackedLayer], created: &str) -> Value {
    let mut config = Map::new();
    if !run.env.is_empty() {
        config.insert("Env".into(), json!(run.env));
    }
    if let Some(cmd) = &run.cmd {
        config.insert("Cmd".into(), json!(cmd));
    }
    if let Some(ep) = &run.entrypoint {
        config.insert("Entrypoint".into(), json!(ep));
    }
    if !run.working_dir.is_empty() {
        config.insert("WorkingDir".into(), json!(run.working_dir));
    }
    if !run.user.is_empty() {
        config.insert("User".into(), json!(run.user));
    }
    if !run.exposed_ports.is_empty() {
        let ports: Map<String, Value> = run.exposed_ports.iter().map(|p| (p.clone(), json!({}))).collect();
        config.insert("ExposedPorts".into(), Value::Object(ports));
    }
    if !run.labels.is_empty() {
        let labels: Map<String, Value> = run.labels.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        config.insert("Labels".into(), Value::Object(labels));
    }
    json!({
        "created": created,
        "architecture": super::platform::host_architecture().0,
        "os": "linux",
        "config": config,
        "rootfs": { "type": "layers", "diff_ids": layers.iter().map(|l| l.diff_id.as_str()).collect::<Vec<_>>() },
        "history": layers.iter().map(|_| json!({ "created": created, "created_by": "img-pack" })).collect::<Vec<_>>(),
    })
}

/// Write an OCI layout into `dir` (created; must not exist, or be empty): the layer blobs
/// are moved in from where pack.rs wrote them.
pub fn write_layout(dir: &Path, reference: &str, run: &RunConfig, layers: Vec<PackedLayer>) -> Result<Written> {
    let blobs = dir.join("blobs/sha256");
    fs::create_dir_all(&blobs).map_err(|e| Error::io("mkdir", blobs.display(), e))?;
    let mut moved = Vec::new();
    for layer in layers {
        let to = blobs.join(layer.digest.hex());
        fs::rename(&layer.path, &to).map_err(|e| Error::io("rename", to.display(), e))?;
        moved.push(PackedLayer { path: to, ..layer });
    }
    let config = serde_json::to_vec(&config_json(run, &moved, &crate::timestamp::now_rfc3339()))
        .map_err(|e| Error::invalid("image config", e.to_string()))?;
    let config_digest = put_blob(&blobs, &config)?;
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": MANIFEST_TYPE,
        "config": { "mediaType": CONFIG_TYPE, "digest": config_digest.as_str(), "size": config.len() },
        "layers": moved.iter().map(|l| json!({ "mediaType": l.media_type, "digest": l.digest.as_str(), "size": l.size })).collect::<Vec<_>>(),
    });
    let manifest = serde_json::to_vec(&manifest).map_err(|e| Error::invalid("manifest", e.to_string()))?;
    let manifest_digest = put_blob(&blobs, &manifest)?;
    let index = json!({
        "schemaVersion": 2,
        "manifests": [{
            "mediaType": MANIFEST_TYPE,
            "digest": manifest_digest.as_str(),
            "size": manifest.len(),
            "annotations": { REF_NAME: reference },
        }],
    });
    put_file(&dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#)?;
    put_file(
        &dir.join("index.json"),
        &serde_json::to_vec(&index).map_err(|e| Error::invalid("index", e.to_string()))?,
    )?;
    Ok(Written { manifest: manifest_digest, config: config_digest, layers: moved, reference: reference.to_string() })
}

/// Tar the layout directory `dir` into the archive `out` (an OCI archive).
pub fn write_archive(dir: &Path, out: &Path) -> Result<()> {
    let tmp = temp_name(out);
    let file = super::store::new_file(&tmp)?;
    let mut tar = tar::Builder::new(std::io::BufWriter::new(file));
    let result = tar
        .append_dir_all(".", dir)
        .and_then(|_| tar.into_inner())
        .and_then(|w| w.into_inner().map_err(|e| e.into_error()))
        .and_then(|f| f.sync_all());
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io("write", tmp.display(), e));
    }
    fs::rename(&tmp, out).map_err(|e| Error::io("rename", out.display(), e))
}

fn put_blob(blobs: &Path, bytes: &[u8]) -> Result<Digest> {
    let digest = Digest::of(bytes);
    put_file(&blobs.join(digest.hex()), bytes)?;
    Ok(digest)
}

/// Write a file whole: temp name, fsync, rename — a reader never sees half of it.
fn put_file(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let tmp = temp_name(path);
    let mut f = super::store::new_file(&tmp)?;
    f.write_all(bytes).and_then(|_| f.sync_all()).map_err(|e| Error::io("write", tmp.display(), e))?;
    fs::rename(&tmp, path).map_err(|e| Error::io("rename", path.display(), e))
}

fn temp_name(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// The two shapes of an OCI image on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One tar file (`oci-archive:`).
    Archive,
    /// A directory (`oci:`).
    Directory,
}

/// Pack `rootfs` into an image at `out` (which must not exist): one layer, the config,
/// the manifest, the index. Built in a temp directory beside `out` and moved into place at
/// the end, so a failure leaves nothing at `out`.
pub fn pack_image(
    rootfs: &Path,
    out: &Path,
    format: Format,
    reference: &str,
    run: &RunConfig,
    compression: super::pack::Compression,
) -> Result<Written> {
    if fs::symlink_metadata(out).is_ok() {
        return Err(Error::invalid(out.display(), "already exists: img-pack never overwrites"));
    }
    let work = temp_name(out).with_extension("d");
    fs::create_dir(&work).map_err(|e| Error::io("mkdir", work.display(), e))?;
    let result = (|| {
        let layer = super::pack::pack_dir(rootfs, &work.join("layer.blob"), compression)?;
        let layout_dir = work.join("layout");
        let written = write_layout(&layout_dir, reference, run, vec![layer])?;
        match format {
            Format::Directory => fs::rename(&layout_dir, out).map_err(|e| Error::io("rename", out.display(), e))?,
            Format::Archive => write_archive(&layout_dir, out)?,
        }
        Ok(written)
    })();
    let _ = fs::remove_dir_all(&work);
    result
}

/// The run-config flags of img-pack, as typed; checked and applied by `apply_flags`.
pub struct Flags<'a> {
    pub cmd: Option<&'a str>,
    pub entrypoint: Option<&'a str>,
    pub env: &'a [String],
    pub workdir: Option<&'a str>,
    pub user: Option<&'a str>,
    pub labels: &'a [String],
    pub expose: &'a [String],
}

/// Check every flag (nothing is written before all of them are good) and apply them.
pub fn apply_flags(run: &mut RunConfig, f: &Flags) -> Result<()> {
    let json_array = |flag: &str, text: &str| -> Result<Vec<String>> {
        serde_json::from_str::<Vec<String>>(text).map_err(|_| {
            Error::invalid(
                format!("{flag} {text}"),
                r#"expected a JSON array of strings, e.g. ["/bin/sh","-c","echo hi"]"#,
            )
        })
    };
    if let Some(cmd) = f.cmd {
        run.cmd = Some(json_array("--cmd", cmd)?);
    }
    if let Some(ep) = f.entrypoint {
        run.entrypoint = Some(json_array("--entrypoint", ep)?);
    }
    for kv in f.env {
        match kv.split_once('=') {
            Some((k, _)) if !k.is_empty() => {
                run.env.retain(|e| e.split('=').next() != Some(k));
                run.env.push(kv.clone());
            }
            _ => return Err(Error::invalid(format!("--env {kv}"), "expected KEY=VALUE")),
        }
    }
    if let Some(wd) = f.workdir {
        if !wd.starts_with('/') || wd.split('/').any(|c| c == "..") {
            return Err(Error::invalid(format!("--workdir {wd}"), "must be an absolute path without '..'"));
        }
        run.working_dir = wd.to_string();
    }
    if let Some(user) = f.user {
        if user.is_empty() || user.contains(|c: char| c.is_whitespace() || c == '/') {
            return Err(Error::invalid(format!("--user {user}"), "expected name, uid, name:group or uid:gid"));
        }
        run.user = user.to_string();
    }
    for kv in f.labels {
        match kv.split_once('=') {
            Some((k, v)) if !k.is_empty() => run.labels.push((k.to_string(), v.to_string())),
            _ => return Err(Error::invalid(format!("--label {kv}"), "expected KEY=VALUE")),
        }
    }
    for port in f.expose {
        let (num, proto) = port.split_once('/').unwrap_or((port, "tcp"));
        let ok = num.parse::<u16>().map(|n| n > 0).unwrap_or(false) && matches!(proto, "tcp" | "udp" | "sctp");
        if !ok {
            return Err(Error::invalid(
                format!("--expose {port}"),
                "expected a port 1-65535, optionally /tcp, /udp or /sctp",
            ));
        }
        run.exposed_ports.push(format!("{num}/{proto}"));
    }
    Ok(())
}

/// A reference is `name[:tag]` with the characters docker allows.
pub fn check_reference(reference: &str) -> Result<()> {
    let ok = !reference.is_empty()
        && reference.len() <= 255
        && reference.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-/:@".contains(&b))
        && !reference.starts_with(['.', '-', '/', ':']);
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            format!("--tag {reference}"),
            "expected NAME[:TAG] of letters, digits, '.', '_', '-', '/', ':'",
        ))
    }
}

/// img-pack's --json output.
pub fn written_json(w: &Written, out: &Path, format: Format) -> Value {
    json!({
        "reference": w.reference,
        "output": out,
        "format": if format == Format::Archive { "oci-archive" } else { "oci-layout" },
        "manifest_digest": w.manifest.as_str(),
        "config_digest": w.config.as_str(),
        "layers": w.layers.iter().map(|l| json!({
            "digest": l.digest.as_str(), "diff_id": l.diff_id.as_str(), "size": l.size, "media_type": l.media_type,
        })).collect::<Vec<_>>(),
    })
}
