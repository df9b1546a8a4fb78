//! Named steps between two cooperating processes, over a socket pair.
//!
//! Two processes that must take turns (a tool and the helper it forked to act on its behalf
//! from outside a namespace) send each other one small message per step: a named byte,
//! optionally followed by text (the error, when the step is `Failed`). A SOCK_SEQPACKET
//! socket keeps each message whole, and a peer that dies shows up as end-of-file, so nobody
//! waits forever on a dead partner. A step may carry an open file descriptor (SCM_RIGHTS,
//! sys::scm_rights): the container's pty master travels that way (`Terminal`).
//! Read: socketpair(2), unix(7). Used by: ns-unshare (the id-map and persist helper), ctr-run
//! (container::create, container::detach), ctr-oci (oci::create, oci::init).

use crate::error::{Error, Result};
use nix::sys::socket::{recv, send, socketpair, AddressFamily, MsgFlags, SockFlag, SockType};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

/// Every step any protocol in ctrkit uses; each protocol documents its order in a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Step {
    /// The tool has created its new namespaces; the helper may act on them.
    Unshared = b'U',
    /// The helper did its work (id maps written, namespaces persisted).
    HelperDone = b'D',
    /// The sender failed; the rest of the message is the error text.
    Failed = b'F',
    /// ctr-run put the container's first process in its cgroup; it may go on (container::create).
    Joined = b'J',
    /// The container's command was not found (exit 127); the rest is the error text.
    NotFound = b'N',
    /// The container's command exists but cannot be executed (exit 126); the rest is the text.
    NotExecutable = b'X',
    /// A detached container is running; the rest is its pid (container::detach).
    Started = b'S',
    /// The container opened its pseudo-terminal in its own /dev/pts; the master fd comes
    /// with the message (container::create, `-t`).
    Terminal = b'T',
    /// OCI create: the container's namespaces and mounts exist; the runtime's hooks may run
    /// (oci::create).
    Environment = b'E',
    /// OCI create: the runtime ran its createRuntime hooks and put the process in its cgroup.
    HooksDone = b'H',
    /// OCI create: the container is set up and waits on its exec fifo for `start`.
    Created = b'C',
}

/// One message as received: the step, its text, and the fd that came with it, if any.
#[derive(Debug)]
pub struct Message {
    pub step: Step,
    pub text: String,
    pub fd: Option<OwnedFd>,
}

impl Step {
    fn from_byte(b: u8) -> Option<Step> {
        [
            Step::Unshared,
            Step::HelperDone,
            Step::Failed,
            Step::Joined,
            Step::NotFound,
            Step::NotExecutable,
            Step::Started,
            Step::Terminal,
            Step::Environment,
            Step::HooksDone,
            Step::Created,
        ]
        .into_iter()
        .find(|s| *s as u8 == b)
    }
}

/// One end of the channel.
pub struct Channel {
    fd: OwnedFd,
}

/// Make a connected pair: keep one end in the parent, the other in the child, drop the rest.
pub fn channel() -> Result<(Channel, Channel)> {
    let (a, b) = socketpair(AddressFamily::Unix, SockType::SeqPacket, None, SockFlag::SOCK_CLOEXEC)
        .map_err(|e| Error::errno("socketpair", "AF_UNIX, SOCK_SEQPACKET", e))?;
    Ok((Channel { fd: a }, Channel { fd: b }))
}

impl Channel {
    pub fn send(&self, step: Step) -> Result<()> {
        self.send_with(step, "")
    }

    /// Tell the peer we failed, with the error as text.
    pub fn fail(&self, err: &Error) -> Result<()> {
        self.send_with(Step::Failed, &err.to_string())
    }

    /// Send `step` with text after it (an error, a pid).
    pub fn send_with(&self, step: Step, text: &str) -> Result<()> {
        let mut msg = vec![step as u8];
        msg.extend_from_slice(text.as_bytes());
        send(self.fd.as_raw_fd(), &msg, MsgFlags::empty())
            .map_err(|e| Error::errno("send", format!("sync step {step:?}"), e))?;
        Ok(())
    }

