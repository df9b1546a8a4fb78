//! Unit tests of image::tar: framing, checksums, long names, PAX, truncation, caps.

use super::*;

/// A ustar header with a valid checksum.
pub(crate) fn header(name: &[u8], flag: u8, size: u64, link: &[u8]) -> [u8; 512] {
    let mut b = [0u8; 512];
    b[..name.len()].copy_from_slice(name);
    b[100..107].copy_from_slice(b"0000644");
    b[108..115].copy_from_slice(b"0000000");
    b[116..123].copy_from_slice(b"0000000");
    b[124..135].copy_from_slice(format!("{size:011o}").as_bytes());
    b[136..147].copy_from_slice(b"00000000000");
    b[156] = flag;
    b[157..157 + link.len()].copy_from_slice(link);
    b[257..263].copy_from_slice(b"ustar\0");
    b[263..265].copy_from_slice(b"00");
    b[148..156].copy_from_slice(b"        ");
    let sum: u64 = b.iter().map(|&c| u64::from(c)).sum();
    b[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    b
}

fn archive(parts: &[&[u8]]) -> Vec<u8> {
    let mut v = Vec::new();
    for p in parts {
        v.extend_from_slice(p);
        v.resize(v.len().div_ceil(512) * 512, 0);
    }
    v.extend_from_slice(&[0u8; 1024]);
    v
}

struct Mem(io::Cursor<Vec<u8>>);
impl Read for Mem {
    fn read(&mut self, b: &mut [u8]) -> io::Result<usize> {
        self.0.read(b)
    }
}
impl BufRead for Mem {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.0.fill_buf()
    }
    fn consume(&mut self, n: usize) {
        self.0.consume(n)
    }
}
impl Input for Mem {}

fn entries(bytes: Vec<u8>, limits: Limits) -> Result<Vec<(Entry, Vec<u8>)>> {
    let mut r = TarReader::new(Mem(io::Cursor::new(bytes)), limits);
    let mut out = Vec::new();
    while let Some(e) = r.next_entry()? {
        let mut data = Vec::new();
        loop {
            let chunk = r.data_chunk()?;
            if chunk.is_empty() {
                break;
            }
            let n = chunk.len();
            data.extend_from_slice(chunk);
            r.consume(n);
        }
        out.push((e, data));
    }
    Ok(out)
}

#[test]
fn reads_files_dirs_and_links() {
    let a = archive(&[
        &header(b"d/", b'5', 0, b""),
        &header(b"d/f", b'0', 5, b""),
        b"hello",
        &header(b"d/l", b'2', 0, b"f"),
    ]);
    let got = entries(a, Limits::default()).expect("parse");
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].0.kind, Kind::Dir);
    assert_eq!(got[1].1, b"hello");
    assert_eq!(got[1].0.mode, 0o644);
    assert_eq!(got[2].0.link, b"f");
}

#[test]
fn pax_path_and_xattrs_override_the_ustar_fields() {
    let recs = b"15 path=longer\n29 SCHILY.xattr.user.k=value\n";
    let a = archive(&[&header(b"pax", b'x', recs.len() as u64, b""), recs, &header(b"short", b'0', 0, b"")]);
    let got = entries(a, Limits::default()).expect("parse");
    assert_eq!(got[0].0.path, b"longer");
    assert_eq!(got[0].0.xattrs, vec![(b"user.k".to_vec(), b"value".to_vec())]);
}

#[test]
fn bad_checksums_and_truncation_are_errors() {
    let mut h = header(b"f", b'0', 0, b"");
    h[0] = b'g';
    assert!(entries(archive(&[&h]), Limits::default()).is_err());
    let mut a = archive(&[&header(b"f", b'0', 1000, b""), &[b'x'; 1000]]);
    a.truncate(700);
    let e = entries(a, Limits::default()).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(e.contains("truncated"), "{e}");
}

#[test]
fn caps_hold() {
    let recs = vec![b'a'; 4096];
    let a = archive(&[&header(b"pax", b'x', 4096, b""), &recs]);
    let small = Limits { max_header_bytes: 1024, ..Limits::default() };
    let e = entries(a, small).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(e.contains("exceeds the cap"), "{e}");
    let a = archive(&[&header(b"a", b'0', 0, b""), &header(b"b", b'0', 0, b""), &header(b"c", b'0', 0, b"")]);
    let few = Limits { max_entries: 2, ..Limits::default() };
    assert!(entries(a, few).is_err());
}

#[test]
fn base256_numbers_parse() {
    let mut h = header(b"f", b'0', 0, b"");
    h[124..136].copy_from_slice(&[0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7]);
    let hd = Header { b: &h, at: 0 };
    assert_eq!(hd.number(124, 12, "size").ok(), Some(7));
}
