//! img-unpack against real images and hostile ones.
//!
//! - Real tools (podman, buildah, skopeo, runc, busybox-static): the busybox base and the
//!   layered image of docs' fixture recipe are built at test time in a private podman storage,
//!   saved as docker-archive, oci-archive (gzip), oci-archive (zstd) and an OCI layout dir;
//!   `img-unpack --to` of each must equal `podman export` of a container of the image.
//! - The store: overlay-form layers, no second extraction, shared layers stored once,
//!   leftovers of a crashed run cleaned, concurrent runs.
//! - Hostile archives, built here byte by byte (raw tar headers: the names the tar crate would
//!   refuse to write are exactly the ones we must refuse to read): every class in
//!   docs/security.md "Image archives and layers". Each must fail with exit 125 and a one-line
//!   error naming the entry or field, leave a sentinel directory beside the target
//!   byte-identical, leave the store unchanged and leave no --to directory behind.
//!
//! All tests run as root (they create devices and chown); they skip with a reason otherwise.
#![forbid(unsafe_code)]

mod common;

use common::{need_root, skip, TempDir};
use ctrkit::image::Digest;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

// ---------------------------------------------------------------------------------------------
// Running the tool

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn img_unpack(args: &[&str]) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_img-unpack")).args(args).output().expect("run img-unpack");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn ok(args: &[&str]) -> Out {
    let out = img_unpack(args);
    assert_eq!(out.code, 0, "img-unpack {args:?} failed: {}", out.stderr);
    out
}

// ---------------------------------------------------------------------------------------------
// Writing tar archives by hand

fn header(name: &[u8], kind: u8, mode: u32, uid: u32, gid: u32, size: u64, link: &[u8]) -> [u8; 512] {
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name);
    h[100..108].copy_from_slice(format!("{mode:07o}\0").as_bytes());
    h[108..116].copy_from_slice(format!("{uid:07o}\0").as_bytes());
    h[116..124].copy_from_slice(format!("{gid:07o}\0").as_bytes());
    h[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
    h[136..148].copy_from_slice(b"14000000000\0");
    h[156] = kind;
    h[157..157 + link.len()].copy_from_slice(link);
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    set_checksum(&mut h);
    h
}

fn set_checksum(h: &mut [u8; 512]) {
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
}

#[derive(Default)]
struct Tar(Vec<u8>);

impl Tar {
    fn entry(mut self, name: &[u8], kind: u8, mode: u32, owner: (u32, u32), data: &[u8], link: &[u8]) -> Tar {
        self.0.extend_from_slice(&header(name, kind, mode, owner.0, owner.1, data.len() as u64, link));
        self.0.extend_from_slice(data);
        let pad = (512 - data.len() % 512) % 512;
        self.0.extend(std::iter::repeat_n(0u8, pad));
        self
    }
    fn dir(self, name: &str) -> Tar {
        self.entry(name.as_bytes(), b'5', 0o755, (0, 0), b"", b"")
    }
    fn file(self, name: &str, data: &str) -> Tar {
        self.entry(name.as_bytes(), b'0', 0o644, (0, 0), data.as_bytes(), b"")
    }
    fn symlink(self, name: &str, target: &str) -> Tar {
        self.entry(name.as_bytes(), b'2', 0o777, (0, 0), b"", target.as_bytes())
    }
    fn hardlink(self, name: &str, target: &str) -> Tar {
        self.entry(name.as_bytes(), b'1', 0o644, (0, 0), b"", target.as_bytes())
    }
    fn pax(self, records: &[(&str, &[u8])]) -> Tar {
        let mut data = Vec::new();
        for (k, v) in records {
            let body = k.len() + v.len() + 3;
            let mut len = body + 1;
            while format!("{len}").len() + body != len {
                len += 1;
            }
            data.extend_from_slice(format!("{len} {k}=").as_bytes());
            data.extend_from_slice(v);
            data.push(b'\n');
        }
        self.entry(b"PaxHeader", b'x', 0o644, (0, 0), &data, b"")
    }
    fn finish(mut self) -> Vec<u8> {
        self.0.extend_from_slice(&[0u8; 1024]);
        self.0
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut child = Command::new("gzip").arg("-c").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("gzip");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = data.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().expect("gzip output");
    writer.join().expect("join").expect("write to gzip");
    out.stdout
}

// ---------------------------------------------------------------------------------------------
// Writing images by hand: an OCI layout directory or a docker-save archive

fn digest(b: &[u8]) -> String {
    Digest::of(b).to_string()
}

fn config_for(diff_ids: &[String]) -> Value {
    json!({
        "architecture": "amd64", "os": "linux",
        "config": {"Env": ["PATH=/bin", "GREETING=hello"], "Cmd": ["/bin/sh"], "WorkingDir": "/"},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    })
}

type Edit = Box<dyn Fn(&mut Value)>;

/// An OCI image under construction; `edit_*` hooks tamper with it for hostile cases.
struct Oci {
    /// Layer blobs as stored, and the uncompressed tars (for diff_ids).
    blobs: Vec<Vec<u8>>,
    tars: Vec<Vec<u8>>,
    config: Value,
    config_raw: Option<Vec<u8>>,
    edit_manifest: Option<Edit>,
    manifest_raw: Option<Vec<u8>>,
    index_raw: Option<Vec<u8>>,
    tag: String,
}

impl Oci {
    fn new(tars: Vec<Vec<u8>>) -> Oci {
        let diff_ids: Vec<String> = tars.iter().map(|t| digest(t)).collect();
        Oci {
            blobs: tars.clone(),
            tars,
            config: config_for(&diff_ids),
            config_raw: None,
            edit_manifest: None,
            manifest_raw: None,
            index_raw: None,
            tag: "t".into(),
        }
    }

    fn gzipped(mut self) -> Oci {
        self.blobs = self.tars.iter().map(|t| gzip(t)).collect();
        self
    }

    fn write(&self, dir: &Path) -> PathBuf {
        let blobs = dir.join("blobs/sha256");
        fs::create_dir_all(&blobs).expect("mkdir blobs");
        let put = |b: &[u8]| -> String {
            let d = digest(b);
            fs::write(blobs.join(&d[7..]), b).expect("write blob");
            d
        };
        let media = |b: &[u8]| {
            if b.starts_with(&[0x1f, 0x8b]) {
                "application/vnd.oci.image.layer.v1.tar+gzip"
            } else {
                "application/vnd.oci.image.layer.v1.tar"
            }
        };
        let layers: Vec<Value> =
            self.blobs.iter().map(|b| json!({"mediaType": media(b), "digest": put(b), "size": b.len()})).collect();
        let config = self.config_raw.clone().unwrap_or_else(|| serde_json::to_vec(&self.config).expect("json"));
        let mut manifest = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": put(&config), "size": config.len()},
            "layers": layers,
        });
        if let Some(edit) = &self.edit_manifest {
            edit(&mut manifest);
        }
        let manifest = self.manifest_raw.clone().unwrap_or_else(|| serde_json::to_vec(&manifest).expect("json"));
        let index = self.index_raw.clone().unwrap_or_else(|| {
            let desc = json!({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": put(&manifest), "size": manifest.len(),
                              "annotations": {"org.opencontainers.image.ref.name": self.tag}});
            serde_json::to_vec(&json!({"schemaVersion": 2, "manifests": [desc]})).expect("json")
        });
        fs::write(dir.join("index.json"), index).expect("write index");
        fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion": "1.0.0"}"#).expect("write oci-layout");
        dir.to_path_buf()
    }
}

