//! Connecting a network namespace to the bridge, and disconnecting it: the whole of what
//! `docker run --network bridge` does to the network, as one composite.
//!
//! connect, under the network's lock (ipam.rs):
//!
//! | # | where      | what                                                   | shell                                   |
//! |---|------------|--------------------------------------------------------|-----------------------------------------|
//! | 1 | host       | the bridge with the gateway address, once (bridge.rs)  | `ip link add ctrkit0 type bridge` …     |
//! | 2 | state dir  | take the lowest free address (ipam.rs)                 | —                                       |
//! | 3 | host → ns  | the veth pair: our end on the bridge, eth0 in the ns   | `ip link add vethX master ctrkit0 type veth peer name eth0 netns N` |
//! | 4 | inside ns  | lo up, the address on eth0, the default route          | `ip -n N addr add …; ip -n N route add default via GW` |
//! | 5 | state dir  | rewrite the network's hosts file (hosts.rs)            | —                                       |
//!
//! A failure at any step undoes the earlier ones. disconnect deletes our veth end (the
//! kernel deletes its peer with it; if the namespace is already gone, the pair went with it),
//! gives the address back and rewrites the hosts file. A container that simply ended only
//! releases (the address, the name): its namespace dies with its last process and takes the
//! veth pair along, asynchronously — `rm` after a killed monitor disconnects in full.
//! Used by: ctr-net, container::create, container::remove.

use super::bridge;
use super::hosts;
use super::ipam::{AddressBook, Lease};
use super::netns::Netns;
use super::rtnetlink::Rtnetlink;
use super::subnet::Subnet;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

/// The default bridge's name (docker's is docker0).
pub const DEFAULT_BRIDGE: &str = "ctrkit0";

/// The name of the container's end of the cable.
pub const CONTAINER_END: &str = "eth0";

/// A bridge network: the bridge, its subnet, and its bookkeeping in the state directory.
#[derive(Debug, Clone)]
pub struct Network {
    pub bridge: String,
    pub subnet: Subnet,
    /// STATE/networks/<bridge>.
    pub dir: PathBuf,
}

/// One namespace's place on a network, as recorded in the container's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    pub bridge: String,
    pub ip: Ipv4Addr,
    pub prefix: u8,
    pub gateway: Ipv4Addr,
    /// Our end of the veth pair, on the bridge.
    pub veth: String,
}

/// Who is connecting: the lease records these (the names become hosts entries).
pub struct Member<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub hostname: &'a str,
}

impl Network {
    pub fn new(state_root: &Path, bridge: &str, subnet: Subnet) -> Result<Network> {
        check_interface_name(bridge)?;
        Ok(Network { bridge: bridge.to_string(), subnet, dir: state_root.join("networks").join(bridge) })
    }

    /// `ctrkit0` on 10.66.0.0/16.
    pub fn default_bridge(state_root: &Path) -> Network {
        Network {
            bridge: DEFAULT_BRIDGE.into(),
            subnet: super::subnet::DEFAULT,
            dir: state_root.join("networks").join(DEFAULT_BRIDGE),
        }
    }

    /// The hosts file every container on this network sees as /etc/hosts.
    pub fn hosts_file(&self) -> PathBuf {
        self.dir.join("hosts")
    }

    fn book(&self) -> AddressBook {
        AddressBook::new(&self.dir)
    }

    /// Make sure the hosts file exists (a container's mount of it may come before its lease).
    pub fn prepare_hosts_file(&self) -> Result<()> {
        let book = self.book();
        let lock = book.lock()?;
        if !self.hosts_file().exists() {
            hosts::rewrite(&self.hosts_file(), &book.leases(&lock)?)?;
        }
        Ok(())
    }

