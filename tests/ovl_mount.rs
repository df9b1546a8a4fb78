//! ovl-mount against the real kernel, as root. Every test checks kernel truth — mountinfo,
//! stat of the upper dir (whiteouts are char devices 0:0), xattrs (opaque dirs), file bytes —
//! not the tool's own words. Each test works in its own temp dir and unmounts what it mounted
//! on every path out (a `Mounts` guard, dropped before the TempDir that holds the mounts).
#![forbid(unsafe_code)]

mod common;

use assert_cmd::Command;
use common::{host_mounts_mentioning, need_root, skip, TempDir};
use std::collections::BTreeMap;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

fn tool() -> Command {
    Command::cargo_bin("ovl-mount").unwrap()
}

/// None when overlayfs can be mounted here, else why not.
fn need_overlay() -> Option<String> {
    if let Some(why) = need_root() {
        return Some(why);
    }
    let listed = || std::fs::read_to_string("/proc/filesystems").unwrap_or_default().contains("\toverlay\n");
    if !listed() {
        let _ = std::process::Command::new("modprobe").arg("overlay").status();
    }
    if !listed() {
        return Some("no overlay file system in /proc/filesystems (modprobe overlay failed)".into());
    }
    None
}

/// Unmounts every path it holds when dropped, so a failing assert leaks no mount.
struct Mounts(Vec<PathBuf>);

impl Drop for Mounts {
    fn drop(&mut self) {
        for path in self.0.iter().rev() {
            // A mount point may have several mounts stacked; stop when mountinfo is clear.
            for _ in 0..4 {
                if mounted_at(path).is_none() {
                    break;
                }
                let _ = ctrkit::mount::bind::unmount(path, "test cleanup");
            }
        }
    }
}

/// The mountinfo line of the topmost mount exactly at `path`.
fn mounted_at(path: &Path) -> Option<String> {
    let needle = format!(" {} ", path.display());
    host_mounts_mentioning(&needle).into_iter().rev().find(|l| l.split(' ').nth(4) == Some(&*path.to_string_lossy()))
}

/// A layer dir under `root` holding `files` (name, content); parents are created.
fn layer(root: &Path, name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, content) in files {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    dir
}

/// Run ovl-mount with `args` and expect success; the stdout.
fn ok(args: &[&Path]) -> String {
    let out = tool().args(args).output().unwrap();
    assert!(out.status.success(), "ovl-mount {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn p(s: &str) -> &Path {
    Path::new(s)
}

/// Mount lowers (lowest first) with upper/work/target under `root`; the target.
fn mount_rw(root: &Path, lowers: &[&Path], guard: &mut Mounts) -> PathBuf {
    let target = root.join("merged");
    guard.0.push(target.clone());
    let mut args: Vec<&Path> = Vec::new();
    for l in lowers {
        args.extend([p("--lower"), l]);
    }
    let (upper, work) = (root.join("upper"), root.join("work"));
    args.extend([p("--upper"), &upper, p("--work"), &work, &target]);
    ok(&args);
    target
}

/// Every file under `dir` with its mode and bytes (or link target): a byte-exact picture.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (u32, Vec<u8>)> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let bytes = if meta.is_dir() {
                todo.push(path.clone());
                Vec::new()
            } else if meta.file_type().is_symlink() {
                std::fs::read_link(&path).unwrap().into_os_string().into_encoded_bytes()
            } else {
                std::fs::read(&path).unwrap()
            };
            out.insert(path.strip_prefix(dir).unwrap().to_path_buf(), (meta.mode(), bytes));
        }
    }
    out
}

fn is_whiteout(path: &Path) -> bool {
    std::fs::symlink_metadata(path).map(|m| m.file_type().is_char_device() && m.rdev() == 0).unwrap_or(false)
}

