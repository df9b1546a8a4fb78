//! cg-limit against the real kernel: limits hold (a fork bomb stops at the pids cap, a memory
//! hog is OOM-killed, a busy loop is throttled), exit codes pass through, bad input is refused
//! with nothing created, and every cgroup directory is gone afterwards.
//!
//! Needs root. Each test uses its own cgroup name (`cgt-<test pid>-<tag>`) so tests run in
//! parallel, and a `Cleanup` guard removes that name in every hierarchy even when a test fails.
//! Where the cgroups are is worked out here independently of the library (from
//! /proc/self/cgroup and /proc/self/mountinfo), so a library bug cannot hide itself.
#![forbid(unsafe_code)]

mod common;

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn cg_limit() -> Command {
    Command::cargo_bin("cg-limit").expect("cg-limit is built")
}

fn unique(tag: &str) -> String {
    format!("cgt-{}-{tag}", std::process::id())
}

/// Our own cgroup directory in every mounted hierarchy (v1 and v2).
fn own_cgroups() -> Vec<PathBuf> {
    let cgroup = std::fs::read_to_string("/proc/self/cgroup").expect("read /proc/self/cgroup");
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").expect("read mountinfo");
    let mut dirs = Vec::new();
    for line in cgroup.lines() {
        let mut f = line.splitn(3, ':');
        let (id, ctrls, path) = (f.next().unwrap_or(""), f.next().unwrap_or(""), f.next().unwrap_or("/"));
        let mount = mountinfo.lines().find_map(|m| {
            let (left, right) = m.split_once(" - ")?;
            let mut r = right.split(' ');
            let (fstype, _, opts) = (r.next()?, r.next()?, r.next()?);
            let matches = if id == "0" {
                fstype == "cgroup2"
            } else {
                fstype == "cgroup" && ctrls.split(',').all(|c| opts.split(',').any(|o| o == c))
            };
            matches.then(|| left.split(' ').nth(4).map(PathBuf::from)).flatten()
        });
        if let Some(mount) = mount {
            dirs.push(mount.join(path.trim_start_matches('/')));
        }
    }
    dirs
}

/// Where a cgroup called `name` would be, in every hierarchy.
fn dirs_named(name: &str) -> Vec<PathBuf> {
    own_cgroups().into_iter().map(|d| d.join(name)).collect()
}

fn existing(name: &str) -> Vec<PathBuf> {
    dirs_named(name).into_iter().filter(|d| d.exists()).collect()
}

fn assert_gone(name: &str) {
    let left = existing(name);
    assert!(left.is_empty(), "cgroup {name} left behind: {left:?}");
}

