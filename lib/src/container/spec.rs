//! The container as an OCI runtime spec (config.json): built once from the flags, the image's
//! defaults and the resolved user, then the only description the rest of the run reads — so
//! the OCI runtime front end (`create`/`start` on a bundle) is a thin layer over the same code.
//!
//! | spec field            | from                                                          |
//! |-----------------------|---------------------------------------------------------------|
//! | process.args          | `--entrypoint` or image Entrypoint, + COMMAND or image Cmd (docker's rules) |
//! | process.env           | PATH default, HOSTNAME, image Env, `-e`, HOME from passwd, TERM with -t |
//! | process.cwd           | `-w`, image WorkingDir, `/`                                   |
//! | process.user          | `-u` / image User through the image's /etc/passwd (user.rs)   |
//! | process.capabilities  | docker's 14 ± `--cap-add/--cap-drop` (caps.rs)                |
//! | mounts                | /proc, /dev, /dev/pts (newinstance; gid=5 if the image has group 5), /dev/shm, /dev/mqueue, /sys (ro), /sys/fs/cgroup (ro, cgroupfs.rs), /etc/{hostname,hosts,resolv.conf}, `-v` |
//! | linux.namespaces      | pid, network (none/bridge: new; container:NAME: its path; host: absent), ipc, uts, mount, cgroup |
//! | linux.resources       | `--memory`, `--cpus`, `--pids-limit`                          |
//! | linux.maskedPaths/readonlyPaths | docker's lists                                      |
//! | linux.seccomp         | docker's default profile (seccomp.rs), unless unconfined      |
//!
//! No syscalls. Read: OCI runtime-spec config.md, config-linux.md. Shell: `runc spec`.
//! Used by: container::create (ctr-run), later ctr-oci.

use super::network::Mode as NetworkMode;
use super::options::{Io, RunOptions};
use super::user::ResolvedUser;
use crate::error::{Error, Result};
use crate::net::endpoint::Network;
use caps::CapsHashSet;
use oci_spec::runtime::{
    Capability, LinuxBuilder, LinuxCapabilitiesBuilder, LinuxCpuBuilder, LinuxMemoryBuilder, LinuxNamespaceBuilder,
    LinuxNamespaceType, LinuxPidsBuilder, LinuxResourcesBuilder, Mount, MountBuilder, ProcessBuilder, RootBuilder,
    Spec, SpecBuilder, UserBuilder,
};
use std::collections::HashSet;
use std::path::Path;

/// docker's PATH for images that set none.
pub const DEFAULT_PATH: &str = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// docker's masked paths: hidden behind /dev/null (files) or an empty read-only tmpfs (dirs).
pub const MASKED: [&str; 12] = [
    "/proc/asound",
    "/proc/acpi",
    "/proc/interrupts",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
];
/// docker's read-only paths.
pub const READ_ONLY: [&str; 5] = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

fn oci_err(e: impl std::fmt::Display) -> Error {
    Error::invalid("OCI spec", e.to_string())
}

/// The command: docker's rules for Entrypoint and Cmd.
pub fn args(o: &RunOptions) -> Vec<String> {
    let entry: Vec<String> = match &o.entrypoint {
        Some(e) if e.is_empty() => Vec::new(),
        Some(e) => vec![e.clone()],
        None => o.image.entrypoint.clone(),
    };
    let cmd = if !o.command.is_empty() {
        o.command.clone()
    } else if o.entrypoint.is_some() {
        Vec::new() // docker: --entrypoint resets the image's Cmd
    } else {
        o.image.cmd.clone()
    };
    entry.into_iter().chain(cmd).collect()
}

/// The environment, later entries replacing earlier ones with the same name.
pub fn env(o: &RunOptions, hostname: &str, user: &ResolvedUser) -> Vec<String> {
    let mut out: Vec<String> = vec![DEFAULT_PATH.into(), format!("HOSTNAME={hostname}")];
    let tty = matches!(o.io, Io::Tty { .. } | Io::Log { tty: true, .. });
    let from_flags = o.env.iter().filter_map(|e| match e.split_once('=') {
        Some(_) => Some(e.clone()),
        // `-e NAME`: take the value from our own environment, skip it when unset (docker).
        None => std::env::var(e).ok().map(|v| format!("{e}={v}")),
    });
    for e in o.image.env.iter().cloned().chain(from_flags) {
        set(&mut out, e);
    }
    if !out.iter().any(|e| e.starts_with("HOME=")) {
        out.push(format!("HOME={}", user.home));
    }
    if tty && !out.iter().any(|e| e.starts_with("TERM=")) {
        out.push("TERM=xterm".into());
    }
    out
}

