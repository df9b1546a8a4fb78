//! Image references as docker writes them, parsed and validated *before* any part of them
//! becomes a host name or a URL path:
//!
//!     busybox                          docker.io / library/busybox : latest
//!     busybox:1.36                     docker.io / library/busybox : 1.36
//!     127.0.0.1:5000/demo:1            127.0.0.1:5000 / demo : 1
//!     localhost/team/app@sha256:<hex>  localhost / team/app @ sha256:<hex>
//!
//! Docker's rules (distribution/reference, `normalize.go` and `regexp.go`): the first
//! component is a registry host if it contains `.` or `:`, or is `localhost`; otherwise the
//! registry is docker.io and a single-component name gets the `library/` prefix. Path
//! components are lowercase `[a-z0-9]` runs joined by `.`, `_`, `__` or dashes; a tag is
//! `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`; a digest is `sha256:` + 64 lowercase hex
//! (image::digest). No tag and no digest means the tag `latest`.
//!
//! No syscalls. Spec: distribution/reference grammar; OCI distribution-spec ("Pulling
//! manifests": `<name>` and `<reference>`). Shell equivalent: `docker pull REF` parsing
//! (`docker image inspect --format '{{.RepoTags}}'` shows the familiar form).
//! Used by: registry::pull (img-pull, the front end's `pull`).

use crate::error::{Error, Result};
use crate::image::Digest;
use std::fmt;

/// The registry an unqualified name means, and the host its API really lives on.
pub const DOCKER_HUB: &str = "docker.io";
const DOCKER_HUB_API: &str = "registry-1.docker.io";
const DEFAULT_TAG: &str = "latest";

/// A parsed, validated image reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// The registry as written (`127.0.0.1:5000`, `docker.io`), host and optional port.
    pub registry: String,
    /// The repository path (`demo`, `library/busybox`): safe to put into a URL path.
    pub repository: String,
    /// The tag, if given (or implied: `latest` when neither tag nor digest is given).
    pub tag: Option<String>,
    pub digest: Option<Digest>,
}

impl Reference {
    /// Parse `REF`; every refusal names the reference and what is wrong with it.
    pub fn parse(text: &str) -> Result<Reference> {
        let bad = |why: &str| {
            Error::invalid(format!("reference {text:?}"), why.to_string())
                .with_hint("write NAME[:TAG] or NAME@sha256:<64 hex>, NAME in lowercase, e.g. 127.0.0.1:5000/demo:1")
        };
        if text.is_empty() || text.len() > 512 {
            return Err(bad("must be 1 to 512 characters"));
        }
        let (rest, digest) = match text.split_once('@') {
            Some((name, d)) => (name, Some(Digest::parse(d, &format!("reference {text:?}: digest"))?)),
            None => (text, None),
        };
        // The tag lives in the last path component only: `host:5000/demo` has none.
        let last_slash = rest.rfind('/').map(|i| i + 1).unwrap_or(0);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
            None => (rest, None),
        };
        if let Some(t) = tag {
            check_tag(t).map_err(|why| bad(&why))?;
        }
        let (registry, path) = match name.split_once('/') {
            Some((first, path)) if is_host(first) => (first.to_string(), path.to_string()),
            _ => (DOCKER_HUB.to_string(), name.to_string()),
        };
        check_host(&registry).map_err(|why| bad(&why))?;
        let registry = if registry == "index.docker.io" { DOCKER_HUB.to_string() } else { registry };
        let repository = match registry == DOCKER_HUB && !path.contains('/') {
            true => format!("library/{path}"),
            false => path,
        };
        for component in repository.split('/') {
            check_component(component).map_err(|why| bad(&why))?;
        }
        if repository.len() > 255 {
            return Err(bad("the repository name is longer than 255 characters"));
        }
        let tag = match (tag, &digest) {
            (Some(t), _) => Some(t.to_string()),
            (None, None) => Some(DEFAULT_TAG.to_string()),
            (None, Some(_)) => None,
        };
        Ok(Reference { registry, repository, tag, digest })
    }

    /// The host (and port) the registry API is served on: docker.io's is registry-1.docker.io.
    pub fn api_host(&self) -> &str {
        if self.registry == DOCKER_HUB {
            DOCKER_HUB_API
        } else {
            &self.registry
        }
    }

    /// What goes into `/v2/<name>/manifests/<reference>`: the digest if given, else the tag.
    pub fn manifest_ref(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(d), _) => d.to_string(),
            (None, Some(t)) => t.clone(),
            (None, None) => DEFAULT_TAG.to_string(),
        }
    }

    /// The repository as docker shows it: `busybox` for `docker.io/library/busybox`,
    /// `user/app` for docker.io, `127.0.0.1:5000/demo` elsewhere.
    pub fn familiar_name(&self) -> String {
        if self.registry != DOCKER_HUB {
            return format!("{}/{}", self.registry, self.repository);
        }
        self.repository.strip_prefix("library/").unwrap_or(&self.repository).to_string()
    }

    /// The reference as docker shows it, the name the image is tagged with in the store:
    /// `127.0.0.1:5000/demo:1`, `busybox:latest`, `127.0.0.1:5000/demo@sha256:…`.
    pub fn familiar(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(d), _) => format!("{}@{d}", self.familiar_name()),
            (None, Some(t)) => format!("{}:{t}", self.familiar_name()),
            (None, None) => self.familiar_name(),
        }
    }
}

