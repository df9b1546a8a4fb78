//! Reading the tar format: 512-byte headers, POSIX ustar (name + prefix), GNU long names
//! (`L`/`K`), PAX extended headers (`x` local, `g` global: path, linkpath, size, uid, gid,
//! mtime, SCHILY.xattr.*), octal and base-256 numbers, and the end-of-archive zero block.
//!
//! Why our own reader instead of the `tar` crate: an image layer is hostile input, and the
//! crate reads a PAX header of any size into memory before we could refuse it; here every
//! header is capped (`Limits::max_header_bytes`), every entry counted (`max_entries`), every
//! checksum checked, every number checked for overflow, and what we see is what GNU tar sees:
//! PAX `path`/`size` override the ustar fields, reading stops at the first zero block, an
//! archive that ends inside a header or inside an entry's data is an error ("truncated").
//! Sparse files (`S`, GNU.sparse.*) and other exotic types are refused, not guessed at.
//!
//! No syscalls (it reads from any `BufRead`). Spec: POSIX pax(1) "ustar Interchange Format"
//! and "pax Extended Header"; GNU tar manual, "Basic Tar Format". Shell: `tar -tvf FILE`.
//! Used by: image::apply (layers), image::archive (docker-save / OCI archives).

use super::limits::Limits;
use header::Header;
use pax::{apply_pax, parse_pax};

mod header;
mod pax;

use super::refuse;
use crate::error::{Error, Result};
use std::io::{self, BufRead, Read};

/// What an entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    File,
    HardLink,
    Symlink,
    Char,
    Block,
    Dir,
    Fifo,
}

/// One entry's header, with PAX and GNU extensions already applied.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The name as stored: raw bytes, not yet checked (see apply::clean_path).
    pub path: Vec<u8>,
    pub kind: Kind,
    /// Bytes of data (regular files only; 0 for others).
    pub size: u64,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub mtime: (i64, u32),
    /// Symlink target or hardlink target (raw bytes).
    pub link: Vec<u8>,
    pub dev: (u32, u32),
    /// Extended attributes from PAX `SCHILY.xattr.NAME` records.
    pub xattrs: Vec<(Vec<u8>, Vec<u8>)>,
}

/// Where the bytes come from. `skip` lets a seekable file jump over data instead of reading it.
pub trait Input: BufRead {
    fn skip(&mut self, n: u64) -> io::Result<()> {
        let copied = io::copy(&mut Read::take(&mut *self, n), &mut io::sink())?;
        if copied < n {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        Ok(())
    }
}

/// A seekable file: skipping a member's data is one lseek(2).
impl Input for io::BufReader<std::fs::File> {
    fn skip(&mut self, n: u64) -> io::Result<()> {
        let n = i64::try_from(n).map_err(|_| io::Error::from(io::ErrorKind::InvalidData))?;
        self.seek_relative(n)
    }
}

pub struct TarReader<R> {
    input: R,
    /// Offset of the next unread byte, for messages ("header at byte N").
    pos: u64,
    /// Data bytes of the current entry not yet read, and the padding after them.
    left: u64,
    pad: u64,
    entries: u64,
    limits: Limits,
    global: Vec<(String, Vec<u8>)>,
    ended: bool,
}

const BLOCK: u64 = 512;

impl<R: Input> TarReader<R> {
    pub fn new(input: R, limits: Limits) -> TarReader<R> {
        TarReader { input, pos: 0, left: 0, pad: 0, entries: 0, limits, global: Vec::new(), ended: false }
    }

    /// Offset in the stream where the current entry's data starts (valid right after `next`).
    pub fn position(&self) -> u64 {
        self.pos
    }

    pub fn into_inner(self) -> R {
        self.input
    }