#[test]
fn two_lowers_and_an_upper_merge_and_the_upper_wins() {
    if let Some(why) = need_overlay() {
        return skip(&why);
    }
    let tmp = TempDir::new("ovl-merge");
    let mut guard = Mounts(vec![]);
    let l1 = layer(tmp.path(), "l1", &[("etc/os", "base"), ("only-l1", "1"), ("shared", "from l1")]);
    let l2 = layer(tmp.path(), "l2", &[("only-l2", "2"), ("shared", "from l2"), ("mine", "from l2")]);
    // An upper dir that already holds a file, as a container's upper does after a restart.
    layer(tmp.path(), "upper", &[("mine", "from upper")]);
    let target = mount_rw(tmp.path(), &[&l1, &l2], &mut guard);

    let line = mounted_at(&target).expect("the overlay is in mountinfo");
    assert!(line.contains(" - overlay overlay "), "{line}");
    // Kernel order is top first: l2 before l1.
    let (i2, i1) =
        (line.find(&format!("lowerdir+={},", l2.display())), line.find(&format!("lowerdir+={},", l1.display())));
    assert!(i2.is_some() && i1.is_some() && i2 < i1, "{line}");
    assert!(line.contains(&format!("upperdir={}", tmp.path().join("upper").display())), "{line}");
    assert_eq!(std::fs::read_to_string(target.join("etc/os")).unwrap(), "base");
    assert_eq!(std::fs::read_to_string(target.join("only-l1")).unwrap(), "1");
    assert_eq!(std::fs::read_to_string(target.join("only-l2")).unwrap(), "2");
    assert_eq!(std::fs::read_to_string(target.join("shared")).unwrap(), "from l2", "the higher lower wins");
    assert_eq!(std::fs::read_to_string(target.join("mine")).unwrap(), "from upper", "the upper wins");
    let work = std::fs::metadata(tmp.path().join("work")).unwrap();
    assert_eq!(work.mode() & 0o777, 0o700, "the work dir is private");
}

#[test]
fn deleting_a_lower_file_leaves_a_whiteout_and_copy_up_keeps_lowers_intact() {
    if let Some(why) = need_overlay() {
        return skip(&why);
    }
    let tmp = TempDir::new("ovl-cow");
    let mut guard = Mounts(vec![]);
    let l1 = layer(tmp.path(), "l1", &[("doomed", "x"), ("edit-me", "original"), ("dir/a", "a"), ("dir/b", "b")]);
    let l2 = layer(tmp.path(), "l2", &[("keep", "k")]);
    let before = (snapshot(&l1), snapshot(&l2));
    let target = mount_rw(tmp.path(), &[&l1, &l2], &mut guard);

    std::fs::remove_file(target.join("doomed")).unwrap();
    assert!(!target.join("doomed").exists());
    assert!(is_whiteout(&tmp.path().join("upper/doomed")), "a char device 0:0 in the upper dir");

    std::fs::write(target.join("edit-me"), "changed").unwrap();
    assert_eq!(std::fs::read_to_string(tmp.path().join("upper/edit-me")).unwrap(), "changed", "copied up");

    std::fs::remove_dir_all(target.join("dir")).unwrap();
    std::fs::create_dir(target.join("dir")).unwrap();
    std::fs::write(target.join("dir/new"), "n").unwrap();
    let opaque = ctrkit::sys::xattr::lgetxattr(&tmp.path().join("upper/dir"), "trusted.overlay.opaque").unwrap();
    assert_eq!(opaque.as_deref(), Some(&b"y"[..]), "the recreated dir is opaque");
    let names: Vec<_> = std::fs::read_dir(target.join("dir")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, vec!["new"], "the lower dir's files no longer show through");

    assert_eq!((snapshot(&l1), snapshot(&l2)), before, "the lower layers are byte-identical");
}

