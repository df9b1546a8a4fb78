//! Packing a directory into one image layer: the reverse of `apply`.
//!
//! A layer is a tar archive of a file tree, usually gzip-compressed. Its identity is two
//! digests: the **diff_id**, sha256 of the uncompressed tar (what the image config lists in
//! `rootfs.diff_ids`), and the **blob digest**, sha256 of the bytes as stored (what the
//! manifest lists). Both are computed in one streaming pass while the tar is written:
//!
//!     walk DIR ─▶ tar writer ─▶ hash (diff_id) ─▶ gzip ─▶ hash (blob digest) ─▶ temp file
//!
//! Entries are written in sorted order with the tree's own modes, owners and times, so the
//! same directory gives the same layer. Nothing is followed: a symlink is stored as a
//! symlink, a second name of an inode as a hardlink to the first, device nodes and FIFOs as
//! themselves. Extended attributes are not stored (our demo image needs none).
//!
//! Read: OCI image-spec layer.md ("Changesets", "Representing Changes"), tar(5).
//! Shell: `tar -C DIR -c . | gzip | tee >(sha256sum)`. Used by: img-pack, the demo image.

use super::digest::{Digest, Hasher};
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

/// How the layer blob is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Gzip,
    Zstd,
    None,
}

impl Compression {
    pub fn parse(text: &str) -> Result<Compression> {
        match text {
            "gzip" => Ok(Compression::Gzip),
            "zstd" => Ok(Compression::Zstd),
            "none" => Ok(Compression::None),
            _ => Err(Error::invalid(format!("--compress {text}"), "expected gzip, zstd or none")),
        }
    }

    /// The OCI media type of a layer compressed this way.
    pub fn media_type(self) -> &'static str {
        match self {
            Compression::Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
            Compression::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
            Compression::None => "application/vnd.oci.image.layer.v1.tar",
        }
    }
}

/// A packed layer, written to `path`.
#[derive(Debug, Clone)]
pub struct PackedLayer {
    pub path: PathBuf,
    pub digest: Digest,
    pub size: u64,
    pub diff_id: Digest,
    pub media_type: &'static str,
}

/// A writer that hashes what passes through it.
struct Hashing<W: Write> {
    inner: W,
    hasher: Hasher,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Pack `dir` into a layer blob at `out` (created, must not exist).
pub fn pack_dir(dir: &Path, out: &Path, compression: Compression) -> Result<PackedLayer> {
    let meta = fs::symlink_metadata(dir).map_err(|e| Error::io("stat", dir.display(), e))?;
    if !meta.is_dir() {
        return Err(Error::invalid(dir.display(), "not a directory: img-pack packs a root file system directory"));
    }
    let file = super::store::new_file(out)?;
    let stored = Hashing { inner: io::BufWriter::with_capacity(1 << 20, file), hasher: Hasher::new() };
    let fail = |e: io::Error| Error::io("write", out.display(), e);
    let (diff_id, stored) = match compression {
        Compression::Gzip => {
            let gz = flate2::write::GzEncoder::new(stored, flate2::Compression::fast());
            let (diff_id, gz) = write_tar(dir, gz)?;
            (diff_id, gz.finish().map_err(fail)?)
        }
        Compression::Zstd => {
            let zs = zstd::Encoder::new(stored, 3).map_err(fail)?;
            let (diff_id, zs) = write_tar(dir, zs)?;
            (diff_id, zs.finish().map_err(fail)?)
        }
        Compression::None => write_tar(dir, stored)?,
    };
    let Hashing { inner, hasher } = stored;
    inner.into_inner().map_err(|e| fail(e.into_error()))?.sync_all().map_err(fail)?;
    let (digest, size) = hasher.finish();
    Ok(PackedLayer { path: out.to_path_buf(), digest, size, diff_id, media_type: compression.media_type() })
}

/// Write the tar of `dir` into `sink`, hashing it: returns the diff_id and the sink.
fn write_tar<W: Write>(dir: &Path, sink: W) -> Result<(Digest, W)> {
    let mut builder = tar::Builder::new(Hashing { inner: sink, hasher: Hasher::new() });
    builder.follow_symlinks(false);
    let mut first_name_of: HashMap<(u64, u64), PathBuf> = HashMap::new();
    let mut paths = Vec::new();
    collect(dir, Path::new(""), &mut paths)?;
    for rel in paths {
        append(&mut builder, dir, &rel, &mut first_name_of)?;
    }
    let fail = |e: io::Error| Error::io("write", "layer tar", e);
    let Hashing { inner, hasher } = builder.into_inner().map_err(fail)?;
    Ok((hasher.finish().0, inner))
}

/// Every path below `dir`, parents before children, siblings sorted: a reproducible order.
fn collect(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let here = root.join(rel);
    let mut names: Vec<_> = fs::read_dir(&here)
        .map_err(|e| Error::io("read directory", here.display(), e))?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<io::Result<_>>()
        .map_err(|e| Error::io("read directory", here.display(), e))?;
    names.sort();
    for name in names {
        let child = rel.join(&name);
        out.push(child.clone());
        let meta = fs::symlink_metadata(root.join(&child)).map_err(|e| Error::io("stat", child.display(), e))?;
        if meta.is_dir() {
            collect(root, &child, out)?;
        }
    }
    Ok(())
}

fn append<W: Write>(
    builder: &mut tar::Builder<W>,
    root: &Path,
    rel: &Path,
    first_name_of: &mut HashMap<(u64, u64), PathBuf>,
) -> Result<()> {
    let full = root.join(rel);
    let meta = fs::symlink_metadata(&full).map_err(|e| Error::io("stat", full.display(), e))?;
    let ft = meta.file_type();
    let mut header = tar::Header::new_gnu();
    header.set_metadata_in_mode(&meta, tar::HeaderMode::Complete);
    let fail = |e: io::Error| Error::io("add to layer", rel.display(), e);
    if ft.is_file() && meta.nlink() > 1 {
        if let Some(first) = first_name_of.get(&(meta.dev(), meta.ino())) {
            header.set_entry_type(tar::EntryType::Link);
            header.set_size(0);
            return builder.append_link(&mut header, rel, first).map_err(fail);
        }
        first_name_of.insert((meta.dev(), meta.ino()), rel.to_path_buf());
    }
    if ft.is_symlink() {
        let target = fs::read_link(&full).map_err(|e| Error::io("readlink", full.display(), e))?;
        header.set_size(0);
        return builder.append_link(&mut header, rel, target).map_err(fail);
    }
    if ft.is_file() {
        let file = File::open(&full).map_err(|e| Error::io("open", full.display(), e))?;
        return builder.append_data(&mut header, rel, file).map_err(fail);
    }
    if ft.is_char_device() || ft.is_block_device() {
        // The tar crate fills type, mode, owner and times from the metadata, not the device
        // number: without these two fields /dev/null would come back as device 0:0.
        let rdev = meta.rdev();
        header.set_device_major(nix::sys::stat::major(rdev) as u32).map_err(fail)?;
        header.set_device_minor(nix::sys::stat::minor(rdev) as u32).map_err(fail)?;
    }
    if ft.is_dir() || ft.is_fifo() || ft.is_char_device() || ft.is_block_device() {
        header.set_size(0);
        return builder.append_data(&mut header, rel, io::empty()).map_err(fail);
    }
    Err(Error::invalid(full.display(), "a socket cannot be stored in a layer"))
}