fn set(env: &mut Vec<String>, entry: String) {
    let name = entry.split('=').next().unwrap_or("").to_string();
    env.retain(|e| e.split('=').next() != Some(name.as_str()));
    env.push(entry);
}

fn mount(dest: &str, typ: &str, source: &str, options: &[&str]) -> Result<Mount> {
    MountBuilder::default()
        .destination(dest)
        .typ(typ)
        .source(source)
        .options(options.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        .build()
        .map_err(oci_err)
}

/// A devpts instance of the container's own (newinstance: its ptys are numbered from 0 and
/// invisible outside), whose ptmx anyone may open; new terminals are group `tty` (gid 5,
/// mode 0620) when the image has that group, as runc's default spec has it.
fn devpts_options(roots: &[std::path::PathBuf]) -> Vec<&'static str> {
    let mut opts = vec!["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"];
    if super::user::has_group(roots, 5) {
        opts.push("gid=5");
    }
    opts
}

/// runc's default mounts plus the files the runtime writes and the user's volumes.
pub fn mounts(o: &RunOptions, state_dir: &Path) -> Result<Vec<Mount>> {
    let mut m = vec![
        mount("/proc", "proc", "proc", &["nosuid", "noexec", "nodev"])?,
        mount("/dev", "tmpfs", "tmpfs", &["nosuid", "strictatime", "mode=755", "size=65536k"])?,
        mount("/dev/pts", "devpts", "devpts", &devpts_options(&o.roots_top_first()))?,
        mount("/dev/shm", "tmpfs", "shm", &["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"])?,
        mount("/dev/mqueue", "mqueue", "mqueue", &["nosuid", "noexec", "nodev"])?,
        mount("/sys", "sysfs", "sysfs", &["nosuid", "noexec", "nodev", "ro"])?,
        mount("/sys/fs/cgroup", "cgroup", "cgroup", &["nosuid", "noexec", "nodev", "relatime", "ro"])?,
    ];
    for file in ["hostname", "hosts", "resolv.conf"] {
        let (src, opts): (_, &[&str]) = match (file, &o.network) {
            // On the bridge, the network's shared hosts file names every container on it;
            // read-only, or one container could redirect the names all the others look up.
            ("hosts", NetworkMode::Bridge) => {
                (Network::default_bridge(&o.state_root).hosts_file(), &["rbind", "ro", "rprivate"])
            }
            _ => (state_dir.join(file), &["rbind", "rprivate"]),
        };
        m.push(mount(&format!("/etc/{file}"), "bind", &src.to_string_lossy(), opts)?);
    }
    for v in &o.volumes {
        let opts: &[&str] = if v.read_only { &["rbind", "ro", "rprivate"] } else { &["rbind", "rprivate"] };
        m.push(mount(&v.container.to_string_lossy(), "bind", &v.host.to_string_lossy(), opts)?);
    }
    Ok(m)
}

