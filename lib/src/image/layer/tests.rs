//! Unit tests of image::layer: sniffing the compression, hashing while decompressing, caps.

use super::*;

fn blob(bytes: Vec<u8>) -> Blob {
    Blob { reader: Box::new(io::Cursor::new(bytes)), tee: None, counter: Arc::new(AtomicU64::new(0)) }
}

#[test]
fn sniffing_finds_the_compression() {
    assert_eq!(Compression::sniff(&[0x1f, 0x8b, 8]), Compression::Gzip);
    assert_eq!(Compression::sniff(&[0x28, 0xb5, 0x2f, 0xfd]), Compression::Zstd);
    assert_eq!(Compression::sniff(b"file\0"), Compression::Plain);
}

#[test]
fn plain_blob_digest_equals_diff_id() {
    let data = vec![7u8; 3 * CHUNK + 5];
    let d = digest_only(blob(data.clone()), Limits::default()).expect("read");
    assert_eq!(d.blob, d.diff_id);
    assert_eq!(d.diff_id, Digest::of(&data));
    assert_eq!(d.diff_size, data.len() as u64);
}

#[test]
fn gzip_and_zstd_blobs_hash_both_sides() {
    let data = b"hello layer".repeat(1000);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&data).expect("gzip");
    let gz = gz.finish().expect("gzip");
    let d = digest_only(blob(gz.clone()), Limits::default()).expect("read");
    assert_eq!(d.compression, Compression::Gzip);
    assert_eq!(d.blob, Digest::of(&gz));
    assert_eq!(d.diff_id, Digest::of(&data));
    let zs = zstd::encode_all(&data[..], 1).expect("zstd");
    let d = digest_only(blob(zs), Limits::default()).expect("read");
    assert_eq!(d.compression, Compression::Zstd);
    assert_eq!(d.diff_id, Digest::of(&data));
}

#[test]
fn a_bomb_hits_the_cap() {
    let data = vec![0u8; 4 << 20];
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&data).expect("gzip");
    let gz = gz.finish().expect("gzip");
    let small = Limits { max_layer_bytes: 1 << 20, ..Limits::default() };
    let e = digest_only(blob(gz), small).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(e.contains("decompression bomb"), "{e}");
}
