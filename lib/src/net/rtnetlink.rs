//! A small blocking rtnetlink client: the messages `ip link`, `ip addr` and `ip route` send.
//!
//! The kernel configures interfaces, addresses and routes through NETLINK_ROUTE, a datagram
//! socket that carries request messages (RTM_NEWLINK, RTM_NEWADDR, RTM_NEWROUTE, …) and
//! answers each with an acknowledgement (an NLMSG_ERROR whose code is 0) or an errno. A
//! netlink socket belongs to the network namespace it was *created* in, for good: that is how
//! netns.rs configures a container's namespace from outside (see there).
//!
//! Every request goes through `explain::change`, so `--explain` prints one line per message:
//!     [42] RTM_NEWLINK {name "ctrkit0", kind bridge} = 0   # … — rtnetlink(7)
//!
//! Read: netlink(7), rtnetlink(7). Shell: `ip link`, `ip addr`, `ip route`.
//! Used by: net::bridge, net::veth, net::netns, net::endpoint.

use crate::error::{Error, Result};
use crate::explain::{self, Op};
use netlink_packet_core::{
    NetlinkHeader, NetlinkMessage, NetlinkPayload, NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST,
};
use netlink_packet_route::address::{AddressAttribute, AddressMessage};
use netlink_packet_route::link::{LinkAttribute, LinkFlags, LinkMessage};
use netlink_packet_route::route::{RouteAddress, RouteAttribute, RouteMessage, RouteProtocol, RouteScope, RouteType};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};
use netlink_sys::{protocols::NETLINK_ROUTE, Socket, SocketAddr};
use nix::errno::Errno;
use std::cell::Cell;
use std::net::{IpAddr, Ipv4Addr};

/// A NETLINK_ROUTE socket in the network namespace it was made in.
pub struct Rtnetlink {
    socket: Socket,
    sequence: Cell<u32>,
}

impl Rtnetlink {
    /// Open one in the caller's (thread's) network namespace.
    pub fn open() -> Result<Rtnetlink> {
        let op = Op::new(
            "socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, NETLINK_ROUTE)",
            "talk to the kernel's network configuration",
            "rtnetlink(7)",
        );
        let socket = explain::run(op, "NETLINK_ROUTE", || {
            let mut s = Socket::new(NETLINK_ROUTE).map_err(explain::io_errno)?;
            s.bind_auto().map_err(explain::io_errno)?;
            s.connect(&SocketAddr::new(0, 0)).map_err(explain::io_errno)?;
            Ok(Opened(s))
        })?;
        Ok(Rtnetlink { socket: socket.0, sequence: Cell::new(0) })
    }

    /// Send one request and collect the replies up to the kernel's ack (or NLMSG_DONE).
    fn exchange(&self, message: RouteNetlinkMessage, flags: u16) -> nix::Result<Vec<RouteNetlinkMessage>> {
        let sequence = self.sequence.get().wrapping_add(1);
        self.sequence.set(sequence);
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST | flags;
        header.sequence_number = sequence;
        let mut packet = NetlinkMessage::new(header, NetlinkPayload::from(message));
        packet.finalize();
        let mut buf = vec![0; packet.buffer_len()];
        packet.serialize(&mut buf);
        self.socket.send(&buf, 0).map_err(explain::io_errno)?;

        let mut replies = Vec::new();
        loop {
            let (data, _) = self.socket.recv_from_full().map_err(explain::io_errno)?;
            let mut offset = 0;
            while offset < data.len() {
                let reply: NetlinkMessage<RouteNetlinkMessage> =
                    NetlinkMessage::deserialize(&data[offset..]).map_err(|_| Errno::EBADMSG)?;
                let length = reply.header.length as usize;
                if reply.header.sequence_number == sequence {
                    match reply.payload {
                        NetlinkPayload::Error(e) => {
                            return match e.code {
                                None => Ok(replies),
                                Some(code) => Err(Errno::from_raw(-code.get())),
                            }
                        }
                        NetlinkPayload::Done(_) => return Ok(replies),
                        NetlinkPayload::InnerMessage(m) => replies.push(m),
                        _ => {}
                    }
                }
                if length == 0 {
                    break;
                }
                offset += length;
            }
        }
    }