    /// The next entry, skipping whatever is left of the current one; None at the end.
    pub fn next_entry(&mut self) -> Result<Option<Entry>> {
        if self.ended {
            return Ok(None);
        }
        self.skip_rest()?;
        let mut long_name: Option<Vec<u8>> = None;
        let mut long_link: Option<Vec<u8>> = None;
        let mut pax: Vec<(String, Vec<u8>)> = Vec::new();
        let mut meta_bytes = 0u64;
        loop {
            let at = self.pos;
            let mut block = [0u8; BLOCK as usize];
            if !self.read_header(&mut block)? || block.iter().all(|&b| b == 0) {
                // GNU tar stops at the first zero block (without -i); so do we.
                self.ended = true;
                return Ok(None);
            }
            let h = Header { b: &block, at };
            h.check_sum()?;
            let size = h.number(124, 12, "size")?;
            let flag = block[156];
            if matches!(flag, b'L' | b'K' | b'x' | b'g') {
                meta_bytes = meta_bytes.saturating_add(size);
                if meta_bytes > self.limits.max_header_bytes {
                    return Err(refuse(
                        "tar header",
                        format!("at byte {at}"),
                        format!(
                            "extended header of {size} bytes exceeds the cap of {} bytes",
                            self.limits.max_header_bytes
                        ),
                    ));
                }
                let data = self.read_meta(size)?;
                match flag {
                    b'L' => long_name = Some(trim_nul(&data).to_vec()),
                    b'K' => long_link = Some(trim_nul(&data).to_vec()),
                    b'x' => pax.extend(parse_pax(&data, at)?),
                    _ => {
                        let records = parse_pax(&data, at)?;
                        self.global.extend(records);
                    }
                }
                continue;
            }
            self.entries += 1;
            if self.entries > self.limits.max_entries {
                return Err(refuse(
                    "tar",
                    format!("entry {}", self.entries),
                    format!("more than {} entries: refusing (raise the cap if this is real)", self.limits.max_entries),
                ));
            }
            let mut entry = h.entry(size)?;
            if let Some(name) = long_name.take() {
                entry.path = name;
            }
            if let Some(link) = long_link.take() {
                entry.link = link;
            }
            // Global records first, local ones override them (POSIX pax "g" then "x").
            for (key, value) in self.global.iter().chain(pax.iter()) {
                apply_pax(&mut entry, key, value, at)?;
            }
            self.left = entry.size;
            self.pad = padding(entry.size);
            if entry.kind != Kind::File {
                // Non-files carry no data we use; GNU tar skips whatever size says.
                entry.size = 0;
            }
            return Ok(Some(entry));
        }
    }

    /// Read the current entry's data: call repeatedly; an empty slice means the end.
    pub fn data_chunk(&mut self) -> Result<&[u8]> {
        if self.left == 0 {
            return Ok(&[]);
        }
        let pos = self.pos;
        let buf = self.input.fill_buf().map_err(|e| Error::io("read", format!("tar data at byte {pos}"), e))?;
        if buf.is_empty() {
            return Err(truncated(pos));
        }
        let n = buf.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
        Ok(&buf[..n])
    }

    /// Mark `n` bytes returned by `data_chunk` as used.
    pub fn consume(&mut self, n: usize) {
        self.input.consume(n);
        self.left -= n as u64;
        self.pos += n as u64;
    }

    fn skip_rest(&mut self) -> Result<()> {
        let n = self.left + self.pad;
        if n > 0 {
            let pos = self.pos;
            self.input.skip(n).map_err(|e| eof_or(e, pos))?;
            self.pos += n;
            self.left = 0;
            self.pad = 0;
        }
        Ok(())
    }

    /// Fill one header block; false on a clean end of input exactly at a block boundary.
    fn read_header(&mut self, block: &mut [u8; 512]) -> Result<bool> {
        let mut got = 0;
        while got < block.len() {
            let n = self
                .input
                .read(&mut block[got..])
                .map_err(|e| Error::io("read", format!("tar header at byte {}", self.pos), e))?;
            if n == 0 {
                if got == 0 {
                    return Ok(false);
                }
                return Err(truncated(self.pos));
            }
            got += n;
        }
        self.pos += BLOCK;
        Ok(true)
    }

    fn read_meta(&mut self, size: u64) -> Result<Vec<u8>> {
        let len = usize::try_from(size).map_err(|_| truncated(self.pos))?;
        let mut data = vec![0u8; len];
        let pos = self.pos;
        self.input.read_exact(&mut data).map_err(|e| eof_or(e, pos))?;
        let pad = padding(size);
        self.input.skip(pad).map_err(|e| eof_or(e, pos))?;
        self.pos += size + pad;
        Ok(data)
    }
}

fn padding(size: u64) -> u64 {
    (BLOCK - size % BLOCK) % BLOCK
}

fn truncated(pos: u64) -> Error {
    refuse("tar", format!("at byte {pos}"), "truncated archive: input ends inside an entry")
}

fn eof_or(e: io::Error, pos: u64) -> Error {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        truncated(pos)
    } else {
        Error::io("read", format!("tar at byte {pos}"), e)
    }
}

pub(super) fn trim_nul(b: &[u8]) -> &[u8] {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    &b[..end]
}

#[cfg(test)]
mod tests;
