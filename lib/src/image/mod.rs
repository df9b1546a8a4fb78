//! Container images: read one from a docker-save archive, an OCI archive or an OCI image
//! layout directory, verify every digest, and unpack its layers — into a content-addressed
//! store (one directory per layer, in overlayfs form) and/or as one flattened root file system.
//!
//! | file        | concept                                                                  |
//! |-------------|--------------------------------------------------------------------------|
//! | `digest`    | `sha256:<hex>` validated before it becomes a path; streaming sha256       |
//! | `limits`    | caps: entries, header bytes, decompressed bytes, JSON bytes              |
//! | `json`      | size-capped JSON, read field by field with errors that name the field    |
//! | `tar`       | the tar format: ustar, GNU long names, PAX; checksums; truncation        |
//! |  `tar/header`, `tar/pax` | one 512-byte header; PAX records                          |
//! | `archive`   | an index of the members of a tar archive (docker-save, OCI archive)      |
//! | `source`    | one interface over the three source kinds: read a file, open a blob      |
//! | `reference` | matching `--image REF` against RepoTags and OCI ref names                |
//! | `manifest`  | docker manifest.json; OCI index.json → (index →) manifest → config       |
//! | `config`    | the image config: Env, Cmd, Entrypoint, WorkingDir, …, rootfs.diff_ids   |
//! | `layer`     | one layer blob: sniff gzip/zstd/plain, decompress and hash in one pass   |
//! | `openat2`   | resolving a path *inside* a root directory (RESOLVE_IN_ROOT)             |
//! | `xattr`     | the extended-attribute syscalls nix lacks                                |
//! | `tree`      | removing and emptying directory trees through fds, never following links |
//! | `whiteout`  | `.wh.NAME` and `.wh..wh..opq`: flatten them, or convert to overlay form   |
//! | `apply`     | extracting one layer's entries safely under a root                       |
//! |  `apply/create` | creating each kind of entry with its owner, mode, xattrs, times      |
//! | `store`     | the content-addressed store: blobs, layers, image records, lock, tmp     |
//! | `progress`  | bytes-per-layer progress on a terminal                                   |
//! | `store_image` | the STORE half: parallel extraction into tmp/, verify, publish by rename |
//! | `flatten`   | the --to half: layers applied in order, read ahead on other cores        |
//! | `unpack`    | the whole job: source → verify → store and/or flatten                    |
//! | `platform`  | this machine as OCI names platforms (GOARCH spelling, variant)          |
//! | `pack`      | the reverse: a directory packed into one layer, both digests in one pass  |
//! | `layout`    | writing an OCI image: layout directory or archive (img-pack)              |
//! | `demo`      | the built-in demo image's root file system, from the host's static busybox |
//! | `tag`       | names of images: normalize, check, move a tag (ctrkit tag)               |
//! | `remove`    | rmi: untag, delete the record, collect unreferenced layers and blobs     |
//! | `save`      | writing a docker-save archive from the store (ctrkit save)                |
//! | `describe`  | the rows of `ctrkit images` and docker-shaped `image inspect` JSON        |
//!
//! Read: OCI image-spec (image-layout.md, manifest.md, config.md, layer.md), the docker
//! image spec v1.2 (`docker save` format), overlayfs.rst ("whiteouts and opaque
//! directories"), openat2(2), tar(5). Shell equivalent: `skopeo copy` + `umoci unpack`, or
//! `tar -xf image.tar` then `tar -xzf` of every layer in order.
//! Used by: img-unpack; the front end (load, images, rmi) and ovl-mount read the store.

pub mod apply;
pub mod archive;
pub mod config;
pub mod demo;
pub mod describe;
pub mod digest;
pub mod flatten;
pub mod json;
pub mod layer;
pub mod layout;
pub mod limits;
pub mod manifest;
pub mod openat2;
pub mod pack;
pub mod platform;
pub mod progress;
pub mod reference;
pub mod remove;
pub mod save;
pub mod source;
pub mod store;
pub mod store_image;
pub mod tag;
pub mod tar;
pub mod tree;
pub mod unpack;
pub mod whiteout;
pub mod xattr;

pub use config::ImageConfig;
pub use digest::Digest;
pub use limits::Limits;
pub use store::{ImageRecord, LayerRecord, Store};
pub use unpack::{unpack, LayerReport, Report, Request};

use crate::error::{Cause, Error};

/// A refusal of bad input that reads `OP OBJECT: WHY`, e.g. `entry ../x: path escapes the root`.
pub(crate) fn refuse(op: &str, object: impl std::fmt::Display, why: impl Into<String>) -> Error {
    let object = object.to_string();
    // With no object the message reads `OP: WHY` (Display puts a space between op and object).
    let (op, object) = match object.is_empty() {
        true => match op.rsplit_once(' ') {
            Some((a, b)) => (a.to_string(), b.to_string()),
            None => ("invalid".to_string(), op.to_string()),
        },
        false => (op.to_string(), object),
    };
    Error { op, object, cause: Cause::Invalid(why.into()), hint: None }
}

/// Put an error in context, keeping its cause: `layer sha256:ab12…: ` + the error.
pub(crate) fn within(context: &str, mut e: Error) -> Error {
    e.op = if e.op.is_empty() { context.to_string() } else { format!("{context}: {}", e.op) };
    e
}
