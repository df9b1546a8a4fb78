//! ctr-oci against the real kernel, as root, and against the real clients: the OCI lifecycle
//! and its states (runtime.md), errors for verbs in the wrong state, a failed create leaving
//! nothing, hooks in order with the state on stdin, exec, the console socket through podman,
//! and podman and containerd driving ctr-oci. Each test has its own --root (so tests run in
//! parallel and can check that nothing is left) and removes what it made on every way out.
#![forbid(unsafe_code)]
mod common;

use common::{cgroups_named, host_mounts_mentioning, skip, TempDir};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_ctr-oci");

/// A busybox root (built once per test binary under target/tmp, renamed into place whole).
fn rootfs() -> Option<&'static Path> {
    static ROOT: OnceLock<Option<PathBuf>> = OnceLock::new();
    ROOT.get_or_init(|| {
        let dirs = ["tmp", "proc", "dev", "sys"];
        common::busybox_rootfs("ctr-oci-rootfs", &dirs, &[("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")])
    })
    .as_deref()
}

/// Root and busybox, or a skip with the reason.
fn need_rootfs() -> Option<&'static Path> {
    if let Some(why) = common::need_root() {
        skip(&why);
        return None;
    }
    let root = rootfs();
    if root.is_none() {
        skip("busybox-static not installed (apt-get install busybox-static)");
    }
    root
}

/// A test's own --root and bundle dir; every container left in the root is deleted --force on
/// drop (so a failing assertion leaves no process, cgroup or state behind).
struct World {
    root: TempDir,
    bundle: TempDir,
    /// Where each call's stdout and stderr go: files, not pipes, because a container made by
    /// `create` (or `exec -d`) inherits them and would hold a pipe open long after we read it.
    io: TempDir,
}

impl World {
    /// A bundle whose rootfs is a bind of the shared busybox tree (read-only root), running `args`.
    fn new(tag: &str, args: &[&str]) -> World {
        let w = World {
            root: TempDir::new(&format!("{tag}-root")),
            bundle: TempDir::new(&format!("{tag}-bundle")),
            io: TempDir::new(&format!("{tag}-io")),
        };
        let out = w.oci(&["spec", "--bundle", w.bundle.path().to_str().unwrap()]);
        assert!(out.status.success(), "spec: {}", text(&out.stderr));
        w.edit(|c| {
            c["root"]["path"] = rootfs().unwrap().to_str().unwrap().into();
            c["process"]["terminal"] = false.into();
            c["process"]["args"] = args.iter().map(|a| Value::from(*a)).collect();
        });
        w
    }

    fn edit(&self, change: impl FnOnce(&mut Value)) {
        let path = self.bundle.path().join("config.json");
        let mut c: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        change(&mut c);
        std::fs::write(&path, serde_json::to_vec_pretty(&c).unwrap()).unwrap();
    }

    fn oci(&self, args: &[&str]) -> Output {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (out, err) = (self.io.path().join(format!("{n}.out")), self.io.path().join(format!("{n}.err")));
        let status = Command::new(BIN)
            .arg("--root")
            .arg(self.root.path())
            .args(args)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(std::fs::File::create(&err).unwrap())
            .status()
            .unwrap();
        Output {
            status,
            stdout: std::fs::read(&out).unwrap_or_default(),
            stderr: std::fs::read(&err).unwrap_or_default(),
        }
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.oci(args);
        assert!(out.status.success(), "ctr-oci {args:?}: {}", text(&out.stderr));
        text(&out.stdout)
    }

    fn create(&self, id: &str) -> Output {
        self.oci(&["create", "--bundle", self.bundle.path().to_str().unwrap(), id])
    }

    fn state(&self, id: &str) -> Value {
        serde_json::from_str(&self.ok(&["state", id])).unwrap()
    }

    fn record(&self, id: &str) -> Value {
        serde_json::from_slice(&std::fs::read(self.root.path().join(id).join("state.json")).unwrap()).unwrap()
    }

