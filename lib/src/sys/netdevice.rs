//! The interface-flags ioctls (SIOCGIFFLAGS/SIOCSIFFLAGS): read and set IFF_UP and friends
//! through any socket — how `ip link set lo up` can be done without netlink.
//!
//! Read: netdevice(7). Used by: net::loopback.

use nix::errno::Errno;
use std::os::fd::{AsRawFd, BorrowedFd};

/// Read an interface's flags (IFF_UP, IFF_LOOPBACK, …) through any socket.
pub fn interface_flags(sock: BorrowedFd, name: &str) -> nix::Result<i16> {
    let mut req = ifreq_for(name)?;
    // SAFETY: `req` is a valid, initialised ifreq that outlives the call; SIOCGIFFLAGS only
    // writes ifr_flags inside it.
    let rc = unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFFLAGS, &mut req) };
    Errno::result(rc)?;
    // SAFETY: after SIOCGIFFLAGS the union holds ifru_flags.
    Ok(unsafe { req.ifr_ifru.ifru_flags })
}

/// Set an interface's flags.
pub fn set_interface_flags(sock: BorrowedFd, name: &str, flags: i16) -> nix::Result<()> {
    let mut req = ifreq_for(name)?;
    req.ifr_ifru.ifru_flags = flags;
    // SAFETY: as above; SIOCSIFFLAGS reads the name and flags from `req`.
    let rc = unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCSIFFLAGS, &req) };
    Errno::result(rc).map(|_| ())
}

fn ifreq_for(name: &str) -> nix::Result<libc::ifreq> {
    // SAFETY: ifreq is plain old data; all zeroes is a valid value.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    let bytes = name.as_bytes();
    if bytes.len() >= req.ifr_name.len() || bytes.contains(&0) {
        return Err(Errno::EINVAL);
    }
    for (dst, src) in req.ifr_name.iter_mut().zip(bytes) {
        *dst = *src as libc::c_char;
    }
    Ok(req)
}
