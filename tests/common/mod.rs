//! Helpers every integration test file shares: feature probes that skip with a reason (and
//! fail under CTRKIT_TESTS_STRICT=1, as CI sets), and reading kernel truth from /proc.
#![allow(dead_code)]

use std::path::Path;

/// Skip the calling test with a reason; under CTRKIT_TESTS_STRICT=1 a skip is a failure.
/// Use as `if let Some(why) = probe() { return skip(why); }`.
pub fn skip(reason: &str) {
    if std::env::var("CTRKIT_TESTS_STRICT").as_deref() == Ok("1") {
        panic!("SKIP not allowed under CTRKIT_TESTS_STRICT=1: {reason}");
    }
    eprintln!("SKIP: {reason}");
}

/// None when we are root, else why not.
pub fn need_root() -> Option<String> {
    if nix_euid() == 0 {
        None
    } else {
        Some("needs root (run the suite as root)".into())
    }
}

fn nix_euid() -> u32 {
    // Read from /proc instead of pulling a crate into the tests for one call.
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .and_then(|l| l.split_whitespace().nth(2))
        .and_then(|s| s.parse().ok())
        .unwrap_or(u32::MAX)
}

/// The inode of a namespace file, e.g. ns_inode("self", "uts") — what `ls -l /proc/PID/ns` shows.
pub fn ns_inode(pid: &str, ns: &str) -> String {
    std::fs::read_link(format!("/proc/{pid}/ns/{ns}"))
        .unwrap_or_else(|e| panic!("readlink /proc/{pid}/ns/{ns}: {e}"))
        .to_string_lossy()
        .into_owned()
}

/// A fresh empty directory under the system temp dir, removed when dropped.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("ctrkit-test-{tag}-{}-{}", std::process::id(), unique()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// The lines of /proc/self/mountinfo that mention `needle`.
pub fn host_mounts_mentioning(needle: &str) -> Vec<String> {
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains(needle))
        .map(String::from)
        .collect()
}

/// Cgroup directories anywhere under /sys/fs/cgroup whose name starts with `prefix`.
pub fn cgroups_named(prefix: &str) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut todo = vec![(std::path::PathBuf::from("/sys/fs/cgroup"), 0)];
    while let Some((dir, depth)) = todo.pop() {
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                if e.file_name().to_string_lossy().starts_with(prefix) {
                    found.push(e.path());
                } else if depth < 6 {
                    todo.push((e.path(), depth + 1));
                }
            }
        }
    }
    found
}

/// A child's exit status if it ends within `patience`; otherwise it is killed, reaped, and None.
pub fn wait_within(child: &mut std::process::Child, patience: std::time::Duration) -> Option<std::process::ExitStatus> {
    let deadline = std::time::Instant::now() + patience;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// An image store shared by one test file's tests, under target/tmp and kept between runs
/// (the demo image is built into it once).
pub fn shared_store(name: &str) -> std::path::PathBuf {
    let root = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&root).unwrap();
    root
}

/// A busybox root under target/tmp/NAME, built once and kept between runs: `dirs`, /bin/busybox
/// with its applets as relative links, then `files` (path, content) written into it. Built in
/// a temp dir and renamed into place whole, so parallel test binaries never see half of one.
/// None when busybox-static is not installed.
pub fn busybox_rootfs(name: &str, dirs: &[&str], files: &[(&str, &str)]) -> Option<std::path::PathBuf> {
    use std::path::{Path, PathBuf};
    if !Path::new("/bin/busybox").exists() {
        return None;
    }
    let done = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    if files.iter().all(|(path, _)| done.join(path).exists()) && done.join("bin/sh").exists() {
        return Some(done);
    }
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for d in dirs.iter().chain(&["bin", "etc"]) {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::copy("/bin/busybox", root.join("bin/busybox")).unwrap();
    let list = std::process::Command::new("/bin/busybox").arg("--list").output().unwrap();
    for applet in String::from_utf8_lossy(&list.stdout).lines() {
        if applet != "busybox" {
            let _ = std::os::unix::fs::symlink("busybox", root.join("bin").join(applet));
        }
    }
    for (path, content) in files {
        std::fs::write(root.join(path), content).unwrap();
    }
    if std::fs::rename(&root, &done).is_err() {
        let _ = std::fs::remove_dir_all(&root); // another run won the race: use its copy
    }
    Some(done)
}
