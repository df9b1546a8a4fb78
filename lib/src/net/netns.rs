//! A network namespace held by a file descriptor, and configured from outside.
//!
//! Two facts make this work without ever moving our own process:
//! - a network namespace lives as long as something refers to it — a process, a bind mount,
//!   or just an open fd of `/proc/…/ns/net` (network_namespaces(7)). So a thread can
//!   unshare(CLONE_NEWNET), open its `/proc/thread-self/ns/net` and end: the fd alone keeps the
//!   new, empty namespace (only `lo`, down) alive until a container joins it with setns(2).
//! - a socket belongs to the namespace it was created in. A netlink socket made by a thread
//!   that setns(2)'d into a namespace configures *that* namespace, whoever uses it later.
//!
//! Network namespaces are per thread (CLONE_NEWNET is allowed in a multithreaded process,
//! unlike CLONE_NEWUSER), so these short-lived threads leave the process itself where it was.
//!
//! Read: network_namespaces(7), setns(2), unshare(2), proc(5) (thread-self).
//! Shell: `ip netns add NAME` (which bind-mounts the file instead of holding an fd).
//! Used by: ctr-net, container::create (the container joins the namespace prepared here).

use super::rtnetlink::Rtnetlink;
use crate::error::{Error, Result};
use crate::ns::setns::{self, Target};
use std::os::fd::{AsFd, BorrowedFd};
use std::path::Path;

/// A network namespace we hold open.
pub struct Netns {
    target: Target,
}

impl Netns {
    /// A new, empty network namespace that no process is in yet.
    pub fn create() -> Result<Netns> {
        in_thread(|| {
            crate::ns::unshare::unshare(&[crate::ns::NET])?;
            setns::open(crate::ns::NET, Path::new("/proc/thread-self/ns/net"))
        })
        .map(|target| Netns { target })
    }

    /// The namespace a file names: `/proc/PID/ns/net` or a persisted one (`ip netns` files).
    pub fn open(file: &Path) -> Result<Netns> {
        setns::open(crate::ns::NET, file).map(|target| Netns { target })
    }

    pub fn of_pid(pid: i32) -> Result<Netns> {
        Netns::open(&crate::ns::proc_file(pid, crate::ns::NET))
    }

    /// A netlink socket inside this namespace: made by a thread that joined it.
    pub fn rtnetlink(&self) -> Result<Rtnetlink> {
        in_thread(|| {
            setns::join(&self.target)?;
            Rtnetlink::open()
        })
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        self.target.fd.as_fd()
    }

    /// Join it (the calling thread; in a single-threaded child, the process).
    pub fn join(&self) -> Result<()> {
        setns::join(&self.target)
    }
}

/// Run `f` in a new thread whose namespace changes die with it.
fn in_thread<T: Send>(f: impl FnOnce() -> Result<T> + Send) -> Result<T> {
    std::thread::scope(|s| {
        s.spawn(f).join().unwrap_or_else(|_| Err(Error::invalid("network namespace thread", "panicked")))
    })
}