    /// A request that changes something, as one explained operation.
    pub fn change(
        &self,
        call: String,
        why: &str,
        object: &str,
        message: RouteNetlinkMessage,
        exclusive: bool,
    ) -> Result<()> {
        let create = if exclusive { NLM_F_CREATE | NLM_F_EXCL } else { NLM_F_CREATE };
        explain::change(Op::new(call, why, "rtnetlink(7)"), object, || {
            self.exchange(message.clone(), NLM_F_ACK | create).map(|_| ())
        })
    }

    /// The index of the interface called `name`, if there is one (RTM_GETLINK).
    pub fn link_index(&self, name: &str) -> Result<Option<u32>> {
        Ok(self.link(name)?.map(|(index, _)| index))
    }

    /// The interface called `name`: its index and whether it is up.
    pub fn link(&self, name: &str) -> Result<Option<(u32, bool)>> {
        let mut m = LinkMessage::default();
        m.attributes.push(LinkAttribute::IfName(name.to_string()));
        // NLM_F_ACK: a get is answered by the link, then the ack that ends our read loop.
        match self.exchange(RouteNetlinkMessage::GetLink(m), NLM_F_ACK) {
            Ok(replies) => Ok(replies.into_iter().find_map(|r| match r {
                RouteNetlinkMessage::NewLink(l) => Some((l.header.index, l.header.flags.contains(LinkFlags::Up))),
                _ => None,
            })),
            Err(Errno::ENODEV) => Ok(None),
            Err(e) => Err(Error::errno("RTM_GETLINK", name, e)),
        }
    }

    /// `ip link set NAME up`.
    pub fn set_up(&self, name: &str, index: u32) -> Result<()> {
        let mut m = LinkMessage::default();
        m.header.index = index;
        m.header.flags = LinkFlags::Up;
        m.header.change_mask = LinkFlags::Up;
        let call = format!("RTM_NEWLINK {{index {index} ({name}), flags IFF_UP}}");
        self.change(call, "bring the interface up", name, RouteNetlinkMessage::SetLink(m), false)
    }

    /// `ip link del NAME`; Ok(false) when it was already gone.
    pub fn delete_link(&self, name: &str, why: &str) -> Result<bool> {
        let Some(index) = self.link_index(name)? else { return Ok(false) };
        let mut m = LinkMessage::default();
        m.header.index = index;
        let call = format!("RTM_DELLINK {{index {index} ({name})}}");
        match self.change(call, why, name, RouteNetlinkMessage::DelLink(m), false) {
            Err(e) if e.errno_value() == Some(Errno::ENODEV) => Ok(false),
            other => other.map(|_| true),
        }
    }

    /// `ip addr add ADDRESS/PREFIX dev NAME`; an address already there is fine.
    pub fn add_address(&self, name: &str, index: u32, address: Ipv4Addr, prefix: u8, why: &str) -> Result<()> {
        let mut m = AddressMessage::default();
        m.header.family = AddressFamily::Inet;
        m.header.prefix_len = prefix;
        m.header.index = index;
        m.attributes.push(AddressAttribute::Local(IpAddr::V4(address)));
        m.attributes.push(AddressAttribute::Address(IpAddr::V4(address)));
        let call = format!("RTM_NEWADDR {{{address}/{prefix} dev {name}}}");
        match self.change(call, why, name, RouteNetlinkMessage::NewAddress(m), true) {
            Err(e) if e.errno_value() == Some(Errno::EEXIST) => Ok(()),
            other => other,
        }
    }

    /// `ip route add default via GATEWAY`.
    pub fn add_default_route(&self, gateway: Ipv4Addr) -> Result<()> {
        let mut m = RouteMessage::default();
        m.header.address_family = AddressFamily::Inet;
        m.header.table = libc::RT_TABLE_MAIN;
        m.header.protocol = RouteProtocol::Boot;
        m.header.scope = RouteScope::Universe;
        m.header.kind = RouteType::Unicast;
        m.attributes.push(RouteAttribute::Gateway(RouteAddress::Inet(gateway)));
        let call = format!("RTM_NEWROUTE {{default via {gateway}}}");
        self.change(
            call,
            "send everything not on the bridge's subnet to the gateway",
            "default route",
            RouteNetlinkMessage::NewRoute(m),
            true,
        )
    }
}

/// The opened socket as explain prints it.
struct Opened(Socket);
impl explain::Shown for Opened {
    fn shown(&self) -> String {
        use std::os::fd::AsRawFd;
        self.0.as_raw_fd().to_string()
    }
}
