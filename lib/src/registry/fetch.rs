//! Fetching, verified as the bytes arrive: manifests (small, held in memory, capped) and
//! blobs (streamed into a file while hashed; never more bytes than the descriptor says).
//!
//! | what                      | checked                                                        |
//! |---------------------------|----------------------------------------------------------------|
//! | manifest by digest        | sha256 of the bytes = the digest asked for                     |
//! | manifest by tag           | sha256 = the `Docker-Content-Digest` header, when sent         |
//! | blob (config, layer)      | Content-Length and the bytes received = descriptor size; sha256 = descriptor digest |
//!
//! A blob is written as `.<hex>.part` and renamed to its digest only once both checks pass,
//! so a bad blob is never seen under its name; the staging dir it sits in is removed on
//! every path (registry::staging). A server that sends more than the descriptor's size is cut
//! off after one byte too many: the size is the cap.
//!
//! Syscalls: read(2) on the socket, open(2), write(2), rename(2). Spec: OCI
//! distribution-spec ("Pulling manifests", "Pulling blobs", "Docker-Content-Digest").
//! Shell equivalent: `curl -sL http://127.0.0.1:5000/v2/demo/blobs/sha256:… | tee x | sha256sum`.
//! Used by: registry::pull.

use super::client::Client;
use super::document::{refuse, Descriptor};
use crate::error::{Error, Result};
use crate::explain;
use crate::image::digest::Hasher;
use crate::image::store::new_file;
use crate::image::{Digest, Limits};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// A manifest or index as received and verified.
pub struct Fetched {
    pub bytes: Vec<u8>,
    pub digest: Digest,
    /// The Content-Type the registry sent (its media type).
    pub media_type: String,
}

/// GET /v2/<name>/manifests/<reference>. `what` names it in messages
/// (`127.0.0.1:5000/demo:1`), `want` is the digest it must have when fetched by digest.
pub fn manifest(
    client: &Client,
    name: &str,
    reference: &str,
    want: Option<&Digest>,
    what: &str,
    limits: &Limits,
) -> Result<Fetched> {
    let path = format!("/v2/{name}/manifests/{reference}");
    let (status, response) = client.get(&path, Some(super::document::ACCEPT))?;
    if status == 404 {
        explain::note(&format!("GET {path} = 404   # no such manifest — distribution-spec"));
        return Err(Error {
            op: "manifest".into(),
            object: "unknown".into(),
            cause: crate::error::Cause::Invalid(format!(
                "{name}{}{reference} not found on {}",
                if reference.starts_with("sha256:") { "@" } else { ":" },
                client.host
            )),
            hint: Some("check the name and tag (skopeo list-tags docker://HOST/NAME shows the tags)".into()),
        });
    }
    if status != 200 {
        return Err(client.status_error(&format!("GET {path}"), status, response));
    }
    let media_type = response.content_type().to_string();
    let header_digest = response.header("Docker-Content-Digest").map(str::to_string);
    if let Some(len) = response.header("Content-Length").and_then(|l| l.parse::<u64>().ok()) {
        if len > limits.max_json_bytes {
            return Err(too_big(what, len, limits));
        }
    }
    let mut bytes = Vec::new();
    response
        .into_reader()
        .take(limits.max_json_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| read_error(&format!("manifest {what}"), &client.host, e))?;
    if bytes.len() as u64 > limits.max_json_bytes {
        return Err(too_big(what, bytes.len() as u64, limits));
    }
    let digest = Digest::of(&bytes);
    let checked = match (want, &header_digest) {
        (Some(w), _) if &digest != w => {
            return Err(refuse(
                &format!("manifest {what}"),
                format!("digest mismatch: asked for {w}, the bytes received hash to {digest}"),
            ));
        }
        (Some(_), _) => "its sha256 is the digest asked for",
        (None, Some(h)) => {
            let h = Digest::parse(h, "Docker-Content-Digest header")?;
            if h != digest {
                return Err(refuse(
                    &format!("manifest {what}"),
                    format!("digest mismatch: the registry says {h}, the bytes received hash to {digest}"),
                ));
            }
            "its sha256 matches Docker-Content-Digest"
        }
        (None, None) => "no Docker-Content-Digest to check it against",
    };
    explain::note(&format!("GET {path} = 200 ({} bytes)   # {media_type}; {checked} — distribution-spec", bytes.len()));
    Ok(Fetched { bytes, digest, media_type })
}

fn too_big(what: &str, len: u64, limits: &Limits) -> Error {
    refuse(
        &format!("manifest {what}"),
        format!("{len} bytes exceeds the cap of {} bytes for JSON documents", limits.max_json_bytes),
    )
}

fn read_error(what: &str, host: &str, e: std::io::Error) -> Error {
    match e.kind() {
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
            refuse(&format!("read {what} from {host}"), "no data for 30 s: the transfer stalled")
        }
        _ => Error::io("read", format!("{what} from {host}"), e),
    }
}

/// GET /v2/<name>/blobs/<digest> into `to` (its final name), verified; `what` names the
/// blob in messages (`layer 1/2 sha256:…`), `counter` counts bytes for the progress line.
pub fn blob(client: &Client, name: &str, d: &Descriptor, to: &Path, what: &str, counter: &AtomicU64) -> Result<()> {
    let path = format!("/v2/{name}/blobs/{}", d.digest);
    let (status, response) = client.get(&path, None)?;
    if status == 404 {
        explain::note(&format!("GET {path} = 404   # no such blob — distribution-spec"));
        return Err(refuse(&format!("{what} {}", d.digest), format!("blob unknown: not found on {}", client.host))
            .with_hint("the registry lost a blob its manifest names; push the image again"));
    }
    if status != 200 {
        return Err(client.status_error(&format!("GET {path}"), status, response));
    }
    if let Some(len) = response.header("Content-Length").and_then(|l| l.parse::<u64>().ok()) {
        if len != d.size {
            return Err(refuse(
                &format!("{what} {}", d.digest),
                format!("size mismatch: the registry sends {len} bytes, the manifest says {}", d.size),
            ));
        }
    }
    let part = to.with_file_name(format!(".{}.part", d.digest.hex()));
    let mut file = new_file(&part)?;
    let mut reader = response.into_reader().take(d.size + 1);
    let mut hasher = Hasher::new();
    let mut buf = vec![0u8; 256 << 10];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(read_error(&format!("{what} {}", d.digest), &client.host, e)),
        };
        hasher.update(&buf[..n]);
        if hasher.bytes() > d.size {
            return Err(refuse(
                &format!("{what} {}", d.digest),
                format!("the registry sends more than the {} bytes the manifest says: refused", d.size),
            ));
        }
        file.write_all(&buf[..n]).map_err(|e| Error::io("write", part.display(), e))?;
        counter.fetch_add(n as u64, Ordering::Relaxed);
    }
    let (got, n) = hasher.finish();
    if n != d.size {
        return Err(refuse(
            &format!("{what} {}", d.digest),
            format!("size mismatch: received {n} bytes, the manifest says {}", d.size),
        ));
    }
    if got != d.digest {
        return Err(refuse(
            &format!("{what} {}", d.digest),
            format!("digest mismatch: the bytes received hash to {got}"),
        )
        .with_hint("the registry's copy is damaged (or was tampered with); nothing was stored"));
    }
    std::fs::rename(&part, to).map_err(|e| Error::io("rename", to.display(), e))?;
    explain::note(&format!(
        "GET {path} = 200 ({n} bytes)   # {what}: size and sha256 verified while streaming — distribution-spec"
    ));
    Ok(())
}
