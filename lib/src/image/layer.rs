//! One layer blob, read once: the compressed bytes are hashed (the blob digest and size the
//! manifest promises) and optionally copied into the store, then decompressed — gzip, zstd or
//! plain, recognised by their magic bytes, not by what the manifest claims — and the
//! uncompressed bytes hashed too (the diff_id the config promises) and counted against the cap.
//!
//! Reading, hashing the blob and decompressing run on their own thread (a producer), which
//! hands the tar stream over in 256 KiB chunks through a bounded channel; the consumer hashes
//! the chunks (the diff_id) as it takes them and extracts. So the work is split about evenly
//! over two cores, and different layers decompress on different cores. For a plain tar the
//! blob *is* the uncompressed stream: it is hashed once, not twice. Chunks go back through a
//! second channel to be reused: no allocation per chunk.
//!
//!     producer: blob file ─► [hash blob, tee to store] ─► BufReader 1 MiB ─► gunzip/unzstd
//!               ─► [count against the cap] ─► chunks ══channel══►
//!     consumer: ChunkReader [hash diff_id] ─► tar ─► apply
//!
//! Syscalls: read(2), write(2) (the store copy). Spec: OCI image-spec layer.md
//! ("Distributable Format", media types), RFC 1952 (gzip), RFC 8878 (zstd). Shell
//! equivalent: `tee blob < layer | sha256sum; gzip -dc layer | tee >(sha256sum) | tar -x`.
//! Used by: image::unpack.

use super::digest::{Digest, Hasher};
use super::limits::{human_bytes, Limits};
use super::refuse;
use super::tar::Input;
use crate::error::{Error, Result};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::thread::{Scope, ScopedJoinHandle};

const CHUNK: usize = 256 << 10;
const IN_BUFFER: usize = 1 << 20;
/// Chunks in flight per layer (8 MiB). Generous on purpose: a thread that waits on the
/// channel is woken by the other core, and on some VMs such a wake-up takes milliseconds
/// (performance.md); with a few milliseconds of data buffered neither side starves. With
/// 2 MiB here, two cores ran at ~100% together; with 8 MiB, at ~185%.
const IN_FLIGHT: usize = 32;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    Plain,
    Gzip,
    Zstd,
}

impl Compression {
    /// By magic bytes: gzip `1f 8b`, zstd `28 b5 2f fd`; anything else is read as a plain tar.
    pub fn sniff(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::Plain
        }
    }

    /// The OCI media type of a layer blob compressed this way.
    pub fn oci_media_type(self) -> &'static str {
        match self {
            Compression::Plain => "application/vnd.oci.image.layer.v1.tar",
            Compression::Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
            Compression::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
        }
    }
}

/// What reading a layer proved.
#[derive(Clone, Debug)]
pub struct Digests {
    pub blob: Digest,
    pub blob_size: u64,
    pub diff_id: Digest,
    pub diff_size: u64,
    pub compression: Compression,
}

/// A layer blob to read.
pub struct Blob {
    pub reader: Box<dyn Read + Send>,
    /// Where to copy the blob as received (a temporary file in the store), if anywhere.
    pub tee: Option<File>,
    /// Compressed bytes read so far, for the progress display.
    pub counter: Arc<AtomicU64>,
}

/// Reads the blob, hashing and copying what passes.
struct BlobReader {
    inner: Box<dyn Read + Send>,
    hasher: Hasher,
    tee: Option<File>,
    counter: Arc<AtomicU64>,
}

impl Read for BlobReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        if let Some(tee) = &mut self.tee {
            tee.write_all(&buf[..n])?;
        }
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

enum Decoder {
    Plain(BufReader<BlobReader>),
    // Boxed: the inflate state is large, the other variants small.
    Gzip(Box<flate2::bufread::MultiGzDecoder<BufReader<BlobReader>>>),
    Zstd(zstd::stream::read::Decoder<'static, BufReader<BlobReader>>),
}

impl Decoder {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Decoder::Plain(r) => r.read(buf),
            Decoder::Gzip(r) => r.read(buf),
            Decoder::Zstd(r) => r.read(buf),
        }
    }

    fn into_inner(self) -> BufReader<BlobReader> {
        match self {
            Decoder::Plain(r) => r,
            Decoder::Gzip(r) => r.into_inner(),
            Decoder::Zstd(r) => r.finish(),
        }
    }
}

/// The producer's side of the channel ended early because the consumer stopped reading (it
/// failed, and its error is the one to report).
const CONSUMER_GONE: &str = "consumer stopped";

/// What the producer proved; the consumer adds the diff_id.
struct Produced {
    blob: Digest,
    blob_size: u64,
    compression: Compression,
    diff_size: u64,
}

