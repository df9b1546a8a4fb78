//! Pulling images from a registry (OCI distribution API v2, what `docker pull` speaks):
//! reference → manifest → blobs, each verified as it arrives, then stored by image::unpack —
//! the same verification, extraction and image record as img-unpack.
//!
//! | file        | concept                                                                   |
//! |-------------|---------------------------------------------------------------------------|
//! | `reference` | `name`, `name:tag`, `host:port/name@sha256:…` parsed and validated        |
//! | `challenge` | the WWW-Authenticate header of a 401: Bearer realm/service/scope, Basic   |
//! | `auth`      | credentials (--user-pass, $CTRKIT_REGISTRY_AUTH), base64, the token flow  |
//! | `client`    | http/https choice, timeouts, GET with auth, errors that name the host     |
//! | `document`  | a fetched manifest: index or image manifest, its descriptors              |
//! | `platform`  | this machine's entry of a multi-platform index                            |
//! | `fetch`     | manifests and blobs fetched with digest and size verified while streaming |
//! | `staging`   | the pulled image as an OCI layout in STORE/pulls/, blobs linked from the store |
//! | `pull`      | the whole job, and the docker-like status lines                           |
//!
//! Read: OCI distribution-spec (spec.md: "Pull"), the distribution token authentication
//! spec (docs/spec/auth/token.md), OCI image-spec (image-index.md, manifest.md,
//! descriptor.md, image-layout.md). Shell equivalent: `docker pull REF`, or
//! `skopeo copy docker://REF oci:DIR` then `img-unpack DIR`.
//! Used by: img-pull; the front end (`ctrkit pull`).

pub mod auth;
pub mod challenge;
pub mod client;
pub mod document;
pub mod fetch;
pub mod platform;
pub mod pull;
pub mod reference;
pub mod staging;

pub use auth::Credentials;
pub use pull::pull;
pub use reference::Reference;

use crate::image::{Digest, Limits, Report};
use std::path::PathBuf;

/// What to pull, into which store, how to show it.
#[derive(Clone, Debug)]
pub struct PullRequest {
    /// As docker writes it: `127.0.0.1:5000/demo:1`, `busybox`, `host/name@sha256:…`.
    pub reference: String,
    /// The image store (image::Store::default_root() by default).
    pub store: PathBuf,
    /// Allow plain http to a registry that is not on this machine.
    pub insecure: bool,
    /// Basic credentials (also used to ask a token endpoint); None: anonymous.
    pub credentials: Option<Credentials>,
    /// JSON caps for manifests and configs; layer blobs are capped by their descriptor.
    pub limits: Limits,
    /// Draw per-layer byte progress on stderr (only ask on a terminal).
    pub progress: bool,
    /// Print docker-like status lines on stderr (`1: Pulling from demo`, …).
    pub status: bool,
}

impl PullRequest {
    /// A request with the defaults: the default store, no credentials, quiet.
    pub fn new(reference: &str) -> PullRequest {
        PullRequest {
            reference: reference.to_string(),
            store: crate::image::Store::default_root(),
            insecure: false,
            credentials: None,
            limits: Limits::default(),
            progress: false,
            status: false,
        }
    }
}

/// What a pull did.
#[derive(Clone, Debug)]
pub struct Pulled {
    /// The same report as image::unpack (img-pull --json prints it as img-unpack --json does).
    pub report: Report,
    /// The reference as docker shows it, the tag the image got: `127.0.0.1:5000/demo:1`.
    pub reference: String,
    /// The digest of what the reference named (the index, for a multi-platform image).
    pub digest: Digest,
    /// Blobs fetched from the registry (0 on a second pull of the same image).
    pub fetched: usize,
    /// Nothing was fetched or extracted and the image already had this tag.
    pub up_to_date: bool,
}
