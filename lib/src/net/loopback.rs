//! Bring up `lo` in a new network namespace.
//!
//! A new network namespace has exactly one device, `lo`, and it starts *down*: even
//! `ping 127.0.0.1` fails. Setting IFF_UP through the classic interface ioctl is all `ip link
//! set lo up` does for us; the kernel assigns 127.0.0.1/8 and ::1 itself when lo comes up.
//!
//! Read: netdevice(7) (SIOCGIFFLAGS, SIOCSIFFLAGS), network_namespaces(7).
//! Shell: `ip link set lo up`. Used by: ns-unshare --net.

use crate::error::{Error, Result};
use crate::explain::{self, Op};
use crate::sys::netdevice;
use nix::sys::socket::{socket, AddressFamily, SockFlag, SockType};
use std::os::fd::AsFd;

pub fn bring_up_loopback() -> Result<()> {
    // Any socket will do as a handle for the ioctl: it names no address.
    let sock = socket(AddressFamily::Inet, SockType::Datagram, SockFlag::SOCK_CLOEXEC, None)
        .map_err(|e| Error::errno("socket", "AF_INET, SOCK_DGRAM", e))?;
    let flags =
        netdevice::interface_flags(sock.as_fd(), "lo").map_err(|e| Error::errno("ioctl SIOCGIFFLAGS", "lo", e))?;
    let up = flags | libc::IFF_UP as i16;
    let op = Op::new(
        "ioctl(sock, SIOCSIFFLAGS, {\"lo\", IFF_UP|IFF_LOOPBACK|…})",
        "bring lo up in the new network namespace",
        "netdevice(7)",
    );
    explain::change(op, "lo", || netdevice::set_interface_flags(sock.as_fd(), "lo", up))
}
