//! img-pack against real consumers: what it writes is unpacked by img-unpack and read by
//! skopeo, and the tree that comes back is the tree that went in — types, modes, owners,
//! sizes, link targets, hardlinks — and the demo image's busybox runs.
#![forbid(unsafe_code)]

mod common;

use assert_cmd::Command;
use common::{need_root, skip, TempDir};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

fn pack() -> Command {
    Command::cargo_bin("img-pack").unwrap()
}

/// A `find`-like listing: type, mode, uid:gid, size, path, link target; hardlinks marked by
/// the first path of their inode.
fn listing(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashMap::new();
    walk(root, root, &mut out, &mut seen);
    out.sort();
    out
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>, seen: &mut std::collections::HashMap<u64, String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        let m = std::fs::symlink_metadata(&path).unwrap();
        let rel = path.strip_prefix(root).unwrap().display().to_string();
        let ft = m.file_type();
        use std::os::unix::fs::FileTypeExt;
        let kind = if ft.is_dir() {
            "d"
        } else if ft.is_symlink() {
            "l"
        } else if ft.is_fifo() {
            "p"
        } else if ft.is_char_device() {
            "c"
        } else {
            "f"
        };
        let size = if ft.is_file() { m.size().to_string() } else { "-".into() };
        let link = if ft.is_symlink() {
            format!(" -> {}", std::fs::read_link(&path).unwrap().display())
        } else {
            String::new()
        };
        let dev = if ft.is_char_device() { format!(" dev {}", m.rdev()) } else { String::new() };
        let hard = if ft.is_file() && m.nlink() > 1 {
            let first = seen.entry(m.ino()).or_insert_with(|| rel.clone());
            format!(" inode-of {first}")
        } else {
            String::new()
        };
        out.push(format!("{kind} {:o} {}:{} {size} {rel}{link}{dev}{hard}", m.mode() & 0o7777, m.uid(), m.gid()));
        if ft.is_dir() {
            walk(root, &path, out, seen);
        }
    }
}

/// A tree with every kind of entry a layer must carry.
fn sample_tree(dir: &Path) {
    use std::os::unix::fs::symlink;
    std::fs::create_dir_all(dir.join("etc/deep/er")).unwrap();
    std::fs::write(dir.join("etc/motd"), "hello\n").unwrap();
    std::fs::write(dir.join("etc/deep/er/file"), vec![7u8; 100_000]).unwrap();
    std::fs::write(dir.join("tool"), "#!/bin/sh\n").unwrap();
    std::fs::set_permissions(dir.join("tool"), std::fs::Permissions::from_mode(0o4755)).unwrap();
    std::fs::hard_link(dir.join("etc/motd"), dir.join("motd-again")).unwrap();
    symlink("etc/motd", dir.join("rel-link")).unwrap();
    symlink("/etc/passwd", dir.join("abs-link")).unwrap();
    std::fs::create_dir(dir.join("sticky")).unwrap();
    std::fs::set_permissions(dir.join("sticky"), std::fs::Permissions::from_mode(0o1777)).unwrap();
    let long = "n".repeat(120);
    std::fs::write(dir.join(&long), "long name").unwrap();
    std::process::Command::new("mkfifo").arg(dir.join("fifo")).status().unwrap();
    std::process::Command::new("mknod").args([dir.join("null").to_str().unwrap(), "c", "1", "3"]).status().unwrap();
    std::process::Command::new("chown")
        .args(["-h", "1000:1000", dir.join("etc/motd").to_str().unwrap()])
        .status()
        .unwrap();
}

#[test]
fn packed_tree_unpacks_to_the_same_tree() {
    if let Some(why) = need_root() {
        return skip(&why);
    }
    let t = TempDir::new("pack-roundtrip");
    let src = t.path().join("src");
    sample_tree(&src);
    for compress in ["gzip", "zstd", "none"] {
        let image = t.path().join(format!("image-{compress}.tar"));
        let back = t.path().join(format!("back-{compress}"));
        pack().args(["--compress", compress, "-o"]).arg(&image).arg(&src).assert().success();
        Command::cargo_bin("img-unpack").unwrap().arg("--to").arg(&back).arg(&image).assert().success();
        assert_eq!(listing(&back), listing(&src), "{compress}: the unpacked tree differs");
    }
}

#[test]
fn the_same_directory_packs_to_the_same_layer() {
    let t = TempDir::new("pack-repro");
    let src = t.path().join("src");
    std::fs::create_dir_all(src.join("a/b")).unwrap();
    std::fs::write(src.join("a/b/c"), "c").unwrap();
    let diff_id = |out: &str| {
        let o = pack().args(["--json", "-o"]).arg(t.path().join(out)).arg(&src).output().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["layers"][0]["diff_id"].as_str().unwrap().to_string()
    };
    assert_eq!(diff_id("one.tar"), diff_id("two.tar"));
}

