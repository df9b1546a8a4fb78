//! The raw-syscall corner: the few kernel calls `nix` has no wrapper for, kept together so
//! every `unsafe` in the library lives where it can be read at a glance. One file per
//! kernel interface:
//!
//! - `netdevice` — interface-flag ioctls (SIOCGIFFLAGS/SIOCSIFFLAGS), netdevice(7).
//! - `fsmount`   — the new mount API: fsopen/fsconfig/fsmount/move_mount, fsopen(2).
//! - `xattr`     — lgetxattr(2), extended attributes, xattr(7).
//! - `seccomp`   — seccomp(2) SECCOMP_SET_MODE_FILTER, seccomp(2).
//! - `close_range` — close_range(2) CLOSE_RANGE_CLOEXEC.
//! - `tty`       — unlocking a pty and opening its slave (TIOCSPTLCK, TIOCGPTPEER), TIOCSCTTY,
//!   window size, termios raw mode, ioctl_tty(2).
//! - `scm_rights` — passing a file descriptor over a unix socket (sendmsg/recvmsg SCM_RIGHTS), unix(7).
//! - `pidfd`     — pidfd_open(2), pidfd_send_signal(2): signal and wait for one process for good.
//! - `clone3`    — clone3(2) with CLONE_INTO_CGROUP: a child born in its cgroup v2 directory.
//!
//! Everything else goes through `nix`. Used by: net, mount, image.

pub mod clone3;
pub mod close_range;
pub mod fsmount;
pub mod netdevice;
pub mod pidfd;
pub mod scm_rights;
pub mod seccomp;
pub mod tty;
pub mod xattr;
