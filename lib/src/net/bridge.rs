//! The bridge: a virtual switch in the host's network namespace that every container's veth
//! plugs into, holding the gateway address containers route through (docker's `docker0`).
//!
//! Made once, on first use, and left in place like docker0 (`ctr-net prune` removes it when
//! no address is handed out). Nothing here turns on ip_forward or adds NAT: containers reach
//! each other and the host, not the world beyond (see docs/architecture.md, "Networking").
//!
//! Read: rtnetlink(7), bridge(8), ip-link(8). Shell:
//!     ip link add ctrkit0 type bridge && ip addr add 10.66.0.1/16 dev ctrkit0 && ip link set ctrkit0 up
//! Used by: net::endpoint.

use super::rtnetlink::Rtnetlink;
use crate::error::Result;
use netlink_packet_route::link::{InfoKind, LinkAttribute, LinkInfo, LinkMessage};
use netlink_packet_route::RouteNetlinkMessage;
use nix::errno::Errno;
use std::net::Ipv4Addr;

/// Make the bridge if it is missing, with its gateway address, up. Returns its index.
pub fn ensure(rtnl: &Rtnetlink, name: &str, gateway: Ipv4Addr, prefix: u8) -> Result<u32> {
    // Up is the last step below: a bridge that is up is complete.
    let index = match rtnl.link(name)? {
        Some((index, true)) => return Ok(index),
        Some((index, false)) => index,
        None => {
            let mut m = LinkMessage::default();
            m.attributes.push(LinkAttribute::IfName(name.to_string()));
            m.attributes.push(LinkAttribute::LinkInfo(vec![LinkInfo::Kind(InfoKind::Bridge)]));
            let call = format!("RTM_NEWLINK {{name {name:?}, kind bridge}}");
            let why = "the switch every container's veth plugs into";
            match rtnl.change(call, why, name, RouteNetlinkMessage::NewLink(m), true) {
                Err(e) if e.errno_value() == Some(Errno::EEXIST) => {}
                other => other?,
            }
            rtnl.link_index(name)?
                .ok_or_else(|| crate::Error::invalid(format!("bridge {name}"), "vanished right after it was made"))?
        }
    };
    rtnl.add_address(name, index, gateway, prefix, "the gateway: the host's address on the bridge")?;
    rtnl.set_up(name, index)?;
    Ok(index)
}
