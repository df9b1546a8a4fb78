//! Matching `--image REF` against the names an archive gives its images: docker's RepoTags
//! (`localhost/layered:3`), OCI's `org.opencontainers.image.ref.name` annotation (often just
//! the tag, `3`, sometimes a full name) and containerd's `io.containerd.image.name`.
//!
//! A REF matches a name when they are equal, when they are equal after dropping the implied
//! registry prefixes (`docker.io/library/`, `docker.io/`, `localhost/`), when REF is a bare
//! tag and the name ends in `:REF`, or when the name is a bare tag and REF ends in `:name`.
//!
//! No syscalls. Spec: OCI image-spec annotations.md; docker reference grammar
//! (distribution/reference). Shell equivalent: `skopeo copy docker-archive:FILE:REF …`.
//! Used by: image::manifest (choosing the image), the front end (image names in the store).

fn strip_implied(name: &str) -> &str {
    for prefix in ["docker.io/library/", "docker.io/", "localhost/"] {
        if let Some(rest) = name.strip_prefix(prefix) {
            return rest;
        }
    }
    name
}

/// The tag part of a reference, if it has one (`a/b:3` → `3`; `host:5000/a` → none).
pub fn tag_of(name: &str) -> Option<&str> {
    let last = name.rsplit('/').next().unwrap_or(name);
    last.rsplit_once(':').map(|(_, t)| t)
}

/// Does REF select an image called `name`?
pub fn matches(reference: &str, name: &str) -> bool {
    if reference == name || strip_implied(reference) == strip_implied(name) {
        return true;
    }
    let is_bare_tag = |s: &str| !s.contains('/') && !s.contains(':');
    (is_bare_tag(reference) && tag_of(name) == Some(reference))
        || (is_bare_tag(name) && tag_of(reference) == Some(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_match_the_ways_people_write_them() {
        assert!(matches("localhost/layered:3", "localhost/layered:3"));
        assert!(matches("layered:3", "localhost/layered:3"));
        assert!(matches("3", "localhost/layered:3"));
        assert!(matches("localhost/layered:3", "3"));
        assert!(matches("busybox:1.35", "docker.io/library/busybox:1.35"));
        assert!(!matches("layered:4", "localhost/layered:3"));
        assert!(!matches("other:3", "localhost/layered:3"));
        assert_eq!(tag_of("host:5000/a"), None);
    }
}
