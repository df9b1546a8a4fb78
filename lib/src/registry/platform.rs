//! Choosing this machine's image from a multi-platform index (a docker "manifest list"):
//! the entry whose platform is `linux` and this CPU, in OCI's (Go's) spelling of it.
//!
//!     Rust std::env::consts::ARCH   OCI architecture   variant
//!     x86_64                        amd64              —
//!     aarch64                       arm64              v8 (or none)
//!     arm                           arm                v7 (preferred), v6, v5
//!
//! Entries for other platforms, and attestation manifests (platform `unknown/unknown`,
//! which hold signatures, not file systems), are skipped. An index without any platform
//! information and a single entry is taken as it is (some tools write such indexes).
//!
//! No syscalls. Spec: OCI image-spec image-index.md ("platform"), the Go values of GOOS and
//! GOARCH. Shell equivalent: `skopeo inspect --raw docker://REF | jq '.manifests[] |
//! select(.platform.os=="linux" and .platform.architecture=="amd64")'`.
//! Used by: registry::pull.

use super::document::Descriptor;
use crate::error::{Error, Result};

/// An image platform: `linux/amd64`, `linux/arm64/v8`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// This machine, as an image index names it.
pub fn host() -> Platform {
    let (architecture, variant) = crate::image::platform::host_architecture();
    Platform { os: "linux".into(), architecture: architecture.into(), variant: variant.map(String::from) }
}

/// How well an entry fits `want`: None if it cannot run here, a higher rank is better.
fn rank(entry: &Platform, want: &Platform) -> Option<u8> {
    if entry.os != want.os || entry.architecture != want.architecture {
        return None;
    }
    match (entry.variant.as_deref(), want.variant.as_deref()) {
        (a, b) if a == b => Some(3),
        // arm64 images mostly omit "v8": the same thing.
        (None, Some("v8")) | (Some("v8"), None) => Some(3),
        (None, _) => Some(2),
        // An older arm variant runs on a newer CPU (v6 on v7), never the reverse.
        (Some(have), Some(cpu)) if have < cpu && want.architecture == "arm" => Some(1),
        _ => None,
    }
}

/// Pick `want`'s entry from an index; the error lists what the index offers.
pub fn choose<'a>(entries: &'a [Descriptor], want: &Platform, index_name: &str) -> Result<&'a Descriptor> {
    if let [only] = entries {
        if only.platform.is_none() {
            return Ok(only);
        }
    }
    let best = entries
        .iter()
        .filter_map(|e| e.platform.as_ref().and_then(|p| rank(p, want)).map(|r| (r, e)))
        // max_by_key keeps the last of equals; reverse so the first entry of a rank wins.
        .rev()
        .max_by_key(|(r, _)| *r);
    match best {
        Some((_, e)) => Ok(e),
        None => {
            let offered: Vec<String> = entries
                .iter()
                .filter_map(|e| e.platform.as_ref())
                .filter(|p| p.os != "unknown")
                .map(|p| p.to_string())
                .collect();
            let offered = if offered.is_empty() { "no platforms".to_string() } else { offered.join(", ") };
            Err(Error::invalid(index_name, format!("has no image for {want}; it offers: {offered}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::{Digest, Limits};
    use crate::registry::document::{parse, Document};

    fn p(os: &str, arch: &str, variant: Option<&str>) -> Platform {
        Platform { os: os.into(), architecture: arch.into(), variant: variant.map(String::from) }
    }

    /// A docker manifest list as Docker Hub serves it, with an attestation entry.
    fn index() -> Vec<Descriptor> {
        let entry = |c: char, plat: &str| {
            format!(
                r#"{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:{}","size":500,"platform":{plat}}}"#,
                c.to_string().repeat(64)
            )
        };
        let text = format!(
            r#"{{"schemaVersion":2,"manifests":[{},{},{},{},{}]}}"#,
            entry('1', r#"{"os":"linux","architecture":"arm","variant":"v6"}"#),
            entry('2', r#"{"os":"linux","architecture":"amd64"}"#),
            entry('3', r#"{"os":"linux","architecture":"arm64","variant":"v8"}"#),
            entry('4', r#"{"os":"unknown","architecture":"unknown"}"#),
            entry('5', r#"{"os":"windows","architecture":"amd64"}"#),
        );
        match parse("index x", text.as_bytes(), &Limits::default()) {
            Ok(Document::Index(entries)) => entries,
            other => panic!("not an index: {other:?}"),
        }
    }

    fn picked(want: &Platform) -> Option<char> {
        choose(&index(), want, "index x").ok().and_then(|d| d.digest.hex().chars().next())
    }

    #[test]
    fn picks_this_machines_entry() {
        assert_eq!(picked(&p("linux", "amd64", None)), Some('2'));
        assert_eq!(picked(&p("linux", "arm64", Some("v8"))), Some('3'));
        assert_eq!(picked(&p("linux", "arm64", None)), Some('3'));
        // An arm v7 CPU runs the v6 image.
        assert_eq!(picked(&p("linux", "arm", Some("v7"))), Some('1'));
        assert_eq!(picked(&p("linux", "arm", Some("v5"))), None);
        assert!(picked(&host()).is_some() || !["x86_64", "aarch64"].contains(&std::env::consts::ARCH));
    }

    #[test]
    fn no_match_lists_what_is_offered_without_attestations() {
        let e =
            choose(&index(), &p("linux", "s390x", None), "index x").err().map(|e| e.to_string()).unwrap_or_default();
        assert_eq!(
            e,
            "invalid index x: has no image for linux/s390x; it offers: linux/arm/v6, linux/amd64, linux/arm64/v8, windows/amd64"
        );
    }

    #[test]
    fn a_lone_entry_without_platform_is_taken() {
        let lone = vec![Descriptor { media_type: None, digest: Digest::of(b"x"), size: 1, platform: None }];
        assert!(choose(&lone, &host(), "index x").is_ok());
        assert!(choose(&[], &host(), "index x").is_err());
    }
}