    /// Send `step` with an open fd attached (its number means nothing to the peer, which
    /// gets its own duplicate).
    pub fn send_fd(&self, step: Step, fd: BorrowedFd) -> Result<()> {
        let op = crate::explain::Op::new(
            format!("sendmsg(sync, {step:?}, SCM_RIGHTS [{}])", fd.as_raw_fd()),
            "hand an open fd to the other process",
            "unix(7)",
        );
        let object = format!("sync step {step:?}");
        crate::explain::run(op, &object, || crate::sys::scm_rights::send_with_fd(self.fd.as_fd(), &[step as u8], fd))?;
        Ok(())
    }

    /// Wait for the next message, whatever it is: `None` when the peer closed its end (it
    /// exited, or exec'd: the end is close-on-exec, so an exec shows up as end-of-file).
    pub fn receive(&self) -> Result<Option<(Step, String)>> {
        Ok(self.receive_message()?.map(|m| (m.step, m.text)))
    }

    /// `receive`, keeping the fd a message may carry.
    pub fn receive_message(&self) -> Result<Option<Message>> {
        let mut buf = [0u8; 4096];
        let (n, fd) = loop {
            match crate::sys::scm_rights::recv_with_fd(self.fd.as_fd(), &mut buf) {
                Err(nix::errno::Errno::EINTR) => continue,
                other => break other,
            }
        }
        .map_err(|e| Error::errno("recvmsg", "sync channel", e))?;
        if n == 0 {
            return Ok(None);
        }
        let step = Step::from_byte(buf[0])
            .ok_or_else(|| Error::invalid("sync channel", format!("unknown step byte {:#x}", buf[0])))?;
        Ok(Some(Message { step, text: String::from_utf8_lossy(&buf[1..n]).into_owned(), fd }))
    }

    /// Wait for `want`. A `Failed` from the peer becomes our error, carrying its text.
    pub fn wait_for(&self, want: Step) -> Result<()> {
        let mut buf = [0u8; 4096];
        let n = loop {
            match recv(self.fd.as_raw_fd(), &mut buf, MsgFlags::empty()) {
                Err(nix::errno::Errno::EINTR) => continue,
                other => break other,
            }
        }
        .map_err(|e| Error::errno("recv", format!("sync step {want:?}"), e))?;
        if n == 0 {
            return Err(Error::invalid(format!("sync step {want:?}"), "the other process ended before reaching it"));
        }
        match Step::from_byte(buf[0]) {
            Some(got) if got == want => Ok(()),
            Some(Step::Failed) => {
                let text = String::from_utf8_lossy(&buf[1..n]).into_owned();
                Err(Error::invalid("helper", text))
            }
            got => Err(Error::invalid(format!("sync step {want:?}"), format!("got {got:?} instead"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_round_trip_and_failures_carry_text() {
        let (a, b) = channel().unwrap();
        a.send(Step::Unshared).unwrap();
        b.wait_for(Step::Unshared).unwrap();
        b.fail(&Error::invalid("x", "broke")).unwrap();
        let err = a.wait_for(Step::HelperDone).unwrap_err();
        assert!(err.to_string().contains("invalid x: broke"), "{err}");
    }

    #[test]
    fn an_fd_travels_with_its_step() {
        let (a, b) = channel().unwrap();
        let (r, w) = nix::unistd::pipe().unwrap();
        a.send_fd(Step::Terminal, w.as_fd()).unwrap();
        drop(w);
        let m = b.receive_message().unwrap().unwrap();
        assert_eq!(m.step, Step::Terminal);
        let got = m.fd.expect("the fd came along");
        nix::unistd::write(&got, b"x").unwrap();
        let mut buf = [0u8; 1];
        assert_eq!(nix::unistd::read(&r, &mut buf).unwrap(), 1);
    }

    #[test]
    fn a_vanished_peer_is_an_error_not_a_hang() {
        let (a, b) = channel().unwrap();
        drop(b);
        assert!(a.wait_for(Step::HelperDone).is_err());
    }
}