#[test]
fn two_mounts_sharing_a_lower_do_not_see_each_others_writes() {
    if let Some(why) = need_overlay() {
        return skip(&why);
    }
    let tmp = TempDir::new("ovl-share");
    let mut guard = Mounts(vec![]);
    let base = layer(tmp.path(), "base", &[("etc/hostname", "base")]);
    let (a_root, b_root) = (tmp.path().join("a"), tmp.path().join("b"));
    let a = mount_rw(&a_root, &[&base], &mut guard);
    let b = mount_rw(&b_root, &[&base], &mut guard);
    std::fs::write(a.join("etc/hostname"), "A").unwrap();
    std::fs::write(a.join("only-in-a"), "A").unwrap();
    std::fs::remove_file(b.join("etc/hostname")).unwrap();
    assert_eq!(std::fs::read_to_string(a.join("etc/hostname")).unwrap(), "A");
    assert!(!b.join("only-in-a").exists() && !b.join("etc/hostname").exists());
    assert_eq!(std::fs::read_to_string(base.join("etc/hostname")).unwrap(), "base");
}

#[test]
fn read_only_mounts_refuse_writes_with_erofs() {
    if let Some(why) = need_overlay() {
        return skip(&why);
    }
    let tmp = TempDir::new("ovl-ro");
    let mut guard = Mounts(vec![]);
    let l1 = layer(tmp.path(), "l1", &[("f", "1")]);
    let l2 = layer(tmp.path(), "l2", &[("g", "2")]);
    // Two layers: an overlay without upper. One layer: the read-only bind fallback.
    for (name, lowers) in [("two", vec![&l1, &l2]), ("one", vec![&l1])] {
        let target = tmp.path().join(name);
        guard.0.push(target.clone());
        let mut args: Vec<&Path> = vec![p("--read-only")];
        for l in &lowers {
            args.extend([p("--lower"), l.as_path()]);
        }
        args.push(&target);
        ok(&args);
        let line = mounted_at(&target).expect("mounted");
        assert!(line.split(' ').nth(5).unwrap().starts_with("ro"), "{line}");
        assert_eq!(std::fs::read_to_string(target.join("f")).unwrap(), "1");
        let err = std::fs::write(target.join("new"), "x").unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc_erofs()), "{name}: {err}");
        ok(&[p("-u"), &target]);
        assert!(mounted_at(&target).is_none());
    }
}

fn libc_erofs() -> i32 {
    30 // EROFS on Linux (asm-generic/errno-base.h)
}

#[test]
fn hundreds_of_layers_mount_and_the_top_one_wins() {
    if let Some(why) = need_overlay() {
        return skip(&why);
    }
    let tmp = TempDir::new("ovl-many");
    let mut guard = Mounts(vec![]);
    let n = 250;
    let lowers: Vec<PathBuf> = (1..=n)
        .map(|i| layer(tmp.path(), &format!("layer-with-a-longer-name-{i:03}"), &[("who", &i.to_string())]))
        .collect();
    let option_bytes: usize = lowers.iter().map(|l| l.as_os_str().len() + 1).sum();
    assert!(option_bytes > 4096, "the test must exceed one page of options ({option_bytes} bytes)");
    let refs: Vec<&Path> = lowers.iter().map(PathBuf::as_path).collect();
    let target = mount_rw(tmp.path(), &refs, &mut guard);
    assert_eq!(std::fs::read_to_string(target.join("who")).unwrap(), n.to_string());
    let line = mounted_at(&target).unwrap();
    assert_eq!(line.matches("lowerdir+=").count(), n, "one lowerdir+ per layer");
}

#[test]
fn lower_paths_with_commas_and_colons_work() {
    if let Some(why) = need_overlay() {
        return skip(&why);
    }
    let tmp = TempDir::new("ovl-punct");
    let mut guard = Mounts(vec![]);
    let l1 = layer(tmp.path(), "a,b", &[("x", "comma")]);
    let l2 = layer(tmp.path(), "c:d", &[("y", "colon")]);
    let target = mount_rw(tmp.path(), &[&l1, &l2], &mut guard);
    assert_eq!(std::fs::read_to_string(target.join("x")).unwrap(), "comma");
    assert_eq!(std::fs::read_to_string(target.join("y")).unwrap(), "colon");
    let which = ok(&[p("--which"), &target.join("x")]);
    assert_eq!(which.trim(), format!("{}: layer 1 ({})", target.join("x").display(), l1.display()));
    // The one-string form cannot say this: --legacy refuses it by name, leaving nothing.
    let t2 = tmp.path().join("legacy");
    let out =
        tool().args([p("--legacy"), p("--read-only"), p("--lower"), &l1, p("--lower"), &l2, &t2]).output().unwrap();
    assert_eq!(out.status.code(), Some(125));
    let err = String::from_utf8_lossy(&out.stderr);
    // Top layer first, as the string is built: c:d is the first offender.
    assert!(err.starts_with(&format!("ovl-mount: invalid {}: a ':' in a layer path", l2.display())), "{err}");
    assert!(!t2.exists());
}

