//! The container lifecycle verbs of `ctrkit` against the kernel: the seed's docker commands
//! replayed with ctrkit and the built-in `demo` image, then each verb's promises — ps filters
//! and formats, inspect fields, logs, exec (same namespaces and cgroups), stop escalation,
//! kill with the pid-reuse guard, races on --name, kill -9 then rm -f converging, garbage
//! records, bad names, rmi of an image in use, info/version, top/stats/wait, attach (with
//! `-d -i`: stdin, ctrl-p ctrl-q, the exit code, --sig-proxy; without: the output only), and
//! a foreground `run -it` on a terminal from script(1): ctrl-p ctrl-q leaves it running,
//! attach takes it back; its exit codes, signals, --rm and window size.
//! Every test has its own CTRKIT_STATE; the image store (CTRKIT_ROOT) is shared, built once.
#![forbid(unsafe_code)]

mod common;

use common::{skip, TempDir};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

const CTRKIT: &str = env!("CARGO_BIN_EXE_ctrkit");

/// The shared image store: under target/tmp, kept between runs (demo is built once).
fn shared_root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| common::shared_store("ctrkit-lifecycle-root"))
}

/// A private world: its own state dir; on drop every container in it is `rm -f`'d by id.
struct World {
    state: TempDir,
    root: PathBuf,
    _own_root: Option<TempDir>,
}

impl World {
    fn new(tag: &str) -> Option<World> {
        if let Some(why) = common::need_root() {
            skip(&why);
            return None;
        }
        if !Path::new("/bin/busybox").exists() {
            skip("busybox-static not installed (apt-get install busybox-static)");
            return None;
        }
        Some(World { state: TempDir::new(tag), root: shared_root().to_path_buf(), _own_root: None })
    }
    /// With an image store of its own (for tests that remove images).
    fn with_own_root(tag: &str) -> Option<World> {
        let mut w = World::new(tag)?;
        let own = TempDir::new(&format!("{tag}-root"));
        w.root = own.path().to_path_buf();
        w._own_root = Some(own);
        Some(w)
    }
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(CTRKIT);
        c.env("CTRKIT_ROOT", &self.root).env("CTRKIT_STATE", self.state.path()).args(args).stdin(Stdio::null());
        c
    }
    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }
    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(o.status.success(), "ctrkit {args:?}: {:?}\n{}", o.status, String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    }
    /// `run -d --name NAME demo sh -c SCRIPT` with EXTRA flags; the id.
    fn detached(&self, name: &str, extra: &[&str], script: &str) -> String {
        let mut args = vec!["run", "-d", "--name", name];
        args.extend(extra);
        args.extend(["demo", "sh", "-c", script]);
        self.ok(&args).trim().to_string()
    }
    fn record(&self, id: &str) -> serde_json::Value {
        let path = self.state.path().join("containers").join(id).join("state.json");
        serde_json::from_slice(&std::fs::read(&path).unwrap_or_default()).unwrap_or(serde_json::Value::Null)
    }
    fn pid(&self, name: &str) -> i32 {
        self.ok(&["inspect", "-f", "{{.State.Pid}}", name]).trim().parse().unwrap()
    }
    /// Wait until `cond` holds (bounded); panics with `what` if it never does.
    fn until(&self, what: &str, mut cond: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while !cond() {
            assert!(Instant::now() < deadline, "timed out: {what}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    /// Nothing of container `id` left: state dir, cgroup, mounts.
    fn assert_gone(&self, id: &str) {
        assert!(!self.state.path().join("containers").join(id).exists(), "state dir of {id} left");
        assert!(common::cgroups_named(&id[..12]).is_empty(), "cgroup of {id} left");
        assert!(common::host_mounts_mentioning(&self.state.path().to_string_lossy()).is_empty(), "mount left");
    }
}

impl Drop for World {
    fn drop(&mut self) {
        let ids = self.run(&["ps", "-aq", "--no-trunc"]);
        for id in String::from_utf8_lossy(&ids.stdout).lines() {
            let _ = self.run(&["rm", "-f", id]);
        }
    }
}

fn alive(pid: i32) -> bool {
    // A zombie is dead for our purpose: /proc/PID/stat says state Z.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| s.rsplit(')').next().and_then(|r| r.split_whitespace().next()) != Some("Z"))
        .unwrap_or(false)
}

const TERMINATES: &str = "trap 'exit 0' TERM; echo started; while :; do sleep 0.1; done";

#[test]
fn the_seed_commands_replayed() {
    let Some(w) = World::new("seed") else { return };
    // docker run -it --rm --name centos-test centos echo hello world (no terminal in a test: -i)
    assert_eq!(
        w.ok(&["run", "-i", "--rm", "--name", "centos-test", "demo", "echo", "hello", "world"]),
        "hello world\n"
    );
    let web = w.detached("web", &[], TERMINATES);
    let quick = w.detached("quick", &[], "exit 0");
    w.until("quick exits", || w.record(&quick)["status"] == "exited");
    let all = w.ok(&["ps", "-a"]);
    assert!(all.contains("web") && all.contains("quick") && all.contains("Exited (0)"), "{all}");
    assert_eq!(w.ok(&["ps", "-aqf", "status=exited"]), format!("{}\n", &quick[..12]));
    // docker rm -fv `docker ps -aqf status=exited`
    let exited = w.ok(&["ps", "-aqf", "status=exited"]);
    let mut rm = vec!["rm", "-fv"];
    rm.extend(exited.split_whitespace());
    w.ok(&rm);
    w.assert_gone(&quick);
    // logs, inspect -f, entering with ctr-enter -t PID -m -u -i -n -p (and by name)
    w.until("web logged", || w.ok(&["logs", "web"]) == "started\n");
    let pid = w.pid("web");
    for target in [pid.to_string(), "web".to_string()] {
        let o = Command::new(env!("CARGO_BIN_EXE_ctr-enter"))
            .env("CTRKIT_STATE", w.state.path())
            .args(["-t", &target, "-m", "-u", "-i", "-n", "-p", "--", "hostname"])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&o.stdout), format!("{}\n", &web[..12]), "{o:?}");
    }
    // docker stop $(docker ps -q)
    let running = w.ok(&["ps", "-q"]);
    let mut stop = vec!["stop"];
    stop.extend(running.split_whitespace());
    w.ok(&stop);
    assert!(!alive(pid), "pid 1 survived stop");
    assert!(w.ok(&["ps", "-a", "-f", "name=web"]).contains("Exited (0)"));
    // docker kill $(docker ps -q)
    let other = w.detached("other", &[], TERMINATES);
    let other_pid = w.pid("other");
    let running = w.ok(&["ps", "-q"]);
    let mut kill = vec!["kill"];
    kill.extend(running.split_whitespace());
    assert_eq!(w.ok(&kill).trim(), other);
    w.until("killed container exits", || !alive(other_pid));
    w.until("exit recorded", || w.record(&other)["exit_code"] == 137);
    // save / load round trip into a fresh store
    let tar = w.state.path().join("demo.tar");
    w.ok(&["save", "-o", tar.to_str().unwrap(), "demo"]);
    let fresh = TempDir::new("seed-load");
    let load = Command::new(CTRKIT)
        .env("CTRKIT_ROOT", fresh.path())
        .args(["load", "-i", tar.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&load.stdout), "Loaded image: demo:latest\n", "{load:?}");
    w.ok(&["rm", "web", "other"]);
    w.assert_gone(&web);
    w.assert_gone(&other);
}

