//! /etc/hostname, /etc/hosts and /etc/resolv.conf: written by the runtime into the state dir
//! and bind-mounted over the image's (spec.rs lists the mounts), as docker does — so the image
//! is never edited and the files always match the container.
//!
//! hosts: localhost for IPv4 and IPv6, and the container's hostname on 127.0.1.1 so it
//! resolves with `--network none`; on the bridge, /etc/hosts is instead the network's shared
//! file (net::hosts) that names every container on it. resolv.conf: a copy of the host's
//! (what docker does without --dns), or the `--dns`/`--dns-search`/`--dns-option` lines; a
//! host without one gets an empty file.
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

/// `--dns ADDRESS`, `--dns-search DOMAIN`, `--dns-option OPT` (docker's flags).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dns {
    pub servers: Vec<std::net::IpAddr>,
    pub search: Vec<String>,
    pub options: Vec<String>,
}

impl Dns {
    pub fn is_empty(&self) -> bool {
        self.servers.is_empty() && self.search.is_empty() && self.options.is_empty()
    }

    /// resolv.conf(5) text.
    pub fn resolv_conf(&self) -> String {
        let mut text = String::new();
        for s in &self.servers {
            text.push_str(&format!("nameserver {s}\n"));
        }
        if !self.search.is_empty() {
            text.push_str(&format!("search {}\n", self.search.join(" ")));
        }
        if !self.options.is_empty() {
            text.push_str(&format!("options {}\n", self.options.join(" ")));
        }
        text
    }
}

/// Write the three files into `dir`.
pub fn write(dir: &Path, hostname: &str, dns: &Dns) -> Result<()> {
    write_atomic(dir, "hostname", format!("{hostname}\n").as_bytes())?;
    write_atomic(dir, "hosts", hosts(hostname).as_bytes())?;
    let resolv = if dns.is_empty() {
        std::fs::read("/etc/resolv.conf").unwrap_or_default()
    } else {
        dns.resolv_conf().into_bytes()
    };
    write_atomic(dir, "resolv.conf", &resolv)
}

#[cfg(test)]
mod tests {
    #[test]
    fn hosts_names_the_container() {
        assert!(super::hosts("box").ends_with("127.0.1.1\tbox\n"));
    }

    #[test]
    fn resolv_conf_from_flags() {
        let dns = super::Dns {
            servers: vec!["10.0.0.53".parse().unwrap()],
            search: vec!["a.example".into(), "b.example".into()],
            options: vec!["ndots:2".into()],
        };
        assert_eq!(dns.resolv_conf(), "nameserver 10.0.0.53\nsearch a.example b.example\noptions ndots:2\n");
    }
}
