//! ctr-run against the real kernel, as root: a busybox root built at test time, the isolation
//! checks of security.md ("From inside a container"), limits (and /sys/fs/cgroup inside,
//! read-only, showing them), users, volumes, exit codes, signals, -t (a pty of the container's
//! own devpts, the window size at start and after a resize), -d, and bad input. Each test has its own CTRKIT_STATE dir (so tests run in
//! parallel and can check that nothing is left) and removes it when done.
#![forbid(unsafe_code)]
mod common;

use common::{skip, TempDir};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_ctr-run");

/// A busybox root: /bin/busybox and its applets as relative links, /etc/passwd with root,
/// nobody and app (1000), /etc/group. Built once per test binary under target/tmp.
fn rootfs() -> Option<&'static Path> {
    static ROOT: OnceLock<Option<PathBuf>> = OnceLock::new();
    ROOT.get_or_init(|| {
        let passwd = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\napp:x:1000:1000:app:/home/app:/bin/sh\n";
        let group = "root:x:0:\nwheel:x:10:app\nnogroup:x:65534:\napp:x:1000:\n";
        common::busybox_rootfs(
            "ctr-run-rootfs",
            &["tmp", "root", "home/app", "data"],
            &[("etc/passwd", passwd), ("etc/group", group), ("etc/not-executable", "#!/bin/sh\n")],
        )
    })
    .as_deref()
}

/// Root and busybox, or a skip with the reason.
fn setup() -> Option<(&'static Path, TempDir)> {
    if let Some(why) = common::need_root() {
        skip(&why);
        return None;
    }
    let Some(root) = rootfs() else {
        skip("busybox-static not installed (apt-get install busybox-static)");
        return None;
    };
    Some((root, TempDir::new("ctr-run-state")))
}

fn ctr_run(state: &TempDir, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env("CTRKIT_STATE", state.path()).args(args).stdin(Stdio::null());
    cmd
}

/// `ctr-run --rm --rootfs ROOT EXTRA… -- sh -c SCRIPT`.
fn sh(state: &TempDir, root: &Path, extra: &[&str], script: &str) -> Output {
    let mut args = vec!["--rm", "--rootfs", root.to_str().unwrap()];
    args.extend(extra);
    args.extend(["--", "sh", "-c", script]);
    ctr_run(state, &args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "status {:?}\nstdout: {}\nstderr: {}",
        o.status,
        stdout(o),
        String::from_utf8_lossy(&o.stderr)
    );
    stdout(o)
}

/// The value after `Key:` in /proc/self/status text.
fn field<'a>(text: &'a str, key: &str) -> &'a str {
    text.lines().find_map(|l| l.strip_prefix(key)).map(str::trim).unwrap_or_else(|| panic!("no {key} in {text}"))
}

/// Nothing left: no container dir, no mount naming the state dir.
fn assert_clean(state: &TempDir) {
    let containers = state.path().join("containers");
    let left: Vec<_> =
        std::fs::read_dir(&containers).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    assert!(left.is_empty(), "state left behind: {left:?}");
    assert!(common::host_mounts_mentioning(&state.path().to_string_lossy()).is_empty());
}