#[test]
fn the_legacy_mount_string_works_on_plain_paths() {
    if let Some(why) = need_overlay() {
        return skip(&why);
    }
    let tmp = TempDir::new("ovl-legacy");
    let mut guard = Mounts(vec![]);
    let l1 = layer(tmp.path(), "l1", &[("f", "1"), ("g", "1")]);
    let l2 = layer(tmp.path(), "l2", &[("g", "2")]);
    let target = tmp.path().join("merged");
    guard.0.push(target.clone());
    let (up, wk) = (tmp.path().join("up"), tmp.path().join("wk"));
    ok(&[p("--legacy"), p("--lower"), &l1, p("--lower"), &l2, p("--upper"), &up, p("--work"), &wk, &target]);
    let line = mounted_at(&target).unwrap();
    assert!(line.contains(&format!("lowerdir={}:{}", l2.display(), l1.display())), "top first: {line}");
    assert_eq!(std::fs::read_to_string(target.join("g")).unwrap(), "2");
    let which = ok(&[p("--which"), &target.join("f")]);
    assert!(which.contains(&format!("layer 1 ({})", l1.display())), "{which}");
}

#[test]
fn json_output_parses_and_matches_the_mount() {
    if let Some(why) = need_overlay() {
        return skip(&why);
    }
    let tmp = TempDir::new("ovl-json");
    let mut guard = Mounts(vec![]);
    let l1 = layer(tmp.path(), "l1", &[("f", "1")]);
    let l2 = layer(tmp.path(), "l2", &[("g", "2")]);
    let target = tmp.path().join("merged");
    guard.0.push(target.clone());
    let (up, wk) = (tmp.path().join("up"), tmp.path().join("wk"));
    let out = ok(&[p("--json"), p("--lower"), &l1, p("--lower"), &l2, p("--upper"), &up, p("--work"), &wk, &target]);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let s = |p: &Path| p.to_string_lossy().into_owned();
    assert_eq!(
        v,
        serde_json::json!({"rootfs": s(&target), "layers": [s(&l1), s(&l2)], "upper": s(&up), "work": s(&wk), "read_only": false})
    );
    assert!(mounted_at(&target).is_some());

    let ro = tmp.path().join("ro");
    guard.0.push(ro.clone());
    let out = ok(&[p("--json"), p("--read-only"), p("--lower"), &l1, p("--lower"), &l2, &ro]);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["upper"], serde_json::Value::Null);
    assert_eq!(v["read_only"], true);
}

#[test]
fn img_unpack_json_on_stdin_gives_the_layers() {
    if let Some(why) = need_overlay() {
        return skip(&why);
    }
    let tmp = TempDir::new("ovl-stdin");
    let mut guard = Mounts(vec![]);
    let l1 = layer(tmp.path(), "l1", &[("f", "bottom"), ("g", "bottom")]);
    let l2 = layer(tmp.path(), "l2", &[("g", "top")]);
    let target = tmp.path().join("merged");
    guard.0.push(target.clone());
    let json = serde_json::json!({
        "image": "demo:latest",
        "layers": [
            {"digest": "sha256:1111", "dir": l1.to_string_lossy(), "size": 1},
            {"digest": "sha256:2222", "dir": l2.to_string_lossy(), "size": 2}
        ]
    });
    let (up, wk) = (tmp.path().join("up"), tmp.path().join("wk"));
    tool().args([p("--upper"), &up, p("--work"), &wk, &target]).write_stdin(json.to_string()).assert().success();
    assert_eq!(std::fs::read_to_string(target.join("f")).unwrap(), "bottom");
    assert_eq!(std::fs::read_to_string(target.join("g")).unwrap(), "top", "bottom first: the last layer is on top");
}

