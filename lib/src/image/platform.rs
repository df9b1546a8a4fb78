//! This machine as the OCI image spec names platforms: `linux` and the architecture in Go's
//! spelling (GOARCH: `amd64`, not Rust's `x86_64`), with a variant where the spec has one
//! (`arm64` `v8`). Image configs record it, index entries are chosen by it.
//! Read: OCI image-spec image-index.md ("platform"), config.md ("architecture", "variant").
//! Used by: image::layout (img-pack), image::manifest (nested indexes), registry::platform (pull).

/// The architecture of this machine, GOARCH-spelled, and its variant if the spec names one.
pub fn host_architecture() -> (&'static str, Option<&'static str>) {
    match std::env::consts::ARCH {
        "x86_64" => ("amd64", None),
        "aarch64" => ("arm64", Some("v8")),
        "arm" => ("arm", Some("v7")),
        "x86" => ("386", None),
        "powerpc64" => ("ppc64le", None),
        "riscv64" => ("riscv64", None),
        "s390x" => ("s390x", None),
        other => (other, None),
    }
}
