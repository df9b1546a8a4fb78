//! ctr-enter against the real kernel: a target is started under cg-limit and ns-unshare,
//! and what the entered process *is* — its namespace inodes, its cgroups, its hostname,
//! whether the target's pids limit holds for it — is read from /proc.
#![forbid(unsafe_code)]

mod common;

use assert_cmd::Command;
use common::{need_root, skip, TempDir};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Stdio};

const NS_UNSHARE: &str = env!("CARGO_BIN_EXE_ns-unshare");
const CG_LIMIT: &str = env!("CARGO_BIN_EXE_cg-limit");

fn tool() -> Command {
    Command::cargo_bin("ctr-enter").unwrap()
}

/// A running target: `cg-limit --pids N -- ns-unshare … -- sh` waiting on stdin. `pid` is the
/// host pid of that sh (pid 1 inside its pid namespace). Dropping it ends the target.
struct Target {
    child: Child,
    pid: i32,
}

impl Target {
    fn start(tag: &str, pids_limit: u32) -> Target {
        let name = format!("ctrkit-test-enter-{tag}-{}", std::process::id());
        let mut child = std::process::Command::new(CG_LIMIT)
            .args(["--name", &name, "--pids", &pids_limit.to_string(), "--", NS_UNSHARE])
            .args(["-m", "-u", "-i", "-n", "-p", "-f", "--mount-proc", "--hostname", "target-box", "--"])
            .args(["sh", "-c", "echo ready; read x"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "ready", "the target did not start");
        let pid = find_process_with_hostname(child.id() as i32, "target-box").expect("target sh not found");
        Target { child, pid }
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Some(mut stdin) = self.child.stdin.take() {
            let _ = stdin.write_all(b"\n");
        }
        let _ = self.child.wait();
    }
}

/// The descendant of `root` whose UTS namespace carries `hostname` and that has no child of
/// its own there: the sh that ns-unshare forked (found through /proc/PID/task/PID/children).
fn find_process_with_hostname(root: i32, hostname: &str) -> Option<i32> {
    let mut queue = vec![root];
    while let Some(pid) = queue.pop() {
        let kids = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
        let kids: Vec<i32> = kids.split_whitespace().filter_map(|s| s.parse().ok()).collect();
        let ns_pid_line = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        // NSpid: "<host pid> 1" for the pid 1 of a nested pid namespace.
        let is_ns_init = ns_pid_line.lines().any(|l| l.starts_with("NSpid:") && l.trim_end().ends_with("\t1"));
        if is_ns_init && uts_hostname_of(pid).as_deref() == Some(hostname) {
            return Some(pid);
        }
        queue.extend(kids);
    }
    None
}

fn uts_hostname_of(pid: i32) -> Option<String> {
    let out = std::process::Command::new("nsenter").args(["-t", &pid.to_string(), "-u", "hostname"]).output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

const KINDS: [&str; 5] = ["mnt", "uts", "ipc", "net", "pid"];

#[test]
fn the_entered_process_has_the_targets_namespaces_and_cgroups() {
    if let Some(why) = need_root() {
        return skip(&why);
    }
    let target = Target::start("same", 50);
    let script = "for k in mnt uts ipc net pid; do readlink /proc/self/ns/$k; done; echo --; cat /proc/self/cgroup";
    let out = tool().args(["-t", &target.pid.to_string(), "-a", "--", "sh", "-c", script]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let (inodes, cgroups) = text.split_once("--\n").unwrap();
    for (line, kind) in inodes.lines().zip(KINDS) {
        assert_eq!(line, common::ns_inode(&target.pid.to_string(), kind), "{kind} namespace differs from the target's");
    }
    // Compare cgroups as the host sees them: the entered process's own pid is gone by now, so
    // compare the text it printed with the target's file, hierarchy by hierarchy.
    let theirs = std::fs::read_to_string(format!("/proc/{}/cgroup", target.pid)).unwrap();
    assert_eq!(sorted_lines(cgroups), sorted_lines(&theirs), "cgroups differ from the target's");
    assert!(theirs.contains("ctrkit-test-enter-same"), "the target is not in its cg-limit cgroup: {theirs}");
}

fn sorted_lines(s: &str) -> Vec<String> {
    let mut v: Vec<String> = s.lines().map(String::from).collect();
    v.sort();
    v
}

#[test]
fn all_prints_the_targets_hostname() {
    if let Some(why) = need_root() {
        return skip(&why);
    }
    let target = Target::start("hostname", 50);
    let out = tool().args(["-t", &target.pid.to_string(), "-a", "--", "hostname"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "target-box", "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn the_targets_pids_limit_holds_for_the_entered_process() {
    if let Some(why) = need_root() {
        return skip(&why);
    }
    let target = Target::start("pids", 8);
    // Through ctr-enter, try to start 20 sleepers (shell builtins only: a failed fork must
    // not stop the loop). While they live, count them from the host.
    let joined = sleepers_started_through_ctr_enter(&target, &[]);
    assert!(joined.sleepers <= 8, "{} sleepers: the target's pids.max of 8 did not hold", joined.sleepers);
    assert!(joined.pids_current <= 8, "pids.current {} exceeds pids.max 8", joined.pids_current);

    // The contrast lab 13 teaches: without joining the cgroup (nsenter's way) the cap is escaped.
    let escaped = sleepers_started_through_ctr_enter(&target, &["--no-join-cgroup"]);
    assert!(
        escaped.sleepers > 8,
        "without joining the cgroup the cap should not apply ({} sleepers)",
        escaped.sleepers
    );
}

struct Count {
    sleepers: usize,
    pids_current: usize,
}

fn sleepers_started_through_ctr_enter(target: &Target, extra: &[&str]) -> Count {
    let script = "i=0; while [ $i -lt 20 ]; do sleep 3 & i=$((i+1)); done 2>/dev/null; echo started; wait";
    let mut enter = std::process::Command::new(env!("CARGO_BIN_EXE_ctr-enter"))
        .args(["-t", &target.pid.to_string(), "-a"])
        .args(extra)
        .args(["--", "sh", "-c", script])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(enter.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let target_pidns = common::ns_inode(&target.pid.to_string(), "pid");
    let sleepers = all_pids()
        .into_iter()
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm")).map(|c| c.trim() == "sleep").unwrap_or(false)
        })
        .filter(|pid| {
            std::fs::read_link(format!("/proc/{pid}/ns/pid"))
                .map(|l| l.to_string_lossy() == target_pidns)
                .unwrap_or(false)
        })
        .count();
    let pids_current = pids_current_of(target.pid);
    for pid in all_pids() {
        // End our sleepers early (only those in the target's pid namespace: ours).
        let ours = std::fs::read_link(format!("/proc/{pid}/ns/pid"))
            .map(|l| l.to_string_lossy() == target_pidns)
            .unwrap_or(false);
        let is_sleep =
            std::fs::read_to_string(format!("/proc/{pid}/comm")).map(|c| c.trim() == "sleep").unwrap_or(false);
        if ours && is_sleep {
            let _ = std::process::Command::new("kill").arg(pid.to_string()).status();
        }
    }
    let _ = enter.wait();
    Count { sleepers, pids_current }
}

fn all_pids() -> Vec<i32> {
    std::fs::read_dir("/proc").unwrap().filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect()
}

/// pids.current of the target's cgroup in whichever hierarchy holds the pids controller.
fn pids_current_of(pid: i32) -> usize {
    let cgroups = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap();
    for line in cgroups.lines() {
        let mut parts = line.splitn(3, ':');
        let (_, controllers, path) = (parts.next(), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let file = if controllers.split(',').any(|c| c == "pids") {
            format!("/sys/fs/cgroup/pids{path}/pids.current")
        } else if controllers.is_empty() {
            format!("/sys/fs/cgroup{path}/pids.current")
        } else {
            continue;
        };
        if let Ok(text) = std::fs::read_to_string(&file) {
            return text.trim().parse().unwrap();
        }
    }
    panic!("no pids.current found for {pid}: {cgroups}");
}

#[test]
fn persisted_namespaces_can_be_entered_by_file() {
    if let Some(why) = need_root() {
        return skip(&why);
    }
    let dir = TempDir::new("enter-persist");
    let nsdir = dir.path().join("ns");
    let nsdir_s = nsdir.to_str().unwrap();
    std::process::Command::new(NS_UNSHARE)
        .args(["-u", "-n", "--hostname", "kept-box", "--persist", nsdir_s, "--", "true"])
        .status()
        .unwrap();
    let out = tool()
        .arg(format!("--uts={nsdir_s}/uts"))
        .arg(format!("--net={nsdir_s}/net"))
        .args(["--", "sh", "-c", "hostname; tail -n +3 /proc/self/net/dev | cut -d: -f1"])
        .output()
        .unwrap();
    let words: Vec<String> = String::from_utf8_lossy(&out.stdout).split_whitespace().map(String::from).collect();
    std::process::Command::new(NS_UNSHARE).args(["--unpersist", nsdir_s]).status().unwrap();
    assert_eq!(words, ["kept-box", "lo"], "{}", String::from_utf8_lossy(&out.stderr));
    assert!(common::host_mounts_mentioning(nsdir_s).is_empty());
}

#[test]
fn exit_status_and_signals_pass_through() {
    if let Some(why) = need_root() {
        return skip(&why);
    }
    let target = Target::start("status", 50);
    let pid = target.pid.to_string();
    tool().args(["-t", &pid, "-u", "--", "sh", "-c", "exit 5"]).assert().code(5);
    tool().args(["-t", &pid, "-a", "--", "sh", "-c", "exit 6"]).assert().code(6);
    tool().args(["-t", &pid, "-u", "--", "/nonexistent"]).assert().code(127);
}

#[test]
fn bad_input_is_one_line_and_exit_125() {
    let cases: Vec<Vec<&str>> = vec![
        vec!["-t", "999999999", "-a", "--", "true"],
        vec!["-t", "0", "-u", "--", "true"],
        vec!["-t", "-5", "-u", "--", "true"],
        vec!["-t", "abc", "-u", "--", "true"],
        vec!["-a", "--", "true"],
        vec!["-t", "1", "--", "true"],
        vec!["--net=/nonexistent/ns/net", "--", "true"],
        vec!["-u", "--", "true"],
        vec!["--bogus"],
    ];
    for args in cases {
        let out = tool().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(125), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().filter(|l| !l.starts_with("hint: ")).count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("ctr-enter: "), "{err}");
    }
}

#[test]
fn a_regular_file_is_refused_as_a_namespace() {
    if let Some(why) = need_root() {
        return skip(&why);
    }
    let dir = TempDir::new("notns");
    let file = dir.path().join("plain");
    std::fs::write(&file, "").unwrap();
    let out = tool().arg(format!("--uts={}", file.display())).args(["--", "true"]).output().unwrap();
    assert_eq!(out.status.code(), Some(125));
    assert!(String::from_utf8_lossy(&out.stderr).contains("setns"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn explain_shows_the_cgroup_join_and_each_setns() {
    if let Some(why) = need_root() {
        return skip(&why);
    }
    let target = Target::start("explain", 50);
    let out = tool().args(["--explain", "-t", &target.pid.to_string(), "-a", "--", "true"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("cgroup.procs"), "no cgroup join shown: {err}");
    for flag in ["CLONE_NEWNS", "CLONE_NEWUTS", "CLONE_NEWIPC", "CLONE_NEWNET", "CLONE_NEWPID"] {
        assert!(err.contains(&format!(", {flag}) = 0")), "no setns {flag}: {err}");
    }
}