    fn wait_status(&self, id: &str, want: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let s = self.state(id);
            if s["status"] == want || Instant::now() > deadline {
                return s;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for World {
    fn drop(&mut self) {
        for e in std::fs::read_dir(self.root.path()).into_iter().flatten().flatten() {
            let _ = self.oci(&["delete", "--force", &e.file_name().to_string_lossy()]);
        }
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The process has ended: gone from /proc, or a zombie waiting for its reaper.
fn ended(pid: i64) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |s| s.contains(") Z"))
}

fn ns(pid: i64, kind: &str) -> String {
    common::ns_inode(&pid.to_string(), kind)
}

#[test]
fn the_lifecycle_follows_the_specs_states_and_refuses_wrong_ones() {
    let Some(_) = need_rootfs() else { return };
    let w = World::new("life", &["sleep", "30"]);
    w.edit(|c| c["linux"]["resources"] = serde_json::json!({"pids": {"limit": 64}, "memory": {"limit": 67108864}}));
    let id = "life1";
    let out = w.create(id);
    assert!(out.status.success(), "create: {}", text(&out.stderr));

    // created: the init exists, in its own namespaces and cgroup, and waits.
    let s = w.state(id);
    assert_eq!(
        (s["ociVersion"].as_str(), s["id"].as_str(), s["status"].as_str()),
        (Some("1.0.2"), Some(id), Some("created"))
    );
    assert_eq!(s["bundle"], w.bundle.path().to_str().unwrap());
    let pid = s["pid"].as_i64().unwrap();
    for kind in ["pid", "mnt", "net", "uts", "ipc", "cgroup"] {
        assert_ne!(ns(pid, kind), common::ns_inode("self", kind), "{kind} namespace of the init");
    }
    let dirs = w.record(id)["cgroup_dirs"].as_array().unwrap().clone();
    assert!(!dirs.is_empty());
    for d in &dirs {
        let procs = std::fs::read_to_string(Path::new(d.as_str().unwrap()).join("cgroup.procs")).unwrap();
        assert!(procs.lines().any(|l| l == pid.to_string()), "{d} holds the init");
    }
    let limit =
        |file: &str| dirs.iter().find_map(|d| std::fs::read_to_string(Path::new(d.as_str().unwrap()).join(file)).ok());
    assert_eq!(limit("pids.max").as_deref().map(str::trim), Some("64"), "linux.resources.pids");
    let memory = limit("memory.limit_in_bytes").or_else(|| limit("memory.max"));
    assert_eq!(memory.as_deref().map(str::trim), Some("67108864"), "linux.resources.memory");
    let cmdline = std::fs::read_to_string(format!("/proc/{pid}/cmdline")).unwrap();
    assert!(!cmdline.starts_with("sleep"), "not exec'd before start: {cmdline:?}");

    // created → running
    w.ok(&["start", id]);
    let s = w.state(id);
    assert_eq!((s["status"].as_str(), s["pid"].as_i64()), (Some("running"), Some(pid)));
    let cmdline = std::fs::read_to_string(format!("/proc/{pid}/cmdline")).unwrap();
    assert!(cmdline.starts_with("sleep"), "{cmdline:?}");
    let again = w.oci(&["start", id]);
    assert!(!again.status.success() && text(&again.stderr).contains("running"), "start twice: {}", text(&again.stderr));
    let del = w.oci(&["delete", id]);
    assert!(!del.status.success() && text(&del.stderr).contains("running"), "delete running: {}", text(&del.stderr));

    // exec and ps see the same container.
    let out = w.ok(&["exec", id, "sh", "-c", "echo $$; cat /proc/1/cmdline"]);
    assert!(out.starts_with('2') || out.contains("sleep"), "{out:?}");
    let ps: Vec<i64> = serde_json::from_str(&w.ok(&["ps", "--format", "json", id])).unwrap();
    assert!(ps.contains(&pid), "{ps:?}");
    let list = w.ok(&["list", "--format", "json"]);
    assert!(list.contains(id), "{list}");

    // running → stopped
    w.ok(&["kill", id, "KILL"]);
    let s = w.wait_status(id, "stopped");
    assert_eq!((s["status"].as_str(), s["pid"].as_i64()), (Some("stopped"), Some(0)));
    for (verb, args) in
        [("kill", vec!["kill", id, "TERM"]), ("start", vec!["start", id]), ("exec", vec!["exec", id, "true"])]
    {
        let out = w.oci(&args);
        assert!(
            !out.status.success() && text(&out.stderr).contains("stopped"),
            "{verb} on stopped: {}",
            text(&out.stderr)
        );
    }

    // stopped → gone, with its cgroup.
    w.ok(&["delete", id]);
    assert!(!w.root.path().join(id).exists());
    for d in &dirs {
        assert!(!Path::new(d.as_str().unwrap()).exists(), "{d} removed");
    }
    let gone = w.oci(&["state", id]);
    assert!(!gone.status.success() && text(&gone.stderr).contains(id));
    w.ok(&["delete", "--force", id]); // converges
}

#[test]
fn delete_of_a_created_container_kills_its_waiting_init() {
    let Some(_) = need_rootfs() else { return };
    let w = World::new("created", &["true"]);
    assert!(w.create("c").status.success());
    let pid = w.state("c")["pid"].as_i64().unwrap();
    w.ok(&["delete", "c"]);
    assert!(ended(pid), "the waiting init was killed");
    assert!(!w.root.path().join("c").exists());
}

#[test]
fn a_failed_create_leaves_nothing_behind() {
    let Some(_) = need_rootfs() else { return };
    let w = World::new("fail", &["/no/such/command"]);
    let id = "ctr-oci-test-fail-1";
    let out = w.create(id);
    assert_eq!(out.status.code(), Some(127), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("/no/such/command"), "{}", text(&out.stderr));
    assert!(!w.root.path().join(id).exists(), "no state dir");
    assert!(cgroups_named(id).is_empty(), "no cgroup: {:?}", cgroups_named(id));
    assert!(host_mounts_mentioning(rootfs().unwrap().to_str().unwrap()).is_empty());

    // A bad config: refused before anything is made.
    let bad = TempDir::new("fail-bad");
    std::fs::write(bad.path().join("config.json"), "{\"ociVersion\": 3}").unwrap();
    let out = w.oci(&["create", "--bundle", bad.path().to_str().unwrap(), "bad"]);
    assert_eq!(out.status.code(), Some(125));
    assert!(text(&out.stderr).contains("config.json"), "{}", text(&out.stderr));
    assert!(!w.root.path().join("bad").exists());

    // A createRuntime hook that fails: the create fails after the init exists, and is undone.
    w.edit(|c| {
        c["process"]["args"] = serde_json::json!(["true"]);
        c["hooks"] = serde_json::json!({"createRuntime": [{"path": "/bin/false"}]});
    });
    let out = w.create(id);
    assert!(!out.status.success() && text(&out.stderr).contains("createRuntime"), "{}", text(&out.stderr));
    assert!(!w.root.path().join(id).exists() && cgroups_named(id).is_empty(), "a failed hook leaves nothing");
    w.edit(|c| c["hooks"] = Value::Null);

    // A sysctl that is not the container's own (it would change the host): refused.
    w.edit(|c| c["linux"]["sysctl"] = serde_json::json!({"kernel.panic": "1"}));
    let out = w.create(id);
    assert!(!out.status.success() && text(&out.stderr).contains("kernel.panic"), "{}", text(&out.stderr));
    w.edit(|c| c["linux"]["sysctl"] = Value::Null);

    // A user namespace: refused by name.
    w.edit(|c| {
        c["process"]["args"] = serde_json::json!(["true"]);
        c["linux"]["namespaces"].as_array_mut().unwrap().push(serde_json::json!({"type": "user"}));
    });
    let out = w.create("userns");
    assert!(!out.status.success() && text(&out.stderr).contains("user namespaces"), "{}", text(&out.stderr));

    // An id that is taken: refused, the first container untouched.
    w.edit(|c| {
        c["linux"]["namespaces"].as_array_mut().unwrap().retain(|n| n["type"] != "user");
    });
    assert!(w.create("dup").status.success());
    let out = w.create("dup");
    assert!(!out.status.success() && text(&out.stderr).contains("already exists"), "{}", text(&out.stderr));
    assert_eq!(w.state("dup")["status"], "created");

    // Ids that are not names.
    for bad in ["../x", "a/b", ".hidden", ""] {
        let out = w.create(bad);
        assert!(!out.status.success(), "{bad:?}");
    }
}

#[test]
fn hooks_run_in_order_with_the_state_on_stdin() {
    let Some(_) = need_rootfs() else { return };
    let w = World::new("hooks", &["true"]);
    let logs = TempDir::new("hooks-log");
    let script = "#!/bin/sh\necho \"$1 $(cat | tr -d '\\n')\" >> /hooklog/log\n";
    std::fs::write(logs.path().join("hook.sh"), script).unwrap();
    Command::new("chmod").arg("755").arg(logs.path().join("hook.sh")).status().unwrap();
    // Two scripts appending to one log: host-hook.sh by its host path (the runtime-namespace
    // hooks, and createContainer, which runs before pivot_root), hook.sh inside the container
    // through a bind mount of the log dir at /hooklog (startContainer, after pivot_root).
    let dir = logs.path().to_str().unwrap().to_string();
    let host_script = format!("#!/bin/sh\necho \"$1 $(cat | tr -d '\\n')\" >> {dir}/log\n");
    std::fs::write(logs.path().join("host-hook.sh"), host_script).unwrap();
    Command::new("chmod").arg("755").arg(logs.path().join("host-hook.sh")).status().unwrap();
    let host = format!("{dir}/host-hook.sh");
    let hook = |path: &str, name: &str| serde_json::json!({"path": path, "args": ["hook", name]});
    w.edit(|c| {
        c["mounts"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({"destination": "/hooklog", "type": "bind", "source": dir, "options": ["rbind"]}));
        c["hooks"] = serde_json::json!({
            "prestart": [hook(&host, "prestart")],
            "createRuntime": [hook(&host, "createRuntime")],
            "createContainer": [hook(&host, "createContainer")],
            "startContainer": [hook("/hooklog/hook.sh", "startContainer")],
            "poststart": [hook(&host, "poststart")],
            "poststop": [hook(&host, "poststop")],
        });
    });
    assert!(w.create("h").status.success());
    let after_create = std::fs::read_to_string(logs.path().join("log")).unwrap();
    w.ok(&["start", "h"]);
    w.wait_status("h", "stopped");
    w.ok(&["delete", "h"]);
    let log = std::fs::read_to_string(logs.path().join("log")).unwrap();
    let names: Vec<&str> = log.lines().map(|l| l.split(' ').next().unwrap()).collect();
    assert_eq!(
        names,
        ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"],
        "{log}"
    );
    assert_eq!(after_create.lines().count(), 3, "only the create-time hooks ran during create");
    for line in log.lines() {
        let (name, json) = line.split_once(' ').unwrap();
        let state: Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{name}: {e}: {json}"));
        assert_eq!(state["id"], "h", "{name}");
        let want = match name {
            "prestart" | "createRuntime" | "createContainer" => "creating",
            "startContainer" => "created",
            "poststart" => "running",
            _ => "stopped",
        };
        assert_eq!(state["status"], want, "{name}");
    }
}

#[test]
fn exec_detached_writes_its_pid_and_joins_the_container() {
    let Some(_) = need_rootfs() else { return };
    let w = World::new("exec", &["sleep", "30"]);
    assert!(w.create("e").status.success());
    w.ok(&["start", "e"]);
    let init = w.state("e")["pid"].as_i64().unwrap();
    let extra = TempDir::new("exec-extra");
    let process = extra.path().join("process.json");
    std::fs::write(
        &process,
        serde_json::json!({"args": ["sleep", "20"], "cwd": "/", "env": ["PATH=/bin"], "user": {"uid": 0, "gid": 0}})
            .to_string(),
    )
    .unwrap();
    let pid_file = extra.path().join("exec.pid");
    w.ok(&["exec", "-d", "--pid-file", pid_file.to_str().unwrap(), "--process", process.to_str().unwrap(), "e"]);
    let pid: i64 = std::fs::read_to_string(&pid_file).unwrap().trim().parse().unwrap();
    for kind in ["pid", "mnt", "net", "uts", "ipc"] {
        assert_eq!(ns(pid, kind), ns(init, kind), "{kind}");
    }
    let ps: Vec<i64> = serde_json::from_str(&w.ok(&["ps", "--format", "json", "e"])).unwrap();
    assert!(ps.contains(&pid) && ps.contains(&init), "{ps:?}");
    let out = w.oci(&["exec", "e", "nosuch"]);
    assert!(!out.status.success() && text(&out.stderr).contains("nosuch"));
    w.ok(&["delete", "--force", "e"]);
    assert!(ended(pid), "the exec'd process was killed with the container");
}

#[test]
fn the_global_flags_clients_pass_work_and_systemd_is_refused() {
    let Some(_) = need_rootfs() else { return };
    let w = World::new("flags", &["true"]);
    let log = w.root.path().join("log.json");
    let out = Command::new(BIN)
        .args([
            "--root",
            w.root.path().to_str().unwrap(),
            "--log",
            log.to_str().unwrap(),
            "--log-format",
            "json",
            "state",
            "nosuch",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(125));
    let line: Value = serde_json::from_str(std::fs::read_to_string(&log).unwrap().lines().last().unwrap()).unwrap();
    assert_eq!(line["level"], "error");
    assert!(line["msg"].as_str().unwrap().contains("nosuch"));
    let out = w.oci(&["--systemd-cgroup", "state", "x"]);
    assert!(text(&out.stderr).contains("systemd"), "{}", text(&out.stderr));
    let features: Value = serde_json::from_str(&w.ok(&["features"])).unwrap();
    assert_eq!(features["linux"]["cgroup"]["systemd"], false);
    assert!(features["hooks"].as_array().unwrap().len() == 6);
}

/// The demo image (busybox, `img-pack --demo`) as an OCI archive in `dir`.
fn demo_archive(dir: &Path) -> PathBuf {
    let tar = dir.join("demo.tar");
    let out = Command::new(env!("CARGO_BIN_EXE_img-pack"))
        .args(["--demo", "-t", "localhost/ctroci-demo:latest", "-o"])
        .arg(&tar)
        .output()
        .unwrap();
    assert!(out.status.success(), "img-pack: {}", text(&out.stderr));
    tar
}

fn installed(program: &str) -> bool {
    std::env::var_os("PATH").map(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file())).unwrap_or(false)
}

/// podman with its own storage, run root and tmp dir under `dir` and ctr-oci as its runtime.
fn podman(dir: &Path, args: &[&str]) -> Output {
    Command::new("podman")
        .arg("--root")
        .arg(dir.join("storage"))
        .arg("--runroot")
        .arg(dir.join("run"))
        .arg("--tmpdir")
        .arg(dir.join("tmp"))
        .args(["--storage-driver", "vfs", "--cgroup-manager", "cgroupfs", "--events-backend", "file", "--runtime", BIN])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// Removes every container and image of the test's private podman storage, then the dir.
struct PodmanStore(TempDir);

impl Drop for PodmanStore {
    fn drop(&mut self) {
        let _ = podman(self.0.path(), &["rm", "-af", "-t", "0"]);
        let _ = podman(self.0.path(), &["rmi", "-af"]);
        for m in host_mounts_mentioning(self.0.path().to_str().unwrap_or("/nonexistent")) {
            if let Some(point) = m.split(' ').nth(4) {
                let _ = Command::new("umount").arg("-l").arg(point).status();
            }
        }
    }
}

const ULIMITS: [&str; 4] = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"];

#[test]
fn podman_runs_containers_with_ctr_oci() {
    if let Some(why) = common::need_root() {
        return skip(&why);
    }
    if !installed("podman") || !installed("conmon") || !Path::new("/bin/busybox").exists() {
        return skip("podman, conmon or busybox-static not installed (apt-get install podman busybox-static)");
    }
    let store = PodmanStore(TempDir::new("podman"));
    let dir = store.0.path();
    let tar = demo_archive(dir);
    let out = podman(dir, &["load", "-i", tar.to_str().unwrap()]);
    assert!(out.status.success(), "podman load: {}", text(&out.stderr));
    let image = "localhost/ctroci-demo:latest";
    let run = |extra: &[&str], cmd: &[&str]| {
        let mut args = vec!["run", "--network", "none"];
        args.extend(ULIMITS);
        args.extend(extra);
        args.push(image);
        args.extend(cmd);
        podman(dir, &args)
    };

    // run --rm: output, exit status, the spec's sysctl, seccomp and rlimits applied.
    let out = run(
        &["--rm"],
        &[
            "sh",
            "-c",
            "echo hello; grep Seccomp: /proc/self/status; ulimit -n; cat /proc/sys/net/ipv4/ping_group_range",
        ],
    );
    assert!(out.status.success(), "podman run: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("hello\n") && stdout.contains("Seccomp:\t2") && stdout.contains("1024\n"), "{stdout}");
    assert_eq!(run(&["--rm"], &["sh", "-c", "exit 3"]).status.code(), Some(3));
    // -t: the console socket; the terminal is the container's own /dev/pts/0.
    let out = run(&["--rm", "-t"], &["tty"]);
    assert!(text(&out.stdout).trim() == "/dev/pts/0", "{} {}", text(&out.stdout), text(&out.stderr));

    // run -d, exec, stop, rm.
    let out = run(&["-d", "--name", "ctroci-bg"], &["sleep", "60"]);
    assert!(out.status.success(), "podman run -d: {}", text(&out.stderr));
    let id = text(&out.stdout).trim().to_string();
    let state: Value =
        serde_json::from_slice(&Command::new(BIN).args(["state", &id]).output().unwrap().stdout).unwrap();
    assert_eq!(state["status"], "running");
    let init = state["pid"].as_i64().unwrap();
    let out = podman(dir, &["exec", "ctroci-bg", "sh", "-c", "echo in-exec; cat /proc/1/cmdline"]);
    assert!(
        out.status.success() && text(&out.stdout).starts_with("in-exec\nsleep"),
        "exec: {} {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert_eq!(podman(dir, &["exec", "ctroci-bg", "sh", "-c", "exit 4"]).status.code(), Some(4));
    let out = podman(dir, &["exec", "-t", "ctroci-bg", "tty"]);
    assert_eq!(text(&out.stdout).trim(), "/dev/pts/0", "exec -t: {}", text(&out.stderr));
    let out = podman(dir, &["stop", "-t", "1", "ctroci-bg"]);
    assert!(out.status.success(), "stop: {}", text(&out.stderr));
    assert!(ended(init), "stopped");
    let out = podman(dir, &["rm", "ctroci-bg"]);
    assert!(out.status.success(), "rm: {}", text(&out.stderr));
    // podman passes no --root: ctr-oci's default.
    assert!(!Path::new("/run/ctrkit-oci").join(&id).exists(), "ctr-oci's state for {id} removed");
    assert!(cgroups_named(&format!("libpod-{}", &id[..12])).is_empty(), "cgroup removed");
}

/// A private containerd (own root, state, socket, config) killed by pid and removed on drop.
struct Containerd {
    dir: TempDir,
    child: std::process::Child,
    namespace: String,
    /// The shim's fixed directories under /run/containerd that did not exist before us.
    made: Vec<PathBuf>,
}

/// Where the runc v2 shim keeps its sockets, fifos and state, whatever containerd's config says.
const SHIM_DIRS: [&str; 4] = ["/run/containerd/fifo", "/run/containerd/runc", "/run/containerd/s", "/run/containerd"];

impl Containerd {
    fn start() -> Containerd {
        let made = SHIM_DIRS.iter().map(PathBuf::from).filter(|d| !d.exists()).collect();
        let dir = TempDir::new("containerd");
        let d = dir.path().display();
        let config = format!(
            "version = 2\nroot = \"{d}/root\"\nstate = \"{d}/state\"\n\
             disabled_plugins = [\"io.containerd.grpc.v1.cri\", \"io.containerd.snapshotter.v1.btrfs\", \"io.containerd.snapshotter.v1.zfs\", \"io.containerd.snapshotter.v1.devmapper\", \"io.containerd.snapshotter.v1.aufs\"]\n\
             [grpc]\n  address = \"{d}/c.sock\"\n[ttrpc]\n  address = \"{d}/c.sock.ttrpc\"\n[debug]\n  address = \"{d}/debug.sock\"\n"
        );
        std::fs::write(dir.path().join("config.toml"), config).unwrap();
        let log = std::fs::File::create(dir.path().join("containerd.log")).unwrap();
        let child = Command::new("containerd")
            .arg("--config")
            .arg(dir.path().join("config.toml"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let c = Containerd { dir, child, namespace: format!("ctroci-test-{}", std::process::id()), made };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !c.dir.path().join("c.sock").exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        c
    }

    fn ctr(&self, args: &[&str]) -> Output {
        Command::new("ctr")
            .arg("-a")
            .arg(self.dir.path().join("c.sock"))
            .args(["-n", &self.namespace])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }
}

impl Drop for Containerd {
    fn drop(&mut self) {
        for id in ["ctroci-t1", "ctroci-t2"] {
            let _ = self.ctr(&["task", "kill", "-s", "KILL", id]);
            let _ = self.ctr(&["task", "rm", "-f", id]);
            let _ = self.ctr(&["container", "rm", id]);
        }
        let _ = self.ctr(&["images", "rm", "localhost/ctroci-demo:latest"]);
        let _ = self.child.kill();
        let _ = self.child.wait();
        for m in host_mounts_mentioning(self.dir.path().to_str().unwrap_or("/nonexistent")) {
            if let Some(point) = m.split(' ').nth(4) {
                let _ = Command::new("umount").arg("-l").arg(point).status();
            }
        }
        let _ = std::fs::remove_dir_all(Path::new("/run/containerd/runc").join(&self.namespace));
        // Ours only, and only if empty (remove_dir refuses otherwise): children first.
        for d in &self.made {
            let _ = std::fs::remove_dir(d);
        }
    }
}

#[test]
fn containerd_runs_containers_with_ctr_oci() {
    if let Some(why) = common::need_root() {
        return skip(&why);
    }
    if !installed("containerd")
        || !installed("ctr")
        || !installed("containerd-shim-runc-v2")
        || !Path::new("/bin/busybox").exists()
    {
        return skip("containerd or busybox-static not installed (apt-get install containerd busybox-static)");
    }
    let c = Containerd::start();
    let tar = demo_archive(c.dir.path());
    let out = c.ctr(&["images", "import", tar.to_str().unwrap()]);
    assert!(out.status.success(), "ctr images import: {}", text(&out.stderr));
    let image = "localhost/ctroci-demo:latest";

    let out =
        c.ctr(&["run", "--rm", "--runc-binary", BIN, image, "ctroci-t1", "sh", "-c", "echo hello; ls /sys/class/net"]);
    assert!(
        out.status.success(),
        "ctr run: {} {}",
        text(&out.stderr),
        std::fs::read_to_string(c.dir.path().join("containerd.log")).unwrap_or_default()
    );
    assert_eq!(text(&out.stdout), "hello\nlo\n");

    let out = c.ctr(&["run", "-d", "--runc-binary", BIN, image, "ctroci-t2", "sleep", "60"]);
    assert!(out.status.success(), "ctr run -d: {}", text(&out.stderr));
    let out = c.ctr(&["task", "exec", "--exec-id", "e1", "ctroci-t2", "sh", "-c", "cat /proc/1/cmdline"]);
    assert!(
        out.status.success() && text(&out.stdout).starts_with("sleep"),
        "task exec: {} {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let root = Path::new("/run/containerd/runc").join(&c.namespace);
    let state: Value = serde_json::from_slice(
        &Command::new(BIN).arg("--root").arg(&root).args(["state", "ctroci-t2"]).output().unwrap().stdout,
    )
    .unwrap();
    assert_eq!(state["status"], "running");
    assert!(c.ctr(&["task", "kill", "-s", "KILL", "ctroci-t2"]).status.success());
    let deadline = Instant::now() + Duration::from_secs(5);
    while !text(&c.ctr(&["task", "ls"]).stdout).contains("STOPPED") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = c.ctr(&["task", "rm", "ctroci-t2"]);
    assert!(out.status.success(), "task rm: {}", text(&out.stderr));
    assert!(c.ctr(&["container", "rm", "ctroci-t2"]).status.success());
    assert!(!root.join("ctroci-t2").exists(), "ctr-oci's state removed");
    assert!(cgroups_named("ctroci-t2").is_empty(), "cgroup removed");
}
