//! Mounts: what a process sees of the file system tree, and how changes travel between
//! mount namespaces.
//!
//! - `propagation` — make `/` private, slave or shared after unshare(CLONE_NEWNS).
//! - `proc`        — mount a fresh /proc for a new pid namespace.
//! - `bind`        — bind mounts and unmounting.
//! - `chroot`      — root and working directory by held fds (entering a container).
//! - `overlay`     — overlayfs: stack image layers under a writable upper (ovl-mount), with
//!   `overlay_attach` (fsconfig / mount(2) / bind), `overlay_options` (option strings),
//!   `overlay_layers` (img-unpack's JSON), `overlay_origin` (which layer a path is from),
//!   `mountinfo` (/proc/self/mountinfo) and `created_dirs` (mkdir -p, undone on failure).
//!
//! Read: mount_namespaces(7), mount(2). Used by: ns-unshare.

pub mod bind;
pub mod chroot;
pub mod created_dirs;
pub mod mountinfo;
pub mod overlay;
pub mod overlay_attach;
pub mod overlay_layers;
pub mod overlay_options;
pub mod overlay_origin;
pub mod proc;
pub mod propagation;
