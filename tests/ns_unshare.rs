//! ns-unshare against the real kernel: every test reads kernel truth (namespace inodes,
//! mountinfo, /proc/PID/status seen from the host, nsfs mounts), not the tool's own words.
#![forbid(unsafe_code)]

mod common;

use assert_cmd::Command;
use common::{need_root, ns_inode, skip, TempDir};
use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;

const BIN: &str = env!("CARGO_BIN_EXE_ns-unshare");

fn tool() -> Command {
    Command::cargo_bin("ns-unshare").unwrap()
}

fn stdout_of(args: &[&str]) -> String {
    let out = tool().args(args).output().unwrap();
    assert!(out.status.success(), "ns-unshare {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// A feature probe: None when the kernel offers this namespace kind.
fn need_ns(kind: &str) -> Option<String> {
    if let Some(why) = need_root() {
        return Some(why);
    }
    if !std::path::Path::new(&format!("/proc/self/ns/{kind}")).exists() {
        return Some(format!("this kernel has no {kind} namespaces (/proc/self/ns/{kind} missing)"));
    }
    if kind == "user"
        && std::fs::read_to_string("/proc/sys/user/max_user_namespaces").map(|s| s.trim() == "0").unwrap_or(true)
    {
        return Some("user namespaces are disabled (/proc/sys/user/max_user_namespaces is 0)".into());
    }
    None
}

#[test]
fn every_namespace_kind_gets_a_new_inode() {
    for kind in ["mnt", "uts", "ipc", "net", "pid", "user", "cgroup", "time"] {
        if let Some(why) = need_ns(kind) {
            return skip(&why);
        }
    }
    // pid and time apply to children: --fork makes the command such a child.
    let out = stdout_of(&[
        "-m",
        "-u",
        "-i",
        "-n",
        "-p",
        "-U",
        "-r",
        "-C",
        "-T",
        "-f",
        "--",
        "sh",
        "-c",
        "for k in mnt uts ipc net pid user cgroup time; do readlink /proc/self/ns/$k; done",
    ]);
    let inside: Vec<&str> = out.lines().collect();
    for (i, kind) in ["mnt", "uts", "ipc", "net", "pid", "user", "cgroup", "time"].iter().enumerate() {
        let host = ns_inode("self", kind);
        assert_ne!(inside[i], host, "{kind} namespace was not new");
        assert!(inside[i].starts_with(&format!("{kind}:[")), "unexpected line {}", inside[i]);
    }
}

#[test]
fn hostname_change_is_invisible_outside() {
    if let Some(why) = need_ns("uts") {
        return skip(&why);
    }
    let host_before = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let out = stdout_of(&["-u", "--hostname", "ctrkit-inside", "--", "cat", "/proc/sys/kernel/hostname"]);
    assert_eq!(out.trim(), "ctrkit-inside");
    assert_eq!(std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap(), host_before);
}

#[test]
fn fork_and_mount_proc_make_the_command_pid_1_seeing_only_its_namespace() {
    if let Some(why) = need_ns("pid") {
        return skip(&why);
    }
    let out = stdout_of(&["-m", "-p", "-f", "--mount-proc", "--", "sh", "-c", "echo $$; ls /proc | grep -c '^[0-9]'"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "1", "the command is not pid 1");
    // sh and the `ls`/`grep` it started: a handful, never the host's hundreds.
    let count: usize = lines[1].parse().unwrap();
    assert!(count <= 4, "/proc lists {count} processes: it shows more than the new pid namespace");
}

#[test]
fn a_mount_made_inside_is_absent_from_the_host() {
    if let Some(why) = need_ns("mnt") {
        return skip(&why);
    }
    let dir = TempDir::new("mnt");
    let target = dir.path().to_str().unwrap().to_string();
    let script = format!(
        "mount -t tmpfs ctrkit-test-tmpfs {target} && grep -c ctrkit-test-tmpfs /proc/self/mountinfo && read x"
    );
    let mut child = std::process::Command::new(BIN)
        .args(["-m", "--", "sh", "-c", &script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "1", "the tmpfs is not mounted inside");
    // While the namespace (and its mount) still lives, the host must not see it.
    let leaked = common::host_mounts_mentioning("ctrkit-test-tmpfs");
    child.stdin.take().unwrap().write_all(b"done\n").unwrap();
    assert!(child.wait().unwrap().success());
    assert!(leaked.is_empty(), "mount leaked to the host: {leaked:?}");
}

#[test]
fn a_new_network_namespace_has_only_lo_and_it_is_up() {
    if let Some(why) = need_ns("net") {
        return skip(&why);
    }
    // /proc/self/net/dev lists the devices of the reader's network namespace.
    let out = stdout_of(&["-n", "--", "sh", "-c", "tail -n +3 /proc/self/net/dev | cut -d: -f1; ip -o link show lo"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0].trim(), "lo");
    assert!(lines[1].contains("lo:") && lines[1].contains(",UP"), "lo is not up: {}", lines[1]);
    assert_eq!(lines.len(), 2, "more devices than lo: {out}");
}

#[test]
fn uid_0_inside_maps_to_the_chosen_host_uid() {
    if let Some(why) = need_ns("user") {
        return skip(&why);
    }
    let mut child = std::process::Command::new(BIN)
        .args([
            "-U",
            "--map-users",
            "0:100000:1",
            "--map-groups",
            "0:100000:1",
            "-S",
            "0",
            "-G",
            "0",
            "--",
            "sh",
            "-c",
            "id -u; echo $$; read x",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let (mut uid, mut pid) = (String::new(), String::new());
    reader.read_line(&mut uid).unwrap();
    reader.read_line(&mut pid).unwrap();
    // Seen from the host, the same process runs as uid 100000.
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid.trim())).unwrap();
    child.stdin.take().unwrap().write_all(b"\n").unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(uid.trim(), "0", "not root inside");
    let host_uid = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    assert!(host_uid.split_whitespace().skip(1).all(|u| u == "100000"), "host sees {host_uid}");
}

#[test]
fn map_root_user_makes_the_caller_root_inside() {
    if let Some(why) = need_ns("user") {
        return skip(&why);
    }
    let out = stdout_of(&["-U", "-r", "--", "sh", "-c", "id -u; cat /proc/self/setgroups"]);
    assert_eq!(out, "0\ndeny\n");
}

#[test]
fn a_cgroup_namespace_makes_our_cgroups_the_root() {
    if let Some(why) = need_ns("cgroup") {
        return skip(&why);
    }
    let out = stdout_of(&["-C", "--", "cat", "/proc/self/cgroup"]);
    assert!(out.lines().any(|l| l == "0::/"), "no 0::/ line: {out}");
    assert!(out.lines().all(|l| l.ends_with(":/")), "some cgroup is not / inside: {out}");
}

#[test]
fn a_time_namespace_shows_the_boottime_offset() {
    if let Some(why) = need_ns("time") {
        return skip(&why);
    }
    let inside: f64 = stdout_of(&["-T", "--boottime", "86400", "--", "cat", "/proc/uptime"])
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let host: f64 =
        std::fs::read_to_string("/proc/uptime").unwrap().split_whitespace().next().unwrap().parse().unwrap();
    assert!(inside - host > 86000.0 && inside - host < 86500.0, "uptime inside {inside}, host {host}");
}

#[test]
fn persisted_namespaces_survive_can_be_entered_and_are_released() {
    if let Some(why) = need_ns("net") {
        return skip(&why);
    }
    let dir = TempDir::new("persist");
    let nsdir = dir.path().join("ns");
    let nsdir_s = nsdir.to_str().unwrap();
    tool().args(["-n", "-u", "--hostname", "kept", "--persist", nsdir_s, "--", "true"]).assert().success();
    // The process is gone; the namespaces live on as nsfs bind mounts.
    let mounts = common::host_mounts_mentioning(nsdir_s);
    assert_eq!(mounts.len(), 2, "expected net and uts bind mounts: {mounts:?}");
    assert!(mounts.iter().all(|m| m.contains(" - nsfs ")), "{mounts:?}");
    // Enter them with util-linux's nsenter: the persisted files are the standard kind.
    let out = std::process::Command::new("nsenter")
        .args([
            &format!("--uts={nsdir_s}/uts"),
            &format!("--net={nsdir_s}/net"),
            "sh",
            "-c",
            "hostname; tail -n +3 /proc/self/net/dev | cut -d: -f1",
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>(), ["kept", "lo"]);
    tool().args(["--unpersist", nsdir_s]).assert().success();
    assert!(common::host_mounts_mentioning(nsdir_s).is_empty(), "mounts left after --unpersist");
    assert!(!nsdir.exists(), "the persist directory was not removed");
}

#[test]
fn util_linux_file_form_persists_one_namespace() {
    if let Some(why) = need_ns("uts") {
        return skip(&why);
    }
    let dir = TempDir::new("persist-file");
    let file = dir.path().join("uts");
    tool().arg(format!("--uts={}", file.display())).args(["--hostname", "filed", "true"]).assert().success();
    let out = std::process::Command::new("nsenter")
        .arg(format!("--uts={}", file.display()))
        .arg("hostname")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "filed");
    tool().arg("--unpersist").arg(&file).assert().success();
    assert!(!file.exists());
}

#[test]
fn exit_codes_follow_the_shell() {
    if let Some(why) = need_root() {
        return skip(&why);
    }
    tool().args(["-u", "--", "sh", "-c", "exit 3"]).assert().code(3);
    tool().args(["-u", "--", "/nonexistent/command"]).assert().code(127);
    tool().args(["-u", "--", "/proc/self/status"]).assert().code(126);
    tool().args(["-u", "-f", "--", "sh", "-c", "exit 4"]).assert().code(4);
}

#[test]
fn a_child_killed_by_a_signal_kills_the_tool_the_same_way() {
    if let Some(why) = need_root() {
        return skip(&why);
    }
    use std::os::unix::process::ExitStatusExt;
    let status = std::process::Command::new(BIN).args(["-u", "-f", "--", "sh", "-c", "kill -9 $$"]).status().unwrap();
    assert_eq!(status.signal(), Some(9), "status {status:?}");
}

#[test]
fn sigterm_sent_to_the_tool_reaches_the_command() {
    if let Some(why) = need_root() {
        return skip(&why);
    }
    let mut child = std::process::Command::new(BIN)
        .args(["-u", "-f", "--", "sh", "-c", "trap 'exit 7' TERM; echo ready; while :; do sleep 0.05; done"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "ready");
    std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(7), "the trap did not run: SIGTERM was not forwarded");
}

#[test]
fn bad_input_is_one_line_exit_125_and_creates_nothing() {
    let dir = TempDir::new("bad");
    let persist = dir.path().join("never");
    let p = persist.to_str().unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec!["--bogus"],
        vec!["--map-users", "0:1000:0", "true"],
        vec!["--map-users", "0:1000", "true"],
        vec!["-u", "--hostname", "a b", "true"],
        vec!["--propagation", "sideways", "-m", "true"],
        vec!["--boottime", "soon", "true"],
        vec!["--setgroups", "maybe", "-U", "true"],
        vec!["--persist", p, "true"],
        vec!["--unpersist", p],
    ];
    for args in cases {
        let out = tool().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(125), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?} did not give one line: {err}");
        assert!(err.starts_with("ns-unshare: "), "{err}");
        assert!(!persist.exists(), "{args:?} created {p}");
    }
}

#[test]
fn explain_prints_each_kernel_operation_and_dry_run_makes_none() {
    if let Some(why) = need_root() {
        return skip(&why);
    }
    let out = tool().args(["--explain", "-u", "--hostname", "told", "--", "true"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unshare(CLONE_NEWUTS) = 0   # "), "{err}");
    assert!(err.contains("sethostname(\"told\") = 0"), "{err}");
    assert!(err.contains("— uts_namespaces(7)"), "{err}");

    let dir = TempDir::new("dry");
    let nsdir = dir.path().join("ns");
    let out = tool()
        .args([
            "--dry-run",
            "-u",
            "-n",
            "--hostname",
            "never",
            "--persist",
            nsdir.to_str().unwrap(),
            "--",
            "echo",
            "ran",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(out.stdout.is_empty(), "the command ran under --dry-run");
    assert!(err.contains("unshare(CLONE_NEWUTS|CLONE_NEWNET) = (dry run)"), "{err}");
    assert!(!nsdir.exists(), "--dry-run created the persist directory");
    assert!(common::host_mounts_mentioning(nsdir.to_str().unwrap()).is_empty());
}
