//! Container networking against the kernel: `--network none|host|bridge|container:NAME`, `-p`,
//! `-P`, `--dns`, names on the bridge, `ctrkit port`, `ctr-net`, and what `rm` leaves (nothing).
//!
//! Safety first: every test builds its own "host" — a network namespace it creates (`ip netns
//! add`), with only `lo` — and runs ctrkit in it through `nsenter --net=…` (not `ip netns exec`,
//! which remounts /sys and so hides the cgroup hierarchies). The bridge, veths, addresses and
//! published ports all live in that namespace; traffic goes only to its loopback and to the
//! containers inside it; deleting the namespace at the end removes the bridge with it. Nothing
//! touches the machine's real interfaces, forwarding or firewall.
//! Every test has its own CTRKIT_STATE; the image store (CTRKIT_ROOT) is shared, built once.
#![forbid(unsafe_code)]

mod common;

use common::{skip, TempDir};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const CTRKIT: &str = env!("CARGO_BIN_EXE_ctrkit");
const CTR_RUN: &str = env!("CARGO_BIN_EXE_ctr-run");
const CTR_NET: &str = env!("CARGO_BIN_EXE_ctr-net");
const NS_UNSHARE: &str = env!("CARGO_BIN_EXE_ns-unshare");
const WEB: &str = "mkdir -p /www && echo \"I am $(hostname)\" > /www/index.html && exec httpd -f -p 80 -h /www";

fn shared_root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| common::shared_store("ctrkit-network-root"))
}

/// A test's own "host": a network namespace with lo up, a state dir, and on drop every
/// container removed, every process it started killed by pid, and the namespace deleted.
struct Host {
    netns: String,
    state: TempDir,
    started: std::cell::RefCell<Vec<std::process::Child>>,
    /// Other processes of ours (grandchildren), killed by pid at the end.
    pids: std::cell::RefCell<Vec<String>>,
}

impl Host {
    fn new(tag: &str) -> Option<Host> {
        if let Some(why) = common::need_root() {
            skip(&why);
            return None;
        }
        for (path, why) in [
            ("/bin/busybox", "busybox-static not installed (apt-get install busybox-static)"),
            ("/usr/bin/nsenter", "nsenter not installed (apt-get install util-linux)"),
        ] {
            if !Path::new(path).exists() {
                skip(why);
                return None;
            }
        }
        let netns = format!("ckt-{}-{tag}", std::process::id());
        if !Command::new("ip").args(["netns", "add", &netns]).status().is_ok_and(|s| s.success()) {
            skip("cannot create a network namespace with `ip netns add` (apt-get install iproute2)");
            return None;
        }
        let host = Host {
            netns,
            state: TempDir::new(&format!("net-{tag}")),
            started: Default::default(),
            pids: Default::default(),
        };
        host.ip(&["link", "set", "lo", "up"]);
        Some(host)
    }