impl fmt::Display for Reference {
    /// The fully qualified form: `docker.io/library/busybox:latest`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

/// Docker's test for "is the first component a registry host?".
fn is_host(first: &str) -> bool {
    first.contains('.') || first.contains(':') || first == "localhost"
}

/// `host`, `host:port`, `[v6]:port`: letters, digits, dots and dashes; a numeric port.
fn check_host(host: &str) -> std::result::Result<(), String> {
    let (name, port) = if let Some(v6) = host.strip_prefix('[') {
        let Some((addr, rest)) = v6.split_once(']') else { return Err(format!("{host:?}: unclosed '['")) };
        if addr.is_empty() || !addr.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
            return Err(format!("{host:?}: not an IPv6 address"));
        }
        (None, rest.strip_prefix(':'))
    } else {
        match host.split_once(':') {
            Some((n, p)) => (Some(n), Some(p)),
            None => (Some(host), None),
        }
    };
    if let Some(name) = name {
        let label_ok = |l: &str| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        };
        if !name.split('.').all(label_ok) {
            return Err(format!("{host:?}: not a valid registry host name"));
        }
    }
    if let Some(port) = port {
        if !port.parse::<u16>().is_ok_and(|p| p > 0) {
            return Err(format!("{host:?}: the port must be a number from 1 to 65535"));
        }
    }
    Ok(())
}

/// One path component: `[a-z0-9]+` runs separated by `.`, `_`, `__` or one or more `-`.
fn check_component(c: &str) -> std::result::Result<(), String> {
    if c.is_empty() {
        return Err("empty path component (a '//' or a leading or trailing '/')".into());
    }
    if c.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(format!("{c:?}: repository names must be lowercase"));
    }
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let bytes = c.as_bytes();
    if !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
        return Err(format!("{c:?}: a path component must start and end with [a-z0-9]"));
    }
    let mut i = 0;
    while i < bytes.len() {
        if alnum(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let sep = &c[start..i];
        let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|b| b == b'-');
        if !ok {
            return Err(format!(
                "{c:?}: only lowercase letters, digits and the separators '.', '_', '__', '-' are allowed (found {sep:?})"
            ));
        }
    }
    Ok(())
}

fn check_tag(t: &str) -> std::result::Result<(), String> {
    let ok = !t.is_empty()
        && t.len() <= 128
        && !t.starts_with(['.', '-'])
        && t.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
    match ok {
        true => Ok(()),
        false => Err(format!("tag {t:?}: expected [A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex() -> String {
        "0123456789abcdef".repeat(4)
    }

    #[test]
    fn single_names_go_to_docker_hub_library_with_latest() {
        let r = Reference::parse("busybox").expect("parse");
        assert_eq!((r.registry.as_str(), r.repository.as_str()), ("docker.io", "library/busybox"));
        assert_eq!(r.tag.as_deref(), Some("latest"));
        assert_eq!(r.api_host(), "registry-1.docker.io");
        assert_eq!(r.familiar(), "busybox:latest");
        assert_eq!(r.to_string(), "docker.io/library/busybox:latest");
        let r = Reference::parse("user/app:2").expect("parse");
        assert_eq!(r.repository, "user/app");
        assert_eq!(r.familiar(), "user/app:2");
    }

    #[test]
    fn first_component_with_dot_colon_or_localhost_is_a_host() {
        let r = Reference::parse("127.0.0.1:5000/demo:1").expect("parse");
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str(), r.tag.as_deref()),
            ("127.0.0.1:5000", "demo", Some("1"))
        );
        assert_eq!(r.familiar(), "127.0.0.1:5000/demo:1");
        assert_eq!(r.manifest_ref(), "1");
        let r = Reference::parse("localhost/team/app").expect("parse");
        assert_eq!((r.registry.as_str(), r.repository.as_str()), ("localhost", "team/app"));
        let r = Reference::parse("quay.io/a/b/c:v1.2_x-y").expect("parse");
        assert_eq!(r.repository, "a/b/c");
        let r = Reference::parse("[::1]:5000/demo").expect("parse");
        assert_eq!(r.registry, "[::1]:5000");
        // `host:5000` alone has no slash: docker reads it as name "host", tag "5000".
        let r = Reference::parse("host:5000").expect("parse");
        assert_eq!((r.repository.as_str(), r.tag.as_deref()), ("library/host", Some("5000")));
    }

    #[test]
    fn digests_are_kept_and_validated() {
        let text = format!("127.0.0.1:5000/path/demo@sha256:{}", hex());
        let r = Reference::parse(&text).expect("parse");
        assert_eq!(r.tag, None);
        assert_eq!(r.manifest_ref(), format!("sha256:{}", hex()));
        assert_eq!(r.familiar(), text);
        let r = Reference::parse(&format!("demo:1@sha256:{}", hex())).expect("parse");
        assert_eq!(r.tag.as_deref(), Some("1"));
        assert!(r.manifest_ref().starts_with("sha256:"));
    }

    #[test]
    fn bad_references_are_refused_with_the_reason() {
        for bad in [
            "UPPER/case",
            "Name",
            "a//b",
            "/a",
            "a/",
            "name:tag:tag",
            "name@sha256:short",
            "name@sha256:../../etc",
            "name:",
            "name:-tag",
            "a..b",
            "a_-b",
            "-a",
            "a b",
            "a/../b",
            "host:99999/a",
            "host:0/a",
            "bad_host.io:x/a",
            "",
        ] {
            assert!(Reference::parse(bad).is_err(), "{bad:?} was accepted");
        }
        let e = Reference::parse("a//b").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.starts_with("invalid reference \"a//b\": empty path component"), "{e}");
    }

    #[test]
    fn separators_follow_docker_grammar() {
        for good in ["a.b", "a_b", "a__b", "a-b", "a---b", "a0", "0a"] {
            assert!(check_component(good).is_ok(), "{good}");
        }
        for bad in ["a___b", "a.-b", "a._b", ".a", "a.", "a:b"] {
            assert!(check_component(bad).is_err(), "{bad}");
        }
    }
}