#[test]
fn which_tells_upper_lower_and_deleted() {
    if let Some(why) = need_overlay() {
        return skip(&why);
    }
    let tmp = TempDir::new("ovl-which");
    let mut guard = Mounts(vec![]);
    let l1 = layer(tmp.path(), "l1", &[("base", "1"), ("gone", "1"), ("d/old", "1")]);
    let l2 = layer(tmp.path(), "l2", &[("over", "2"), ("d/two", "2")]);
    let target = mount_rw(tmp.path(), &[&l1, &l2], &mut guard);
    std::fs::write(target.join("new"), "u").unwrap();
    std::fs::remove_file(target.join("gone")).unwrap();
    let upper = tmp.path().join("upper");

    let which = |rel: &str| ok(&[p("--which"), &target.join(rel)]).trim().to_string();
    let at = |rel: &str| target.join(rel).display().to_string();
    assert_eq!(which("new"), format!("{}: upper ({})", at("new"), upper.display()));
    assert_eq!(which("base"), format!("{}: layer 1 ({})", at("base"), l1.display()));
    assert_eq!(which("over"), format!("{}: layer 2 ({})", at("over"), l2.display()));
    assert_eq!(which("gone"), format!("{}: deleted (whiteout in upper: {})", at("gone"), upper.join("gone").display()));
    assert!(which("d").contains("a directory merged with"), "{}", which("d"));

    let json = ok(&[p("--which"), &target.join("over"), p("--json")]);
    let v: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!((v["source"].as_str(), v["layer"].as_u64()), (Some("lower"), Some(2)));
    assert_eq!(v["dir"].as_str(), Some(&*l2.to_string_lossy()));
    let json = ok(&[p("--which"), &target.join("gone"), p("--json")]);
    let v: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(v["source"], "deleted");

    // An opaque dir hides the lower "d/old" although it exists in layer 1.
    std::fs::remove_dir_all(target.join("d")).unwrap();
    std::fs::create_dir(target.join("d")).unwrap();
    assert_eq!(which("d"), format!("{}: upper ({})", at("d"), upper.display()), "opaque: nothing merges");
    assert!(which("d/old").ends_with(&format!("in no layer of the overlay at {}", target.display())));

    let out = tool().args([p("--which"), tmp.path()]).output().unwrap();
    assert_eq!(out.status.code(), Some(125), "outside any overlay");
}

#[test]
fn unmount_removes_it_and_refuses_other_mounts() {
    if let Some(why) = need_overlay() {
        return skip(&why);
    }
    let tmp = TempDir::new("ovl-umount");
    let mut guard = Mounts(vec![]);
    let l1 = layer(tmp.path(), "l1", &[("f", "1")]);
    let target = mount_rw(tmp.path(), &[&l1], &mut guard);
    assert!(mounted_at(&target).is_some());
    ok(&[p("--unmount"), &target]);
    assert!(mounted_at(&target).is_none(), "gone from mountinfo");
    assert!(target.is_dir(), "the mount point stays, as with umount(8)");

    let out = tool().args([p("--unmount"), &target]).output().unwrap();
    assert_eq!(out.status.code(), Some(125), "no longer a mount point");
    let out = tool().args([p("-u"), p("/proc")]).output().unwrap();
    assert_eq!(out.status.code(), Some(125));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("ovl-mount: invalid /proc: not an overlay mount (it is proc)"), "{err}");
    assert!(host_mounts_mentioning(" /proc ").iter().any(|l| l.contains(" - proc ")), "/proc untouched");
}

