//! Networking: a container's network namespace, plugged into a bridge on the host.
//!
//! | file          | concept                                                        | shell it replaces            |
//! |---------------|----------------------------------------------------------------|------------------------------|
//! | `loopback`    | bring `lo` up with the interface-flags ioctl                   | `ip link set lo up`          |
//! | `rtnetlink`   | the netlink messages behind `ip link/addr/route`               | `ip …`                       |
//! | `netns`       | a network namespace held by an fd, configured from outside     | `ip netns add`, `ip -n`      |
//! | `bridge`      | the host's bridge with the gateway address                     | `ip link add … type bridge`  |
//! | `veth`        | the cable from the bridge into the namespace                   | `ip link add … type veth peer …` |
//! | `subnet`      | CIDR arithmetic: gateway, container addresses                  | —                            |
//! | `ipam`        | which container holds which address, under a lock              | —                            |
//! | `hosts`       | names on the bridge: the shared /etc/hosts                     | —                            |
//! | `endpoint`    | connect/disconnect: all of the above in order, undone on failure | —                          |
//! | `publish`     | `-p` specs and the bound host sockets                          | —                            |
//! | `proxy`       | the userspace relay from a host port to the container          | docker-proxy                 |
//!
//! Nothing here enables ip_forward or adds NAT/masquerade rules: containers reach each other
//! and the host; the host reaches them through published ports.
//! Read: network_namespaces(7), rtnetlink(7), veth(4), bridge(8). Used by: ns-unshare --net,
//! ctr-net, container (ctr-run --network), ctrkit port.

pub mod bridge;
pub mod endpoint;
pub mod hosts;
pub mod ipam;
pub mod loopback;
pub mod netns;
pub mod proxy;
pub mod publish;
pub mod rtnetlink;
pub mod subnet;
pub mod veth;