/// A docker-save archive from (name, content) members.
fn docker_archive(path: &Path, members: &[(&str, Vec<u8>)]) -> PathBuf {
    let mut t = Tar::default();
    for (name, data) in members {
        t = t.entry(name.as_bytes(), b'0', 0o644, (0, 0), data, b"");
    }
    fs::write(path, t.finish()).expect("write archive");
    path.to_path_buf()
}

/// A docker-save archive holding these images: (tag, layer tars).
fn docker_images(path: &Path, images: &[(&str, Vec<Vec<u8>>)]) -> PathBuf {
    let mut members: Vec<(String, Vec<u8>)> = Vec::new();
    let mut manifest = Vec::new();
    for (tag, tars) in images {
        let diff_ids: Vec<String> = tars.iter().map(|t| digest(t)).collect();
        let config = serde_json::to_vec(&config_for(&diff_ids)).expect("json");
        let config_name = format!("{}.json", &digest(&config)[7..]);
        let mut layers = Vec::new();
        for t in tars {
            let name = format!("{}.tar", &digest(t)[7..]);
            layers.push(name.clone());
            members.push((name, t.clone()));
        }
        members.push((config_name.clone(), config));
        manifest.push(json!({"Config": config_name, "RepoTags": [tag], "Layers": layers}));
    }
    members.push(("manifest.json".into(), serde_json::to_vec(&manifest).expect("json")));
    let refs: Vec<(&str, Vec<u8>)> = members.iter().map(|(n, d)| (n.as_str(), d.clone())).collect();
    docker_archive(path, &refs)
}

// ---------------------------------------------------------------------------------------------
// Comparing trees