/// Decompress and hash one blob, sending the tar stream to `out`. `consumer_hashes` is set
/// before the first chunk is sent: false for a plain tar, whose diff_id is its blob digest.
fn produce(
    blob: Blob,
    limits: Limits,
    out: SyncSender<(Vec<u8>, usize)>,
    spare: Receiver<Vec<u8>>,
    consumer_hashes: Arc<AtomicBool>,
) -> Result<Produced> {
    let reader = BlobReader { inner: blob.reader, hasher: Hasher::new(), tee: blob.tee, counter: blob.counter };
    let mut input = BufReader::with_capacity(IN_BUFFER, reader);
    let head = input.fill_buf().map_err(|e| Error::io("read", "layer blob", e))?;
    let compression = Compression::sniff(head);
    consumer_hashes.store(compression != Compression::Plain, Ordering::Release);
    let mut decoder = match compression {
        Compression::Plain => Decoder::Plain(input),
        Compression::Gzip => Decoder::Gzip(Box::new(flate2::bufread::MultiGzDecoder::new(input))),
        Compression::Zstd => Decoder::Zstd(
            zstd::stream::read::Decoder::with_buffer(input).map_err(|e| Error::io("zstd init", "layer blob", e))?,
        ),
    };
    let what = match compression {
        Compression::Plain => "read",
        Compression::Gzip => "gunzip",
        Compression::Zstd => "unzstd",
    };
    let mut diff_size = 0u64;
    loop {
        let mut buf = match spare.try_recv() {
            Ok(v) if v.len() == CHUNK => v,
            _ => vec![0u8; CHUNK],
        };
        let mut n = 0;
        while n < buf.len() {
            match decoder.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::io(what, "layer blob", e).with_hint("the blob is corrupt or truncated")),
            }
        }
        if n == 0 {
            break;
        }
        diff_size += n as u64;
        if diff_size > limits.max_layer_bytes {
            return Err(refuse(
                "layer",
                "blob",
                format!(
                    "decompresses to more than {} (the cap): refusing a possible decompression bomb",
                    human_bytes(limits.max_layer_bytes)
                ),
            )
            .with_hint("raise the cap with --max-layer-size if the image is real"));
        }
        if out.send((buf, n)).is_err() {
            return Err(refuse("layer", "blob", CONSUMER_GONE));
        }
    }
    // Read what follows the compressed stream too: the blob digest covers every byte.
    let mut rest = decoder.into_inner();
    io::copy(&mut rest, &mut io::sink()).map_err(|e| Error::io("read", "layer blob", e))?;
    let reader = rest.into_inner();
    if let Some(tee) = &reader.tee {
        tee.sync_data().ok();
    }
    let (blob, blob_size) = reader.hasher.finish();
    Ok(Produced { blob, blob_size, compression, diff_size })
}

/// The consumer's side: the uncompressed tar stream as a `BufRead`.
pub struct ChunkReader {
    hasher: Hasher,
    hashing: Arc<AtomicBool>,
    rx: Receiver<(Vec<u8>, usize)>,
    back: SyncSender<Vec<u8>>,
    cur: Vec<u8>,
    len: usize,
    pos: usize,
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(buf.len());
        buf[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for ChunkReader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos == self.len {
            if let Ok((next, n)) = self.rx.recv() {
                // The flag was set before the first send: the channel orders it before this.
                if self.hashing.load(Ordering::Acquire) {
                    self.hasher.update(&next[..n]);
                }
                let used = std::mem::replace(&mut self.cur, next);
                let _ = self.back.try_send(used);
                self.len = n;
                self.pos = 0;
            } else {
                return Ok(&[]);
            }
        }
        Ok(&self.cur[self.pos..self.len])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.len);
    }
}

impl Input for ChunkReader {}

impl ChunkReader {
    /// Read to the end (what follows the tar's end-of-archive blocks is hashed too).
    pub fn drain(&mut self) {
        while let Ok(buf) = self.fill_buf() {
            if buf.is_empty() {
                break;
            }
            let n = buf.len();
            self.consume(n);
        }
    }
}

/// Start reading a layer on a thread of `scope`.
pub fn spawn<'scope>(scope: &'scope Scope<'scope, '_>, blob: Blob, limits: Limits) -> (ChunkReader, Producer<'scope>) {
    let (tx, rx) = sync_channel(IN_FLIGHT);
    let (back, spare) = sync_channel(IN_FLIGHT + 2);
    let hashing = Arc::new(AtomicBool::new(false));
    let flag = hashing.clone();
    let handle = scope.spawn(move || produce(blob, limits, tx, spare, flag));
    (ChunkReader { hasher: Hasher::new(), hashing, rx, back, cur: Vec::new(), len: 0, pos: 0 }, Producer(handle))
}

/// The producer thread of a layer, to be joined with `join`.
pub struct Producer<'scope>(ScopedJoinHandle<'scope, Result<Produced>>);

/// Finish a layer: wait for the producer and pick the error that explains what happened —
/// the producer's (a bad blob, a bomb) over the consumer's (which then saw a cut stream).
pub fn join<T>(mut reader: ChunkReader, handle: Producer<'_>, consumed: Result<T>) -> Result<(T, Digests)> {
    if consumed.is_ok() {
        reader.drain();
    }
    let hashing = reader.hashing.load(Ordering::Acquire);
    let hasher = std::mem::take(&mut reader.hasher);
    // Drop the receiver before waiting: a producer blocked on a full channel then stops.
    drop(reader);
    let produced = handle.0.join().unwrap_or_else(|_| Err(refuse("layer", "reader thread", "panicked")));
    match (consumed, produced) {
        (Ok(t), Ok(p)) => {
            let diff_id = if hashing { hasher.finish().0 } else { p.blob.clone() };
            Ok((
                t,
                Digests {
                    blob: p.blob,
                    blob_size: p.blob_size,
                    diff_id,
                    diff_size: p.diff_size,
                    compression: p.compression,
                },
            ))
        }
        (Err(e), Ok(_)) => Err(e),
        (Err(e), Err(p)) if p.to_string().ends_with(CONSUMER_GONE) => Err(e),
        (_, Err(p)) => Err(p),
    }
}

/// Read a whole layer without extracting it: only its digests (used when the store
/// already holds the layer but not this blob).
pub fn digest_only(blob: Blob, limits: Limits) -> Result<Digests> {
    std::thread::scope(|s| {
        let (reader, handle) = spawn(s, blob, limits);
        join(reader, handle, Ok(())).map(|(_, d)| d)
    })
}

#[cfg(test)]
mod tests;
