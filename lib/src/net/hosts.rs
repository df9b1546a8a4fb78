//! Names on the bridge: one hosts(5) file per network, listing every container's address
//! under its name and hostname, bind-mounted as /etc/hosts into each container on it — so
//! `wget http://web/` works from one container to another without a DNS server.
//!
//! The file is rewritten *in place* (same inode) whenever a container joins or leaves: a bind
//! mount pins the inode it was made with, so a rename(2)-style atomic replace would leave the
//! running containers reading the old file forever. We write the new text at offset 0 and then
//! truncate to its length, under the network's lock; a reader at that very moment may see a
//! mixed file for an instant — what docker's classic /etc/hosts updates risk too.
//! Files: STATE/networks/<bridge>/hosts. Read: hosts(5). Used by: net::endpoint.

use super::ipam::Lease;
use crate::error::{Error, Result};
use std::io::{Seek, Write};
use std::path::Path;

pub fn text(leases: &[Lease]) -> String {
    let mut text = String::from("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
    for l in leases {
        text.push_str(&format!("{}\t{}", l.ip, l.name));
        if l.hostname != l.name {
            text.push_str(&format!(" {}", l.hostname));
        }
        text.push('\n');
    }
    text
}

/// Write `leases` into the hosts file at `path`, keeping its inode.
pub fn rewrite(path: &Path, leases: &[Lease]) -> Result<()> {
    let text = text(leases);
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| Error::io("open", path.display(), e))?;
    file.rewind().map_err(|e| Error::io("lseek", path.display(), e))?;
    file.write_all(text.as_bytes()).map_err(|e| Error::io("write", path.display(), e))?;
    file.set_len(text.len() as u64).map_err(|e| Error::io("ftruncate", path.display(), e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn lists_names_and_hostnames() {
        let l = |ip, name: &str, host: &str| Lease {
            ip,
            id: "x".into(),
            name: name.into(),
            hostname: host.into(),
            veth: "v".into(),
        };
        let t = text(&[l(Ipv4Addr::new(10, 66, 0, 2), "web", "web"), l(Ipv4Addr::new(10, 66, 0, 3), "db", "box")]);
        assert!(t.contains("\n10.66.0.2\tweb\n10.66.0.3\tdb box\n"), "{t}");
    }
}
