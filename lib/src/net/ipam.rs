//! Address bookkeeping: which container has which address on a bridge, so no live address is
//! ever handed out twice — also when 50 containers start at once from 50 processes.
//!
//! One file per address handed out, under one lock per network:
//!
//!     STATE/networks/<bridge>/lock               flock(2) (LOCK_EX) around every change
//!     STATE/networks/<bridge>/leases/10.66.0.2   {"ip": …, "id": …, "name": …, "hostname": …, "veth": …}
//!
//! Taking an address is: lock, list `leases/`, pick the lowest free one, create its file,
//! unlock. The file *is* the record; `rm` of the container deletes it. A lease outlives a
//! crashed ctrkit (a `kill -9`) on purpose: `ctrkit rm -f` releases it, and until then the
//! address stays taken rather than risk handing it out twice.
//! Syscalls: flock(2), open(O_CREAT|O_EXCL), unlink(2). Used by: net::endpoint, ctr-net ls.

use super::subnet::Subnet;
use crate::error::{Error, Result};
use nix::fcntl::{Flock, FlockArg};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

/// Who holds an address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    pub ip: Ipv4Addr,
    /// The container's id (or whatever `ctr-net connect --id` was given).
    pub id: String,
    /// Names it answers to on the bridge (hosts.rs): its name and hostname.
    pub name: String,
    pub hostname: String,
    /// Our end of its veth pair.
    pub veth: String,
}

/// The leases of one network, in its state directory.
pub struct AddressBook {
    dir: PathBuf,
}

/// Held while the book is changed.
pub struct Locked(#[allow(dead_code)] Flock<std::fs::File>);

impl AddressBook {
    pub fn new(dir: &Path) -> AddressBook {
        AddressBook { dir: dir.to_path_buf() }
    }

    fn leases_dir(&self) -> PathBuf {
        self.dir.join("leases")
    }

    pub fn lock(&self) -> Result<Locked> {
        let leases = self.leases_dir();
        std::fs::create_dir_all(&leases).map_err(|e| Error::io("mkdir", leases.display(), e))?;
        let path = self.dir.join("lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io("open", path.display(), e))?;
        Flock::lock(file, FlockArg::LockExclusive)
            .map(Locked)
            .map_err(|(_, e)| Error::errno("flock", path.display(), e))
    }

    /// Every lease, by address. Unreadable files (a half-written one cannot exist: they are
    /// written under the lock, but a user may have edited one) are skipped.
    pub fn leases(&self, _lock: &Locked) -> Result<Vec<Lease>> {
        let dir = self.leases_dir();
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io("opendir", dir.display(), e)),
        };
        let mut leases: Vec<Lease> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| std::fs::read(e.path()).ok())
            .filter_map(|bytes| serde_json::from_slice(&bytes).ok())
            .collect();
        leases.sort_by_key(|l: &Lease| u32::from(l.ip));
        Ok(leases)
    }

    /// Hand out the lowest free address of `subnet` (or `wanted`, if free) to `lease`'s owner.
    pub fn take(&self, lock: &Locked, subnet: &Subnet, wanted: Option<Ipv4Addr>, mut lease: Lease) -> Result<Lease> {
        let taken: std::collections::HashSet<Ipv4Addr> = self.leases(lock)?.into_iter().map(|l| l.ip).collect();
        let ip = match wanted {
            Some(ip) if !subnet.contains(ip) || ip == subnet.gateway() => {
                return Err(Error::invalid(format!("--ip {ip}"), format!("not a container address of {subnet}")));
            }
            Some(ip) if taken.contains(&ip) => {
                return Err(Error::invalid(format!("--ip {ip}"), "already in use by another container"));
            }
            Some(ip) => ip,
            None => subnet.hosts().find(|ip| !taken.contains(ip)).ok_or_else(|| {
                Error::invalid(format!("subnet {subnet}"), "no free address left")
                    .with_hint("remove stopped containers")
            })?,
        };
        lease.ip = ip;
        let path = self.leases_dir().join(ip.to_string());
        let text = serde_json::to_vec(&lease).map_err(|e| Error::invalid("lease", e.to_string()))?;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| Error::io("create", path.display(), e))?;
        file.write_all(&text).map_err(|e| Error::io("write", path.display(), e))?;
        Ok(lease)
    }

    /// Give `ip` back, if `id` still holds it.
    pub fn release(&self, lock: &Locked, ip: Ipv4Addr, id: &str) -> Result<()> {
        if self.leases(lock)?.iter().any(|l| l.ip == ip && l.id == id) {
            let path = self.leases_dir().join(ip.to_string());
            std::fs::remove_file(&path).map_err(|e| Error::io("unlink", path.display(), e))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lease(id: &str) -> Lease {
        Lease { ip: Ipv4Addr::UNSPECIFIED, id: id.into(), name: id.into(), hostname: id.into(), veth: "v".into() }
    }

    #[test]
    fn hands_out_the_lowest_free_address_once() {
        let dir = std::env::temp_dir().join(format!("ctrkit-ipam-{}", std::process::id()));
        let book = AddressBook::new(&dir);
        let subnet = Subnet::parse("10.9.0.0/29").unwrap();
        let lock = book.lock().unwrap();
        let a = book.take(&lock, &subnet, None, lease("a")).unwrap();
        let b = book.take(&lock, &subnet, None, lease("b")).unwrap();
        assert_eq!((a.ip, b.ip), (Ipv4Addr::new(10, 9, 0, 2), Ipv4Addr::new(10, 9, 0, 3)));
        assert!(book.take(&lock, &subnet, Some(b.ip), lease("c")).is_err());
        book.release(&lock, a.ip, "not-a").unwrap();
        assert_eq!(book.leases(&lock).unwrap().len(), 2, "only the holder releases");
        book.release(&lock, a.ip, "a").unwrap();
        assert_eq!(book.take(&lock, &subnet, None, lease("d")).unwrap().ip, a.ip);
        for _ in 0..3 {
            book.take(&lock, &subnet, None, lease("e")).unwrap();
        }
        assert!(book.take(&lock, &subnet, None, lease("f")).is_err(), "a /29 has 5 container addresses");
        drop(lock);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