#[test]
fn skopeo_reads_what_img_pack_writes() {
    if Command::new("skopeo").arg("--version").output().is_err() {
        return skip("skopeo is not installed (apt-get install skopeo)");
    }
    let t = TempDir::new("pack-skopeo");
    let src = t.path().join("src");
    std::fs::create_dir_all(src.join("bin")).unwrap();
    std::fs::write(src.join("bin/hello"), "hi").unwrap();
    let image = t.path().join("img.tar");
    let out = pack()
        .args([
            "--json",
            "--tag",
            "hello:1",
            "--cmd",
            r#"["/bin/hello"]"#,
            "--env",
            "A=b",
            "--workdir",
            "/bin",
            "--expose",
            "8080",
        ])
        .arg("-o")
        .arg(&image)
        .arg(&src)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let written: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // skopeo copy reads every blob and checks it against its digest.
    let copied = t.path().join("copied");
    let st = Command::new("skopeo")
        .arg("copy")
        .arg(format!("oci-archive:{}", image.display()))
        .arg(format!("dir:{}", copied.display()))
        .output()
        .unwrap();
    assert!(st.status.success(), "skopeo copy: {}", String::from_utf8_lossy(&st.stderr));
    let inspect =
        Command::new("skopeo").arg("inspect").arg(format!("oci-archive:{}", image.display())).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&inspect.stdout).unwrap();
    assert_eq!(v["Digest"], written["manifest_digest"]);
    assert_eq!(v["Layers"][0], written["layers"][0]["digest"]);
    assert_eq!(v["Env"], serde_json::json!(["A=b"]));
    let config: serde_json::Value = serde_json::from_slice(
        &Command::new("skopeo")
            .args(["inspect", "--config"])
            .arg(format!("oci-archive:{}", image.display()))
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(config["config"]["Cmd"], serde_json::json!(["/bin/hello"]));
    assert_eq!(config["config"]["WorkingDir"], "/bin");
    assert!(config["config"]["ExposedPorts"]["8080/tcp"].is_object());
}

#[test]
fn the_demo_image_holds_a_working_busybox() {
    if let Some(why) = need_root() {
        return skip(&why);
    }
    if !Path::new("/bin/busybox").exists() {
        return skip("busybox-static is not installed (apt-get install busybox-static)");
    }
    let t = TempDir::new("pack-demo");
    let image = t.path().join("demo.tar");
    let out = pack().args(["--demo", "--json", "-o"]).arg(&image).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let written: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(written["reference"], "demo:latest");
    let root = t.path().join("root");
    Command::cargo_bin("img-unpack").unwrap().arg("--to").arg(&root).arg(&image).assert().success();
    // The image's own shell runs in the image's root: proof it needs nothing from the host.
    let ran = std::process::Command::new("chroot")
        .arg(&root)
        .args(["/bin/sh", "-c", "id -un; ls /bin | wc -l"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&ran.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.first(), Some(&"root"), "{text} {}", String::from_utf8_lossy(&ran.stderr));
    assert!(lines[1].trim().parse::<usize>().unwrap() > 100, "too few applets: {text}");
    assert_eq!(std::fs::metadata(root.join("tmp")).unwrap().mode() & 0o7777, 0o1777);
}

#[test]
fn bad_input_is_one_line_exit_125_and_writes_nothing() {
    let t = TempDir::new("pack-bad");
    let src = t.path().join("src");
    std::fs::create_dir(&src).unwrap();
    let a_file = t.path().join("file");
    std::fs::write(&a_file, "x").unwrap();
    let exists = t.path().join("exists.tar");
    std::fs::write(&exists, "keep").unwrap();
    let out = t.path().join("out.tar");
    let (o, s, f) = (out.to_str().unwrap(), src.to_str().unwrap(), a_file.to_str().unwrap());
    let cases: Vec<Vec<&str>> = vec![
        vec!["-o", o, "--cmd", "sh", s],
        vec!["-o", o, "--entrypoint", "[1,2]", s],
        vec!["-o", o, "--env", "NOEQUALS", s],
        vec!["-o", o, "--workdir", "relative", s],
        vec!["-o", o, "--workdir", "/a/../..", s],
        vec!["-o", o, "--expose", "99999", s],
        vec!["-o", o, "--tag", "bad tag", s],
        vec!["-o", o, "--compress", "lzma", s],
        vec!["-o", o, "/nonexistent/rootfs"],
        vec!["-o", o, f],
        vec!["-o", o, "--demo", "--busybox", "/nonexistent/busybox"],
        vec!["-o", exists.to_str().unwrap(), s],
        vec!["-o", o],
    ];
    for args in cases {
        let r = pack().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&r.stderr);
        assert_eq!(r.status.code(), Some(125), "{args:?}: {err}");
        assert_eq!(err.lines().filter(|l| !l.starts_with("hint: ")).count(), 1, "{args:?}: {err}");
        assert!(!out.exists(), "{args:?} wrote {o}");
        assert_eq!(std::fs::read_to_string(&exists).unwrap(), "keep", "{args:?} overwrote an existing file");
        let leftovers: Vec<_> = std::fs::read_dir(t.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| n.to_string_lossy().starts_with('.'))
            .collect();
        assert!(leftovers.is_empty(), "{args:?} left {leftovers:?}");
    }
}

#[test]
fn a_dynamically_linked_busybox_is_refused_for_the_demo() {
    let t = TempDir::new("pack-dyn");
    // /bin/ls on Debian is dynamically linked: it must be refused, with the fix named.
    let r = pack().args(["--demo", "--busybox", "/bin/ls", "-o"]).arg(t.path().join("d.tar")).output().unwrap();
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(125), "{err}");
    assert!(err.contains("dynamically linked") && err.contains("busybox-static"), "{err}");
}