/// Removes cgroup `name` everywhere when dropped, killing what is inside: tests clean up
/// even when an assertion fails half-way.
struct Cleanup(String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for dir in existing(&self.0) {
            for _ in 0..200 {
                let procs = std::fs::read_to_string(dir.join("cgroup.procs")).unwrap_or_default();
                if procs.trim().is_empty() {
                    break;
                }
                for pid in procs.lines() {
                    let _ = Command::new("kill").args(["-9", pid]).status();
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            for _ in 0..100 {
                if std::fs::remove_dir(&dir).is_ok() || !dir.exists() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

/// The statistics JSON: the last stderr line that is a JSON object.
fn stats_json(out: &Output) -> Value {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line =
        stderr.lines().rev().find(|l| l.starts_with('{')).unwrap_or_else(|| panic!("no JSON line in stderr: {stderr}"));
    serde_json::from_str(line).unwrap_or_else(|e| panic!("bad JSON {line}: {e}"))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// None if we can run these tests, else why not.
fn cannot_run() -> Option<String> {
    if let Some(why) = common::need_root() {
        return Some(why);
    }
    if own_cgroups().is_empty() {
        return Some("no cgroup hierarchy is mounted".into());
    }
    None
}

/// None if `controller` is available (as a v1 hierarchy or in our v2 cgroup), else why not.
fn need_controller(controller: &str) -> Option<String> {
    let cgroup = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
    let v1 = cgroup.lines().any(|l| l.split(':').nth(1).is_some_and(|c| c.split(',').any(|x| x == controller)));
    let v2 = own_cgroups().iter().any(|d| {
        std::fs::read_to_string(d.join("cgroup.controllers"))
            .is_ok_and(|c| c.split_whitespace().any(|x| x == controller))
    });
    (!v1 && !v2).then(|| format!("no {controller} cgroup controller on this host"))
}

macro_rules! require {
    ($($probe:expr),+) => {
        $(if let Some(why) = $probe {
            return common::skip(&why);
        })+
    };
}

#[test]
fn a_fork_bomb_stops_at_the_pids_cap_and_the_host_keeps_responding() {
    require!(cannot_run(), need_controller("pids"));
    let name = unique("bomb");
    let _guard = Cleanup(name.clone());
    // A real recursive bomb, kept going while `sleep 2` runs; then cg-limit kills it all.
    // --cpus keeps the churn from starving tests running in parallel.
    let bomb = "sleep 2 & s=$!; b() { b | b & }; b; wait $s";
    let child = cg_limit()
        .args(["--name", &name, "--pids", "32", "--cpus", "0.5", "--stats", "--json", "--", "sh", "-c", bomb])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn cg-limit");
    // While the bomb runs, the host still starts processes.
    let mut seen_max = 0u64;
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(1500) {
        for dir in dirs_named(&name) {
            if let Ok(current) = std::fs::read_to_string(dir.join("pids.current")) {
                seen_max = seen_max.max(current.trim().parse().unwrap_or(0));
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = Command::new("true").status().expect("spawn true during the bomb");
    assert!(status.success(), "the host could not run `true` during the bomb");
    let out = child.wait_with_output().expect("wait for cg-limit");
    assert!(seen_max <= 32, "pids.current reached {seen_max} over a cap of 32");
    let stats = stats_json(&out);
    let pids = &stats["pids"];
    assert_eq!(pids["limit"], 32, "{stats}");
    assert!(pids["max_events"].as_u64().unwrap_or(0) > 0, "no refused fork counted: {stats}");
    if let Some(peak) = pids["peak"].as_u64() {
        assert!(peak <= 32, "pids.peak {peak} over the cap");
    }
    // rmdir succeeds only on an empty cgroup: no directory left means no bomb process left.
    assert_gone(&name);
}

#[test]
fn a_bounded_spawn_loop_is_refused_beyond_the_cap() {
    require!(cannot_run(), need_controller("pids"));
    let name = unique("spawn");
    let _guard = Cleanup(name.clone());
    let script = "i=0; while [ $i -lt 200 ]; do sleep 3 & i=$((i+1)); done; wait";
    let out = cg_limit().args(["--name", &name, "--pids", "32", "--", "sh", "-c", script]).output().unwrap();
    let err = stderr(&out);
    assert!(err.contains("hit the pids limit") && err.contains("pids limit 32"), "{err}");
    assert_gone(&name);
}

#[test]
fn a_memory_hog_is_oom_killed_and_the_kill_is_reported() {
    require!(cannot_run(), need_controller("memory"));
    let name = unique("hog");
    let _guard = Cleanup(name.clone());
    let hog = "x=a; while :; do x=$x$x; done";
    let out = cg_limit()
        .args(["--name", &name, "--memory", "32M", "--stats", "--json", "--", "sh", "-c", hog])
        .output()
        .unwrap();
    assert_eq!(out.status.signal(), Some(9), "cg-limit re-raises SIGKILL: {:?} {}", out.status, stderr(&out));
    let stats = stats_json(&out);
    assert_eq!(stats["memory"]["limit_bytes"], 32 << 20, "{stats}");
    assert!(stats["memory"]["oom_kill"].as_u64().unwrap_or(0) >= 1, "no OOM kill counted: {stats}");
    assert_gone(&name);

    // Without --stats, one line says why the command died.
    let out = cg_limit().args(["--name", &name, "--memory", "32M", "--", "sh", "-c", hog]).output().unwrap();
    assert_eq!(out.status.signal(), Some(9));
    assert!(
        stderr(&out).contains("cg-limit: sh was killed by the OOM killer (memory limit 32M, oom_kill 1)"),
        "{}",
        stderr(&out)
    );
    assert_gone(&name);
}

#[test]
fn a_busy_loop_is_throttled_to_its_cpu_quota() {
    require!(cannot_run(), need_controller("cpu"));
    let name = unique("cpu");
    let _guard = Cleanup(name.clone());
    let start = Instant::now();
    let out = cg_limit()
        .args([
            "--name",
            &name,
            "--cpus",
            "0.2",
            "--stats",
            "--json",
            "--",
            "timeout",
            "1.5",
            "sh",
            "-c",
            "while :; do :; done",
        ])
        .output()
        .unwrap();
    let wall = start.elapsed().as_secs_f64();
    assert_eq!(out.status.code(), Some(124), "timeout's status passes through: {}", stderr(&out));
    let stats = stats_json(&out);
    let cpu = &stats["cpu"];
    assert_eq!(cpu["quota_us"], 20_000, "{stats}");
    assert!(cpu["nr_throttled"].as_u64().unwrap_or(0) > 0, "never throttled: {stats}");
    let used = cpu["usage_usec"].as_u64().expect("usage reported") as f64 / 1e6;
    let share = used / wall;
    assert!((0.1..=0.3).contains(&share), "used {used:.3}s of CPU in {wall:.3}s: {share:.2} CPUs, expected about 0.2");
    assert_gone(&name);
}

#[test]
fn exit_codes_pass_through() {
    require!(cannot_run());
    let name = unique("exit");
    let _guard = Cleanup(name.clone());
    let run = |args: &[&str]| {
        let mut all = vec!["--name", &name, "--"];
        all.extend_from_slice(args);
        cg_limit().args(all).output().unwrap()
    };
    assert_eq!(run(&["sh", "-c", "exit 3"]).status.code(), Some(3));
    assert_gone(&name);
    let missing = run(&["/nonexistent"]);
    assert_eq!(missing.status.code(), Some(127), "{}", stderr(&missing));
    assert_gone(&name);
    let termed = run(&["sh", "-c", "kill -TERM $$"]);
    assert_eq!(termed.status.signal(), Some(15), "the child's SIGTERM is re-raised: {:?}", termed.status);
    assert_gone(&name);
}

#[test]
fn bad_input_is_refused_with_one_line_and_nothing_created() {
    require!(cannot_run());
    let name = unique("bad");
    let _guard = Cleanup(name.clone());
    let long = "n".repeat(65);
    let with_name: &[&[&str]] = &[
        &["--memory", "-5"],
        &["--memory", "1e30"],
        &["--memory", "99999999999999999999"],
        &["--memory", "0"],
        &["--pids", "0"],
        &["--cpus", "NaN"],
        &["--cpus", "0"],
        &["--cpus", "-1"],
        &["--cpus", "inf"],
        &["--cpus", "100000"],
        &["--cpuset-cpus", "0-"],
        &["--cpuset-cpus", "99999"],
        &["--cpu-shares", "1"],
        &["--memory-swap", "64M"],
        &["--memory", "64M", "--memory-swap", "32M"],
    ];
    for args in with_name {
        let out = cg_limit().args(["--name", &name]).args(*args).args(["--", "true"]).output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(125), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: one line expected: {err}");
        assert!(err.starts_with("cg-limit: "), "{args:?}: {err}");
        assert_gone(&name);
    }
    for bad in ["", ".", "..", "a/b", "../../escape", long.as_str(), "sp ace"] {
        let out = cg_limit().args(["--name", bad, "--pids", "4", "--", "true"]).output().unwrap();
        assert_eq!(out.status.code(), Some(125), "--name {bad:?}: {}", stderr(&out));
        assert_eq!(stderr(&out).lines().count(), 1, "--name {bad:?}: {}", stderr(&out));
    }
    let missing = unique("never-made");
    for args in [vec!["--remove", &missing], vec!["--show", &missing]] {
        let out = cg_limit().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(125), "{args:?}");
        assert_eq!(stderr(&out).lines().count(), 1, "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn keep_show_and_remove_round_trip() {
    require!(cannot_run(), need_controller("pids"));
    let name = unique("keep");
    let _guard = Cleanup(name.clone());
    // The command leaves a sleeper behind; --keep keeps it and the cgroup.
    let out = cg_limit()
        .args([
            "--name",
            &name,
            "--keep",
            "--pids",
            "8",
            "--",
            "sh",
            "-c",
            "sleep 60 </dev/null >/dev/null 2>&1 & exit 0",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!("kept cgroup {name} at ")), "{}", stderr(&out));
    assert!(!existing(&name).is_empty());

    let show = cg_limit().args(["--show", &name, "--json"]).output().unwrap();
    assert_eq!(show.status.code(), Some(0), "{}", stderr(&show));
    let stats: Value = serde_json::from_slice(&show.stdout).expect("--show --json prints JSON on stdout");
    assert_eq!(stats["name"], name.as_str());
    assert_eq!(stats["pids"]["limit"], 8);
    let procs = stats["processes"].as_array().expect("processes").clone();
    assert_eq!(procs.len(), 1, "the sleeper: {stats}");
    let dirs: Vec<PathBuf> =
        stats["dirs"].as_array().unwrap().iter().map(|d| PathBuf::from(d.as_str().unwrap())).collect();
    assert!(dirs.iter().all(|d| d.is_dir()), "{dirs:?}");

    let refused = cg_limit().args(["--remove", &name]).output().unwrap();
    assert_eq!(refused.status.code(), Some(125));
    assert!(
        stderr(&refused).contains("still has 1 process") && stderr(&refused).contains("--force"),
        "{}",
        stderr(&refused)
    );
    assert!(!existing(&name).is_empty(), "a refused remove removes nothing");

    let forced = cg_limit().args(["--remove", &name, "--force"]).output().unwrap();
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));
    assert_gone(&name);
    assert!(dirs.iter().all(|d| !d.exists()), "{dirs:?}");
    let sleeper = procs[0].as_i64().unwrap();
    assert!(!alive(sleeper), "the sleeper {sleeper} survived --force");
}

/// A pid that exists and is not a zombie.
fn alive(pid: i64) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The state follows the command name in parentheses: "123 (sleep) S ...".
    stat.rsplit_once(") ").is_some_and(|(_, rest)| !rest.starts_with('Z') && !rest.starts_with('X'))
}

#[test]
fn dry_run_prints_the_plan_and_creates_nothing() {
    require!(cannot_run(), need_controller("pids"));
    let name = unique("dry");
    let _guard = Cleanup(name.clone());
    let out =
        cg_limit().args(["--dry-run", "--name", &name, "--pids", "10", "--", "touch", "/tmp/never"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("mkdir(\"") && err.contains(&format!("/{name}\", 0755) = (dry run)")), "{err}");
    assert!(err.contains(&format!("/{name}/pids.max\", \"10\") = (dry run)")), "{err}");
    assert!(err.contains("would fork and exec"), "{err}");
    assert_gone(&name);
}

#[test]
fn explain_prints_each_write() {
    require!(cannot_run(), need_controller("pids"));
    let name = unique("explain");
    let _guard = Cleanup(name.clone());
    let out = cg_limit().args(["--explain", "--name", &name, "--pids", "10", "--", "true"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    for needle in [
        format!("/{name}\", 0755) = 0"),
        format!("/{name}/pids.max\", \"10\") = 0"),
        format!("/{name}/cgroup.procs\", "),
        "rmdir(\"".to_string(),
        "execvp(\"true\"".to_string(),
    ] {
        assert!(err.contains(&needle), "missing {needle:?} in:\n{err}");
    }
    assert_gone(&name);
}

#[test]
fn the_command_runs_in_the_unified_hierarchy_too() {
    require!(cannot_run());
    let Some(unified) = own_cgroups().into_iter().find(|d| d.join("cgroup.controllers").exists()) else {
        return common::skip("no cgroup2 (unified) hierarchy mounted");
    };
    let name = unique("v2");
    let _guard = Cleanup(name.clone());
    let out = cg_limit().args(["--name", &name, "--", "cat", "/proc/self/cgroup"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let own_v2 = std::fs::read_to_string("/proc/self/cgroup")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("0::").map(String::from))
        .unwrap();
    let expected = format!("0::{}/{name}", own_v2.trim_end_matches('/'));
    assert!(
        String::from_utf8_lossy(&out.stdout).lines().any(|l| l == expected),
        "expected {expected} in {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!unified.join(&name).exists());
    assert_gone(&name);
}

#[test]
fn the_library_creates_joins_kills_and_removes_a_real_v2_cgroup() {
    use ctrkit::cgroup::{Cgroup, Layout, Limits, Mode, Version};
    require!(cannot_run());
    let layout = Layout::of_self().expect("our cgroups");
    let Some(unified) = layout.unified().cloned() else {
        return common::skip("no cgroup2 (unified) hierarchy mounted");
    };
    let name = unique("lib-v2");
    let _guard = Cleanup(name.clone());
    let v2_only = Layout { mode: Mode::Unified, hierarchies: vec![unified.clone()] };
    let cg = Cgroup::create_in(&v2_only, &name, &Limits::default()).expect("create under our own 0:: cgroup");
    assert_eq!(cg.dirs(), vec![unified.dir.join(&name)]);
    assert_eq!(cg.parts()[0].version, Version::V2);

    let mut sleeper = Command::new("sleep").arg("30").spawn().unwrap();
    cg.add_process(sleeper.id() as i32).expect("join");
    let line = std::fs::read_to_string(format!("/proc/{}/cgroup", sleeper.id())).unwrap();
    assert!(line.lines().any(|l| l.starts_with("0::") && l.ends_with(&format!("/{name}"))), "{line}");
    assert_eq!(cg.processes().unwrap(), vec![sleeper.id() as i32]);

    cg.kill_all().expect("cgroup.kill");
    assert_eq!(sleeper.wait().unwrap().signal(), Some(9));
    cg.remove().expect("rmdir");
    assert!(!Path::new(&unified.dir.join(&name)).exists());
}
