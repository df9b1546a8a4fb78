//! The veth pair: a virtual cable. What goes in one end comes out of the other, and the two
//! ends may live in different network namespaces — one on the host's bridge, one as the
//! container's `eth0`.
//!
//! One RTM_NEWLINK makes both ends: the peer's own link message rides inside (VETH_INFO_PEER)
//! with IFLA_NET_NS_FD, so the container's end is born in the container's namespace, already
//! named eth0; IFLA_MASTER plugs our end into the bridge and IFF_UP brings it up. The peer is brought up
//! later, from inside its namespace: asking for IFF_UP on a peer born in another namespace is
//! refused (ENOTCONN on Linux 6.18).
//!
//! Read: veth(4), rtnetlink(7). Shell:
//!     ip link add veth1234 master ctrkit0 up type veth peer name eth0 netns PID
//! Used by: net::endpoint.

use super::rtnetlink::Rtnetlink;
use crate::error::Result;
use netlink_packet_route::link::{InfoData, InfoKind, InfoVeth, LinkAttribute, LinkFlags, LinkInfo, LinkMessage};
use netlink_packet_route::RouteNetlinkMessage;
use std::os::fd::{AsRawFd, BorrowedFd};

/// Make the pair: `host_end` on the bridge `master`, `peer` inside the namespace `netns`.
pub fn create(rtnl: &Rtnetlink, host_end: &str, master: u32, peer: &str, netns: BorrowedFd) -> Result<()> {
    let mut inner = LinkMessage::default();
    inner.attributes.push(LinkAttribute::IfName(peer.to_string()));
    inner.attributes.push(LinkAttribute::NetNsFd(netns.as_raw_fd()));

    let mut m = LinkMessage::default();
    m.header.flags = LinkFlags::Up;
    m.header.change_mask = LinkFlags::Up;
    m.attributes.push(LinkAttribute::IfName(host_end.to_string()));
    m.attributes.push(LinkAttribute::Controller(master));
    m.attributes.push(LinkAttribute::LinkInfo(vec![
        LinkInfo::Kind(InfoKind::Veth),
        LinkInfo::Data(InfoData::Veth(InfoVeth::Peer(inner))),
    ]));
    let call = format!(
        "RTM_NEWLINK {{name {host_end:?}, master {master}, IFF_UP, kind veth, peer {{name {peer:?}, netns fd {}}}}}",
        netns.as_raw_fd()
    );
    rtnl.change(call, "a cable from the bridge into the container", host_end, RouteNetlinkMessage::NewLink(m), true)
}