#[test]
fn ps_filters_formats_and_counts() {
    let Some(w) = World::new("ps") else { return };
    let a = w.detached("alpha", &[], "exit 3");
    std::thread::sleep(Duration::from_millis(1100)); // distinct creation seconds: a stable order
    let b = w.detached("beta", &[], TERMINATES);
    w.until("alpha exits", || w.record(&a)["status"] == "exited");
    assert_eq!(w.ok(&["ps", "-q"]), format!("{}\n", &b[..12]));
    assert_eq!(w.ok(&["ps", "-aq"]), format!("{}\n{}\n", &b[..12], &a[..12]));
    assert_eq!(w.ok(&["ps", "-aq", "--no-trunc", "-f", "status=exited"]), format!("{a}\n"));
    assert_eq!(w.ok(&["ps", "-aq", "-f", "status=exited", "-f", "status=running"]).lines().count(), 2);
    assert_eq!(w.ok(&["ps", "-aq", "-f", "status=exited", "-f", "name=beta"]), "");
    assert_eq!(w.ok(&["ps", "-aq", "-f", &format!("id={}", &a[..5])]), format!("{}\n", &a[..12]));
    assert_eq!(w.ok(&["ps", "-q", "-l"]), format!("{}\n", &b[..12]));
    assert_eq!(w.ok(&["ps", "-q", "-n", "2"]).lines().count(), 2);
    let t = w.ok(&["ps", "-a", "--format", "table {{.Names}}\\t{{.Image}}\\t{{.Status}}"]);
    let lines: Vec<&str> = t.lines().collect();
    assert_eq!(lines[0], "NAMES\tIMAGE\tSTATUS");
    assert!(lines[1].starts_with("beta\tdemo\tUp "), "{t}");
    assert!(lines[2].starts_with("alpha\tdemo\tExited (3) "), "{t}");
    assert!(w.ok(&["ps", "-a", "-s"]).contains("SIZE"));
    assert_eq!(w.run(&["ps", "-f", "status=paused"]).status.code(), Some(125));
}

