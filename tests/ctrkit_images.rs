//! The front end's image verbs against a real store on disk and real peers: what `save`
//! writes, podman loads with the same image id; `rmi` leaves no unreferenced layer or blob;
//! bad input changes nothing.
#![forbid(unsafe_code)]

mod common;

use assert_cmd::Command;
use common::{skip, TempDir};
use std::path::{Path, PathBuf};

/// A private ctrkit world (its own CTRKIT_ROOT) with an image archive to load.
struct World {
    dir: TempDir,
}

impl World {
    fn new(tag: &str) -> World {
        World { dir: TempDir::new(tag) }
    }
    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }
    fn ctrkit(&self) -> Command {
        let mut c = Command::cargo_bin("ctrkit").unwrap();
        c.env("CTRKIT_ROOT", self.root()).env("CTRKIT_STATE", self.dir.path().join("state"));
        c
    }
    fn stdout(&self, args: &[&str]) -> String {
        let out = self.ctrkit().args(args).output().unwrap();
        assert!(out.status.success(), "ctrkit {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }
    /// An archive of a small tree, tagged `tag`, its one layer shared by every image made from `tree`.
    fn archive(&self, name: &str, tag: &str, tree: &str, cmd: &str) -> PathBuf {
        let src = self.dir.path().join(tree);
        if !src.exists() {
            std::fs::create_dir_all(src.join("bin")).unwrap();
            std::fs::write(src.join("bin/hello"), format!("hello from {tree}\n")).unwrap();
        }
        let out = self.dir.path().join(name);
        Command::cargo_bin("img-pack")
            .unwrap()
            .args(["--tag", tag, "--cmd", cmd, "-o"])
            .arg(&out)
            .arg(&src)
            .assert()
            .success();
        out
    }
    /// Every file below the store, for "nothing changed" checks.
    fn store_listing(&self) -> Vec<String> {
        let mut out = Vec::new();
        list(&self.root().join("store"), &mut out);
        out.sort();
        out
    }
}

fn list(dir: &Path, out: &mut Vec<String>) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.ends_with("lock") {
                continue;
            }
            out.push(p.display().to_string());
            if p.is_dir() && !p.is_symlink() {
                list(&p, out);
            }
        }
    }
}

