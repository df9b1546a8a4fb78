//! img-pull against a real registry on 127.0.0.1 (lab 07: "only verified blobs; a second
//! pull fetches no blob again; a bad digest refused").
//!
//! Each test owns its registry: Debian's docker-registry (distribution 2.8) started as a
//! child on a free loopback port, storage in the test's temp dir, its access log captured to
//! a file (the test counts `GET /v2/…/blobs/` lines in it); killed by PID and its directory
//! removed when the test ends, passing or failing (Drop guards). Images are built at test
//! time by our own img-pack (`--demo`: the host's static busybox) and pushed with skopeo.
//! Nothing leaves loopback.
//!
//! Needs root (the store keeps owners and modes) and the apt packages docker-registry,
//! skopeo and busybox-static; a missing one skips with the install command.
#![forbid(unsafe_code)]

mod common;

use common::{need_root, skip, TempDir};
use serde_json::Value;
use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const REGISTRY: &str = "/usr/bin/docker-registry";
const SKOPEO: &str = "/usr/bin/skopeo";
const BUSYBOX: &str = "/bin/busybox";

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(bin: &str, args: &[&str]) -> Out {
    let out = Command::new(bin).args(args).output().unwrap_or_else(|e| panic!("run {bin}: {e}"));
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn img_pull(args: &[&str]) -> Out {
    run(env!("CARGO_BIN_EXE_img-pull"), args)
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// A port nobody listens on right now (the kernel picks it; we close it again).
fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().expect("local addr").port()
}

/// Why this machine cannot run these tests, if it cannot.
fn missing_tools() -> Option<String> {
    if let Some(why) = need_root() {
        return Some(why);
    }
    for (path, package) in [(REGISTRY, "docker-registry"), (SKOPEO, "skopeo"), (BUSYBOX, "busybox-static")] {
        if !Path::new(path).exists() {
            return Some(format!("{path} not installed (apt-get install {package})"));
        }
    }
    None
}

/// A docker-registry child process on 127.0.0.1:<port>, killed and cleaned up on drop.
struct Registry {
    child: Child,
    port: u16,
    dir: TempDir,
}

impl Registry {
    fn start(dir: TempDir) -> Registry {
        let port = free_port();
        let config = dir.path().join("config.yml");
        let storage = dir.path().join("registry");
        fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: false\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n",
                storage.display()
            ),
        )
        .expect("write config.yml");
        let log = fs::File::create(dir.path().join("registry.log")).expect("create registry.log");
        let child = Command::new(REGISTRY)
            .arg("serve")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("dup log"))
            .stderr(log)
            .spawn()
            .expect("start docker-registry");
        let mut reg = Registry { child, port, dir };
        reg.wait_ready();
        reg
    }

    /// Poll GET /v2/ until it answers 200 (10 s at most).
    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("docker-registry exited ({status}) before answering:\n{}", self.log());
            }
            if let Ok(mut c) = TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = c.set_read_timeout(Some(Duration::from_secs(2)));
                let _ = c.write_all(format!("GET /v2/ HTTP/1.0\r\nHost: 127.0.0.1:{}\r\n\r\n", self.port).as_bytes());
                let mut answer = String::new();
                let _ = c.read_to_string(&mut answer);
                if answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200") {
                    return;
                }
            }
            assert!(Instant::now() < deadline, "docker-registry did not answer on port {}:\n{}", self.port, self.log());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }

    /// How many blob downloads the registry has served so far.
    fn blob_gets(&self) -> usize {
        // The access log line is written as the response ends; give it a moment.
        std::thread::sleep(Duration::from_millis(300));
        self.log().lines().filter(|l| l.contains("\"GET /v2/") && l.contains("/blobs/")).count()
    }

    /// Push an OCI archive as NAME:TAG with skopeo.
    fn push(&self, archive: &Path, name_tag: &str) {
        let dest = format!("docker://{}/{name_tag}", self.host());
        let out = run(SKOPEO, &["copy", "--dest-tls-verify=false", &format!("oci-archive:{}", s(archive)), &dest]);
        assert_eq!(out.code, 0, "skopeo copy to {dest} failed: {}", out.stderr);
    }

    /// The file holding a blob in the registry's storage.
    fn blob_data(&self, hex: &str) -> PathBuf {
        self.dir.path().join(format!("registry/docker/registry/v2/blobs/sha256/{}/{hex}/data", &hex[..2]))
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        // Our own child, by its PID: SIGKILL, then reap it.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A registry holding the demo image as demo:1, and a temp dir for stores.
struct Fixture {
    reg: Registry,
    archive: PathBuf,
}

impl Fixture {
    fn new(tag: &str) -> Option<Fixture> {
        if let Some(why) = missing_tools() {
            skip(&why);
            return None;
        }
        let reg = Registry::start(TempDir::new(&format!("pull-{tag}")));
        let archive = reg.dir.path().join("demo.tar");
        let out = run(env!("CARGO_BIN_EXE_img-pack"), &["--demo", "-o", s(&archive)]);
        assert_eq!(out.code, 0, "img-pack --demo failed: {}", out.stderr);
        reg.push(&archive, "demo:1");
        Some(Fixture { reg, archive })
    }

    fn store(&self, name: &str) -> PathBuf {
        self.reg.dir.path().join(name)
    }

    fn reference(&self, rest: &str) -> String {
        format!("{}/{rest}", self.reg.host())
    }
}

fn json(out: &Out) -> Value {
    serde_json::from_str(out.stdout.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {}", out.stdout))
}

/// Paths, types, modes, owners, sizes and link targets under `root`, sorted.
fn listing(root: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let mut entries: Vec<_> = fs::read_dir(dir).expect("readdir").map(|e| e.expect("entry").path()).collect();
        entries.sort();
        for p in entries {
            let m = fs::symlink_metadata(&p).expect("lstat");
            let rel = p.strip_prefix(root).expect("under root").display().to_string();
            let link = fs::read_link(&p).map(|t| t.display().to_string()).unwrap_or_default();
            let size = if m.is_file() { m.len() } else { 0 };
            out.push(format!("{rel} {:o} {}:{} {size} {link}", m.permissions().mode(), m.uid(), m.gid()));
            if m.is_dir() {
                walk(root, &p, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out
}

/// Every path under a store, with sizes: to prove a failed pull changed nothing.
fn store_files(root: &Path) -> Vec<String> {
    if !root.exists() {
        return Vec::new();
    }
    listing(root).into_iter().filter(|l| !l.starts_with("lock ")).collect()
}

fn entries(dir: &Path) -> usize {
    fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

#[test]
fn pull_by_tag_stores_the_image_as_img_unpack_would() {
    let Some(f) = Fixture::new("tag") else { return };
    let store = f.store("store");
    let reference = f.reference("demo:1");
    let out = img_pull(&["--json", "--store", s(&store), &reference]);
    assert_eq!(out.code, 0, "img-pull failed: {}", out.stderr);
    let pulled = json(&out);

    // The same image, unpacked from the archive that was pushed, by img-unpack.
    let other = f.store("unpacked");
    let out2 = run(env!("CARGO_BIN_EXE_img-unpack"), &["--json", "--store", s(&other), s(&f.archive)]);
    assert_eq!(out2.code, 0, "img-unpack failed: {}", out2.stderr);
    let unpacked = json(&out2);
    let keys = |v: &Value| v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
    assert_eq!(keys(&pulled), keys(&unpacked), "the JSON has img-unpack's shape");
    assert_eq!(keys(&pulled["image"]), keys(&unpacked["image"]));
    assert_eq!(pulled["image"]["id"], unpacked["image"]["id"]);
    assert_eq!(pulled["config"], unpacked["config"]);
    assert_eq!(pulled["image"]["tags"], serde_json::json!([reference]), "tagged as docker shows it");
    let layers = pulled["layers"].as_array().expect("layers");
    assert_eq!(layers.len(), 1);
    for (a, b) in layers.iter().zip(unpacked["layers"].as_array().expect("layers")) {
        assert_eq!((&a["digest"], &a["diff_id"], &a["size"]), (&b["digest"], &b["diff_id"], &b["size"]));
        let dir = PathBuf::from(a["dir"].as_str().expect("layer dir"));
        let dir2 = PathBuf::from(b["dir"].as_str().expect("layer dir"));
        assert!(dir.is_dir(), "layer dir {dir:?} exists");
        assert_eq!(listing(&dir), listing(&dir2), "the layer trees are the same");
    }

    // The image record, tagged; the blobs; nothing left in tmp/ or pulls/.
    let id = pulled["image"]["id"].as_str().expect("id");
    let record: Value =
        serde_json::from_slice(&fs::read(store.join(format!("images/{}.json", &id[7..]))).expect("image record"))
            .expect("record JSON");
    assert_eq!(record["tags"], serde_json::json!([reference]));
    assert!(store.join(format!("blobs/sha256/{}", &id[7..])).is_file());
    assert_eq!(entries(&store.join("tmp")), 0);
    assert_eq!(entries(&store.join("pulls")), 0);
    assert!(out.stderr.contains("1: Pulling from demo"), "{}", out.stderr);
    assert!(out.stderr.contains("Pull complete"), "{}", out.stderr);
    assert!(out.stderr.contains(&format!("Status: Downloaded newer image for {reference}")), "{}", out.stderr);
}

#[test]
fn a_second_pull_fetches_no_blob() {
    let Some(f) = Fixture::new("again") else { return };
    let store = f.store("store");
    let reference = f.reference("demo:1");
    let first = img_pull(&["--store", s(&store), &reference]);
    assert_eq!(first.code, 0, "first pull failed: {}", first.stderr);
    let after_first = f.reg.blob_gets();
    assert_eq!(after_first, 2, "the first pull fetches the config and the layer:\n{}", f.reg.log());

    let second = img_pull(&["--explain", "--store", s(&store), &reference]);
    assert_eq!(second.code, 0, "second pull failed: {}", second.stderr);
    assert_eq!(f.reg.blob_gets(), after_first, "the second pull fetched a blob:\n{}", f.reg.log());
    assert!(second.stderr.contains(&format!("Status: Image is up to date for {reference}")), "{}", second.stderr);
    assert!(second.stderr.contains("GET /v2/demo/manifests/1 = 200"), "--explain shows requests: {}", second.stderr);

    // The same image under another tag: still no blob fetched, and both tags on one record.
    f.reg.push(&f.archive, "demo:2");
    let third = img_pull(&["--json", "--store", s(&store), &f.reference("demo:2")]);
    assert_eq!(third.code, 0, "pull demo:2 failed: {}", third.stderr);
    assert_eq!(f.reg.blob_gets(), after_first, "pulling a known image under a new tag fetched a blob");
    assert!(third.stderr.contains("Already exists"), "{}", third.stderr);
    let tags = json(&third)["image"]["tags"].clone();
    assert!(tags.as_array().is_some_and(|t| t.len() == 2), "{tags}");
}

#[test]
fn pull_by_digest() {
    let Some(f) = Fixture::new("digest") else { return };
    let first = img_pull(&["--json", "--store", s(&f.store("a")), &f.reference("demo:1")]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let digest = json(&first)["image"]["manifest_digest"].as_str().expect("manifest digest").to_string();
    let reference = f.reference(&format!("demo@{digest}"));
    let out = img_pull(&["--json", "--store", s(&f.store("b")), &reference]);
    assert_eq!(out.code, 0, "pull by digest failed: {}", out.stderr);
    let v = json(&out);
    assert_eq!(v["image"]["manifest_digest"].as_str(), Some(digest.as_str()));
    assert_eq!(v["image"]["tags"], serde_json::json!([reference]));
    assert!(out.stderr.contains(&format!("Digest: {digest}")), "{}", out.stderr);
}

#[test]
fn a_missing_tag_is_refused_and_the_store_is_unchanged() {
    let Some(f) = Fixture::new("missing") else { return };
    let store = f.store("store");
    assert_eq!(img_pull(&["-q", "--store", s(&store), &f.reference("demo:1")]).code, 0);
    let before = store_files(&store);
    let out = img_pull(&["--store", s(&store), &f.reference("demo:nope")]);
    assert_eq!(out.code, 125, "{}", out.stderr);
    let first = out.stderr.lines().find(|l| l.starts_with("img-pull: ")).unwrap_or_default().to_string();
    assert_eq!(first, format!("img-pull: manifest unknown: demo:nope not found on {}", f.reg.host()));
    assert_eq!(store_files(&store), before, "the store changed");
}

#[test]
fn a_corrupted_blob_is_refused_and_nothing_is_stored() {
    let Some(f) = Fixture::new("corrupt") else { return };
    // The layer blob: the largest file in the registry's blob storage.
    let manifest_out =
        run(SKOPEO, &["inspect", "--tls-verify=false", "--raw", &format!("docker://{}", f.reference("demo:1"))]);
    assert_eq!(manifest_out.code, 0, "{}", manifest_out.stderr);
    let manifest: Value = serde_json::from_str(&manifest_out.stdout).expect("manifest JSON");
    let layer = manifest["layers"][0]["digest"].as_str().expect("layer digest").to_string();
    let data = f.reg.blob_data(&layer[7..]);
    let mut bytes = fs::read(&data).expect("read the registry's blob");
    for b in bytes.iter_mut() {
        *b = !*b;
    }
    fs::write(&data, &bytes).expect("overwrite the blob, same length");

    let store = f.store("store");
    let out = img_pull(&["--store", s(&store), &f.reference("demo:1")]);
    assert_eq!(out.code, 125, "a corrupted blob was accepted: {}", out.stderr);
    let line = out.stderr.lines().find(|l| l.starts_with("img-pull: ")).unwrap_or_default();
    assert!(line.contains(&layer) && line.contains("digest mismatch"), "the error names the blob: {}", out.stderr);
    // Nothing of the image: no record, no layer, no blob, no work left behind.
    for sub in ["images", "layers", "blobs/sha256", "tmp", "pulls"] {
        assert_eq!(entries(&store.join(sub)), 0, "{sub} is not empty: {:?}", store_files(&store));
    }
}

#[test]
fn a_closed_port_is_one_line_and_a_hint() {
    if let Some(why) = need_root() {
        return skip(&why);
    }
    let dir = TempDir::new("pull-closed");
    let store = dir.path().join("store");
    let port = free_port();
    let out = img_pull(&["--store", s(&store), &format!("127.0.0.1:{port}/demo:1")]);
    assert_eq!(out.code, 125);
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", out.stderr);
    assert_eq!(lines[0], format!("img-pull: connect 127.0.0.1:{port}: Connection refused (ECONNREFUSED)"));
    assert!(lines[1].starts_with("hint: is the registry running"), "{}", out.stderr);
    assert!(!store.exists(), "a failed pull created the store");
}

#[test]
fn bad_references_are_refused_before_any_network_use() {
    let dir = TempDir::new("pull-badref");
    let store = dir.path().join("store");
    let digest = "sha256:".to_string() + &"0".repeat(64);
    for bad in ["UPPER/case", "a//b", "name:tag:tag", "name@sha256:short", "127.0.0.1:1/../x", "a b", ""] {
        let out = img_pull(&["--store", s(&store), bad]);
        assert_eq!(out.code, 125, "{bad:?} accepted: {}", out.stderr);
        assert!(out.stderr.starts_with("img-pull: "), "{bad:?}: {}", out.stderr);
        assert!(!out.stderr.contains("Pulling from") && !out.stderr.contains("connect"), "{bad:?}: {}", out.stderr);
        assert!(!store.exists(), "{bad:?} created the store");
    }
    // A good digest reference to a closed port gets as far as the network, not further.
    let out = img_pull(&["--store", s(&store), &format!("127.0.0.1:{}/demo@{digest}", free_port())]);
    assert_eq!(out.code, 125);
    assert!(out.stderr.contains("Connection refused"), "{}", out.stderr);
}

/// A token-protected front for the registry, like Docker Hub's: without `Bearer <token>` every
/// request gets 401 and a challenge naming the token endpoint, which hands out the token to
/// anyone asking for `repository:demo:pull` (the anonymous pull flow). Requests with the
/// token are forwarded to the real registry (HTTP/1.0, one request per connection).
struct TokenFront {
    port: u16,
    seen: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

const TOKEN: &str = "t0k3n-for-demo";

impl TokenFront {
    fn start(upstream: u16) -> TokenFront {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::{Arc, Mutex};
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (seen2, stop2) = (seen.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(mut conn) = conn else { continue };
                let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && conn.read(&mut byte).map(|n| n == 1).unwrap_or(false) {
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let path = head.split_whitespace().nth(1).unwrap_or("").to_string();
                let header = |name: &str| {
                    head.lines()
                        .find_map(|l| {
                            l.split_once(':')
                                .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                                .map(|(_, v)| v.trim().to_string())
                        })
                        .unwrap_or_default()
                };
                let auth = header("Authorization");
                seen2.lock().expect("lock").push(format!("{path} {auth}"));
                let reply = if path.starts_with("/token?") {
                    let body = format!(r#"{{"token":"{TOKEN}","expires_in":300}}"#);
                    let ok = path.contains("scope=repository%3Ademo%3Apull") && path.contains("service=front");
                    match ok {
                        true => format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()),
                        false => "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string(),
                    }
                } else if auth != format!("Bearer {TOKEN}") {
                    let scope = if path == "/v2/" { String::new() } else { ",scope=\"repository:demo:pull\"".into() };
                    format!("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"http://127.0.0.1:{port}/token\",service=\"front\"{scope}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                } else {
                    let Ok(mut up) = TcpStream::connect(("127.0.0.1", upstream)) else { continue };
                    let accept = header("Accept");
                    let _ = up.write_all(
                        format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{upstream}\r\nAccept: {accept}\r\n\r\n")
                            .as_bytes(),
                    );
                    let _ = std::io::copy(&mut up, &mut conn);
                    continue;
                };
                let _ = conn.write_all(reply.as_bytes());
            }
        });
        TokenFront { port, seen, stop, thread: Some(thread) }
    }
}

impl Drop for TokenFront {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[test]
fn a_token_registry_is_pulled_from_with_an_anonymous_token() {
    let Some(f) = Fixture::new("token") else { return };
    let front = TokenFront::start(f.reg.port);
    let store = f.store("store");
    let reference = format!("127.0.0.1:{}/demo:1", front.port);
    let out = img_pull(&["--explain", "--store", s(&store), &reference]);
    assert_eq!(out.code, 0, "pull through the token front failed: {}", out.stderr);
    assert!(out.stderr.contains("anonymous pull token"), "{}", out.stderr);
    let seen = front.seen.lock().expect("lock").clone();
    assert_eq!(seen.iter().filter(|l| l.starts_with("/token?")).count(), 1, "one token for the whole pull: {seen:?}");
    let authorized = seen.iter().filter(|l| l.contains("/blobs/") && l.ends_with(&format!("Bearer {TOKEN}"))).count();
    assert_eq!(authorized, 2, "config and layer fetched with the token: {seen:?}");
}

#[test]
fn two_pulls_at_once_into_one_store_both_succeed() {
    let Some(f) = Fixture::new("concurrent") else { return };
    let store = f.store("store");
    let reference = f.reference("demo:1");
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_img-pull"))
            .args(["-q", "--store", s(&store), &reference])
            .stderr(Stdio::piped())
            .spawn()
            .expect("start img-pull")
    };
    let (a, b) = (spawn(), spawn());
    for child in [a, b] {
        let out = child.wait_with_output().expect("wait img-pull");
        assert!(out.status.success(), "a concurrent pull failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    assert_eq!(entries(&store.join("images")), 1);
    assert_eq!(entries(&store.join("pulls")), 0);
    assert_eq!(entries(&store.join("tmp")), 0);
}

#[test]
fn ctrkit_pull_is_the_same_pull_and_images_lists_it() {
    let Some(f) = Fixture::new("ctrkit") else { return };
    let root = f.reg.dir.path().join("ctrkit-root");
    let reference = f.reference("demo:1");
    let out = Command::new(env!("CARGO_BIN_EXE_ctrkit"))
        .env("CTRKIT_ROOT", &root)
        .args(["pull", &reference])
        .output()
        .unwrap();
    assert!(out.status.success(), "ctrkit pull: {}", String::from_utf8_lossy(&out.stderr));
    let images = Command::new(env!("CARGO_BIN_EXE_ctrkit"))
        .env("CTRKIT_ROOT", &root)
        .args(["images", "--format", "{{.Repository}}:{{.Tag}}"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&images.stdout).trim(), reference);
    // The same image as img-pull puts in a store of its own.
    let direct = img_pull(&["--json", "--store", s(&f.store("direct")), &reference]);
    let id = json(&direct)["image"]["id"].as_str().unwrap().to_string();
    let ours = Command::new(env!("CARGO_BIN_EXE_ctrkit"))
        .env("CTRKIT_ROOT", &root)
        .args(["images", "-q", "--no-trunc"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&ours.stdout).trim(), id);
}