#[test]
fn isolation_from_inside_the_container() {
    let Some((root, state)) = setup() else { return };
    let out = ok(&sh(
        &state,
        root,
        &["--hostname", "box1"],
        "ls /proc/self/fd | tr '\\n' ' '; echo; pwd; readlink /proc/1/exe; hostname; \
         cat /proc/self/status; ls /dev | tr '\\n' ' '; echo; stat -c '%t:%T' /dev/null; \
         cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' '; ps -o pid,comm | tail -n +2 | tr '\\n' ' '; echo",
    ));
    let lines: Vec<&str> = out.lines().collect();
    // ls's own directory fd is the one extra number: it reads /proc/self/fd through it.
    assert_eq!(lines[0].trim(), "0 1 2 3", "only 0-2 (+ls's own dir fd)");
    assert_eq!(lines[1], "/");
    assert_eq!(lines[2], "/bin/busybox", "pid 1 is the workload, not the runtime");
    assert_eq!(lines[3], "box1");
    assert_eq!(field(&out, "CapBnd:"), "00000000a80425fb");
    assert_eq!(field(&out, "CapEff:"), "00000000a80425fb");
    assert_eq!(field(&out, "CapInh:"), "0000000000000000");
    assert_eq!(field(&out, "Seccomp:"), "2");
    assert_eq!(field(&out, "NoNewPrivs:"), "0");
    let dev = out.lines().find(|l| l.contains("urandom")).unwrap();
    assert_eq!(dev.trim(), "fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero");
    assert!(out.contains("\n1:3\n"), "/dev/null is char 1:3: {out}");
    assert!(out.contains("\nlo\n"), "only lo: {out}");
    let ps = out.lines().last().unwrap();
    assert!(ps.trim_start().starts_with("1 sh"), "ps shows the container's pid 1: {ps}");
    assert_ne!(nix_hostname(), "box1");
    assert_clean(&state);
}

fn nix_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap().trim().to_string()
}

#[test]
fn masked_and_read_only_paths() {
    let Some((root, state)) = setup() else { return };
    let out = ok(&sh(
        &state,
        root,
        &[],
        "echo kcore=$(cat /proc/kcore 2>/dev/null | wc -c) keys=$(wc -c < /proc/keys); \
         echo h > /proc/sysrq-trigger 2>/dev/null && echo sysrq-writable; \
         touch /sys/x 2>&1; echo 1 > /proc/sys/kernel/domainname 2>/dev/null && echo sys-writable; \
         ls /sys/firmware | wc -l; hostname inside-name 2>&1; true",
    ));
    assert!(out.contains("kcore=0 keys=0"), "{out}");
    assert!(!out.contains("writable"), "{out}");
    assert!(out.contains("Read-only file system"), "touch /sys/x: {out}");
    assert!(out.contains("Operation not permitted"), "docker's caps lack SYS_ADMIN: {out}");
    // With CAP_SYS_ADMIN the container may rename itself, and only itself.
    let out = ok(&sh(&state, root, &["--cap-add", "SYS_ADMIN"], "hostname inside-name && hostname"));
    assert_eq!(out, "inside-name\n");
    assert_ne!(nix_hostname(), "inside-name", "the host's hostname is unchanged");
}

