//! /etc/hostname, /etc/hosts and /etc/resolv.conf: written by the runtime into the state dir
//! and bind-mounted over the image's (spec.rs lists the mounts), as docker does — so the image
//! is never edited and the files always match the container.
//!
//! hosts: localhost for IPv4 and IPv6, and the container's hostname on 127.0.1.1 so it
//! resolves with `--network none`. resolv.conf: a copy of the host's (what docker does
//! without --dns); a host without one gets an empty file.
//! Files: reads /etc/resolv.conf; writes STATE/containers/<id>/{hostname,hosts,resolv.conf}.
//! Read: hostname(5), hosts(5), resolv.conf(5). Shell: `echo NAME > …/hostname`.
//! Used by: container::create.

use super::state::write_atomic;
use crate::error::Result;
use std::path::Path;

pub fn hosts(hostname: &str) -> String {
    format!(
        "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n127.0.1.1\t{hostname}\n"
    )
}

/// Write the three files into `dir`.
pub fn write(dir: &Path, hostname: &str) -> Result<()> {
    write_atomic(dir, "hostname", format!("{hostname}\n").as_bytes())?;
    write_atomic(dir, "hosts", hosts(hostname).as_bytes())?;
    let resolv = std::fs::read("/etc/resolv.conf").unwrap_or_default();
    write_atomic(dir, "resolv.conf", &resolv)
}

#[cfg(test)]
mod tests {
    #[test]
    fn hosts_names_the_container() {
        assert!(super::hosts("box").ends_with("127.0.1.1\tbox\n"));
    }
}