/// `type mode uid:gid size path [-> target]` for every path under `root`, like the fixture's
/// expected tree; /proc, /sys and /dev at the top are left out (podman mounts them).
fn listing(root: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let mut entries: Vec<_> = fs::read_dir(dir).expect("readdir").map(|e| e.expect("entry").path()).collect();
        entries.sort();
        for p in entries {
            let rel = p.strip_prefix(root).expect("prefix").to_string_lossy().into_owned();
            if ["proc", "sys", "dev"].contains(&rel.as_str()) {
                continue;
            }
            let m = fs::symlink_metadata(&p).expect("lstat");
            let ft = m.file_type();
            let (kind, size) = if ft.is_dir() {
                ("d", "-".to_string())
            } else if ft.is_symlink() {
                ("l", m.len().to_string())
            } else if ft.is_char_device() {
                ("c", format!("{}", m.rdev()))
            } else if ft.is_block_device() {
                ("b", format!("{}", m.rdev()))
            } else if ft.is_fifo() {
                ("p", "0".into())
            } else {
                ("f", m.len().to_string())
            };
            let mut line = format!("{kind} {:o} {}:{} {size} ./{rel}", m.mode() & 0o7777, m.uid(), m.gid());
            if ft.is_symlink() {
                line.push_str(&format!(" -> {}", fs::read_link(&p).expect("readlink").display()));
            }
            out.push(line);
            if ft.is_dir() {
                walk(root, &p, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out
}

/// Everything about a tree, file contents included: what a sentinel must keep.
fn snapshot(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if !root.exists() {
        return out;
    }
    for line in listing(root) {
        let path = line.split(' ').nth(4).expect("path").to_string();
        let full = root.join(&path);
        let m = fs::symlink_metadata(&full).expect("lstat");
        let content = if m.is_file() {
            String::from_utf8_lossy(&fs::read(&full).expect("read")).into_owned()
        } else {
            String::new()
        };
        // Directories' mtimes move when a run makes and removes its work dir; files' must not.
        let mtime = if m.is_dir() { 0 } else { m.mtime_nsec() + m.mtime() * 1_000_000_000 };
        out.insert(path, format!("{line} mtime={mtime} {content}"));
    }
    out
}

fn diff_lines(a: &[String], b: &[String]) -> String {
    let only_a: Vec<&String> = a.iter().filter(|l| !b.contains(l)).collect();
    let only_b: Vec<&String> = b.iter().filter(|l| !a.contains(l)).collect();
    format!("only in podman export: {only_a:#?}\nonly in img-unpack: {only_b:#?}")
}

// ---------------------------------------------------------------------------------------------
// Hostile input: the harness

/// A scratch area: `dest` (the target, absent), sentinels `victim/` and `dest-evil/` beside it,
/// and a store holding one benign image.
struct Scene {
    tmp: TempDir,
}

impl Scene {
    fn new() -> Scene {
        let tmp = TempDir::new("img-hostile");
        for dir in ["victim", "dest-evil", "victim/sub"] {
            fs::create_dir_all(tmp.path().join(dir)).expect("mkdir sentinel");
        }
        fs::write(tmp.path().join("victim/f"), "secret").expect("sentinel file");
        fs::write(tmp.path().join("victim/sub/g"), "secret too").expect("sentinel file");
        fs::write(tmp.path().join("dest-evil/f"), "evil twin").expect("sentinel file");
        fs::set_permissions(tmp.path().join("victim/f"), fs::Permissions::from_mode(0o600)).expect("chmod");
        let benign = Oci::new(vec![Tar::default().dir("etc").file("etc/os-release", "benign").finish()]);
        let src = benign.write(&tmp.path().join("benign"));
        ok(&["--store", s(&tmp.path().join("store")), "--quiet", s(&src)]);
        Scene { tmp }
    }
    fn path(&self, p: &str) -> PathBuf {
        self.tmp.path().join(p)
    }
    fn abs(&self, p: &str) -> String {
        self.path(p).to_string_lossy().into_owned()
    }
    fn sentinels(&self) -> (BTreeMap<String, String>, BTreeMap<String, String>, BTreeMap<String, String>) {
        (snapshot(&self.path("victim")), snapshot(&self.path("dest-evil")), snapshot(&self.path("store")))
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Modes {
    Both,
    FlattenOnly,
}

/// Unpack `src` (into --to and, with Modes::Both, into the store) and require a refusal.
fn refused(scene: &Scene, src: &Path, extra: &[&str], want: &str, modes: Modes) {
    let before = scene.sentinels();
    let dest = scene.path("dest");
    let store = scene.path("store");
    let mut runs: Vec<Vec<String>> = vec![vec!["--to".into(), s(&dest).into()]];
    if modes == Modes::Both {
        runs.push(vec!["--store".into(), s(&store).into()]);
    }
    for mode in runs {
        let mut args: Vec<&str> = mode.iter().map(String::as_str).collect();
        args.extend_from_slice(extra);
        args.push(s(src));
        let out = img_unpack(&args);
        assert_eq!(out.code, 125, "{args:?}: expected a refusal ({want}), got {}: {}", out.code, out.stderr);
        let err = out.stderr.trim_end();
        let first = err.lines().next().unwrap_or("");
        assert!(
            first.starts_with("img-unpack: ") && first.contains(want),
            "{args:?}: error {err:?} does not say {want:?}"
        );
        assert!(err.lines().all(|l| l == first || l.starts_with("hint: ")), "{args:?}: not one line: {err:?}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(!dest.exists(), "{args:?}: --to directory left behind");
        assert_eq!(before, scene.sentinels(), "{args:?}: something outside the target changed");
        assert_eq!(fs::read_dir(store.join("tmp")).expect("store tmp").count(), 0, "{args:?}: store tmp/ not empty");
    }
}

/// One layer, refused in both modes.
fn layer_refused(tar: Vec<u8>, want: &str) {
    let scene = Scene::new();
    let src = Oci::new(vec![tar]).write(&scene.path("src"));
    refused(&scene, &src, &[], want, Modes::Both);
}

fn guard_root() -> bool {
    if let Some(why) = need_root() {
        skip(&why);
        return false;
    }
    true
}

// ---------------------------------------------------------------------------------------------
// Hostile archives: path traversal

#[test]
fn traversal_names_are_refused() {
    if !guard_root() {
        return;
    }
    for name in ["../x", "a/../../x", "/../x", "..", "./../victim/f"] {
        layer_refused(
            Tar::default().dir("a").file(name, "pwned").finish(),
            &format!("entry {name}: path escapes the root"),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Writing through symlinks

#[test]
fn writing_through_a_symlink_in_the_same_layer_is_refused() {
    if !guard_root() {
        return;
    }
    let scene = Scene::new();
    let abs = scene.abs("victim");
    for (link, target) in [("l", "../victim".to_string()), ("l", "../../../../victim".to_string()), ("l", abs.clone())]
    {
        let tar = Tar::default().symlink(link, &target).file("l/file", "pwned").finish();
        let src = Oci::new(vec![tar]).write(&scene.path(&format!("src-{}", digest(target.as_bytes()))));
        refused(
            &scene,
            &src,
            &[],
            "entry l/file: parent l is a symlink that leads nowhere inside the root",
            Modes::Both,
        );
    }
    // A chain: a -> .. (the root, inside), then a/b -> ../victim, then a/b/file.
    let tar = Tar::default().symlink("a", "..").symlink("a/b", "../victim").file("a/b/file", "pwned").finish();
    let src = Oci::new(vec![tar]).write(&scene.path("src-chain"));
    refused(&scene, &src, &[], "entry a/b/file: parent a/b is a symlink that leads nowhere", Modes::Both);
}

#[test]
fn writing_through_a_symlink_of_a_lower_layer_is_refused() {
    if !guard_root() {
        return;
    }
    let scene = Scene::new();
    // An absolute symlink to the host's copy of the sentinel, then a write under it.
    let lower = Tar::default().symlink("etc", &scene.abs("victim")).finish();
    let upper = Tar::default().file("etc/x", "pwned").finish();
    let src = Oci::new(vec![lower, upper]).write(&scene.path("src"));
    refused(
        &scene,
        &src,
        &[],
        "entry etc/x: parent etc is a symlink that leads nowhere inside the root",
        Modes::FlattenOnly,
    );
    // `etc -> /etc` resolves to itself inside the root: a loop, not the host's /etc.
    let lower = Tar::default().symlink("etc", "/etc").finish();
    let upper = Tar::default().file("etc/x", "pwned").finish();
    let src = Oci::new(vec![lower, upper]).write(&scene.path("src2"));
    refused(&scene, &src, &[], "ELOOP", Modes::FlattenOnly);
}

#[test]
fn an_absolute_symlink_resolves_inside_the_root() {
    if !guard_root() {
        return;
    }
    let scene = Scene::new();
    let lower = Tar::default().dir("real").symlink("etc", "/real").finish();
    let upper = Tar::default().file("etc/x", "inside").finish();
    let src = Oci::new(vec![lower, upper]).write(&scene.path("src"));
    let before = scene.sentinels();
    let dest = scene.path("dest");
    ok(&["--to", s(&dest), s(&src)]);
    assert_eq!(fs::read_to_string(dest.join("real/x")).expect("real/x"), "inside");
    assert!(fs::symlink_metadata(dest.join("etc")).expect("etc").file_type().is_symlink());
    assert_eq!(before, scene.sentinels());
}

#[test]
fn a_file_replaces_a_symlink_instead_of_writing_through_it() {
    if !guard_root() {
        return;
    }
    let scene = Scene::new();
    let victim = scene.abs("victim/f");
    for (i, layers) in [
        vec![Tar::default().symlink("x", &victim).file("x", "new").finish()],
        vec![Tar::default().symlink("x", &victim).finish(), Tar::default().file("x", "new").finish()],
        vec![Tar::default().symlink("x", "../victim/f").file("x", "new").finish()],
    ]
    .into_iter()
    .enumerate()
    {
        let src = Oci::new(layers).write(&scene.path(&format!("src{i}")));
        let before = scene.sentinels();
        let dest = scene.path("dest");
        ok(&["--to", s(&dest), s(&src)]);
        let m = fs::symlink_metadata(dest.join("x")).expect("x");
        assert!(m.is_file(), "x should be a regular file now");
        assert_eq!(fs::read_to_string(dest.join("x")).expect("x"), "new");
        assert_eq!(before, scene.sentinels(), "the symlink's target changed");
        fs::remove_dir_all(&dest).expect("rm dest");
    }
}

#[test]
fn chmod_and_chown_never_go_through_a_symlink() {
    if !guard_root() {
        return;
    }
    let scene = Scene::new();
    let victim = scene.abs("victim/f");
    let victim_dir = scene.abs("victim");
    let tar = Tar::default()
        .symlink("l", &victim)
        .entry(b"l", b'5', 0o777, (1234, 4321), b"", b"")
        .symlink("m", &victim_dir)
        .entry(b"m", b'0', 0o4755, (1234, 4321), b"x", b"")
        .symlink("n", &victim)
        .entry(b"n", b'6', 0o666, (1234, 4321), b"", b"")
        .finish();
    let src = Oci::new(vec![tar]).write(&scene.path("src"));
    let before = scene.sentinels();
    let dest = scene.path("dest");
    ok(&["--to", s(&dest), s(&src)]);
    let l = fs::symlink_metadata(dest.join("l")).expect("l");
    assert!(l.is_dir() && l.mode() & 0o7777 == 0o777 && l.uid() == 1234 && l.gid() == 4321);
    let m = fs::symlink_metadata(dest.join("m")).expect("m");
    assert!(m.is_file() && m.mode() & 0o7777 == 0o4755 && m.uid() == 1234);
    assert!(fs::symlink_metadata(dest.join("n")).expect("n").file_type().is_fifo());
    assert_eq!(before, scene.sentinels(), "metadata went through a symlink");
}

// ---------------------------------------------------------------------------------------------
// Hardlinks

#[test]
fn hardlinks_to_outside_are_refused() {
    if !guard_root() {
        return;
    }
    let scene = Scene::new();
    for (target, want) in [
        ("../victim/f".to_string(), "entry h: hardlink target ../victim/f escapes the root"),
        ("../dest-evil/f".to_string(), "entry h: hardlink target ../dest-evil/f escapes the root"),
        ("/etc/shadow".to_string(), "entry h: hardlink target /etc/shadow not found in the root"),
        (scene.abs("victim/f"), "not found in the root"),
    ] {
        let tar = Tar::default().dir("etc").hardlink("h", &target).finish();
        let src = Oci::new(vec![tar]).write(&scene.path(&format!("src-{}", &digest(target.as_bytes())[7..15])));
        refused(&scene, &src, &[], want, Modes::Both);
    }
}

#[test]
fn an_absolute_hardlink_target_means_the_roots_own_file() {
    if !guard_root() {
        return;
    }
    let scene = Scene::new();
    let tar = Tar::default().dir("etc").file("etc/shadow", "root:*:").hardlink("h", "/etc/shadow").finish();
    let src = Oci::new(vec![tar]).write(&scene.path("src"));
    let dest = scene.path("dest");
    let before = scene.sentinels();
    ok(&["--to", s(&dest), s(&src)]);
    let a = fs::metadata(dest.join("h")).expect("h");
    let b = fs::metadata(dest.join("etc/shadow")).expect("shadow");
    assert_eq!((a.ino(), a.dev()), (b.ino(), b.dev()), "not a hardlink to the root's own /etc/shadow");
    assert_eq!(a.nlink(), 2);
    assert_eq!(before, scene.sentinels());
}

// ---------------------------------------------------------------------------------------------
// The root entry, whiteouts

#[test]
fn a_root_entry_that_is_not_a_directory_is_refused() {
    if !guard_root() {
        return;
    }
    for (name, kind, link) in [("./", b'2', "/etc"), (".", b'0', ""), ("/", b'2', "../victim"), ("./", b'6', "")] {
        let tar = Tar::default().entry(name.as_bytes(), kind, 0o755, (0, 0), b"", link.as_bytes()).finish();
        layer_refused(tar, &format!("entry {name}: the root of the image must be a directory"));
    }
}

#[test]
fn invalid_whiteouts_are_refused() {
    if !guard_root() {
        return;
    }
    layer_refused(Tar::default().dir("d").file("d/.wh.", "").finish(), "entry d/.wh.: invalid whiteout");
    layer_refused(Tar::default().dir("d").file("d/.wh..", "").finish(), "entry d/.wh..: invalid whiteout");
    layer_refused(Tar::default().file("../.wh.x", "").finish(), "entry ../.wh.x: path escapes the root");
}

#[test]
fn a_whiteout_under_a_symlinked_dir_never_deletes_outside() {
    if !guard_root() {
        return;
    }
    let scene = Scene::new();
    let lower = Tar::default().symlink("d", &scene.abs("victim")).symlink("e", "../victim").finish();
    let upper = Tar::default().file("d/.wh.f", "").file("e/.wh.sub", "").file("d/.wh..wh..opq", "").finish();
    let src = Oci::new(vec![lower, upper]).write(&scene.path("src"));
    let before = scene.sentinels();
    let dest = scene.path("dest");
    // Flattened: the whiteouts name nothing inside the root, so nothing is deleted anywhere.
    ok(&["--to", s(&dest), s(&src)]);
    assert_eq!(before, scene.sentinels(), "a whiteout deleted outside the root");
    assert!(fs::symlink_metadata(dest.join("d")).expect("d").file_type().is_symlink());
    // Stored: each layer is its own directory; the whiteouts become 0/0 devices in it.
    ok(&["--store", s(&scene.path("store")), s(&src)]);
    assert_eq!(before.0, scene.sentinels().0);
    assert_eq!(before.1, scene.sentinels().1);
}

// ---------------------------------------------------------------------------------------------
// Bombs and framing

#[test]
fn a_gzip_bomb_hits_the_cap() {
    if !guard_root() {
        return;
    }
    let big = vec![0u8; 32 << 20];
    let tar = Tar::default().entry(b"zeros", b'0', 0o644, (0, 0), &big, b"").finish();
    let scene = Scene::new();
    let src = Oci::new(vec![tar]).gzipped().write(&scene.path("src"));
    assert!(fs::metadata(src.join("blobs/sha256")).is_ok());
    refused(&scene, &src, &["--max-layer-size", "4M"], "decompression bomb", Modes::Both);
}

#[test]
fn the_entry_count_cap_holds() {
    if !guard_root() {
        return;
    }
    let mut t = Tar::default();
    for i in 0..300 {
        t = t.file(&format!("f{i}"), "");
    }
    let scene = Scene::new();
    let src = Oci::new(vec![t.finish()]).write(&scene.path("src"));
    refused(&scene, &src, &["--max-entries", "100"], "more than 100 entries", Modes::Both);
}

#[test]
fn a_huge_pax_header_is_refused() {
    if !guard_root() {
        return;
    }
    let huge = vec![b'a'; 2 << 20];
    layer_refused(Tar::default().pax(&[("comment", &huge)]).file("f", "x").finish(), "exceeds the cap");
}

#[test]
fn pax_path_overrides_the_ustar_name_like_gnu_tar() {
    if !guard_root() {
        return;
    }
    // The ustar name looks harmless; the PAX path (which GNU tar uses) escapes: refused.
    layer_refused(
        Tar::default().pax(&[("path", b"../victim/f")]).file("harmless", "x").finish(),
        "entry ../victim/f: path escapes the root",
    );
}

#[test]
fn truncated_archives_and_bad_checksums_are_refused() {
    if !guard_root() {
        return;
    }
    let mut cut = Tar::default().file("a", &"x".repeat(3000)).finish();
    cut.truncate(512 + 1000);
    layer_refused(cut, "truncated archive");
    let mut bad = Tar::default().file("a", "x").finish();
    bad[0] = b'b'; // the name changes, the checksum does not
    layer_refused(bad, "bad checksum");
    let mut overflow = Tar::default().file("a", "x").finish();
    overflow[124..136].copy_from_slice(b"77777777777\0");
    let mut h = [0u8; 512];
    h.copy_from_slice(&overflow[..512]);
    set_checksum(&mut h);
    overflow[..512].copy_from_slice(&h);
    layer_refused(overflow, "truncated archive");
}

// ---------------------------------------------------------------------------------------------
// Manifests, indexes, configs, digests

fn oci_refused(build: impl Fn(&mut Oci), want: &str) {
    let scene = Scene::new();
    let mut oci = Oci::new(vec![Tar::default().file("f", "x").finish()]);
    build(&mut oci);
    let src = oci.write(&scene.path("src"));
    refused(&scene, &src, &[], want, Modes::Both);
}

#[test]
fn bad_index_json_is_refused() {
    if !guard_root() {
        return;
    }
    oci_refused(|o| o.index_raw = Some(b"".to_vec()), "index.json: empty document");
    oci_refused(|o| o.index_raw = Some(b"null".to_vec()), "index.json: the document is null");
    oci_refused(
        |o| o.index_raw = Some(br#"{"schemaVersion":2,"manifests":[{"mediaType":"#.to_vec()),
        "index.json: not valid JSON",
    );
    oci_refused(
        |o| o.index_raw = Some(br#"{"schemaVersion":2,"manifests":5}"#.to_vec()),
        "index.json: manifests: expected an array, found a number",
    );
    oci_refused(|o| o.index_raw = Some(vec![b' '; 5 << 20]), "exceeds the cap");
    let bad_digest = r#"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:../../x","size":1}]}"#;
    oci_refused(
        |o| o.index_raw = Some(bad_digest.as_bytes().to_vec()),
        "index.json: manifests[0].digest \"sha256:../../x\": not a digest",
    );
    let upper = format!(
        r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:{}","size":1}}]}}"#,
        "A".repeat(64)
    );
    oci_refused(|o| o.index_raw = Some(upper.as_bytes().to_vec()), "not a digest");
    let both = r#"{"schemaVersion":2,"manifests":[],"layers":[]}"#;
    oci_refused(|o| o.index_raw = Some(both.as_bytes().to_vec()), "both an index and a manifest");
}

#[test]
fn an_index_pointing_to_itself_is_refused() {
    if !guard_root() {
        return;
    }
    let scene = Scene::new();
    let src = Oci::new(vec![Tar::default().file("f", "x").finish()]).write(&scene.path("src"));
    let blobs = src.join("blobs/sha256");
    let index_of = |digest: &str, size: usize| {
        format!(
            r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"{digest}","size":{size}}}]}}"#
        )
    };
    // A blob cannot contain its own digest (that would be a sha256 fixed point), so an index
    // "pointing to itself" is a blob stored under a name it does not hash to, listing that
    // name: the digest check refuses it before any loop can start.
    let name = format!("sha256:{}", "c".repeat(64));
    let selfish = index_of(&name, 300);
    let selfish = index_of(&name, selfish.len());
    fs::write(blobs.join("c".repeat(64)), &selfish).expect("blob");
    fs::write(src.join("index.json"), index_of(&name, selfish.len())).expect("index");
    refused(&scene, &src, &[], "digest mismatch", Modes::Both);
    // Indexes nested without end (here six deep, built bottom-up): refused at depth 4.
    let mut inner = r#"{"schemaVersion":2,"manifests":[]}"#.to_string();
    for _ in 0..6 {
        let d = digest(inner.as_bytes());
        fs::write(blobs.join(&d[7..]), &inner).expect("blob");
        inner = index_of(&d, inner.len());
    }
    fs::write(src.join("index.json"), &inner).expect("index");
    refused(&scene, &src, &[], "indexes nested more than 4 deep", Modes::Both);
}

#[test]
fn bad_manifests_are_refused() {
    if !guard_root() {
        return;
    }
    oci_refused(
        |o| o.edit_manifest = Some(Box::new(|m| m["layers"][0]["digest"] = json!("sha256:../../x"))),
        "manifest",
    );
    oci_refused(
        |o| o.edit_manifest = Some(Box::new(|m| m["layers"][0]["digest"] = json!("sha256:../../x"))),
        "layers[0].digest \"sha256:../../x\": not a digest",
    );
    oci_refused(
        |o| {
            o.edit_manifest = Some(Box::new(|m| m["layers"][0]["digest"] = json!(format!("sha256:{}", "B".repeat(64)))))
        },
        "not a digest",
    );
    oci_refused(
        |o| o.edit_manifest = Some(Box::new(|m| m["layers"][0]["size"] = json!(-1))),
        "layers[0].size: expected a non-negative integer",
    );
    oci_refused(
        |o| o.edit_manifest = Some(Box::new(|m| m["layers"] = json!({"a": 1}))),
        "layers: expected an array, found an object",
    );
    oci_refused(|o| o.edit_manifest = Some(Box::new(|m| m["manifests"] = json!([]))), "both an index and a manifest");
    oci_refused(|o| o.edit_manifest = Some(Box::new(|m| m["layers"][0]["size"] = json!(7))), "size mismatch");
    oci_refused(
        |o| {
            let other = digest(b"other");
            o.edit_manifest = Some(Box::new(move |m| m["layers"][0]["digest"] = json!(other.clone())));
        },
        "not found",
    );
    oci_refused(|o| o.manifest_raw = Some(b"null".to_vec()), "the document is null");
    oci_refused(|o| o.manifest_raw = Some(br#"{"schemaVersion":2,"config":{}"#.to_vec()), "not valid JSON");
}

#[test]
fn digest_size_and_diff_id_mismatches_are_refused() {
    if !guard_root() {
        return;
    }
    // The layer blob changed after the manifest was written.
    let scene = Scene::new();
    let src = Oci::new(vec![Tar::default().file("f", "x").finish()]).write(&scene.path("src"));
    let blob_name = digest(&Tar::default().file("f", "x").finish());
    fs::write(src.join("blobs/sha256").join(&blob_name[7..]), Tar::default().file("f", "y").finish()).expect("tamper");
    refused(&scene, &src, &[], "digest mismatch: the blob hashes to", Modes::Both);
    // The config's diff_id does not match the layer.
    oci_refused(|o| o.config["rootfs"]["diff_ids"][0] = json!(digest(b"something else")), "diff_id mismatch");
    // Too few diff_ids.
    oci_refused(
        |o| o.config["rootfs"]["diff_ids"] = json!([]),
        "rootfs.diff_ids lists 0 layers but the manifest has 1",
    );
}

#[test]
fn bad_configs_are_refused() {
    if !guard_root() {
        return;
    }
    oci_refused(
        |o| o.config["config"]["WorkingDir"] = json!("data"),
        "config.WorkingDir: \"data\": must be an absolute path",
    );
    oci_refused(|o| o.config["config"]["WorkingDir"] = json!("/../../etc"), "path escapes the root file system");
    oci_refused(|o| o.config["config"]["Volumes"] = json!({"/a/../../b": {}}), "config.Volumes");
    oci_refused(|o| o.config["config"]["Env"] = json!(["NOEQUALS"]), "config.Env[0]: \"NOEQUALS\": not NAME=value");
    oci_refused(|o| o.config["config"]["Cmd"] = json!("ls"), "config.Cmd: expected an array, found a string");
    oci_refused(|o| o.config_raw = Some(b"null".to_vec()), "the document is null");
}

#[test]
fn docker_manifest_paths_and_types_are_checked() {
    if !guard_root() {
        return;
    }
    let scene = Scene::new();
    let cases: [(&str, &str); 6] = [
        ("", "manifest.json: empty document"),
        ("null", "manifest.json: the document is null"),
        (
            r#"[{"Config":"../x.json","Layers":[]}]"#,
            "manifest.json: [0].Config: \"../x.json\": path escapes the archive",
        ),
        (
            r#"[{"Config":"c.json","Layers":["../../etc/passwd"]}]"#,
            "[0].Layers[0]: \"../../etc/passwd\": path escapes the archive",
        ),
        (r#"[{"Config":"c.json","Layers":"l.tar"}]"#, "[0].Layers: expected an array, found a string"),
        (r#"[{"Config":5,"Layers":[]}]"#, "[0].Config: expected a string, found a number"),
    ];
    for (i, (manifest, want)) in cases.iter().enumerate() {
        let src = docker_archive(
            &scene.path(&format!("d{i}.tar")),
            &[("manifest.json", manifest.as_bytes().to_vec()), ("c.json", b"{}".to_vec())],
        );
        refused(&scene, &src, &[], want, Modes::Both);
    }
    // A config whose file name is a digest must hash to it.
    let name = format!("{}.json", "a".repeat(64));
    let m = format!(r#"[{{"Config":"{name}","Layers":[]}}]"#);
    let src =
        docker_archive(&scene.path("dm.tar"), &[("manifest.json", m.into_bytes()), (name.as_str(), b"{}".to_vec())]);
    refused(&scene, &src, &[], "digest mismatch", Modes::Both);
}

// ---------------------------------------------------------------------------------------------
// Flattening and storing, with synthetic images

/// A base layer and an upper layer with whiteouts, an opaque dir, a hardlink, a device, a
/// FIFO, a setuid file and odd owners.
fn layered_tars() -> (Vec<u8>, Vec<u8>) {
    let base = Tar::default()
        .dir("bin")
        .entry(b"bin/su", b'0', 0o4755, (0, 0), b"#!", b"")
        .dir("data")
        .dir("data/gone")
        .file("data/gone/f", "gone")
        .dir("data/opaque")
        .file("data/opaque/old", "old")
        .file("data/t", "target")
        .hardlink("data/hardlink", "data/t")
        .entry(b"dev-null", b'3', 0o666, (0, 0), b"", b"")
        .entry(b"fifo", b'6', 0o600, (1000, 1000), b"", b"")
        .entry(b"owned", b'0', 0o640, (1234, 5678), b"o", b"")
        .file("etc-motd", "x")
        .finish();
    let upper = Tar::default()
        .dir("data")
        .file("data/.wh.gone", "")
        .file(".wh.etc-motd", "")
        .dir("data/opaque")
        .file("data/opaque/.wh..wh..opq", "")
        .file("data/opaque/new", "new")
        .finish();
    (base, upper)
}

#[test]
fn flatten_applies_whiteouts_and_keeps_special_files() {
    if !guard_root() {
        return;
    }
    let t = TempDir::new("img-flatten");
    let (base, upper) = layered_tars();
    let src = Oci::new(vec![base, upper]).gzipped().write(&t.path().join("src"));
    let dest = t.path().join("dest");
    let out = ok(&["--to", s(&dest), "--json", s(&src)]);
    let report: Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(report["store"], Value::Null);
    assert_eq!(report["rootfs"], json!(s(&dest)));
    assert_eq!(report["layers"][1]["media_type"], "application/vnd.oci.image.layer.v1.tar+gzip");
    assert!(!dest.join("data/gone").exists());
    assert!(!dest.join("etc-motd").exists());
    let opaque: Vec<_> =
        fs::read_dir(dest.join("data/opaque")).expect("opaque").map(|e| e.expect("e").file_name()).collect();
    assert_eq!(opaque, vec!["new"]);
    let (a, b) =
        (fs::metadata(dest.join("data/t")).expect("t"), fs::metadata(dest.join("data/hardlink")).expect("link"));
    assert_eq!(a.ino(), b.ino());
    let su = fs::metadata(dest.join("bin/su")).expect("su");
    assert_eq!(su.mode() & 0o7777, 0o4755);
    let dev = fs::symlink_metadata(dest.join("dev-null")).expect("dev");
    assert!(dev.file_type().is_char_device());
    let fifo = fs::symlink_metadata(dest.join("fifo")).expect("fifo");
    assert!(fifo.file_type().is_fifo() && fifo.uid() == 1000 && fifo.mode() & 0o777 == 0o600);
    let owned = fs::metadata(dest.join("owned")).expect("owned");
    assert_eq!((owned.uid(), owned.gid(), owned.mode() & 0o777), (1234, 5678, 0o640));
}

#[test]
fn to_refuses_a_non_empty_directory_and_leaves_it_alone() {
    if !guard_root() {
        return;
    }
    let t = TempDir::new("img-nonempty");
    let src = Oci::new(vec![Tar::default().file("f", "x").finish()]).write(&t.path().join("src"));
    let dest = t.path().join("dest");
    fs::create_dir(&dest).expect("mkdir");
    fs::write(dest.join("keep"), "mine").expect("write");
    let out = img_unpack(&["--to", s(&dest), s(&src)]);
    assert_eq!(out.code, 125);
    assert!(out.stderr.contains("exists and is not empty"), "{}", out.stderr);
    assert_eq!(fs::read_to_string(dest.join("keep")).expect("keep"), "mine");
    // An existing empty directory is used, and emptied again on failure.
    let empty = t.path().join("empty");
    fs::create_dir(&empty).expect("mkdir");
    let bad = Oci::new(vec![Tar::default().file("ok", "x").file("../x", "y").finish()]).write(&t.path().join("bad"));
    assert_eq!(img_unpack(&["--to", s(&empty), s(&bad)]).code, 125);
    assert!(empty.is_dir());
    assert_eq!(fs::read_dir(&empty).expect("readdir").count(), 0, "a failed unpack left files in a pre-existing dir");
}

#[test]
fn choosing_an_image_in_an_archive_of_several() {
    if !guard_root() {
        return;
    }
    let t = TempDir::new("img-choose");
    let one = Tar::default().file("one", "1").finish();
    let two = Tar::default().file("two", "2").finish();
    let src = docker_images(&t.path().join("two.tar"), &[("localhost/a:1", vec![one]), ("localhost/b:2", vec![two])]);
    let out = img_unpack(&["--to", s(&t.path().join("x")), s(&src)]);
    assert_eq!(out.code, 125);
    assert!(
        out.stderr.contains("holds 2 images, choose one with --image: localhost/a:1; localhost/b:2"),
        "{}",
        out.stderr
    );
    let out = img_unpack(&["--to", s(&t.path().join("x")), "--image", "c:3", s(&src)]);
    assert!(out.code == 125 && out.stderr.contains("--image c:3: not in"), "{}", out.stderr);
    ok(&["--to", s(&t.path().join("b")), "--image", "b:2", s(&src)]);
    assert!(t.path().join("b/two").is_file() && !t.path().join("b/one").exists());
}

fn xattr(path: &Path, name: &str) -> Option<Vec<u8>> {
    let parent = fs::File::open(path.parent().expect("parent")).expect("open parent");
    let file = path.file_name().expect("name").as_encoded_bytes();
    ctrkit::image::xattr::lget_at(std::os::fd::AsFd::as_fd(&parent), file, name.as_bytes()).expect("getxattr")
}

fn layer_dirs(report: &Value) -> Vec<PathBuf> {
    report["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .map(|l| PathBuf::from(l["dir"].as_str().expect("dir")))
        .collect()
}

#[test]
fn the_store_holds_layers_in_overlay_form_once() {
    if !guard_root() {
        return;
    }
    let t = TempDir::new("img-store");
    let store = t.path().join("store");
    let (base, upper) = layered_tars();
    let src = Oci::new(vec![base.clone(), upper]).write(&t.path().join("src"));
    let report: Value = serde_json::from_str(&ok(&["--store", s(&store), "--json", s(&src)]).stdout).expect("json");
    assert_eq!(fs::metadata(&store).expect("store").mode() & 0o777, 0o700, "the store must be private");
    let dirs = layer_dirs(&report);
    assert_eq!(dirs.len(), 2);
    for (d, l) in dirs.iter().zip(report["layers"].as_array().expect("layers")) {
        assert!(d.is_dir());
        assert_eq!(d.file_name().expect("name").to_string_lossy(), l["diff_id"].as_str().expect("id")[7..]);
        assert!(d.with_extension("json").is_file(), "layer record beside the dir");
        assert!(!d.join(".done").exists());
    }
    let gone = fs::symlink_metadata(dirs[1].join("data/gone")).expect("whiteout");
    assert!(gone.file_type().is_char_device() && gone.rdev() == 0, "whiteout must be char 0:0");
    assert!(fs::symlink_metadata(dirs[1].join("etc-motd")).expect("whiteout").file_type().is_char_device());
    assert_eq!(xattr(&dirs[1].join("data/opaque"), "trusted.overlay.opaque").as_deref(), Some(&b"y"[..]));
    assert!(!dirs[1].join("data/opaque/.wh..wh..opq").exists());
    let id = report["image"]["id"].as_str().expect("id");
    let record: Value =
        serde_json::from_slice(&fs::read(store.join("images").join(format!("{}.json", &id[7..]))).expect("record"))
            .expect("json");
    assert_eq!(record["layers"], json!([report["layers"][0]["diff_id"], report["layers"][1]["diff_id"]]));
    assert!(store.join("blobs/sha256").join(&report["image"]["manifest_digest"].as_str().expect("m")[7..]).is_file());

    // Again: nothing extracted, the layer dirs untouched.
    let before: Vec<(u64, i64)> =
        dirs.iter().map(|d| fs::metadata(d).map(|m| (m.ino(), m.mtime_nsec())).expect("stat")).collect();
    let again = ok(&["--store", s(&store), "--explain", s(&src)]);
    assert!(
        !again.stderr.contains("] extract ") && !again.stderr.contains("mkdir"),
        "re-unpack extracted: {}",
        again.stderr
    );
    assert!(again.stderr.contains("already in the store"), "{}", again.stderr);
    let after: Vec<(u64, i64)> =
        dirs.iter().map(|d| fs::metadata(d).map(|m| (m.ino(), m.mtime_nsec())).expect("stat")).collect();
    assert_eq!(before, after);

    // Another image on the same base: the base is stored once.
    let other = Oci::new(vec![base, Tar::default().file("other", "o").finish()]).write(&t.path().join("src2"));
    let second = ok(&["--store", s(&store), "--explain", s(&other)]);
    assert_eq!(second.stderr.matches("] extract ").count(), 1, "only the new layer is extracted: {}", second.stderr);
    let layer_dirs =
        fs::read_dir(store.join("layers")).expect("layers").filter(|e| e.as_ref().expect("e").path().is_dir()).count();
    assert_eq!(layer_dirs, 3);
    assert_eq!(fs::read_dir(store.join("images")).expect("images").count(), 2);
}

#[test]
fn the_store_cleans_what_a_crashed_run_left() {
    if !guard_root() {
        return;
    }
    let t = TempDir::new("img-crash");
    let store = t.path().join("store");
    let src = Oci::new(vec![Tar::default().file("f", "x").finish()]).write(&t.path().join("src"));
    ok(&["--store", s(&store), "--quiet", s(&src)]);
    // A run killed mid-extraction leaves a half layer in tmp/ — and nothing anywhere else.
    let crashed = store.join("tmp/4242-dead-0");
    fs::create_dir_all(crashed.join("layer-0/usr/bin")).expect("mkdir");
    fs::write(crashed.join("layer-0/usr/bin/half"), "half").expect("write");
    fs::write(store.join("tmp/blob-stray"), "x").expect("write");
    let other = Oci::new(vec![Tar::default().file("g", "y").finish()]).write(&t.path().join("src2"));
    ok(&["--store", s(&store), "--quiet", s(&other)]);
    assert_eq!(fs::read_dir(store.join("tmp")).expect("tmp").count(), 0, "leftovers not cleaned");
}

#[test]
fn concurrent_runs_into_one_store_are_safe() {
    if !guard_root() {
        return;
    }
    let t = TempDir::new("img-concurrent");
    let store = t.path().join("store");
    let (base, upper) = layered_tars();
    let src = Oci::new(vec![base, upper]).gzipped().write(&t.path().join("src"));
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let (store, src) = (store.clone(), src.clone());
            std::thread::spawn(move || img_unpack(&["--store", s(&store), "--json", s(&src)]))
        })
        .collect();
    let outs: Vec<Out> = runs.into_iter().map(|h| h.join().expect("join")).collect();
    for o in &outs {
        assert_eq!(o.code, 0, "{}", o.stderr);
    }
    let reports: Vec<Value> = outs.iter().map(|o| serde_json::from_str(&o.stdout).expect("json")).collect();
    assert!(reports.windows(2).all(|w| w[0]["layers"] == w[1]["layers"]));
    assert_eq!(fs::read_dir(store.join("layers")).expect("layers").count(), 4, "2 dirs + 2 records");
    assert_eq!(fs::read_dir(store.join("tmp")).expect("tmp").count(), 0);
}

// ---------------------------------------------------------------------------------------------
// Real images made by podman, buildah and skopeo

/// A private podman/buildah storage under a temp dir, reset and removed on drop (also when a
/// test fails), so the machine's own storage is never touched.
struct Podman {
    tmp: TempDir,
}

impl Podman {
    fn storage_args(&self) -> Vec<String> {
        let p = self.tmp.path();
        vec![
            "--root".into(),
            s(&p.join("storage")).into(),
            "--runroot".into(),
            s(&p.join("run")).into(),
            // overlay, as the fixtures were made: its diffs have opaque markers (vfs would write
            // one .wh. per deleted file instead). Drop unmounts whatever it leaves.
            "--storage-driver".into(),
            "overlay".into(),
        ]
    }
    fn podman(&self, args: &[&str]) {
        let mut full = self.storage_args();
        full.extend(
            ["--cgroup-manager", "cgroupfs", "--events-backend", "none", "--runtime", "runc"].map(String::from),
        );
        full.extend(args.iter().map(|a| a.to_string()));
        sh("podman", &full, None);
    }
    fn buildah(&self, args: &[&str]) {
        let mut full = self.storage_args();
        full.extend(args.iter().map(|a| a.to_string()));
        sh("buildah", &full, None);
    }
    fn storage_ref(&self, name: &str) -> String {
        let p = self.tmp.path();
        format!("containers-storage:[overlay@{}+{}]{name}", s(&p.join("storage")), s(&p.join("run")))
    }
}

impl Drop for Podman {
    fn drop(&mut self) {
        let mut args = self.storage_args();
        args.extend(["system", "reset", "-f"].map(String::from));
        let _ = Command::new("podman").args(&args).stdout(Stdio::null()).stderr(Stdio::null()).status();
        // Anything still mounted under our dir (normally nothing after the reset).
        for line in common::host_mounts_mentioning(s(self.tmp.path())) {
            if let Some(point) = line.split(' ').nth(4) {
                let _ = Command::new("umount").args(["-l", point]).status();
            }
        }
    }
}

fn sh(cmd: &str, args: &[String], stdin: Option<&[u8]>) {
    let mut c = Command::new(cmd);
    c.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    if stdin.is_some() {
        c.stdin(Stdio::piped());
    }
    let mut child = c.spawn().unwrap_or_else(|e| panic!("{cmd}: {e}"));
    if let Some(data) = stdin {
        child.stdin.take().expect("stdin").write_all(data).expect("write stdin");
    }
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{cmd} {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
}

fn missing_tool() -> Option<String> {
    for tool in ["podman", "buildah", "skopeo", "runc", "busybox"] {
        let found = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
            .unwrap_or(false);
        if !found {
            return Some(format!(
                "{tool} not installed (apt-get install -y podman buildah skopeo runc busybox-static)"
            ));
        }
    }
    None
}

const CONTAINERFILE: &str = r#"FROM localhost/busybox:1.35
RUN mkdir -p /data/keep /data/gone /data/opaque && echo keep > /data/keep/f && echo gone > /data/gone/f && echo old > /data/opaque/old && echo x > /etc/motd && echo target > /data/t && ln /data/t /data/hardlink && ln -s ../keep/f /data/opaque/rel-link
RUN rm -rf /data/gone /etc/motd /data/opaque && mkdir /data/opaque && echo new > /data/opaque/new && echo changed > /data/keep/f
ENV GREETING=hello PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORKDIR /data
EXPOSE 8080/tcp
LABEL org.opencontainers.image.title=layered-fixture
ENTRYPOINT ["/bin/sh","-c"]
CMD ["cat /data/keep/f"]
"#;

/// The fixture recipe (fixtures/images/README.md), run in a private storage.
fn build_real_images(pm: &Podman) -> PathBuf {
    let dir = pm.tmp.path();
    let rootfs = dir.join("rootfs");
    for d in ["bin", "etc", "tmp", "root", "home", "var/log"] {
        fs::create_dir_all(rootfs.join(d)).expect("mkdir rootfs");
    }
    let busybox = ["/bin/busybox", "/usr/bin/busybox"].into_iter().find(|p| Path::new(p).is_file()).expect("busybox");
    fs::copy(busybox, rootfs.join("bin/busybox")).expect("copy busybox");
    sh("chroot", &[s(&rootfs).into(), "/bin/busybox".into(), "--install".into(), "-s".into(), "/bin".into()], None);
    fs::write(
        rootfs.join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\napp:x:1000:1000:app:/home:/bin/sh\n",
    )
    .expect("passwd");
    fs::write(rootfs.join("etc/group"), "root:x:0:\nnobody:x:65534:\napp:x:1000:\n").expect("group");
    fs::set_permissions(rootfs.join("tmp"), fs::Permissions::from_mode(0o1777)).expect("chmod tmp");
    let tar = Command::new("tar").args(["-C", s(&rootfs), "-c", "."]).output().expect("tar");
    assert!(tar.status.success());
    let mut import = pm.storage_args();
    import.extend(
        [
            "--cgroup-manager",
            "cgroupfs",
            "--events-backend",
            "none",
            "import",
            "--change",
            r#"CMD ["/bin/sh"]"#,
            "-",
            "localhost/busybox:1.35",
        ]
        .map(String::from),
    );
    sh("podman", &import, Some(&tar.stdout));
    let ctx = dir.join("ctx");
    fs::create_dir_all(&ctx).expect("mkdir ctx");
    fs::write(ctx.join("Containerfile"), CONTAINERFILE).expect("Containerfile");
    pm.buildah(&[
        "bud",
        "--layers",
        "--runtime",
        "runc",
        "--ulimit",
        "nofile=1024:1024",
        "--ulimit",
        "nproc=1024:1024",
        "--network",
        "none",
        "--cgroup-manager",
        "cgroupfs",
        "-t",
        "localhost/layered:3",
        s(&ctx),
    ]);
    let out = dir.join("out");
    fs::create_dir_all(&out).expect("mkdir out");
    pm.podman(&["save", "--format", "docker-archive", "-o", s(&out.join("layered-docker.tar")), "localhost/layered:3"]);
    pm.podman(&[
        "save",
        "--format",
        "docker-archive",
        "-o",
        s(&out.join("busybox-docker.tar")),
        "localhost/busybox:1.35",
    ]);
    let src = pm.storage_ref("localhost/layered:3");
    for dest in [
        format!("oci-archive:{}", s(&out.join("layered-oci.tar"))),
        format!("oci:{}:3", s(&out.join("layered-oci-layout"))),
    ] {
        sh("skopeo", &["copy".into(), "-q".into(), src.clone(), dest], None);
    }
    sh(
        "skopeo",
        &[
            "copy".into(),
            "-q".into(),
            "--dest-compress-format".into(),
            "zstd".into(),
            src,
            format!("oci-archive:{}", s(&out.join("layered-oci-zstd.tar"))),
        ],
        None,
    );
    // The ground truth: podman export of a container of the image.
    pm.podman(&["create", "--name", "ground-truth", "localhost/layered:3"]);
    pm.podman(&["export", "-o", s(&out.join("export.tar")), "ground-truth"]);
    let truth = out.join("truth");
    fs::create_dir_all(&truth).expect("mkdir truth");
    sh(
        "tar",
        &["--numeric-owner".into(), "-xpf".into(), s(&out.join("export.tar")).into(), "-C".into(), s(&truth).into()],
        None,
    );
    out
}

#[test]
fn real_images_match_podman_export() {
    if !guard_root() {
        return;
    }
    if let Some(why) = missing_tool() {
        return skip(&why);
    }
    let pm = Podman { tmp: TempDir::new("img-real") };
    let out = build_real_images(&pm);
    let truth = listing(&out.join("truth"));
    // podman export holds exactly the image's files; /proc, /sys and /dev (mount points podman
    // adds) are left out of both listings. /etc/hostname, /etc/hosts, /etc/resolv.conf and
    // /run/.containerenv are injected only at `podman run`, so they do not show up here; the
    // empty /etc/hostname buildah leaves in a RUN layer is part of the image and compared.
    for source in ["layered-docker.tar", "layered-oci.tar", "layered-oci-zstd.tar", "layered-oci-layout"] {
        let dest = pm.tmp.path().join(format!("rootfs-{source}"));
        let o = ok(&["--to", s(&dest), "--json", s(&out.join(source))]);
        let mine = listing(&dest);
        assert!(mine == truth, "{source}: trees differ\n{}", diff_lines(&truth, &mine));
        assert!(!dest.join("data/gone").exists() && !dest.join("etc/motd").exists(), "{source}: whiteouts not applied");
        let opaque: Vec<_> =
            fs::read_dir(dest.join("data/opaque")).expect("opaque").map(|e| e.expect("e").file_name()).collect();
        assert_eq!(opaque, vec!["new"], "{source}: opaque dir");
        let (a, b) =
            (fs::metadata(dest.join("data/t")).expect("t"), fs::metadata(dest.join("data/hardlink")).expect("hl"));
        assert_eq!(a.ino(), b.ino(), "{source}: hardlink lost");
        assert_eq!(fs::read_to_string(dest.join("data/keep/f")).expect("f"), "changed\n");
        let r: Value = serde_json::from_str(&o.stdout).expect("json");
        let c = &r["config"];
        assert_eq!(c["Cmd"], json!(["cat /data/keep/f"]), "{source}");
        assert_eq!(c["Entrypoint"], json!(["/bin/sh", "-c"]));
        assert_eq!(c["WorkingDir"], "/data");
        assert!(c["Env"].as_array().expect("env").contains(&json!("GREETING=hello")));
        assert_eq!(c["ExposedPorts"], json!({"8080/tcp": {}}));
        assert_eq!(c["Labels"]["org.opencontainers.image.title"], "layered-fixture");
        assert_eq!(r["layers"].as_array().expect("layers").len(), 3);
        assert_eq!(r["rootfs"], json!(s(&dest)));
        assert!(r["image"]["id"].as_str().expect("id").starts_with("sha256:"));
        // docker-archive has RepoTags, the layout dir the ref name "3"; skopeo's oci-archive
        // written without a name carries none.
        let tags = r["image"]["tags"].as_array().expect("tags");
        match source {
            "layered-docker.tar" => assert_eq!(tags, &vec![json!("localhost/layered:3")]),
            "layered-oci-layout" => assert_eq!(tags, &vec![json!("3")]),
            _ => {}
        }
    }

    // The store: overlay form, no second extraction, the busybox layer shared with busybox.
    let store = pm.tmp.path().join("store");
    let r: Value =
        serde_json::from_str(&ok(&["--store", s(&store), "--json", s(&out.join("layered-docker.tar"))]).stdout)
            .expect("json");
    let dirs = layer_dirs(&r);
    let top = &dirs[2];
    assert!(fs::symlink_metadata(top.join("data/gone")).expect("gone").file_type().is_char_device());
    assert!(fs::symlink_metadata(top.join("etc/motd")).expect("motd").file_type().is_char_device());
    assert_eq!(xattr(&top.join("data/opaque"), "trusted.overlay.opaque").as_deref(), Some(&b"y"[..]));
    let again = ok(&["--store", s(&store), "--explain", s(&out.join("layered-oci.tar"))]);
    assert!(!again.stderr.contains("] extract "), "{}", again.stderr);
    let bb = ok(&["--store", s(&store), "--explain", s(&out.join("busybox-docker.tar"))]);
    assert!(!bb.stderr.contains("] extract "), "the busybox layer was extracted twice: {}", bb.stderr);
    assert_eq!(fs::read_dir(store.join("images")).expect("images").count(), 2);
    // Both --store and --to at once.
    let both = pm.tmp.path().join("both");
    let r: Value = serde_json::from_str(
        &ok(&["--store", s(&store), "--to", s(&both), "--json", s(&out.join("layered-oci-zstd.tar"))]).stdout,
    )
    .expect("json");
    assert_eq!(r["store"], json!(s(&store)));
    assert_eq!(listing(&both), truth);
}
