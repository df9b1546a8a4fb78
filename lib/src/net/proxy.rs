//! The port proxy: a userspace relay from a published host port to the container's address,
//! like docker-proxy. It runs as threads of the process that supervises the container
//! (ctr-run in the foreground, the monitor with -d), so it lives exactly as long as the
//! container does, and needs no cleanup of its own.
//!
//! Why a proxy and not nftables DNAT: a DNAT rule does not see connections to the host's own
//! loopback unless `route_localnet` is turned on and the replies are masqueraded (the classic
//! pitfall `-p` has on the host itself); a proxy just accepts on the host socket and connects
//! onward, so 127.0.0.1:8080 works, and nothing is added to the host's firewall, sysctls or
//! forwarding. The cost: every byte crosses userspace, and the container sees connections
//! coming from the gateway, not from the real client (docs/architecture.md discusses it).
//!
//! TCP: accept, connect to CONTAINER_IP:PORT, copy both ways, half-close on end-of-file.
//! UDP: per client, a socket connected to the container; replies go back to that client;
//! a client silent for a minute is forgotten.
//! Syscalls: accept4, connect, read, write, shutdown(2), sendto/recvfrom(2).
//! Read: tcp(7), udp(7), docker's "userland-proxy". Used by: container::create.

use super::publish::Listener;
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::io::Write;
use std::net::{IpAddr, Shutdown, SocketAddr, TcpStream, UdpSocket};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const UDP_IDLE: Duration = Duration::from_secs(60);

/// Start relaying every listener to `container`. Returns at once; the threads run until the
/// process ends. Two rules for the caller (container::create follows both):
/// - the supervisor's signals are already blocked, so the threads inherit the mask (signalfd
///   only sees signals no thread would take);
/// - its children-to-be are in its own pid namespace (after unshare(CLONE_NEWPID),
///   clone(CLONE_THREAD) fails with EINVAL: clone(2)), and it forks no more children itself —
///   a thread alive at a fork may hold a lock the child would wait for forever.
///
/// A client that connects before the container listens is simply refused and closed.
pub fn serve(listeners: &[Listener], container: IpAddr) -> Result<()> {
    for l in listeners {
        let to = SocketAddr::new(container, l.map().container_port);
        let dup = |e| Error::io("dup", format!("the socket of -p {}", l.map().key()), e);
        match l {
            Listener::Tcp(_, listener) => {
                let listener = listener.try_clone().map_err(dup)?;
                spawn(move || {
                    for client in listener.incoming().flatten() {
                        let _ = spawn(move || relay_tcp(client, to));
                    }
                })?;
            }
            Listener::Udp(_, socket) => {
                let socket = socket.try_clone().map_err(dup)?;
                spawn(move || relay_udp(socket, to))?;
            }
        }
    }
    Ok(())
}

/// A thread, or the error (std::thread::spawn would panic).
fn spawn(f: impl FnOnce() + Send + 'static) -> Result<()> {
    std::thread::Builder::new().spawn(f).map(|_| ()).map_err(|e| Error::io("clone", "a port proxy thread", e))
}

fn relay_tcp(client: TcpStream, to: SocketAddr) {
    let Ok(upstream) = TcpStream::connect_timeout(&to, CONNECT_TIMEOUT) else { return };
    let (Ok(client2), Ok(upstream2)) = (client.try_clone(), upstream.try_clone()) else { return };
    let Ok(back) = std::thread::Builder::new().spawn(move || pipe(upstream2, client2)) else { return };
    pipe(client, upstream);
    let _ = back.join();
}

/// Copy until end-of-file, then pass the end-of-file on (half-close) so the other side's
/// read ends too.
fn pipe(mut from: TcpStream, mut to: TcpStream) {
    let _ = std::io::copy(&mut from, &mut to);
    let _ = to.flush();
    let _ = to.shutdown(Shutdown::Write);
}

fn relay_udp(socket: UdpSocket, to: SocketAddr) {
    let clients: Arc<Mutex<HashMap<SocketAddr, UdpSocket>>> = Arc::default();
    let mut buf = vec![0u8; 65536];
    loop {
        let Ok((n, client)) = socket.recv_from(&mut buf) else { return };
        let known = clients.lock().ok().and_then(|m| m.get(&client).and_then(|s| s.try_clone().ok()));
        let upstream = match known {
            Some(s) => s,
            None => {
                let Some(s) = open_upstream(to) else { continue };
                let (Ok(reader), Ok(replier), Ok(kept)) = (s.try_clone(), socket.try_clone(), s.try_clone()) else {
                    continue;
                };
                if let Ok(mut m) = clients.lock() {
                    m.insert(client, kept);
                }
                let clients = clients.clone();
                let _ = spawn(move || {
                    let mut buf = vec![0u8; 65536];
                    while let Ok(n) = reader.recv(&mut buf) {
                        let _ = replier.send_to(&buf[..n], client);
                    }
                    if let Ok(mut m) = clients.lock() {
                        m.remove(&client);
                    }
                });
                s
            }
        };
        let _ = upstream.send(&buf[..n]);
    }
}

fn open_upstream(to: SocketAddr) -> Option<UdpSocket> {
    let any: SocketAddr = if to.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" }.parse().ok()?;
    let s = UdpSocket::bind(any).ok()?;
    s.connect(to).ok()?;
    s.set_read_timeout(Some(UDP_IDLE)).ok()?;
    Some(s)
}