#[test]
fn container_mounts_stay_inside() {
    let Some((root, state)) = setup() else { return };
    let mut child =
        ctr_run(&state, &["--rm", "--rootfs", root.to_str().unwrap(), "--", "sh", "-c", "echo up; sleep 2"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
    let mut first = [0u8; 3];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
    assert!(common::host_mounts_mentioning(&state.path().to_string_lossy()).is_empty(), "overlay visible on the host");
    assert!(child.wait().unwrap().success());
    assert_clean(&state);
}

#[test]
fn memory_limit_oom_kills_a_hog() {
    let Some((root, state)) = setup() else { return };
    let args = [
        "--rm",
        "--memory",
        "32M",
        "--rootfs",
        root.to_str().unwrap(),
        "--",
        "dd",
        "if=/dev/zero",
        "of=/dev/null",
        "bs=256M",
        "count=1",
    ];
    let o = ctr_run(&state, &args).output().unwrap();
    assert_eq!(o.status.code().or(o.status.signal_code()), Some(137), "{}", String::from_utf8_lossy(&o.stderr));
    assert_clean(&state);
}

trait SignalCode {
    fn signal_code(&self) -> Option<i32>;
}
impl SignalCode for std::process::ExitStatus {
    fn signal_code(&self) -> Option<i32> {
        std::os::unix::process::ExitStatusExt::signal(self).map(|s| 128 + s)
    }
}

#[test]
fn sys_fs_cgroup_shows_the_containers_own_cgroup_read_only() {
    let Some((root, state)) = setup() else { return };
    let out = ok(&sh(
        &state,
        root,
        &["--memory", "48M"],
        "grep ' /sys/fs/cgroup' /proc/self/mountinfo; echo; \
         cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null; \
         cat /sys/fs/cgroup/cgroup.procs /sys/fs/cgroup/memory/cgroup.procs 2>/dev/null | head -1; \
         mkdir /sys/fs/cgroup/x /sys/fs/cgroup/memory/x /sys/fs/cgroup/unified/x 2>&1; \
         echo 1 > /sys/fs/cgroup/memory/memory.limit_in_bytes 2>&1; true",
    ));
    let (mounts, rest) = out.split_once("\n\n").unwrap_or_else(|| panic!("{out}"));
    assert!(!mounts.is_empty(), "no /sys/fs/cgroup inside: {out}");
    for line in mounts.lines() {
        let options = line.split(' ').nth(5).unwrap_or_default();
        assert!(options.starts_with("ro,"), "writable: {line}");
    }
    let mut rest = rest.lines();
    // memory.max (v2) or memory.limit_in_bytes (v1): the container's own limit, 48M.
    assert_eq!(rest.next(), Some("50331648"), "{out}");
    // Its cgroup is the root there: pid 1 (the container's) is in it.
    assert_eq!(rest.next(), Some("1"), "{out}");
    assert!(rest.all(|l| l.contains("Read-only file system")), "{out}");
    assert_clean(&state);
}

#[test]
fn pids_limit_stops_a_fork_bomb() {
    let Some((root, state)) = setup() else { return };
    let t = Instant::now();
    let out = ok(&sh(
        &state,
        root,
        &["--pids-limit", "10"],
        "(i=0; while [ $i -lt 40 ]; do sleep 5 & i=$((i+1)); done) 2>/dev/null; set -- /proc/[0-9]*; echo $#",
    ));
    let n: u32 = out.trim().parse().unwrap();
    assert!(n <= 10, "{n} processes under --pids-limit 10");
    assert!(t.elapsed() < Duration::from_secs(20));
    assert_clean(&state);
}

#[test]
fn seccomp_no_new_privs_and_unconfined() {
    let Some((root, state)) = setup() else { return };
    let out = ok(&sh(&state, root, &[], "unshare -U true 2>&1; echo rc=$?"));
    assert!(out.contains("Operation not permitted") && out.contains("rc=1"), "{out}");
    let out = ok(&sh(&state, root, &["--security-opt", "no-new-privileges"], "cat /proc/self/status"));
    assert_eq!(field(&out, "NoNewPrivs:"), "1");
    assert_eq!(field(&out, "Seccomp:"), "2");
    let out = ok(&sh(&state, root, &["--security-opt", "seccomp=unconfined"], "cat /proc/self/status"));
    assert_eq!(field(&out, "Seccomp:"), "0");
}

#[test]
fn users_env_workdir_and_caps() {
    let Some((root, state)) = setup() else { return };
    let out = ok(&sh(&state, root, &["-u", "1000"], "id -u; id -g; cat /proc/self/status"));
    assert!(out.starts_with("1000\n1000\n"), "{out}");
    assert_eq!(field(&out, "CapEff:"), "0000000000000000", "a non-root user has no capabilities");
    let out = ok(&sh(&state, root, &["-u", "app", "-e", "A=b c", "-w", "/tmp/new"], "echo $HOME; echo $A; pwd; id -G"));
    assert_eq!(out, "/home/app\nb c\n/tmp/new\n1000 10\n");
    let out = ok(&sh(&state, root, &["--cap-drop", "ALL", "--cap-add", "KILL"], "grep CapEff /proc/self/status"));
    assert_eq!(field(&out, "CapEff:"), "0000000000000020");
}

#[test]
fn volumes_bind_and_read_only() {
    let Some((root, state)) = setup() else { return };
    let host = TempDir::new("ctr-run-vol");
    let v = format!("{}:/data/vol", host.path().display());
    let out = ok(&sh(&state, root, &["-v", &v], "echo hi > /data/vol/f && cat /data/vol/f"));
    assert_eq!(out, "hi\n");
    assert_eq!(std::fs::read_to_string(host.path().join("f")).unwrap(), "hi\n");
    let ro = format!("{v}:ro");
    let out = ok(&sh(&state, root, &["-v", &ro], "(echo x > /data/vol/g) 2>&1; echo rc=$?"));
    assert!(out.contains("Read-only") && out.contains("rc=1"), "{out}");
    assert!(!host.path().join("g").exists());
    assert!(!root.join("data/vol").exists(), "the rootfs dir is never modified");
}

#[test]
fn exit_codes() {
    let Some((root, state)) = setup() else { return };
    let code = |extra: &[&str], cmd: &[&str]| {
        let mut args = vec!["--rm", "--rootfs", root.to_str().unwrap()];
        args.extend(extra);
        args.push("--");
        args.extend(cmd);
        let o = ctr_run(&state, &args).output().unwrap();
        (o.status.code().or(o.status.signal_code()), String::from_utf8_lossy(&o.stderr).into_owned())
    };
    assert_eq!(code(&[], &["true"]).0, Some(0));
    assert_eq!(code(&[], &["sh", "-c", "exit 3"]).0, Some(3));
    // pid 1 of a pid namespace is immune to signals it has no handler for, even SIGKILL from
    // inside: with --init the shell is not pid 1 and dies of it.
    assert_eq!(code(&["--init"], &["sh", "-c", "kill -9 $$"]).0, Some(137));
    let (c, err) = code(&[], &["no-such-command"]);
    assert_eq!(c, Some(127), "{err}");
    assert_eq!(err.lines().count(), 2, "one line and a hint: {err}");
    assert_eq!(code(&[], &["/etc/not-executable"]).0, Some(126));
    assert_eq!(code(&["--init"], &["sh", "-c", "exit 4"]).0, Some(4));
    assert_clean(&state);
}

#[test]
fn sigterm_reaches_the_workload() {
    let Some((root, state)) = setup() else { return };
    for (extra, script) in
        [(vec!["--init"], "echo up; sleep 30"), (vec![], "trap 'exit 7' TERM; echo up; sleep 30 & wait")]
    {
        let mut args = vec!["--rm", "--rootfs", root.to_str().unwrap()];
        args.extend(extra.iter().copied());
        args.extend(["--", "sh", "-c", script]);
        let mut child = ctr_run(&state, &args).stdout(Stdio::piped()).spawn().unwrap();
        let mut up = [0u8; 3];
        std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut up).unwrap();
        std::thread::sleep(Duration::from_millis(100));
        Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
        let status = child.wait().unwrap();
        let code = status.code().or(status.signal_code());
        let want = if extra.is_empty() { 7 } else { 143 };
        assert_eq!(code, Some(want), "{extra:?}");
    }
    assert_clean(&state);
}

#[test]
fn init_reaps_and_hides_the_runtime() {
    let Some((root, state)) = setup() else { return };
    let out = ok(&sh(
        &state,
        root,
        &["--init"],
        "readlink /proc/1/exe 2>&1; echo rc=$?; ps -o pid,comm | tail -n +2 | wc -l",
    ));
    assert!(out.contains("rc=1"), "/proc/1/exe of the init is not readable: {out}");
}

#[test]
fn rm_leaves_nothing_and_without_rm_the_record_stays() {
    let Some((root, state)) = setup() else { return };
    let out = ok(&sh(&state, root, &["--memory", "64M", "--pids-limit", "20"], "hostname"));
    assert!(common::cgroups_named(out.trim()).is_empty(), "cgroup left for {out}");
    assert_clean(&state);
    let o = ctr_run(&state, &["--name", "kept", "--rootfs", root.to_str().unwrap(), "--", "sh", "-c", "exit 5"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(5));
    let link = std::fs::read_link(state.path().join("names/kept")).unwrap();
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(state.path().join("containers").join(&link).join("state.json")).unwrap())
            .unwrap();
    assert_eq!(record["status"], "exited");
    assert_eq!(record["exit_code"], 5);
    assert!(common::cgroups_named(&link.to_string_lossy()[..12]).is_empty());
    let again =
        ctr_run(&state, &["--name", "kept", "--rootfs", root.to_str().unwrap(), "--", "true"]).output().unwrap();
    assert_eq!(again.status.code(), Some(125), "the name is taken");
}

#[test]
fn bad_input_is_refused_and_creates_nothing() {
    let Some((root, state)) = setup() else { return };
    let r = root.to_str().unwrap();
    for bad in [
        vec!["--memory", "-5", "--rootfs", r, "true"],
        vec!["--pids-limit", "0", "--rootfs", r, "true"],
        vec!["--cpus", "NaN", "--rootfs", r, "true"],
        vec!["-v", ":/x", "--rootfs", r, "true"],
        vec!["-w", "relative", "--rootfs", r, "true"],
        vec!["--name", "a/b", "--rootfs", r, "true"],
        vec!["--name", "..", "--rootfs", r, "true"],
        vec!["--rootfs", "/no/such/rootfs", "true"],
        vec!["-u", "ghost", "--rootfs", r, "true"],
        vec!["--cap-add", "NOPE", "--rootfs", r, "true"],
    ] {
        let o = ctr_run(&state, &bad).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(125), "{bad:?}: {err}");
        assert!(err.starts_with("ctr-run: ") && err.lines().count() <= 2, "{bad:?}: {err}");
        assert!(!state.path().join("containers").exists(), "{bad:?} created state");
    }
}