#[test]
fn inspect_fields() {
    let Some(w) = World::new("inspect") else { return };
    let id = w.detached("insp", &["--memory", "32M", "--pids-limit", "64", "-w", "/tmp", "-e", "A=1"], TERMINATES);
    let f = |t: &str| w.ok(&["inspect", "-f", t, "insp"]).trim_end().to_string();
    let pid: i32 = f("{{.State.Pid}}").parse().unwrap();
    assert!(alive(pid));
    assert_eq!(f("{{.State.Status}} {{.State.Running}} {{.State.ExitCode}}"), "running true 0");
    assert_eq!(f("{{.Name}} {{.Id}}"), format!("/insp {id}"));
    assert_eq!(f("{{.Config.Image}}|{{.NetworkSettings.IPAddress}}|"), "demo||");
    assert_eq!(f("{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{.Config.WorkingDir}}"), "33554432 64 /tmp");
    let config: serde_json::Value = serde_json::from_str(&f("{{json .Config}}")).unwrap();
    assert!(config["Env"].as_array().unwrap().iter().any(|e| e == "A=1"), "{config}");
    let full: serde_json::Value = serde_json::from_str(&w.ok(&["inspect", &id[..8]])).unwrap();
    assert_eq!(full[0]["State"]["Pid"], pid);
    w.ok(&["stop", "-t", "5", "insp"]);
    assert_eq!(f("{{.State.Status}} {{.State.Pid}}"), "exited 0");
}

