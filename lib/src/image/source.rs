//! Where an image comes from, behind one interface: a `docker save` / `podman save` archive
//! (manifest.json + <config>.json + layer tars), an OCI archive (a tar of an OCI image
//! layout: oci-layout, index.json, blobs/sha256/…), or an OCI image layout directory.
//! The rest of the code asks for a file by its name inside the source and never learns
//! which kind it is reading.
//!
//! Archives are indexed once (image::archive) and read in place. Files of a layout directory
//! are opened with openat2(RESOLVE_IN_ROOT), so a blob that is a symlink cannot lead out of
//! the directory.
//!
//! Syscalls: open(2), openat2(2), fstat(2), read(2), lseek(2). Spec: OCI image-layout.md;
//! docker image spec v1.2 ("Combined Image JSON + Filesystem Changeset Format").
//! Shell equivalent: `tar -tf image.tar`; `ls DIR/blobs/sha256`.
//! Used by: image::manifest, image::unpack.

use super::archive::ArchiveIndex;
use super::digest::Digest;
use super::limits::Limits;
use super::openat2::{explain_errno, open_in_root};
use super::refuse;
use crate::error::{Error, Result};
use crate::explain::{self, Op};
use nix::fcntl::OFlag;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    DockerArchive,
    OciArchive,
    OciLayout,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::DockerArchive => "docker-archive",
            Format::OciArchive => "oci-archive",
            Format::OciLayout => "oci-layout",
        }
    }
}

enum Inner {
    Archive(ArchiveIndex),
    Dir(std::os::fd::OwnedFd),
}

pub struct Source {
    pub path: PathBuf,
    pub format: Format,
    inner: Inner,
}

impl Source {
    /// Open SOURCE and find out what it is.
    pub fn open(path: &Path, limits: &Limits) -> Result<Source> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io("stat", path.display(), e))?;
        let inner = if meta.is_dir() {
            let op = Op::new(format!("open({path:?}, O_PATH|O_DIRECTORY)"), "open the OCI layout directory", "open(2)");
            let fd = explain::run(op, &path.display().to_string(), || {
                nix::fcntl::open(
                    path,
                    OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
                    nix::sys::stat::Mode::empty(),
                )
            })?;
            Inner::Dir(fd)
        } else {
            explain::note(&format!(
                "open({path:?}, O_RDONLY) and read its tar headers   # index the image archive — tar(5)"
            ));
            Inner::Archive(ArchiveIndex::build(path, limits)?)
        };
        let mut src = Source { path: path.to_path_buf(), format: Format::OciLayout, inner };
        src.format = if src.has("oci-layout") && src.has("index.json") {
            match src.inner {
                Inner::Dir(_) => Format::OciLayout,
                Inner::Archive(_) => Format::OciArchive,
            }
        } else if src.has("manifest.json") {
            Format::DockerArchive
        } else {
            return Err(refuse(
                "source",
                path.display(),
                "neither an OCI layout (oci-layout + index.json) nor a docker-save archive (manifest.json)",
            )
            .with_hint("make one with `podman save`, `skopeo copy … oci-archive:FILE` or `skopeo copy … oci:DIR`"));
        };
        Ok(src)
    }

    pub fn has(&self, name: &str) -> bool {
        match &self.inner {
            Inner::Archive(index) => index.contains(name),
            Inner::Dir(dir) => open_in_root(dir, Path::new(name), OFlag::O_PATH).is_ok(),
        }
    }

    /// The name of a blob inside an OCI layout.
    pub fn blob_name(digest: &Digest) -> String {
        format!("blobs/sha256/{}", digest.hex())
    }

    /// Open a file of the source for reading: the reader and its size.
    pub fn open_file(&self, name: &str) -> Result<(Box<dyn Read + Send>, u64)> {
        match &self.inner {
            Inner::Archive(index) => index.open(name),
            Inner::Dir(dir) => {
                let fd = open_in_root(dir, Path::new(name), OFlag::O_RDONLY).map_err(|e| match e {
                    nix::errno::Errno::ENOENT => {
                        refuse("source file", name, format!("not found in {}", self.path.display()))
                    }
                    e => explain_errno("openat2", name, e),
                })?;
                let file = File::from(fd);
                let meta = file.metadata().map_err(|e| Error::io("fstat", name, e))?;
                if !meta.is_file() {
                    return Err(refuse("source file", name, "not a regular file"));
                }
                Ok((Box::new(file), meta.len()))
            }
        }
    }

    /// Read a small file (a JSON document) whole, refusing it above the JSON cap.
    pub fn read_small(&self, name: &str, limits: &Limits) -> Result<Vec<u8>> {
        match &self.inner {
            Inner::Archive(index) => index.read_small(name, limits.max_json_bytes),
            Inner::Dir(_) => {
                let (reader, size) = self.open_file(name)?;
                if size > limits.max_json_bytes {
                    return Err(refuse(
                        name,
                        "",
                        format!("{size} bytes exceeds the cap of {} bytes for JSON documents", limits.max_json_bytes),
                    ));
                }
                let mut buf = Vec::with_capacity(size as usize);
                reader.take(limits.max_json_bytes + 1).read_to_end(&mut buf).map_err(|e| Error::io("read", name, e))?;
                Ok(buf)
            }
        }
    }

    /// Read a small blob by digest and check it is what the descriptor says.
    pub fn read_blob(&self, digest: &Digest, size: Option<u64>, what: &str, limits: &Limits) -> Result<Vec<u8>> {
        let bytes = self.read_small(&Source::blob_name(digest), limits)?;
        verify(&bytes, digest, size, what)?;
        Ok(bytes)
    }
}

/// Check bytes against a digest and an optional size.
pub fn verify(bytes: &[u8], digest: &Digest, size: Option<u64>, what: &str) -> Result<()> {
    if let Some(size) = size {
        if bytes.len() as u64 != size {
            return Err(refuse(
                what,
                digest.short(),
                format!("size mismatch: descriptor says {size}, blob has {}", bytes.len()),
            ));
        }
    }
    let actual = Digest::of(bytes);
    if &actual != digest {
        return Err(refuse(what, digest.short(), format!("digest mismatch: content hashes to {actual}")));
    }
    Ok(())
}
