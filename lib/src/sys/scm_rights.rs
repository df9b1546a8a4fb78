//! Passing an open file descriptor to another process over a unix socket: the sender names
//! the fd in an SCM_RIGHTS control message of sendmsg(2); the kernel installs a duplicate in
//! the receiver, which finds its new number in the control message recvmsg(2) returns. The
//! message must carry at least one byte of ordinary data, which travels with it.
//!
//! The container's pid 1 opens its pseudo-terminal inside its own /dev/pts and hands the
//! master to ctr-run this way (container::create, step 5).
//! Syscalls: sendmsg(2), recvmsg(2) with MSG_CMSG_CLOEXEC. Read: unix(7) ("SCM_RIGHTS"),
//! cmsg(3). Shell: none; `socat` cannot, Python's socket.send_fds can.
//! Used by: process::sync.

use nix::sys::socket::{recvmsg, sendmsg, ControlMessage, ControlMessageOwned, MsgFlags};
use std::io::{IoSlice, IoSliceMut};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

/// sendmsg(2): `data` with `fd` attached (SCM_RIGHTS). `data` must not be empty.
pub fn send_with_fd(sock: BorrowedFd, data: &[u8], fd: BorrowedFd) -> nix::Result<usize> {
    let fds = [fd.as_raw_fd()];
    let cmsg = [ControlMessage::ScmRights(&fds)];
    sendmsg::<()>(sock.as_raw_fd(), &[IoSlice::new(data)], &cmsg, MsgFlags::empty(), None)
}

/// recvmsg(2) into `buf`: the number of bytes and the fd that came with them, if any (made
/// close-on-exec on arrival). Extra fds a peer might attach are closed, never leaked.
pub fn recv_with_fd(sock: BorrowedFd, buf: &mut [u8]) -> nix::Result<(usize, Option<OwnedFd>)> {
    let mut space = nix::cmsg_space!([RawFd; 4]);
    let mut iov = [IoSliceMut::new(buf)];
    let msg = recvmsg::<()>(sock.as_raw_fd(), &mut iov, Some(&mut space), MsgFlags::MSG_CMSG_CLOEXEC)?;
    let mut received = Vec::new();
    for c in msg.cmsgs()? {
        if let ControlMessageOwned::ScmRights(fds) = c {
            // SAFETY: the kernel just installed these fds in our table for us alone.
            received.extend(fds.into_iter().map(|fd| unsafe { OwnedFd::from_raw_fd(fd) }));
        }
    }
    let bytes = msg.bytes;
    let first = if received.is_empty() { None } else { Some(received.remove(0)) };
    Ok((bytes, first))
}