#[test]
fn tty_gives_a_terminal() {
    let Some((root, state)) = setup() else { return };
    let r = root.to_str().unwrap();
    let script = "test -t 0 && test -t 1 && echo TTY $TERM; tty; ls /dev/pts | tr '\\n' ' '; echo; \
                  stat -c '%u %a' /dev/pts/0; grep ' /dev/pts ' /proc/self/mountinfo";
    let out = ok(&ctr_run(&state, &["--rm", "-t", "--rootfs", r, "--", "sh", "-c", script]).output().unwrap());
    assert!(out.contains("TTY xterm"), "{out}");
    // The terminal is the container's own: pty 0 of a devpts instance of its own.
    assert!(out.contains("\r\n/dev/pts/0\r\n"), "tty inside: {out}");
    assert!(out.contains("\r\n0 ptmx \r\n"), "only its own pty in /dev/pts: {out}");
    assert!(out.contains("\r\n0 620\r\n"), "root's, mode 0620: {out}");
    let pts = out.lines().find(|l| l.contains(" /dev/pts ")).unwrap_or_default();
    assert!(pts.contains(" - devpts ") && pts.contains("ptmxmode=666"), "{pts}");
    // A user's terminal is theirs; detached (-d -t) the terminal is the container's own too.
    let out =
        ok(&ctr_run(&state, &["--rm", "-t", "-u", "1000", "--rootfs", r, "--", "stat", "-c", "%u", "/dev/pts/0"])
            .output()
            .unwrap());
    assert_eq!(out, "1000\r\n");
    let id = ok(&ctr_run(&state, &["-d", "-t", "--rootfs", r, "--", "tty"]).output().unwrap()).trim().to_string();
    let dir = state.path().join("containers").join(&id);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !std::fs::read_to_string(dir.join("state.json")).unwrap_or_default().contains("\"exited\"") {
        assert!(Instant::now() < deadline, "the -d -t container did not end");
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = std::fs::read_to_string(dir.join("container.log")).unwrap_or_default();
    assert!(log.contains(r#""log":"/dev/pts/0\r\n""#), "{log}");
    std::fs::remove_dir_all(&dir).unwrap();
    let _ = std::fs::remove_dir_all(state.path().join("names"));
    // The window size: the user's at the start, and the new one after a resize (SIGWINCH),
    // with a terminal from script(1) on our side.
    if !Path::new("/usr/bin/script").exists() {
        return skip("script (util-linux) not installed");
    }
    let inner = format!(
        "stty rows 33 cols 101; (sleep 1; stty rows 40 cols 120 < /dev/tty) & \
         CTRKIT_STATE={} {BIN} --rm -t --rootfs {r} -- sh -c 'stty size; sleep 2; stty size'",
        state.path().display()
    );
    let o = Command::new("script").args(["-qec", &inner, "/dev/null"]).stdin(Stdio::null()).output().unwrap();
    let out = ok(&o);
    assert!(out.contains("33 101\r\n") && out.contains("40 120\r\n"), "{out}");
    assert_clean(&state);
}

#[test]
fn detached_runs_log_and_record_the_exit() {
    let Some((root, state)) = setup() else { return };
    let o = ctr_run(
        &state,
        &[
            "-d",
            "--name",
            "bg",
            "--rootfs",
            root.to_str().unwrap(),
            "--",
            "sh",
            "-c",
            "echo out; echo err >&2; sleep 0.3; exit 3",
        ],
    )
    .output()
    .unwrap();
    let id = ok(&o).trim().to_string();
    assert_eq!(id.len(), 64, "{id}");
    let dir = state.path().join("containers").join(&id);
    let deadline = Instant::now() + Duration::from_secs(10);
    let record = loop {
        let r: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("state.json")).unwrap()).unwrap();
        if r["status"] == "exited" || Instant::now() > deadline {
            break r;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(record["exit_code"], 3, "{record}");
    let log = std::fs::read_to_string(dir.join("container.log")).unwrap();
    assert!(log.contains(r#"{"log":"out\n","stream":"stdout""#), "{log}");
    assert!(log.contains(r#"{"log":"err\n","stream":"stderr""#), "{log}");
    assert!(common::cgroups_named(&id[..12]).is_empty());
}

#[test]
fn print_pipeline_shows_the_small_tools() {
    let Some((root, state)) = setup() else { return };
    let out =
        ok(&ctr_run(&state, &["--print-pipeline", "--memory", "64M", "--rootfs", root.to_str().unwrap(), "--", "sh"])
            .output()
            .unwrap());
    assert!(
        out.contains("cg-limit --name ID --memory 64M") && out.contains("ns-unshare") && out.contains("pivot_root"),
        "{out}"
    );
    assert!(!state.path().join("containers").exists());
}

#[test]
fn the_seeds_first_command_runs_the_built_in_demo_image() {
    let Some((_, state)) = setup() else { return };
    // A private image store: `demo` is not in it, so the first run builds it from busybox.
    let root = TempDir::new("ctr-run-images");
    let ctrkit = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_ctrkit"))
            .env("CTRKIT_ROOT", root.path())
            .env("CTRKIT_STATE", state.path())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    // `docker run -it --rm --name centos-test centos echo hello world`, as the seed has it
    // (without -t: a test has no terminal).
    let first = ctrkit(&["run", "-i", "--rm", "--name", "seed-test", "demo", "echo", "hello", "world"]);
    assert_eq!(ok(&first), "hello world\n");
    let id = stdout(&ctrkit(&["images", "-q", "--no-trunc"]));
    assert!(id.starts_with("sha256:"), "demo is not in the store: {id}");
    // The image's own defaults apply (CMD ["/bin/sh"], passwd from the image), and a second
    // run reuses the stored image.
    let second = ctrkit(&["run", "--rm", "demo", "sh", "-c", "id -un; head -1 /etc/passwd"]);
    assert_eq!(ok(&second), "root\nroot:x:0:0:root:/root:/bin/sh\n");
    assert_eq!(stdout(&ctrkit(&["images", "-q", "--no-trunc"])), id, "the demo image was built twice");
    assert_clean(&state);
    let missing = ctrkit(&["run", "--rm", "no-such-image", "true"]);
    assert_eq!(missing.status.code(), Some(125));
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("no-such-image"),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
}
