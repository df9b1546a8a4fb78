//! The OCI spec's mount options (`["nosuid","noexec","mode=755","ro"]`) as mount(2) wants
//! them: flag bits, a data string for the file system, and what must happen in a second call.
//!
//! Three kinds of word: flags (`nosuid` → MS_NOSUID; `suid` clears it), propagation
//! (`rprivate` …, a separate mount(2) call), and everything else, passed to the file system as
//! data (`mode=755,size=65536k`). `bind`/`rbind` make a bind mount; a read-only bind needs a
//! second call with MS_REMOUNT|MS_BIND|MS_RDONLY because the kernel ignores MS_RDONLY on the
//! first (mount(2), "Creating a bind mount").
//! No syscalls. Read: mount(2), mount(8) ("FILESYSTEM-INDEPENDENT MOUNT OPTIONS").
//! Used by: container::mounts.

use nix::mount::MsFlags;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub flags: MsFlags,
    pub data: String,
    pub propagation: MsFlags,
    pub bind: bool,
    pub recursive: bool,
}

impl Parsed {
    pub fn read_only(&self) -> bool {
        self.flags.contains(MsFlags::MS_RDONLY)
    }
}

pub fn parse(options: &[String]) -> Parsed {
    let mut p = Parsed {
        flags: MsFlags::empty(),
        data: String::new(),
        propagation: MsFlags::empty(),
        bind: false,
        recursive: false,
    };
    for o in options {
        let set = |p: &mut Parsed, f: MsFlags, on: bool| p.flags.set(f, on);
        match o.as_str() {
            "ro" => set(&mut p, MsFlags::MS_RDONLY, true),
            "rw" => set(&mut p, MsFlags::MS_RDONLY, false),
            "nosuid" => set(&mut p, MsFlags::MS_NOSUID, true),
            "suid" => set(&mut p, MsFlags::MS_NOSUID, false),
            "nodev" => set(&mut p, MsFlags::MS_NODEV, true),
            "dev" => set(&mut p, MsFlags::MS_NODEV, false),
            "noexec" => set(&mut p, MsFlags::MS_NOEXEC, true),
            "exec" => set(&mut p, MsFlags::MS_NOEXEC, false),
            "sync" => set(&mut p, MsFlags::MS_SYNCHRONOUS, true),
            "async" => set(&mut p, MsFlags::MS_SYNCHRONOUS, false),
            "noatime" => set(&mut p, MsFlags::MS_NOATIME, true),
            "nodiratime" => set(&mut p, MsFlags::MS_NODIRATIME, true),
            "relatime" => set(&mut p, MsFlags::MS_RELATIME, true),
            "strictatime" => set(&mut p, MsFlags::MS_STRICTATIME, true),
            "bind" => p.bind = true,
            "rbind" => {
                p.bind = true;
                p.recursive = true
            }
            "private" => p.propagation = MsFlags::MS_PRIVATE,
            "rprivate" => p.propagation = MsFlags::MS_PRIVATE | MsFlags::MS_REC,
            "slave" => p.propagation = MsFlags::MS_SLAVE,
            "rslave" => p.propagation = MsFlags::MS_SLAVE | MsFlags::MS_REC,
            "shared" => p.propagation = MsFlags::MS_SHARED,
            "rshared" => p.propagation = MsFlags::MS_SHARED | MsFlags::MS_REC,
            data => {
                if !p.data.is_empty() {
                    p.data.push(',');
                }
                p.data.push_str(data)
            }
        }
    }
    p
}

/// `MS_NOSUID|MS_NODEV` — for --explain lines.
pub fn names(flags: MsFlags) -> String {
    let all = [
        (MsFlags::MS_RDONLY, "MS_RDONLY"),
        (MsFlags::MS_NOSUID, "MS_NOSUID"),
        (MsFlags::MS_NODEV, "MS_NODEV"),
        (MsFlags::MS_NOEXEC, "MS_NOEXEC"),
        (MsFlags::MS_BIND, "MS_BIND"),
        (MsFlags::MS_REC, "MS_REC"),
        (MsFlags::MS_REMOUNT, "MS_REMOUNT"),
        (MsFlags::MS_STRICTATIME, "MS_STRICTATIME"),
        (MsFlags::MS_NOATIME, "MS_NOATIME"),
        (MsFlags::MS_RELATIME, "MS_RELATIME"),
    ];
    let v: Vec<&str> = all.iter().filter(|(f, _)| flags.contains(*f)).map(|(_, n)| *n).collect();
    if v.is_empty() {
        "0".into()
    } else {
        v.join("|")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn flags_data_and_propagation_are_split() {
        let p = parse(&s(&["nosuid", "strictatime", "mode=755", "size=65536k", "rprivate"]));
        assert_eq!(p.flags, MsFlags::MS_NOSUID | MsFlags::MS_STRICTATIME);
        assert_eq!(p.data, "mode=755,size=65536k");
        assert_eq!(p.propagation, MsFlags::MS_PRIVATE | MsFlags::MS_REC);
        let b = parse(&s(&["rbind", "ro"]));
        assert!(b.bind && b.recursive && b.read_only());
        assert_eq!(names(b.flags | MsFlags::MS_BIND), "MS_RDONLY|MS_BIND");
    }
}
