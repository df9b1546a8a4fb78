//! Published ports (`-p [IP:]HOST:CONTAINER[/tcp|/udp]`, `-P`): what the user asked for, and
//! the listening sockets that serve them on the host.
//!
//! The host side is bound *first*, before the container or anything else is made, so "port
//! already in use" is a clear error that leaves nothing behind — and the bound socket is what
//! the proxy (proxy.rs) later accepts on, so nobody can take the port in between.
//! Host port 0 (`-p 80`, `-P`) lets the kernel pick a free one from its ephemeral range
//! (/proc/sys/net/ipv4/ip_local_port_range), as docker does.
//! Syscalls: socket, setsockopt(SO_REUSEADDR), bind, listen(2). Read: docker-run(1) (--publish),
//! ip(7). Used by: ctr-run, container::create, ctrkit port.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, UdpSocket};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Tcp,
    Udp,
}

impl std::fmt::Display for Protocol {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        })
    }
}

/// One published port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortMap {
    pub host_ip: IpAddr,
    /// 0 until bound: then the port the kernel gave.
    pub host_port: u16,
    pub container_port: u16,
    pub protocol: Protocol,
}

impl PortMap {
    /// `[IP:]HOST:CONTAINER[/PROTO]` or `CONTAINER[/PROTO]` (any free host port).
    pub fn parse(text: &str) -> Result<PortMap> {
        let bad = |why: &str| Error::invalid(format!("-p {text:?}"), why.to_string());
        let (ports, protocol) = match text.rsplit_once('/') {
            Some((p, "tcp")) => (p, Protocol::Tcp),
            Some((p, "udp")) => (p, Protocol::Udp),
            Some(_) => return Err(bad("the protocol must be tcp or udp")),
            None => (text, Protocol::Tcp),
        };
        let port = |s: &str, zero_ok: bool| -> Result<u16> {
            match s.parse::<u16>() {
                Ok(0) if !zero_ok => Err(bad("port 0 is not a port")),
                Ok(p) => Ok(p),
                Err(_) => Err(bad("expected [IP:]HOST_PORT:CONTAINER_PORT[/tcp|/udp], e.g. 8080:80")),
            }
        };
        let any = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
        let parts: Vec<&str> = ports.rsplitn(3, ':').collect();
        let (host_ip, host_port, container_port) = match parts.as_slice() {
            [c] => (any, 0, port(c, false)?),
            [c, h] => (any, port(h, true)?, port(c, false)?),
            [c, h, ip] => {
                let ip: IpAddr = ip.trim_matches(['[', ']']).parse().map_err(|_| bad("not an IP address"))?;
                let host_port = if h.is_empty() { 0 } else { port(h, true)? };
                (ip, host_port, port(c, false)?)
            }
            _ => return Err(bad("expected [IP:]HOST_PORT:CONTAINER_PORT")),
        };
        Ok(PortMap { host_ip, host_port, container_port, protocol })
    }

    /// docker's key for it: `80/tcp`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.container_port, self.protocol)
    }
}

/// `docker port`'s line: `80/tcp -> 0.0.0.0:8080`.
impl std::fmt::Display for PortMap {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "{} -> {}", self.key(), SocketAddr::new(self.host_ip, self.host_port))
    }
}

/// A bound host socket waiting for the proxy.
pub enum Listener {
    Tcp(PortMap, TcpListener),
    Udp(PortMap, UdpSocket),
}

impl Listener {
    pub fn map(&self) -> PortMap {
        match self {
            Listener::Tcp(m, _) | Listener::Udp(m, _) => *m,
        }
    }
}

/// Bind every host side now; the first that fails is the error and nothing stays bound.
pub fn bind_all(maps: &[PortMap]) -> Result<Vec<Listener>> {
    maps.iter().map(bind).collect()
}

fn bind(m: &PortMap) -> Result<Listener> {
    let at = SocketAddr::new(m.host_ip, m.host_port);
    let hint = |e: std::io::Error| {
        let err = Error::io("bind", format!("{at}/{} (-p {})", m.protocol, m.key()), e);
        if err.errno_value() == Some(nix::errno::Errno::EADDRINUSE) {
            err.with_hint("the host port is already in use: pick another, or stop what listens there (ss -ltnp)")
        } else {
            err
        }
    };
    let op = format!("bind({at}/{}) + listen", m.protocol);
    crate::explain::note(&format!("{op}   # publish {} on the host — ip(7)", m.key()));
    Ok(match m.protocol {
        Protocol::Tcp => {
            let l = TcpListener::bind(at).map_err(hint)?;
            let port = l.local_addr().map_err(hint)?.port();
            Listener::Tcp(PortMap { host_port: port, ..*m }, l)
        }
        Protocol::Udp => {
            let s = UdpSocket::bind(at).map_err(hint)?;
            let port = s.local_addr().map_err(hint)?.port();
            Listener::Udp(PortMap { host_port: port, ..*m }, s)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_docker_forms() {
        let p = PortMap::parse("8080:80").unwrap();
        assert_eq!((p.host_port, p.container_port, p.protocol), (8080, 80, Protocol::Tcp));
        assert_eq!(p.to_string(), "80/tcp -> 0.0.0.0:8080");
        let p = PortMap::parse("127.0.0.1:5353:53/udp").unwrap();
        assert_eq!(p.to_string(), "53/udp -> 127.0.0.1:5353");
        assert_eq!(PortMap::parse("80").unwrap().host_port, 0);
        assert_eq!(PortMap::parse("127.0.0.1::80").unwrap().host_port, 0);
        for bad in ["", "x:80", "80:0", "8080:80/sctp", "1.2.3:80:80", "70000:80", "a:b:c:d"] {
            assert!(PortMap::parse(bad).is_err(), "{bad}");
        }
    }
}