#[test]
fn bad_input_fails_with_one_line_and_leaves_nothing() {
    if let Some(why) = need_overlay() {
        return skip(&why);
    }
    let tmp = TempDir::new("ovl-bad");
    let root = tmp.path().to_path_buf();
    let good = layer(&root, "good", &[("f", "1")]);
    std::fs::write(root.join("a-file"), "x").unwrap();
    let (up, wk, tg) = (root.join("new/up"), root.join("new/wk"), root.join("new/target"));
    let s = |p: &Path| p.to_string_lossy().into_owned();
    let rw = |lower: &Path, target: &Path| {
        vec!["--lower".into(), s(lower), "--upper".into(), s(&up), "--work".into(), s(&wk), s(target)]
    };
    let cases: Vec<(&str, Vec<String>, Option<String>)> = vec![
        ("missing lower", rw(&root.join("nope"), &tg), None),
        ("lower is a file", rw(&root.join("a-file"), &tg), None),
        ("--upper without --work", vec!["--lower".into(), s(&good), "--upper".into(), s(&up), s(&tg)], None),
        ("target is a file", rw(&good, &root.join("a-file")), None),
        ("no target", vec!["--read-only".into(), "--lower".into(), s(&good)], None),
        (
            "stdin not JSON",
            vec!["--upper".into(), s(&up), "--work".into(), s(&wk), s(&tg)],
            Some("{\"layers\": [".into()),
        ),
        (
            "stdin with a null dir",
            vec!["--upper".into(), s(&up), "--work".into(), s(&wk), s(&tg)],
            Some(r#"{"layers":[{"digest":"sha256:abcd","dir":null}]}"#.into()),
        ),
        ("stdin empty", vec!["--read-only".into(), s(&tg)], Some(String::new())),
        (
            "work inside upper",
            vec!["--lower".into(), s(&good), "--upper".into(), s(&up), "--work".into(), s(&up.join("w")), s(&tg)],
            None,
        ),
    ];
    for (what, args, stdin) in cases {
        let mut cmd = tool();
        cmd.args(&args).write_stdin(stdin.clone().unwrap_or_default());
        let out = cmd.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(125), "{what}: {err}");
        let lines: Vec<&str> = err.lines().collect();
        assert!(lines[0].starts_with("ovl-mount: "), "{what}: {err}");
        assert!(lines.len() == 1 || (lines.len() == 2 && lines[1].starts_with("hint: ")), "{what}: {err}");
        assert!(
            !root.join("new").exists(),
            "{what}: created {:?}",
            std::fs::read_dir(root.join("new")).map(|d| d.count())
        );
        assert!(host_mounts_mentioning(&s(&root)).is_empty(), "{what}: left a mount");
    }
    let null = tool()
        .args(["--read-only".to_string(), s(&tg)])
        .write_stdin(r#"{"layers":[{"digest":"sha256:abcd","dir":null}]}"#)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&null.stderr).trim(),
        "ovl-mount: invalid layer sha256:abcd: has no store directory: run img-unpack with --store"
    );
}

#[test]
fn dry_run_prints_the_calls_and_mounts_nothing() {
    if let Some(why) = need_overlay() {
        return skip(&why);
    }
    let tmp = TempDir::new("ovl-dry");
    let l1 = layer(tmp.path(), "l1", &[("f", "1")]);
    let l2 = layer(tmp.path(), "l2", &[("g", "2")]);
    let (up, wk, tg) = (tmp.path().join("up"), tmp.path().join("wk"), tmp.path().join("target"));
    let out = tool()
        .args([p("--dry-run"), p("--lower"), &l1, p("--lower"), &l2, p("--upper"), &up, p("--work"), &wk, &tg])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let l2_at = err.find(&format!("\"lowerdir+\", \"{}\"", l2.display())).expect(&err);
    let l1_at = err.find(&format!("\"lowerdir+\", \"{}\"", l1.display())).expect(&err);
    assert!(l2_at < l1_at, "top layer first: {err}");
    for call in ["mkdir(", "fsopen(\"overlay\"", "FSCONFIG_CMD_CREATE", "fsmount(", "move_mount("] {
        assert!(err.contains(call), "{call} missing: {err}");
    }
    assert!(err.lines().all(|l| l.contains("= (dry run)")), "{err}");
    assert!(!up.exists() && !wk.exists() && !tg.exists());
    assert!(host_mounts_mentioning(&tmp.path().to_string_lossy()).is_empty());
}