    /// PROGRAM in this host's network namespace, with this world's ctrkit dirs.
    fn cmd(&self, program: &str, args: &[&str]) -> Command {
        let mut c = Command::new("nsenter");
        c.arg(format!("--net=/run/netns/{}", self.netns))
            .arg("--")
            .arg(program)
            .args(args)
            .env("CTRKIT_ROOT", shared_root())
            .env("CTRKIT_STATE", self.state.path())
            .env_remove("CTRKIT_NETWORK")
            .stdin(Stdio::null());
        c
    }
    fn ctrkit(&self, args: &[&str]) -> Output {
        self.cmd(CTRKIT, args).output().unwrap()
    }
    fn ok(&self, args: &[&str]) -> String {
        let o = self.ctrkit(args);
        assert!(o.status.success(), "ctrkit {args:?}: {:?}\n{}", o.status, String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap().trim().to_string()
    }
    /// `ip -n NETNS ARGS…`: this host's kernel state.
    fn ip(&self, args: &[&str]) -> String {
        let o = Command::new("ip").arg("-n").arg(&self.netns).args(args).output().unwrap();
        assert!(o.status.success(), "ip {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    }
    /// Interface names in this host's namespace.
    fn links(&self) -> Vec<String> {
        self.ip(&["-o", "link"])
            .lines()
            .filter_map(|l| l.split(": ").nth(1))
            .map(|n| n.split('@').next().unwrap_or(n).to_string())
            .collect()
    }
    fn veths(&self) -> Vec<String> {
        self.links().into_iter().filter(|n| n.starts_with("veth")).collect()
    }
    /// The veths still there after up to 3 s: a container that ended leaves its veth pair to
    /// the kernel, which deletes it with the container's namespace, asynchronously.
    fn veths_after_teardown(&self) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(3);
        loop {
            let left = self.veths();
            if left.is_empty() || Instant::now() > deadline {
                return left;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    /// busybox wget from the host's side; None when it cannot connect.
    fn wget(&self, url: &str) -> Option<String> {
        // (busybox 1.35's `wget -T` crashes: a timeout(1) around it instead.)
        let o = self.cmd("timeout", &["5", "/bin/busybox", "wget", "-qO-", url]).output().unwrap();
        o.status.success().then(|| String::from_utf8_lossy(&o.stdout).trim().to_string())
    }
    /// Retry `wget` until the server inside is up (it starts after `run -d` returns).
    fn wget_eventually(&self, url: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(body) = self.wget(url) {
                return body;
            }
            assert!(Instant::now() < deadline, "{url} never answered");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    fn leases(&self) -> Vec<String> {
        let dir = self.state.path().join("networks/ctrkit0/leases");
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        v.sort();
        v
    }
    fn hosts_file(&self) -> String {
        std::fs::read_to_string(self.state.path().join("networks/ctrkit0/hosts")).unwrap_or_default()
    }
    fn inspect(&self, name: &str, template: &str) -> String {
        self.ok(&["inspect", "-f", template, name])
    }
    fn pid(&self, name: &str) -> String {
        self.inspect(name, "{{.State.Pid}}")
    }
    /// A process of ours in this host's namespace, killed by pid when the test ends.
    fn spawn(&self, program: &str, args: &[&str]) -> u32 {
        let child = self.cmd(program, args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        let pid = child.id();
        self.started.borrow_mut().push(child);
        pid
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        let ids = self.ctrkit(&["ps", "-aq", "--no-trunc"]);
        for id in String::from_utf8_lossy(&ids.stdout).split_whitespace() {
            let _ = self.ctrkit(&["rm", "-f", id]);
        }
        for pid in self.pids.borrow_mut().drain(..) {
            let _ = Command::new("kill").args(["-9", &pid]).status();
        }
        for mut child in self.started.borrow_mut().drain(..) {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = Command::new("ip").args(["netns", "del", &self.netns]).status();
    }
}

/// The address on eth0 inside the namespace of `pid`, as the kernel has it.
fn eth0_address(pid: &str) -> String {
    let o = Command::new("nsenter").args(["-t", pid, "-n", "ip", "-4", "-o", "addr", "show", "eth0"]).output().unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    text.split_whitespace().skip_while(|w| *w != "inet").nth(1).unwrap_or("").to_string()
}

#[test]
fn published_port_answers_from_loopback_and_from_another_container() {
    let Some(h) = Host::new("publish") else { return };
    let id = h.ok(&["run", "-d", "--name", "web", "-p", "8080:80", "demo", "sh", "-c", WEB]);
    assert_eq!(h.wget_eventually("http://127.0.0.1:8080/"), format!("I am {}", &id[..12]));

    // Kernel truth: eth0 inside has the address inspect reports; our veth end is on the bridge.
    let ip = h.inspect("web", "{{.NetworkSettings.IPAddress}}");
    assert!(ip.starts_with("10.66."), "{ip}");
    assert_eq!(eth0_address(&h.pid("web")), format!("{ip}/16"));
    let on_bridge = h.ip(&["-o", "link", "show", "master", "ctrkit0"]);
    assert_eq!(h.veths().len(), 1);
    assert!(on_bridge.contains(&h.veths()[0]), "{on_bridge}");
    assert!(h.ip(&["-o", "-4", "addr", "show", "ctrkit0"]).contains("10.66.0.1/16"));

    // From another container: through the host's published port, and straight to it.
    let via_host = h.ok(&["run", "--rm", "--network", "bridge", "demo", "wget", "-qO-", "http://10.66.0.1:8080/"]);
    assert_eq!(via_host, format!("I am {}", &id[..12]));
    let direct = h.ok(&["run", "--rm", "--network", "bridge", "demo", "wget", "-qO-", &format!("http://{ip}/")]);
    assert_eq!(direct, via_host);

    // docker's reports of it.
    assert_eq!(h.ok(&["port", "web"]), "80/tcp -> 0.0.0.0:8080");
    assert_eq!(h.ok(&["port", "web", "80/tcp"]), "0.0.0.0:8080");
    assert!(h.ok(&["ps"]).contains("0.0.0.0:8080->80/tcp"));
    assert_eq!(
        h.inspect("web", "{{json .NetworkSettings.Ports}}"),
        r#"{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"}]}"#
    );
}

#[test]
fn containers_on_the_bridge_reach_each_other_by_name() {
    let Some(h) = Host::new("names") else { return };
    h.ok(&["run", "-d", "--name", "alpha", "--hostname", "alpha-host", "--network", "bridge", "demo", "sh", "-c", WEB]);
    h.ok(&["run", "-d", "--name", "beta", "--network", "bridge", "demo", "sleep", "60"]);
    let alpha_ip = h.inspect("alpha", "{{.NetworkSettings.IPAddress}}");
    let beta_ip = h.inspect("beta", "{{.NetworkSettings.IPAddress}}");
    assert_ne!(alpha_ip, beta_ip);
    // Both names are in the one hosts file both containers see as /etc/hosts.
    let hosts = h.ok(&["exec", "beta", "cat", "/etc/hosts"]);
    assert!(hosts.contains(&format!("{alpha_ip}\talpha alpha-host")), "{hosts}");
    assert!(hosts.contains(&format!("{beta_ip}\tbeta")), "{hosts}");
    // Shared, so read-only: no container may redirect the others' names.
    let o = h.ctrkit(&["exec", "beta", "sh", "-c", "echo 10.66.0.99 alpha >> /etc/hosts"]);
    assert!(!o.status.success(), "a container could write the shared /etc/hosts");
    let deadline = Instant::now() + Duration::from_secs(10);
    let body = loop {
        let o = h.ctrkit(&["exec", "beta", "timeout", "3", "wget", "-qO-", "http://alpha/"]);
        if o.status.success() {
            break String::from_utf8_lossy(&o.stdout).trim().to_string();
        }
        assert!(Instant::now() < deadline, "beta never reached alpha by name");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(body, "I am alpha-host");
    // A name that leaves the bridge leaves the hosts file.
    h.ok(&["rm", "-f", "alpha"]);
    assert!(!h.ok(&["exec", "beta", "cat", "/etc/hosts"]).contains("alpha"));
}

#[test]
fn rm_leaves_no_veth_address_lease_or_listener() {
    let Some(h) = Host::new("rm") else { return };
    h.ok(&["run", "-d", "--name", "web", "-p", "8080:80", "demo", "sh", "-c", WEB]);
    h.wget_eventually("http://127.0.0.1:8080/");
    let ip = h.inspect("web", "{{.NetworkSettings.IPAddress}}");
    assert_eq!(h.leases(), vec![ip.clone()]);
    assert!(h.hosts_file().contains(&ip));
    h.ok(&["rm", "-f", "web"]);
    assert!(h.veths_after_teardown().is_empty(), "{:?}", h.links());
    assert!(h.leases().is_empty());
    assert!(!h.hosts_file().contains(&ip));
    assert!(h.wget("http://127.0.0.1:8080/").is_none(), "the published port still answers");
    assert!(!h.ip(&["-o", "-4", "addr"]).contains(&ip));

    // A container whose monitor was killed -9: rm -f still gives everything back.
    h.ok(&["run", "-d", "--name", "orphan", "--network", "bridge", "demo", "sleep", "60"]);
    let monitor = std::fs::read_dir(h.state.path().join("containers"))
        .unwrap()
        .flatten()
        .map(|e| std::fs::read_to_string(e.path().join("state.json")).unwrap())
        .map(|s| serde_json::from_str::<serde_json::Value>(&s).unwrap()["monitor_pid"].as_i64().unwrap())
        .next()
        .unwrap();
    assert!(Command::new("kill").args(["-9", &monitor.to_string()]).status().unwrap().success());
    assert_eq!(h.leases().len(), 1, "the lease outlives a killed monitor until rm");
    h.ok(&["rm", "-f", "orphan"]);
    assert!(h.leases().is_empty());
    assert!(h.veths().is_empty(), "{:?}", h.links());
}

#[test]
fn fifty_containers_started_at_once_get_distinct_addresses() {
    let Some(h) = Host::new("fifty") else { return };
    h.ok(&["run", "--rm", "--network", "bridge", "demo", "true"]); // the image and bridge, once
    let children: Vec<_> = (0..50)
        .map(|i| {
            h.cmd(CTRKIT, &["run", "-d", "--name", &format!("c{i}"), "--network", "bridge", "demo", "sleep", "60"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let ips: Vec<String> = (0..50).map(|i| h.inspect(&format!("c{i}"), "{{.NetworkSettings.IPAddress}}")).collect();
    let distinct: HashSet<&String> = ips.iter().collect();
    assert_eq!(distinct.len(), 50, "{ips:?}");
    assert_eq!(h.leases().len(), 50);
    assert_eq!(h.veths().len(), 50);
    // Kernel truth for a sample: the address inside is the recorded one.
    for i in [0, 25, 49] {
        let name = format!("c{i}");
        assert_eq!(eth0_address(&h.pid(&name)), format!("{}/16", ips[i]));
    }
    let all: Vec<String> = (0..50).map(|i| format!("c{i}")).collect();
    let mut args = vec!["rm", "-f"];
    args.extend(all.iter().map(String::as_str));
    h.ok(&args);
    assert!(h.leases().is_empty());
    assert!(h.veths_after_teardown().is_empty());
}

#[test]
fn a_published_port_in_use_is_a_clear_error_before_anything_is_made() {
    let Some(h) = Host::new("inuse") else { return };
    h.spawn("/bin/busybox", &["nc", "-l", "-p", "8082"]);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !String::from_utf8_lossy(&h.cmd("ss", &["-ltn"]).output().unwrap().stdout).contains(":8082 ") {
        assert!(Instant::now() < deadline, "nc never listened");
        std::thread::sleep(Duration::from_millis(50));
    }
    let before_links = h.links();
    let o = h.ctrkit(&["run", "-d", "--name", "late", "-p", "8082:80", "demo", "true"]);
    assert_eq!(o.status.code(), Some(125));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.lines().next().unwrap().contains("0.0.0.0:8082") && err.contains("in use"), "{err}");
    assert!(h.ok(&["ps", "-aq"]).is_empty(), "a container record was left");
    assert_eq!(h.links(), before_links, "an interface was made");
    assert!(h.leases().is_empty());
    let containers = h.state.path().join("containers");
    assert!(std::fs::read_dir(&containers).map_or(true, |mut d| d.next().is_none()), "a state dir was left");

    // -p without the bridge is refused too, before anything exists.
    let o = h.ctrkit(&["run", "--rm", "--network", "none", "-p", "80", "demo", "true"]);
    assert_eq!(o.status.code(), Some(125));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--network bridge"));
}

#[test]
fn network_modes_none_host_and_container() {
    let Some(h) = Host::new("modes") else { return };
    // The namespace file `ip netns add` made has the namespace's inode number.
    let host_inode = {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(format!("/run/netns/{}", h.netns)).unwrap().ino()
    };
    let inode_of = |pid: &str| {
        let link = std::fs::read_link(format!("/proc/{pid}/ns/net")).unwrap().to_string_lossy().into_owned();
        link.trim_start_matches("net:[").trim_end_matches(']').parse::<u64>().unwrap()
    };
    h.ok(&["run", "-d", "--name", "none", "demo", "sleep", "60"]);
    h.ok(&["run", "-d", "--name", "host", "--network", "host", "demo", "sleep", "60"]);
    h.ok(&["run", "-d", "--name", "web", "--network", "bridge", "demo", "sleep", "60"]);
    h.ok(&["run", "-d", "--name", "side", "--network", "container:web", "demo", "sleep", "60"]);
    assert_ne!(inode_of(&h.pid("none")), host_inode);
    assert_eq!(inode_of(&h.pid("host")), host_inode, "--network host shares the host's namespace");
    assert_eq!(inode_of(&h.pid("side")), inode_of(&h.pid("web")), "container:web shares web's");
    assert_ne!(inode_of(&h.pid("web")), host_inode);
    // none: only lo, up.
    let dev = std::fs::read_to_string(format!("/proc/{}/net/dev", h.pid("none"))).unwrap();
    let devices: Vec<&str> = dev.lines().skip(2).filter_map(|l| l.split(':').next()).map(str::trim).collect();
    assert_eq!(devices, vec!["lo"]);
    assert_eq!(h.inspect("none", "{{.NetworkSettings.IPAddress}}"), "");
    // The spec says so too.
    let config = std::fs::read_to_string(
        h.state.path().join("containers").join(h.inspect("side", "{{.Id}}")).join("config.json"),
    )
    .unwrap();
    assert!(config.contains(&format!("/proc/{}/ns/net", h.pid("web"))), "{config}");
}

#[test]
fn dns_flags_write_resolv_conf() {
    let Some(h) = Host::new("dns") else { return };
    let out = h.ok(&[
        "run",
        "--rm",
        "--dns",
        "10.0.0.53",
        "--dns-search",
        "example.org",
        "--dns-option",
        "ndots:2",
        "demo",
        "cat",
        "/etc/resolv.conf",
    ]);
    assert_eq!(out, "nameserver 10.0.0.53\nsearch example.org\noptions ndots:2");
}

#[test]
fn publish_all_puts_exposed_ports_on_free_host_ports() {
    let Some(h) = Host::new("puball") else { return };
    let cfg = h.state.path().join("config.json");
    std::fs::write(&cfg, r#"{"ExposedPorts": {"80/tcp": {}}, "Cmd": ["sh"]}"#).unwrap();
    let args = ["-d", "--name", "auto", "-P", "--image-config", cfg.to_str().unwrap(), "demo", "sh", "-c", WEB];
    let o = h.cmd(CTR_RUN, &args).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let line = h.ok(&["port", "auto"]);
    let port: u16 = line.strip_prefix("80/tcp -> 0.0.0.0:").unwrap_or_else(|| panic!("{line}")).parse().unwrap();
    assert!(port > 1024, "{line}");
    assert!(h.wget_eventually(&format!("http://127.0.0.1:{port}/")).starts_with("I am "));
}

#[test]
fn ctr_net_plugs_in_a_plain_namespace_and_unplugs_it() {
    let Some(h) = Host::new("ctrnet") else { return };
    let pid = h.spawn(NS_UNSHARE, &["--net", "--fork", "sleep", "60"]);
    // ns-unshare forks: the sleeper is its child; wait until it is in its own namespace.
    let deadline = Instant::now() + Duration::from_secs(5);
    let sleeper = loop {
        let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
        if let Some(c) = children.split_whitespace().next() {
            h.pids.borrow_mut().push(c.to_string());
            break c.to_string();
        }
        assert!(Instant::now() < deadline, "ns-unshare never forked");
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = h.cmd(CTR_NET, &["connect", "--pid", &sleeper, "--name", "box", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let endpoint: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ip = endpoint["ip"].as_str().unwrap().to_string();
    assert_eq!(eth0_address(&sleeper), format!("{ip}/16"));
    let ping = Command::new("nsenter")
        .args(["-t", &sleeper, "-n", "/bin/busybox", "ping", "-c1", "-W2", "10.66.0.1"])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(ping.success(), "the gateway does not answer from inside");
    assert!(h.hosts_file().contains(&format!("{ip}\tbox")));
    let id = format!("pid-{sleeper}");
    let o = h.cmd(CTR_NET, &["disconnect", "--id", &id]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(h.veths().is_empty());
    assert!(h.leases().is_empty());
    let o = h.cmd(CTR_NET, &["prune"]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!h.links().contains(&"ctrkit0".to_string()));
}