/// Everything above, as one spec.
pub fn build(
    o: &RunOptions,
    id: &str,
    hostname: &str,
    user: &ResolvedUser,
    kept: &CapsHashSet,
    state_dir: &Path,
) -> Result<Spec> {
    let caps: HashSet<Capability> =
        kept.iter().filter_map(|c| c.to_string().trim_start_matches("CAP_").parse().ok()).collect();
    let capabilities = LinuxCapabilitiesBuilder::default()
        .bounding(caps.clone())
        .effective(caps.clone())
        .permitted(caps)
        .inheritable(HashSet::new())
        .ambient(HashSet::new())
        .build()
        .map_err(oci_err)?;
    let mut oci_user = UserBuilder::default().uid(user.uid).gid(user.gid).additional_gids(user.additional_gids.clone());
    if let Some(name) = &user.name {
        oci_user = oci_user.username(name.clone());
    }
    let cwd = o.workdir.clone().or_else(|| o.image.working_dir.clone()).unwrap_or_else(|| "/".into());
    if !cwd.starts_with('/') {
        return Err(Error::invalid(format!("WorkingDir {cwd:?}"), "the image's working directory must be absolute"));
    }
    let process = ProcessBuilder::default()
        .terminal(matches!(o.io, Io::Tty { .. } | Io::Log { tty: true, .. }))
        .user(oci_user.build().map_err(oci_err)?)
        .args(args(o))
        .env(env(o, hostname, user))
        .cwd(cwd)
        .capabilities(capabilities)
        .no_new_privileges(o.no_new_privileges)
        .build()
        .map_err(oci_err)?;

    let ns = |t| LinuxNamespaceBuilder::default().typ(t).build().map_err(oci_err);
    let mut namespaces = vec![
        ns(LinuxNamespaceType::Pid)?,
        ns(LinuxNamespaceType::Ipc)?,
        ns(LinuxNamespaceType::Uts)?,
        ns(LinuxNamespaceType::Mount)?,
        ns(LinuxNamespaceType::Cgroup)?,
    ];
    // --network: host has no entry (the host's namespace); container:NAME names NAME's.
    match &o.network {
        NetworkMode::Host => {}
        NetworkMode::Container(name) => {
            let pid = super::lookup::find(&o.state_root, name)?.state.pid;
            let joined = LinuxNamespaceBuilder::default()
                .typ(LinuxNamespaceType::Network)
                .path(crate::ns::proc_file(pid, crate::ns::NET))
                .build()
                .map_err(oci_err)?;
            namespaces.insert(1, joined);
        }
        NetworkMode::None | NetworkMode::Bridge => namespaces.insert(1, ns(LinuxNamespaceType::Network)?),
    }
    let mut resources = LinuxResourcesBuilder::default();
    if let Some(mem) = o.limits.memory {
        resources = resources.memory(LinuxMemoryBuilder::default().limit(mem as i64).build().map_err(oci_err)?);
    }
    if let Some(q) = o.limits.cpus {
        let cpu = LinuxCpuBuilder::default().quota(q.quota_us as i64).period(q.period_us).build().map_err(oci_err)?;
        resources = resources.cpu(cpu);
    }
    if let Some(p) = o.limits.pids {
        resources = resources.pids(LinuxPidsBuilder::default().limit(p as i64).build().map_err(oci_err)?);
    }
    let mut linux = LinuxBuilder::default()
        .namespaces(namespaces)
        .resources(resources.build().map_err(oci_err)?)
        .cgroups_path(id)
        .masked_paths(MASKED.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        .readonly_paths(READ_ONLY.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    if o.seccomp {
        linux = linux.seccomp(super::seccomp::default_profile(kept)?);
    }
    let root = RootBuilder::default().path(state_dir.join("rootfs")).readonly(o.read_only).build().map_err(oci_err)?;
    SpecBuilder::default()
        .version("1.0.2")
        .root(root)
        .hostname(hostname)
        .process(process)
        .mounts(mounts(o, state_dir)?)
        .linux(linux.build().map_err(oci_err)?)
        .build()
        .map_err(oci_err)
}

/// config.json text: pretty, as `runc spec` writes it.
pub fn to_json(spec: &Spec) -> Result<String> {
    serde_json::to_string_pretty(spec).map_err(oci_err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::image_config::ImageDefaults;
    use crate::container::options::RootSource;

    fn opts() -> RunOptions {
        RunOptions {
            name: None,
            root: RootSource::Dir("/".into()),
            image: ImageDefaults {
                env: vec!["PATH=/img".into(), "A=1".into()],
                cmd: vec!["sh".into()],
                ..Default::default()
            },
            image_ref: None,
            command: vec![],
            entrypoint: None,
            env: vec!["A=2".into()],
            workdir: None,
            user: None,
            hostname: None,
            limits: Default::default(),
            volumes: vec![],
            read_only: false,
            cap_add: vec![],
            cap_drop: vec![],
            no_new_privileges: false,
            seccomp: true,
            io: Io::Inherit { stdin: false },
            init: false,
            remove: true,
            network: Default::default(),
            publish: vec![],
            dns: Default::default(),
            state_root: "/run/ctrkit".into(),
            id: None,
            args: vec![],
        }
    }

    #[test]
    fn args_follow_dockers_entrypoint_rules() {
        let mut o = opts();
        assert_eq!(args(&o), vec!["sh"]);
        o.entrypoint = Some("/bin/echo".into());
        assert_eq!(args(&o), vec!["/bin/echo"]);
        o.command = vec!["hi".into()];
        assert_eq!(args(&o), vec!["/bin/echo", "hi"]);
    }

    #[test]
    fn env_merges_image_flags_and_defaults() {
        let user = ResolvedUser { uid: 0, gid: 0, additional_gids: vec![], home: "/root".into(), name: None };
        let e = env(&opts(), "box", &user);
        assert_eq!(e, vec!["HOSTNAME=box", "PATH=/img", "A=2", "HOME=/root"]);
    }

    #[test]
    fn the_spec_serialises_with_dockers_defaults() {
        let user = ResolvedUser { uid: 0, gid: 0, additional_gids: vec![], home: "/root".into(), name: None };
        let kept = crate::container::caps::chosen(&[], &[]).unwrap();
        let spec = build(&opts(), "abc", "abc", &user, &kept, Path::new("/run/ctrkit/containers/abc")).unwrap();
        let json = to_json(&spec).unwrap();
        assert!(
            json.contains("\"CAP_AUDIT_WRITE\"") && json.contains("/proc/kcore") && json.contains("SCMP_ACT_ERRNO")
        );
        let back: Spec = serde_json::from_str(&json).unwrap();
        assert_eq!(back, spec);
    }
}
