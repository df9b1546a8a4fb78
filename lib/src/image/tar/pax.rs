//! PAX extended header records (`LEN KEY=VALUE\n`, LEN counting the whole record) and what
//! they change in an entry: path, linkpath, size, uid, gid, mtime (with fractions), and
//! extended attributes (`SCHILY.xattr.NAME`, as GNU tar writes them). Sparse-file records
//! (GNU.sparse.*) are refused.
//!
//! No syscalls. Spec: POSIX pax(1) "pax Extended Header". Shell equivalent:
//! `tar --format=posix --xattrs -cf`, then `tar -xOf` the PaxHeader member. Used by: image::tar.

use super::Entry;
use crate::error::Result;
use crate::image::refuse;

/// PAX records: `LEN KEY=VALUE\n`, LEN counting the whole record in decimal.
pub(super) fn parse_pax(data: &[u8], at: u64) -> Result<Vec<(String, Vec<u8>)>> {
    let bad = |why: &str| refuse("tar PAX header", format!("at byte {at}"), why.to_string());
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        if rest.iter().all(|&c| c == 0) {
            break;
        }
        let space = rest.iter().position(|&c| c == b' ').ok_or_else(|| bad("record without a length"))?;
        let len: usize = std::str::from_utf8(&rest[..space])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad("record length is not a number"))?;
        if len <= space + 1 || len > rest.len() || rest[len - 1] != b'\n' {
            return Err(bad("record length disagrees with its content"));
        }
        let record = &rest[space + 1..len - 1];
        let eq = record.iter().position(|&c| c == b'=').ok_or_else(|| bad("record without '='"))?;
        let key = std::str::from_utf8(&record[..eq]).map_err(|_| bad("record key is not UTF-8"))?;
        out.push((key.to_string(), record[eq + 1..].to_vec()));
        rest = &rest[len..];
    }
    Ok(out)
}

pub(super) fn apply_pax(e: &mut Entry, key: &str, value: &[u8], at: u64) -> Result<()> {
    let bad = |why: String| refuse("tar PAX header", format!("at byte {at}"), why);
    let num = |v: &[u8]| -> Result<u64> {
        std::str::from_utf8(v).ok().and_then(|s| s.parse().ok()).ok_or_else(|| bad(format!("{key}: not a number")))
    };
    match key {
        "path" => e.path = value.to_vec(),
        "linkpath" => e.link = value.to_vec(),
        "size" => e.size = num(value)?,
        "uid" => e.uid = u32::try_from(num(value)?).map_err(|_| bad("uid out of range".into()))?,
        "gid" => e.gid = u32::try_from(num(value)?).map_err(|_| bad("gid out of range".into()))?,
        "mtime" => {
            let text = std::str::from_utf8(value).map_err(|_| bad("mtime: not a number".into()))?;
            let (secs, frac) = text.split_once('.').unwrap_or((text, ""));
            let secs: i64 = secs.parse().map_err(|_| bad("mtime: not a number".into()))?;
            let digits: String = frac.chars().take(9).collect();
            let nanos = if digits.is_empty() {
                0
            } else {
                digits.parse::<u32>().map_err(|_| bad("mtime: not a number".into()))?
                    * 10u32.pow(9 - digits.len() as u32)
            };
            e.mtime = (secs, nanos);
        }
        k if k.starts_with("GNU.sparse.") => return Err(bad("sparse files (GNU.sparse.*) are not supported".into())),
        k => {
            if let Some(name) = k.strip_prefix("SCHILY.xattr.") {
                e.xattrs.retain(|(n, _)| n != name.as_bytes());
                e.xattrs.push((name.as_bytes().to_vec(), value.to_vec()));
            }
            // Other keys (atime, ctime, uname, gname, comment, ...) do not change what we create.
        }
    }
    Ok(())
}
