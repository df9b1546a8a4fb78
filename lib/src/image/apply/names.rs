//! What a tar entry's name may be, before it is allowed anywhere near the file system:
//! components split on `/`, `.` and empty ones dropped, `..` anywhere refused ("path escapes
//! the root"), NUL refused; a leading `/` simply means the root. And how a hostile name is
//! shown in an error: as text, control characters escaped, cut at 200 characters.
//! Read: tar(5), path_resolution(7). Used by: image::apply, image::whiteout.

use crate::error::Result;
use crate::image::refuse;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

/// An entry name for messages: bytes shown as text, control characters escaped.
pub fn entry_name(raw: &[u8]) -> String {
    let s = String::from_utf8_lossy(raw);
    let mut out: String = s
        .chars()
        .take(200)
        .flat_map(|c| if c.is_control() { c.escape_debug().collect::<Vec<_>>() } else { vec![c] })
        .collect();
    if s.chars().count() > 200 {
        out.push('…');
    }
    out
}

/// Split a name into components: `./a//b/` → [a, b]; any `..` is refused.
pub fn clean_path(raw: &[u8]) -> Result<Vec<&[u8]>> {
    let mut comps = Vec::new();
    for c in raw.split(|&b| b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => return Err(refuse("entry", entry_name(raw), "path escapes the root")),
            c if c.contains(&0) => return Err(refuse("entry", entry_name(raw), "NUL byte in name")),
            c => comps.push(c),
        }
    }
    Ok(comps)
}

pub(super) fn join(comps: &[&[u8]]) -> Vec<u8> {
    comps.join(&b'/')
}

pub(super) fn os(b: &[u8]) -> &OsStr {
    OsStr::from_bytes(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cleaned_and_dotdot_refused() {
        assert_eq!(clean_path(b"./a//b/").ok(), Some(vec![&b"a"[..], b"b"]));
        assert_eq!(clean_path(b"/etc/passwd").ok(), Some(vec![&b"etc"[..], b"passwd"]));
        assert_eq!(clean_path(b"./").ok(), Some(vec![]));
        for bad in [&b"../x"[..], b"a/../../x", b"/../x", b".."] {
            let e = clean_path(bad).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(e.ends_with("path escapes the root"), "{e}");
        }
        assert_eq!(
            clean_path(b"../x").err().map(|e| e.to_string()).as_deref(),
            Some("entry ../x: path escapes the root")
        );
    }
}