#[test]
fn logs_tail_timestamps_follow() {
    let Some(w) = World::new("logs") else { return };
    w.detached("talk", &[], "for i in 1 2 3 4 5; do echo $i; done; echo oops >&2");
    w.until("talk ends", || w.ok(&["ps", "-aqf", "status=exited"]).lines().count() == 1);
    let o = w.run(&["logs", "talk"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "1\n2\n3\n4\n5\n");
    assert_eq!(String::from_utf8_lossy(&o.stderr), "oops\n");
    assert_eq!(w.ok(&["logs", "--tail", "2", "talk"]), "5\n"); // the last two lines: 5 and oops (stderr)
    let t = w.ok(&["logs", "-t", "talk"]);
    assert!(t.lines().all(|l| l.len() > 21 && l.as_bytes()[4] == b'-' && l.contains("Z ")), "{t}");
    // -f returns by itself once the container has ended, with the line written late.
    w.detached("slow", &[], "echo early; sleep 1; echo late");
    let started = Instant::now();
    assert_eq!(w.ok(&["logs", "-f", "slow"]), "early\nlate\n");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn exec_joins_namespaces_cgroups_and_passes_status() {
    let Some(w) = World::new("exec") else { return };
    w.detached("box", &["--pids-limit", "12"], TERMINATES);
    let pid = w.pid("box");
    let inside =
        w.ok(&["exec", "box", "sh", "-c", "for n in mnt uts ipc net pid cgroup; do readlink /proc/self/ns/$n; done"]);
    let outside: Vec<String> =
        ["mnt", "uts", "ipc", "net", "pid", "cgroup"].iter().map(|n| common::ns_inode(&pid.to_string(), n)).collect();
    assert_eq!(inside.lines().collect::<Vec<_>>(), outside, "exec is not in the container's namespaces");
    assert_eq!(w.ok(&["exec", "box", "cat", "/proc/self/cgroup"]), w.ok(&["exec", "box", "cat", "/proc/1/cgroup"]));
    assert_eq!(
        w.ok(&["exec", "-e", "FOO=bar", "-w", "/tmp", "-u", "65534", "box", "sh", "-c", "echo $FOO; pwd; id -u"]),
        "bar\n/tmp\n65534\n"
    );
    // -t: a terminal from the container's own /dev/pts, owned by the exec'd user.
    assert_eq!(
        w.ok(&["exec", "-t", "-u", "65534", "box", "sh", "-c", "tty; stat -c %u $(tty)"]),
        "/dev/pts/0\r\n65534\r\n"
    );
    assert_eq!(w.run(&["exec", "box", "sh", "-c", "exit 7"]).status.code(), Some(7));
    assert_eq!(w.run(&["exec", "box", "no-such-command"]).status.code(), Some(127));
    // The pids limit holds for exec'd processes: 30 background sleeps cannot all start.
    let o = w.run(&["exec", "box", "sh", "-c", "for i in $(seq 30); do sleep 2 & done; wait"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("fork"), "the pids limit did not hold: {o:?}");
}

#[test]
fn stop_escalates_and_kill_delivers() {
    let Some(w) = World::new("stop") else { return };
    w.detached("stubborn", &[], "trap '' TERM; while :; do sleep 0.1; done");
    let pid = w.pid("stubborn");
    w.ok(&["stop", "-t", "1", "stubborn"]);
    assert!(!alive(pid), "SIGTERM-ignoring pid 1 survived stop -t 1");
    assert_eq!(w.ok(&["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "stubborn"]).trim(), "exited 137");
    w.detached("trapper", &[], "trap 'echo got > /tmp/usr1' USR1; while :; do sleep 0.1; done");
    w.ok(&["kill", "-s", "USR1", "trapper"]);
    w.until("USR1 trap ran", || w.run(&["exec", "trapper", "cat", "/tmp/usr1"]).stdout == b"got\n");
    assert_eq!(w.run(&["kill", "-s", "FOO", "trapper"]).status.code(), Some(125));
    w.ok(&["kill", "-s", "9", "trapper"]);
}

#[test]
fn a_reused_pid_is_never_signalled() {
    let Some(w) = World::new("reuse") else { return };
    let mut victim = Command::new("sleep").arg("30").spawn().unwrap();
    let id = "f".repeat(64);
    let dir = w.state.path().join("containers").join(&id);
    std::fs::create_dir_all(&dir).unwrap();
    let record = serde_json::json!({"id": id, "name": "forged", "status": "running", "pid": victim.id(),
        "pid_start_time": 1, "monitor_pid": victim.id(), "exit_code": null, "created": "2024-05-01T12:00:00Z",
        "started": null, "finished": null, "command": ["sleep"], "cgroup": "ctrkit-test-none", "auto_remove": false});
    std::fs::write(dir.join("state.json"), record.to_string()).unwrap();
    std::fs::create_dir_all(w.state.path().join("names")).unwrap();
    std::os::unix::fs::symlink(&id, w.state.path().join("names/forged")).unwrap();
    let k = w.run(&["kill", "forged"]);
    assert_eq!(k.status.code(), Some(125));
    assert!(String::from_utf8_lossy(&k.stderr).contains("another process"), "{k:?}");
    let _ = w.run(&["stop", "-t", "1", "forged"]);
    assert!(w.ok(&["ps", "-a"]).contains("Exited"), "a record whose pid is someone else's is not running");
    w.ok(&["rm", "-f", "forged"]);
    assert!(victim.try_wait().unwrap().is_none(), "the unrelated process was signalled");
    victim.kill().unwrap();
    victim.wait().unwrap();
    assert!(!dir.exists());
}

#[test]
fn two_runs_with_one_name_exactly_one_wins() {
    let Some(w) = World::new("race") else { return };
    w.ok(&["run", "--rm", "demo", "true"]); // the image exists before the race
    let spawn = || {
        w.cmd(&["run", "-d", "--name", "x", "demo", "sleep", "30"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert_eq!([&a, &b].iter().filter(|o| o.status.success()).count(), 1, "{a:?}\n{b:?}");
    let loser = if a.status.success() { &b } else { &a };
    assert_eq!(loser.status.code(), Some(125));
    assert!(String::from_utf8_lossy(&loser.stderr).contains("already in use"), "{loser:?}");
    assert_eq!(w.ok(&["ps", "-aq"]).lines().count(), 1, "the loser left a record");
    let id = w.ok(&["rm", "-f", "x"]).trim().to_string();
    w.assert_gone(&id);
    assert!(!w.state.path().join("names/x").exists());
}

#[test]
fn kill_9_anywhere_then_rm_f_converges() {
    let Some(w) = World::new("kill9") else { return };
    w.ok(&["run", "--rm", "demo", "true"]);
    // The monitor killed mid-run: the record still says running.
    let id = w.detached("victim", &[], TERMINATES);
    let rec = w.record(&id);
    let (pid, monitor) = (rec["pid"].as_i64().unwrap() as i32, rec["monitor_pid"].as_i64().unwrap() as i32);
    Command::new("kill").args(["-9", &monitor.to_string()]).status().unwrap();
    w.until("pid 1 dies with its monitor", || !alive(pid));
    assert!(w.ok(&["ps", "-a"]).contains("Exited (unknown)"));
    assert_eq!(w.ok(&["ps", "-q"]), "");
    w.ok(&["rm", "-f", "victim"]);
    w.assert_gone(&id);
    // ctr-run killed at several moments of its start.
    for delay_ms in [5, 30, 80, 200] {
        let mut run =
            w.cmd(&["run", "-d", "demo", "sleep", "30"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = run.kill();
        let _ = run.wait();
        // ctr-run's detached monitor may still be finishing — or undoing — the start: a
        // container listed now can be removed by it before our `rm -f` arrives ("no such
        // container" is then the right answer). Converge: remove what is listed until nothing
        // is listed and no monitor of this world is left running.
        let mut seen = Vec::new();
        w.until(&format!("a start killed at {delay_ms} ms converges"), || {
            for id in w.ok(&["ps", "-aq", "--no-trunc"]).lines() {
                seen.push(id.to_string());
                let _ = w.run(&["rm", "-f", id]);
            }
            w.ok(&["ps", "-aq"]).is_empty() && monitors_of(&w).is_empty()
        });
        for id in &seen {
            w.assert_gone(id);
        }
    }
    let left: Vec<_> =
        std::fs::read_dir(w.state.path().join("containers")).map(|d| d.flatten().collect()).unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
}

/// ctr-run processes (monitors) working on this world's state dir, found by their environment.
fn monitors_of(w: &World) -> Vec<i32> {
    let needle = format!("CTRKIT_STATE={}", w.state.path().display());
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == "ctr-run"))
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|b| *b == 0).any(|kv| kv == needle.as_bytes()))
        })
        .collect()
}

#[test]
fn ps_survives_a_garbage_record() {
    let Some(w) = World::new("garbage") else { return };
    let good = w.detached("good", &[], TERMINATES);
    let bad = w.state.path().join("containers").join("e".repeat(64));
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::write(bad.join("state.json"), b"{\"id\": \"half-writ").unwrap();
    let o = w.run(&["ps", "-a"]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains(&good[..12]));
    assert!(String::from_utf8_lossy(&o.stderr).contains("skipped"), "{o:?}");
    std::fs::remove_dir_all(&bad).unwrap();
}

#[test]
fn bad_names_are_one_line_and_125() {
    let Some(w) = World::new("names") else { return };
    let long = "a".repeat(300);
    for bad in ["", ".", "..", "a/b", "a b", long.as_str()] {
        for verb in
            [vec!["inspect", bad], vec!["rm", "-f", bad], vec!["stop", bad], vec!["kill", bad], vec!["logs", bad]]
        {
            let o = w.run(&verb);
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(125), "{verb:?}");
            assert_eq!(err.lines().count(), 1, "{verb:?}: {err}");
        }
        let o = w.run(&["run", "--name", bad, "demo", "true"]);
        assert_eq!(o.status.code(), Some(125), "run --name {bad:?}");
    }
    assert_eq!(w.run(&["rm", "nosuch"]).status.code(), Some(125));
}

#[test]
fn rmi_refuses_an_image_in_use() {
    let Some(w) = World::with_own_root("rmi") else { return };
    let id = w.detached("user", &[], "exit 0");
    w.until("exits", || w.record(&id)["status"] == "exited");
    let o = w.run(&["rmi", "demo"]);
    assert_eq!(o.status.code(), Some(125));
    assert!(String::from_utf8_lossy(&o.stderr).contains("in use by container(s) user"), "{o:?}");
    w.ok(&["rmi", "-f", "demo"]);
    assert_eq!(w.ok(&["images", "-q"]), "");
}

#[test]
fn info_and_version_describe_the_host() {
    let Some(w) = World::new("info") else { return };
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap().trim().to_string();
    let info = w.ok(&["info"]);
    for want in ["Storage Driver: overlay", "Cgroup Version:", "Cgroup Mode:", &kernel, "Namespaces:", " pid", " net"] {
        assert!(info.contains(want), "{want} missing: {info}");
    }
    let unified = Path::new("/sys/fs/cgroup/cgroup.controllers").exists();
    assert!(info.contains(if unified { "Cgroup Version: 2" } else { "Cgroup Version: 1" }), "{info}");
    let v = w.ok(&["version"]);
    assert!(v.contains(env!("CARGO_PKG_VERSION")) && v.contains(&kernel) && v.contains("Cgroup mode"), "{v}");
}

#[test]
fn top_stats_and_wait() {
    let Some(w) = World::new("top") else { return };
    let id = w.detached("busy", &["--memory", "64M"], "sleep 1000");
    let top = w.ok(&["top", "busy"]);
    assert!(top.contains("sleep 1000") && top.contains(&w.pid("busy").to_string()), "{top}");
    let stats = w.ok(&["stats", "--no-stream", "busy"]);
    assert!(stats.contains(&id[..12]) && stats.contains("/ 64MiB"), "{stats}");
    w.detached("four", &[], "sleep 0.5; exit 4");
    assert_eq!(w.ok(&["wait", "four"]), "4\n");
}

#[test]
fn create_start_restart_keep_the_container() {
    let Some(w) = World::new("create") else { return };
    let id = w.ok(&["create", "--name", "made", "demo", "sh", "-c", TERMINATES]).trim().to_string();
    assert_eq!(w.ok(&["ps", "-a", "--format", "{{.Names}} {{.Status}}"]), "made Created\n");
    assert_eq!(w.record(&id)["pid"], 0, "a created container has no process");
    assert!(common::cgroups_named(&id[..12]).is_empty(), "a created container has no cgroup yet");

    assert_eq!(w.ok(&["start", "made"]), "made\n");
    w.until("made runs", || w.ok(&["inspect", "-f", "{{.State.Status}}", "made"]).trim() == "running");
    let first = w.pid("made");
    assert!(alive(first));
    assert_ne!(common::ns_inode(&first.to_string(), "pid"), common::ns_inode("self", "pid"));
    // The writable layer belongs to the container, not to one start of it.
    w.ok(&["exec", "made", "sh", "-c", "echo kept > /kept"]);
    let again = w.run(&["start", "made"]);
    assert_eq!(again.status.code(), Some(125), "a running container was started twice");
    assert!(String::from_utf8_lossy(&again.stderr).contains("already running"));

    w.ok(&["restart", "-t", "1", "made"]);
    w.until("made runs again", || {
        w.ok(&["inspect", "-f", "{{.State.Status}}", "made"]).trim() == "running" && w.pid("made") != first
    });
    assert!(!alive(first), "the first process survived the restart");
    assert_eq!(w.ok(&["inspect", "-f", "{{.Id}}", "made"]).trim(), id, "restart made a new container");
    assert_eq!(w.ok(&["exec", "made", "cat", "/kept"]), "kept\n");
    assert_eq!(w.ok(&["logs", "made"]).matches("started").count(), 2, "both starts should be in the log");

    w.ok(&["stop", "-t", "1", "made"]);
    w.ok(&["start", "made"]);
    w.until("made runs a third time", || w.ok(&["inspect", "-f", "{{.State.Status}}", "made"]).trim() == "running");
    w.ok(&["rm", "-f", "made"]);
    w.assert_gone(&id);
}

/// `ctrkit attach NAME` with stdin and stdout on pipes (no terminal in a test); a thread
/// passes its output on line by line, so every read has a deadline.
struct Attached {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
}

impl Attached {
    fn new(w: &World, name: &str) -> Attached {
        Attached::spawn(w.cmd(&["attach", name]))
    }
    fn spawn(mut cmd: Command) -> Attached {
        let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
        let stdin = child.stdin.take();
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || loop {
            let mut line = String::new();
            match out.read_line(&mut line) {
                Ok(n) if n > 0 && tx.send(line).is_ok() => {}
                _ => return,
            }
        });
        Attached { child, stdin, lines }
    }
    fn send(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("attach's stdin is open");
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }
    fn expect_line(&self, want: &str) {
        let got = self.lines.recv_timeout(Duration::from_secs(15));
        assert_eq!(got.as_deref(), Ok(want), "attach's output");
    }
    fn close_stdin(&mut self) {
        self.stdin = None;
    }
    /// Its exit status; panics if it has not ended within 15 s.
    fn wait(mut self) -> ExitStatus {
        common::wait_within(&mut self.child, Duration::from_secs(15)).expect("attach did not end")
    }
}

#[test]
fn attach_with_stdin_detaches_on_ctrl_p_ctrl_q() {
    let Some(w) = World::new("attach") else { return };
    let id = w.ok(&["run", "-d", "-i", "--name", "cat1", "demo", "cat"]).trim().to_string();
    let sock = w.state.path().join("containers").join(&id).join("attach.sock");
    assert!(sock.exists(), "run -d -i made no attach socket");
    let pid = w.pid("cat1");
    let mut a = Attached::new(&w, "cat1");
    a.send(b"hello\n");
    a.expect_line("hello\n");
    a.send(&[0x10, 0x11]);
    assert_eq!(a.wait().code(), Some(0), "ctrl-p ctrl-q should detach with 0");
    assert!(alive(pid), "detaching stopped the container");
    assert_eq!(w.ok(&["inspect", "-f", "{{.State.Status}}", "cat1"]).trim(), "running");

    let mut again = Attached::new(&w, "cat1");
    again.send(b"again\n");
    again.expect_line("again\n");
    // Our stdin ending is not the container's: attach shows output until the container ends.
    again.close_stdin();
    std::thread::sleep(Duration::from_millis(200));
    assert!(alive(pid), "closing attach's stdin ended the container");
    w.ok(&["stop", "-t", "1", "cat1"]);
    let code = again.wait().code();
    let recorded = w.ok(&["inspect", "-f", "{{.State.ExitCode}}", "cat1"]).trim().parse::<i32>().ok();
    assert_eq!(code, recorded, "attach should exit with the container's code");
    // The output went to the log too, the detach keys nowhere.
    assert_eq!(w.ok(&["logs", "cat1"]), "hello\nagain\n");
    assert!(!sock.exists(), "the attach socket outlived the container");
    w.ok(&["rm", "-f", "cat1"]);
    w.assert_gone(&id);
}

#[test]
fn attach_ends_with_the_containers_exit_code() {
    let Some(w) = World::new("attach-exit") else { return };
    w.ok(&["run", "-d", "-i", "--name", "ex", "demo", "sh", "-c", "read x; exit 3"]);
    let mut a = Attached::new(&w, "ex");
    a.send(b"go\n");
    assert_eq!(a.wait().code(), Some(3));
    assert_eq!(w.ok(&["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "ex"]).trim(), "exited 3");
}

#[test]
fn attach_without_stdin_follows_the_output() {
    let Some(w) = World::new("attach-out") else { return };
    let id = w.detached("out", &[], "sleep 2; echo one; echo two; exit 5");
    assert!(!w.state.path().join("containers").join(&id).join("attach.sock").exists(), "a socket without -i");
    let o = w.run(&["attach", "out"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "one\ntwo\n", "{o:?}");
    assert_eq!(o.status.code(), Some(5));
}

/// `ctrkit ARGS…` on a terminal of its own, `rows` x `cols`: run under script(1), which gives
/// it a pty. What it prints collects in `seen`.
struct OnTerminal {
    child: Child,
    stdin: ChildStdin,
    seen: Arc<Mutex<String>>,
}

impl OnTerminal {
    fn new(w: &World, (rows, cols): (u16, u16), args: &str) -> Option<OnTerminal> {
        if !Path::new("/usr/bin/script").exists() {
            skip("script (util-linux) not installed");
            return None;
        }
        let inner = format!("stty rows {rows} cols {cols}; {CTRKIT} {args}");
        let mut child = Command::new("script")
            .args(["-qec", &inner, "/dev/null"])
            .env("CTRKIT_ROOT", &w.root)
            .env("CTRKIT_STATE", w.state.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let mut out = child.stdout.take().unwrap();
        let seen = Arc::new(Mutex::new(String::new()));
        let sink = seen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = std::io::Read::read(&mut out, &mut buf) {
                if n == 0 {
                    return;
                }
                sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Some(OnTerminal { child, stdin, seen })
    }
    fn send(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).unwrap();
        self.stdin.flush().unwrap();
    }
    fn expect(&self, want: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while !self.seen.lock().unwrap().contains(want) {
            assert!(Instant::now() < deadline, "never saw {want:?} in {:?}", self.seen.lock().unwrap());
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    fn wait(mut self) -> ExitStatus {
        let status = common::wait_within(&mut self.child, Duration::from_secs(15));
        status.unwrap_or_else(|| panic!("never ended; saw {:?}", self.seen.lock().unwrap()))
    }
}

#[test]
fn run_it_detaches_on_ctrl_p_ctrl_q_and_attach_takes_it_back() {
    let Some(w) = World::new("run-it") else { return };
    let Some(mut t) = OnTerminal::new(&w, (33, 101), "run -it --name it1 demo sh") else { return };
    t.send(b"tty; echo sum=$((20+1))\r");
    t.expect("/dev/pts/0\r\nsum=21");
    t.send(&[0x10, 0x11]);
    assert_eq!(t.wait().code(), Some(0), "ctrl-p ctrl-q should leave run -it with 0");
    let pid = w.pid("it1");
    assert!(alive(pid), "detaching stopped the container");
    assert!(w.ok(&["ps", "--format", "{{.Names}} {{.State}}"]).contains("it1 running"));

    // Attaching from a terminal of another size resizes the container's.
    let Some(mut again) = OnTerminal::new(&w, (44, 111), "attach it1") else { return };
    again.send(b"stty size; echo sum=$((40+2))\r");
    again.expect("44 111\r\nsum=42");
    again.send(b"exit 7\r");
    assert_eq!(again.wait().code(), Some(7), "attach ends with the container's code");
    assert_eq!(w.ok(&["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "it1"]).trim(), "exited 7");
    let id = w.ok(&["inspect", "-f", "{{.Id}}", "it1"]).trim().to_string();
    w.ok(&["rm", "-f", "it1"]);
    w.assert_gone(&id);
}

#[test]
fn run_it_keeps_codes_signals_rm_and_the_window_size() {
    let Some(w) = World::new("run-it-codes") else { return };
    let none_left = |w: &World| assert_eq!(w.ok(&["ps", "-aq"]), "", "--rm left a record");
    assert_eq!(w.run(&["run", "-it", "--rm", "demo", "sh", "-c", "exit 3"]).status.code(), Some(3));
    // Killed by a signal: run -it dies of the same signal.
    let mut killed = w
        .cmd(&["run", "-it", "--rm", "--name", "k", "demo", "sh", "-c", "echo up; sleep 30"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut up = [0u8; 2];
    std::io::Read::read_exact(killed.stdout.as_mut().unwrap(), &mut up).unwrap();
    w.ok(&["kill", "k"]);
    let status = killed.wait().unwrap();
    assert_eq!(std::os::unix::process::ExitStatusExt::signal(&status), Some(9), "re-raised: {status:?}");
    assert_eq!(w.run(&["run", "-it", "--rm", "demo", "no-such-command"]).status.code(), Some(127));
    none_left(&w);
    // A signal sent to the foreground run reaches the container.
    let script = "trap 'exit 9' TERM; echo up; sleep 30 & wait";
    let mut child = w.cmd(&["run", "-it", "--rm", "demo", "sh", "-c", script]).stdout(Stdio::piped()).spawn().unwrap();
    let mut up = [0u8; 2];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut up).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(9));
    // The window: the user's at the start, and the new one after a resize (SIGWINCH).
    let resize = "(sleep 1; stty rows 40 cols 120 < /dev/tty) & ";
    if !Path::new("/usr/bin/script").exists() {
        return skip("script (util-linux) not installed");
    }
    let inner =
        format!("stty rows 33 cols 101; {resize}{CTRKIT} run -it --rm demo sh -c 'stty size; sleep 2; stty size'");
    let o = Command::new("script")
        .args(["-qec", &inner, "/dev/null"])
        .env("CTRKIT_ROOT", &w.root)
        .env("CTRKIT_STATE", w.state.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("33 101\r\n") && out.contains("40 120\r\n"), "{out}");
    none_left(&w);
}

#[test]
fn attach_passes_signals_unless_told_not_to() {
    let Some(w) = World::new("attach-sig") else { return };
    w.ok(&["run", "-d", "-i", "--name", "sig", "demo", "sh", "-c", "trap 'exit 5' USR1; while :; do sleep 0.1; done"]);
    let pid = w.pid("sig");
    let no_proxy = Attached::spawn(w.cmd(&["attach", "--sig-proxy=false", "sig"]));
    std::thread::sleep(Duration::from_millis(300));
    Command::new("kill").args(["-USR1", &no_proxy.child.id().to_string()]).status().unwrap();
    let status = no_proxy.wait();
    assert_eq!(std::os::unix::process::ExitStatusExt::signal(&status), Some(10), "USR1 should end attach itself");
    assert!(alive(pid), "--sig-proxy=false passed the signal on");
    let a = Attached::new(&w, "sig");
    std::thread::sleep(Duration::from_millis(300));
    Command::new("kill").args(["-USR1", &a.child.id().to_string()]).status().unwrap();
    assert_eq!(a.wait().code(), Some(5), "the container should have got USR1 and exited 5");
}