    /// Steps 1–5 of the table above.
    pub fn connect(&self, netns: &Netns, who: &Member, wanted: Option<Ipv4Addr>) -> Result<Endpoint> {
        let book = self.book();
        let lock = book.lock()?;
        let host = Rtnetlink::open()?;
        let bridge_index = bridge::ensure(&host, &self.bridge, self.subnet.gateway(), self.subnet.prefix)?;
        let veth = veth_name(who.id);
        let asked = Lease {
            ip: Ipv4Addr::UNSPECIFIED,
            id: who.id.into(),
            name: who.name.into(),
            hostname: who.hostname.into(),
            veth: veth.clone(),
        };
        let lease = book.take(&lock, &self.subnet, wanted, asked)?;
        let endpoint = Endpoint {
            bridge: self.bridge.clone(),
            ip: lease.ip,
            prefix: self.subnet.prefix,
            gateway: self.subnet.gateway(),
            veth,
        };
        let plugged = super::veth::create(&host, &endpoint.veth, bridge_index, CONTAINER_END, netns.fd())
            .and_then(|_| configure_inside(netns, &endpoint))
            .and_then(|_| hosts::rewrite(&self.hosts_file(), &book.leases(&lock)?));
        if let Err(e) = plugged {
            let _ = host.delete_link(&endpoint.veth, "undo: the connect failed");
            let _ = book.release(&lock, lease.ip, who.id);
            let _ = book.leases(&lock).and_then(|l| hosts::rewrite(&self.hosts_file(), &l));
            return Err(e);
        }
        Ok(endpoint)
    }

    /// Undo `connect`: our veth end, the lease, the hosts entry.
    pub fn disconnect(&self, endpoint: &Endpoint, id: &str) -> Result<()> {
        let book = self.book();
        let lock = book.lock()?;
        let host = Rtnetlink::open()?;
        host.delete_link(&endpoint.veth, "unplug the container from the bridge (its eth0 goes too)")?;
        book.release(&lock, endpoint.ip, id)?;
        hosts::rewrite(&self.hosts_file(), &book.leases(&lock)?)
    }

    /// The lease and the hosts entry only, for a container whose namespace is ending: the
    /// kernel deletes the veth pair with the namespace, in its own time. Deleting it here
    /// instead (RTM_DELLINK) would wait for the device's unregistering — RCU grace periods,
    /// ~25 ms here — on the path of every container's exit.
    pub fn release(&self, endpoint: &Endpoint, id: &str) -> Result<()> {
        let book = self.book();
        let lock = book.lock()?;
        book.release(&lock, endpoint.ip, id)?;
        hosts::rewrite(&self.hosts_file(), &book.leases(&lock)?)
    }

    pub fn leases(&self) -> Result<Vec<Lease>> {
        let book = self.book();
        let lock = book.lock()?;
        book.leases(&lock)
    }

    /// Remove the bridge and the network's state when no container is on it.
    /// Ok(false) when leases remain.
    pub fn prune(&self) -> Result<bool> {
        let book = self.book();
        let lock = book.lock()?;
        if !book.leases(&lock)?.is_empty() {
            return Ok(false);
        }
        Rtnetlink::open()?.delete_link(&self.bridge, "no container is on the bridge any more")?;
        drop(lock);
        std::fs::remove_dir_all(&self.dir).map_err(|e| Error::io("rm -r", self.dir.display(), e))?;
        Ok(true)
    }
}

/// Step 4, through a netlink socket made inside the namespace.
fn configure_inside(netns: &Netns, e: &Endpoint) -> Result<()> {
    let inside = netns.rtnetlink()?;
    let lo = inside.link_index("lo")?.ok_or_else(|| Error::invalid("network namespace", "has no lo"))?;
    inside.set_up("lo", lo)?;
    let eth0 = inside
        .link_index(CONTAINER_END)?
        .ok_or_else(|| Error::invalid("network namespace", "the veth peer eth0 did not arrive"))?;
    inside.add_address(CONTAINER_END, eth0, e.ip, e.prefix, "the container's address on the bridge")?;
    inside.set_up(CONTAINER_END, eth0)?;
    inside.add_default_route(e.gateway)
}

/// `veth` + 8 hex digits of the owner id's sha256: unique enough, and within IFNAMSIZ (15).
pub fn veth_name(id: &str) -> String {
    let digest = sha2::Sha256::digest(id.as_bytes());
    let hex: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    format!("veth{hex}")
}

/// An interface name the kernel accepts: 1–15 bytes, no '/', ':' or whitespace.
pub fn check_interface_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 15
        && name != "."
        && name != ".."
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!("interface name {name:?}"), "use 1–15 letters, digits, '-', '_' or '.'"))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn veth_names_fit_ifnamsiz() {
        let n = super::veth_name(&"a".repeat(64));
        assert_eq!(n.len(), 12);
        assert_ne!(n, super::veth_name("b"));
        assert!(super::check_interface_name("ctrkit0").is_ok());
        assert!(super::check_interface_name("way-too-long-name").is_err());
        assert!(super::check_interface_name("a/b").is_err());
    }
}
