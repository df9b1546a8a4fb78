//! Caps on what an image may make us do, so a hostile archive ends in a clear error instead
//! of a full disk, an exhausted memory or an endless run (docs/security.md, "Bombs").
//!
//! | cap                | default      | what it bounds                                        |
//! |--------------------|--------------|-------------------------------------------------------|
//! | `max_entries`      | 1,000,000    | tar entries per layer (a "million empty files" bomb)   |
//! | `max_header_bytes` | 1 MiB        | one entry's PAX / GNU long-name headers (held in memory) |
//! | `max_layer_bytes`  | 64 GiB       | decompressed bytes per layer (a gzip bomb)             |
//! | `max_json_bytes`   | 4 MiB        | manifest.json, index.json, manifests, configs          |
//!
//! No syscalls. Shell equivalent: none (GNU tar has no caps; `ulimit -f` is the nearest).
//! Used by: image::tar, image::layer, image::json; img-unpack (`--max-layer-size`, `--max-entries`).

use crate::error::{Error, Result};

/// The caps one unpack runs under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_entries: u64,
    pub max_header_bytes: u64,
    pub max_layer_bytes: u64,
    pub max_json_bytes: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { max_entries: 1_000_000, max_header_bytes: 1 << 20, max_layer_bytes: 64 << 30, max_json_bytes: 4 << 20 }
    }
}

/// Parse a byte size as people write it: `4096`, `512K`, `64M`, `64G`, `1T` (powers of 1024;
/// an optional `i`/`iB`/`B` suffix is accepted: `64MiB`, `64MB`).
pub fn parse_size(text: &str) -> Result<u64> {
    let t = text.trim();
    let digits_end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(digits_end);
    let bad = || Error::invalid(text, "expected a size such as 4096, 512K, 64M or 64G");
    let n: u64 = digits.parse().map_err(|_| bad())?;
    let unit = unit.trim_end_matches("iB").trim_end_matches('B').trim_end_matches('i');
    let shift = match unit {
        "" => 0,
        "K" | "k" => 10,
        "M" | "m" => 20,
        "G" | "g" => 30,
        "T" | "t" => 40,
        _ => return Err(bad()),
    };
    n.checked_mul(1u64 << shift).ok_or_else(|| Error::invalid(text, "size too large"))
}

/// Print a byte count for people: `1.5 MiB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(parse_size("4096").ok(), Some(4096));
        assert_eq!(parse_size("1K").ok(), Some(1024));
        assert_eq!(parse_size("64M").ok(), Some(64 << 20));
        assert_eq!(parse_size("64MiB").ok(), Some(64 << 20));
        assert_eq!(parse_size("2G").ok(), Some(2 << 30));
        assert!(parse_size("-5").is_err());
        assert!(parse_size("12X").is_err());
        assert!(parse_size("").is_err());
        assert!(parse_size("99999999999T").is_err());
    }

    #[test]
    fn human_bytes_reads_well() {
        assert_eq!(human_bytes(10), "10 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
    }
}
