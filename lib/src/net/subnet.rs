//! An IPv4 subnet in CIDR form (`10.66.0.0/16`): the gateway is its first address, containers
//! get the ones after it, the last is the broadcast address and never handed out.
//!
//! No syscalls. Read: ip(7), RFC 4632 (CIDR). Used by: net::ipam, net::endpoint, ctr-net.

use crate::error::{Error, Result};
use std::net::Ipv4Addr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subnet {
    pub network: Ipv4Addr,
    pub prefix: u8,
}

/// ctrkit's default: private (RFC 1918) and clear of docker's 172.17/16 and podman's 10.88/16.
pub const DEFAULT: Subnet = Subnet { network: Ipv4Addr::new(10, 66, 0, 0), prefix: 16 };

impl Subnet {
    pub fn parse(text: &str) -> Result<Subnet> {
        let bad = |why: &str| Error::invalid(format!("subnet {text:?}"), why.to_string());
        let (addr, prefix) = text.split_once('/').ok_or_else(|| bad("expected ADDRESS/PREFIX, like 10.66.0.0/16"))?;
        let network: Ipv4Addr = addr.parse().map_err(|_| bad("not an IPv4 address"))?;
        let prefix: u8 = prefix.parse().map_err(|_| bad("the prefix length must be a number"))?;
        if !(8..=30).contains(&prefix) {
            return Err(bad("the prefix length must be between 8 and 30"));
        }
        let s = Subnet { network, prefix };
        if u32::from(network) & !s.mask() != 0 {
            return Err(bad("host bits are set: the network address ends in zeros (e.g. 10.66.0.0/16)"));
        }
        Ok(s)
    }

    fn mask(&self) -> u32 {
        u32::MAX << (32 - self.prefix)
    }

    /// The host's address on the bridge: the first one.
    pub fn gateway(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.network) + 1)
    }

    /// The addresses containers may get, in order: after the gateway, before broadcast.
    pub fn hosts(&self) -> impl Iterator<Item = Ipv4Addr> {
        let first = u32::from(self.network) + 2;
        let broadcast = u32::from(self.network) | !self.mask();
        (first..broadcast).map(Ipv4Addr::from)
    }

    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        u32::from(ip) & self.mask() == u32::from(self.network)
    }
}

impl std::fmt::Display for Subnet {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_counts() {
        let s = Subnet::parse("10.66.0.0/16").unwrap();
        assert_eq!(s.gateway(), Ipv4Addr::new(10, 66, 0, 1));
        assert_eq!(s.hosts().next(), Some(Ipv4Addr::new(10, 66, 0, 2)));
        assert_eq!(s.hosts().last(), Some(Ipv4Addr::new(10, 66, 255, 254)));
        assert_eq!(Subnet::parse("192.168.5.0/30").unwrap().hosts().count(), 1);
        assert!(s.contains(Ipv4Addr::new(10, 66, 3, 4)) && !s.contains(Ipv4Addr::new(10, 67, 0, 1)));
    }

    #[test]
    fn refuses_bad_ones() {
        for bad in ["10.66.0.0", "10.66.0.1/16", "10.66.0.0/31", "10.66.0.0/x", "::1/64", "10.66.0.0/4"] {
            assert!(Subnet::parse(bad).is_err(), "{bad}");
        }
    }
}