#[test]
fn load_images_tag_inspect_rmi() {
    let w = World::new("fe-basic");
    let archive = w.archive("a.tar", "hello:1", "tree-a", r#"["/bin/hello"]"#);
    assert_eq!(w.stdout(&["load", "-i", archive.to_str().unwrap()]), "Loaded image: hello:1\n");
    let rows = w.stdout(&["images", "--format", "{{.Repository}} {{.Tag}} {{.ID}}"]);
    let id = rows.split_whitespace().nth(2).unwrap().to_string();
    assert_eq!(rows.split_whitespace().take(2).collect::<Vec<_>>(), ["hello", "1"]);
    w.stdout(&["tag", "hello:1", "again"]);
    let listed = w.stdout(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    assert!(listed.contains("again:latest") && listed.contains("hello:1"), "{listed}");
    assert_eq!(w.stdout(&["image", "inspect", "-f", "{{.Config.Cmd}}", "again"]), "[/bin/hello]\n");
    let json: serde_json::Value = serde_json::from_str(&w.stdout(&["image", "inspect", "hello:1"])).unwrap();
    assert!(json[0]["Id"].as_str().unwrap().contains(&id));
    // One of two tags: only untagged. The last: the image, its layer and blobs go.
    assert_eq!(w.stdout(&["rmi", "again"]), "Untagged: again:latest\n");
    let out = w.stdout(&["rmi", "hello:1"]);
    assert!(out.contains("Untagged: hello:1") && out.contains("Deleted: sha256:"), "{out}");
    assert_eq!(w.stdout(&["images", "-q"]), "");
    let left: Vec<String> =
        w.store_listing().into_iter().filter(|p| p.contains("/layers/") || p.contains("/blobs/sha256/")).collect();
    assert!(left.is_empty(), "rmi left {left:?}");
}

#[test]
fn a_layer_shared_by_two_images_survives_removing_one() {
    let w = World::new("fe-shared");
    let one = w.archive("one.tar", "one:1", "shared", r#"["/bin/one"]"#);
    let two = w.archive("two.tar", "two:1", "shared", r#"["/bin/two"]"#);
    w.stdout(&["load", "-i", one.to_str().unwrap()]);
    w.stdout(&["load", "-i", two.to_str().unwrap()]);
    let layers =
        |w: &World| w.store_listing().into_iter().filter(|p| p.contains("/layers/") && p.ends_with(".json")).count();
    assert_eq!(layers(&w), 1, "the shared layer is stored once");
    w.stdout(&["rmi", "one:1"]);
    assert_eq!(layers(&w), 1, "the layer two:1 still uses was removed");
    w.stdout(&["rmi", "two:1"]);
    assert_eq!(layers(&w), 0);
}

#[test]
fn save_then_load_keeps_the_id_and_reads_stdin() {
    let w = World::new("fe-save");
    let archive = w.archive("a.tar", "keep:1", "tree-k", r#"["/bin/hello"]"#);
    w.stdout(&["load", "-i", archive.to_str().unwrap()]);
    let id = w.stdout(&["images", "-q", "--no-trunc"]);
    let saved = w.dir.path().join("saved.tar");
    w.stdout(&["save", "-o", saved.to_str().unwrap(), "keep:1"]);
    w.stdout(&["rmi", "keep:1"]);
    let loaded = w.ctrkit().arg("load").pipe_stdin(&saved).unwrap().output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&loaded.stdout),
        "Loaded image: keep:1\n",
        "{}",
        String::from_utf8_lossy(&loaded.stderr)
    );
    assert_eq!(w.stdout(&["images", "-q", "--no-trunc"]), id);
}

#[test]
fn podman_loads_what_save_writes() {
    if std::process::Command::new("podman").arg("--version").output().is_err() {
        return skip("podman is not installed (apt-get install podman)");
    }
    let w = World::new("fe-podman");
    let archive = w.archive("a.tar", "portable:2", "tree-p", r#"["/bin/hello"]"#);
    w.stdout(&["load", "-i", archive.to_str().unwrap()]);
    let id = w.stdout(&["images", "-q", "--no-trunc"]).trim().to_string();
    let saved = w.dir.path().join("saved.tar");
    w.stdout(&["save", "-o", saved.to_str().unwrap(), "portable:2"]);
    // A private podman storage inside the test's temp dir (vfs: no mounts to clean up).
    let storage = w.dir.path().join("podman");
    let podman = |args: &[&str]| {
        std::process::Command::new("podman")
            .arg("--root")
            .arg(storage.join("root"))
            .arg("--runroot")
            .arg(storage.join("run"))
            .args(["--storage-driver", "vfs", "--events-backend", "none"])
            .args(args)
            .output()
            .unwrap()
    };
    let load = podman(&["load", "-i", saved.to_str().unwrap()]);
    assert!(load.status.success(), "podman load: {}", String::from_utf8_lossy(&load.stderr));
    let images = podman(&["images", "--no-trunc", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}"]);
    let text = String::from_utf8_lossy(&images.stdout);
    assert!(text.contains(&id) && text.contains("portable:2"), "podman sees {text}, we had {id}");
}

#[test]
fn bad_input_is_one_line_and_changes_nothing() {
    let w = World::new("fe-bad");
    let archive = w.archive("a.tar", "fine:1", "tree-f", r#"["/bin/hello"]"#);
    w.stdout(&["load", "-i", archive.to_str().unwrap()]);
    let before = w.store_listing();
    let junk = w.dir.path().join("junk.tar");
    std::fs::write(&junk, vec![0u8; 4096]).unwrap();
    let out_file = w.dir.path().join("never.tar");
    let cases: Vec<Vec<&str>> = vec![
        vec!["load", "-i", junk.to_str().unwrap()],
        vec!["load", "-i", "/nonexistent.tar"],
        vec!["rmi", "nosuch:1"],
        vec!["tag", "fine:1", "Bad Name"],
        vec!["tag", "fine:1", "UPPER:1"],
        vec!["tag", "nosuch", "x:1"],
        vec!["save", "-o", out_file.to_str().unwrap(), "nosuch"],
        vec!["image", "inspect", "-f", "{{range .X}}", "fine:1"],
        vec!["nosuchverb"],
    ];
    for args in cases {
        let out = w.ctrkit().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(125), "{args:?}: {err}");
        assert_eq!(err.lines().filter(|l| !l.starts_with("hint: ")).count(), 1, "{args:?}: {err}");
        assert_eq!(w.store_listing(), before, "{args:?} changed the store");
        assert!(!out_file.exists(), "{args:?} wrote {}", out_file.display());
    }
}

#[test]
fn images_on_an_empty_root_is_just_the_header() {
    let w = World::new("fe-empty");
    let out = w.stdout(&["images"]);
    assert!(out.starts_with("REPOSITORY") && out.lines().count() == 1, "{out}");
}
