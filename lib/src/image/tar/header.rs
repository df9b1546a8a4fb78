//! One 512-byte tar header block: the checksum (unsigned or signed sum, as GNU tar accepts),
//! numeric fields (octal, space/NUL padded, or base-256 when the top bit is set — checked for
//! overflow), the type flag, and the POSIX ustar name prefix (only for "ustar\0" magic: the
//! GNU format uses those bytes for other things).
//!
//! No syscalls. Spec: POSIX pax(1) "ustar Interchange Format"; GNU tar manual "Basic Tar
//! Format". Shell equivalent: `od -c` of the first 512 bytes of a tar. Used by: image::tar.

use super::{trim_nul, Entry, Kind};
use crate::error::{Error, Result};
use crate::image::refuse;

pub(super) struct Header<'a> {
    pub(super) b: &'a [u8; 512],
    pub(super) at: u64,
}

impl Header<'_> {
    fn bad(&self, why: String) -> Error {
        refuse("tar header", format!("at byte {}", self.at), why)
    }

    /// The checksum is the sum of all header bytes with the checksum field read as spaces;
    /// some old tars summed signed chars, so GNU tar accepts either sum, as do we.
    pub(super) fn check_sum(&self) -> Result<()> {
        let stored = self.number(148, 8, "checksum")?;
        let (mut unsigned, mut signed) = (0u64, 0i64);
        for (i, &c) in self.b.iter().enumerate() {
            let c = if (148..156).contains(&i) { b' ' } else { c };
            unsigned += u64::from(c);
            signed += i64::from(c as i8);
        }
        if stored != unsigned && i64::try_from(stored).ok() != Some(signed) {
            return Err(self.bad(format!("bad checksum (stored {stored}, computed {unsigned}): not a tar or corrupt")));
        }
        Ok(())
    }

    /// A numeric field: octal digits (space/NUL padded), or base-256 when the top bit is set.
    pub(super) fn number(&self, off: usize, len: usize, field: &str) -> Result<u64> {
        let f = &self.b[off..off + len];
        if f[0] & 0x80 != 0 {
            if f[0] & 0x40 != 0 {
                return Err(self.bad(format!("{field}: negative base-256 number")));
            }
            let mut v: u64 = u64::from(f[0] & 0x3f);
            for &c in &f[1..] {
                v = v
                    .checked_mul(256)
                    .and_then(|v| v.checked_add(u64::from(c)))
                    .ok_or_else(|| self.bad(format!("{field}: number overflows")))?;
            }
            return Ok(v);
        }
        let text = f.iter().skip_while(|&&c| c == b' ' || c == 0);
        let mut v: u64 = 0;
        let mut seen_end = false;
        for &c in text {
            match c {
                b'0'..=b'7' if !seen_end => {
                    v = v
                        .checked_mul(8)
                        .and_then(|v| v.checked_add(u64::from(c - b'0')))
                        .ok_or_else(|| self.bad(format!("{field}: number overflows")))?;
                }
                b' ' | 0 => seen_end = true,
                _ => return Err(self.bad(format!("{field}: not an octal number"))),
            }
        }
        Ok(v)
    }

    fn small(&self, off: usize, len: usize, field: &str) -> Result<u32> {
        let v = self.number(off, len, field)?;
        u32::try_from(v).map_err(|_| self.bad(format!("{field}: {v} is out of range")))
    }

    pub(super) fn entry(&self, size: u64) -> Result<Entry> {
        let b = self.b;
        let kind = match b[156] {
            b'0' | 0 | b'7' => Kind::File,
            b'1' => Kind::HardLink,
            b'2' => Kind::Symlink,
            b'3' => Kind::Char,
            b'4' => Kind::Block,
            b'5' => Kind::Dir,
            b'6' => Kind::Fifo,
            b'S' => return Err(self.bad("sparse files (type S) are not supported".into())),
            other => return Err(self.bad(format!("unsupported entry type {:?}", char::from(other)))),
        };
        let mut path = trim_nul(&b[0..100]).to_vec();
        // POSIX ustar ("ustar\0") splits long names into prefix + "/" + name; the GNU format
        // ("ustar  \0") uses those bytes for other things and must not be read as a prefix.
        if &b[257..263] == b"ustar\0" {
            let prefix = trim_nul(&b[345..500]);
            if !prefix.is_empty() {
                let mut full = prefix.to_vec();
                full.push(b'/');
                full.extend_from_slice(&path);
                path = full;
            }
        }
        let mtime = self.number(136, 12, "mtime")?;
        Ok(Entry {
            path,
            kind,
            size,
            mode: self.small(100, 8, "mode")? & 0o7777,
            uid: self.small(108, 8, "uid")?,
            gid: self.small(116, 8, "gid")?,
            mtime: (i64::try_from(mtime).unwrap_or(i64::MAX), 0),
            link: trim_nul(&b[157..257]).to_vec(),
            dev: if matches!(kind, Kind::Char | Kind::Block) {
                (self.small(329, 8, "devmajor")?, self.small(337, 8, "devminor")?)
            } else {
                (0, 0)
            },
            xattrs: Vec::new(),
        })
    }
}
