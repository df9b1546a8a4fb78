//! Mounts: what a process sees of the file system tree, and how changes travel between
//! mount namespaces.
//!
//! - `propagation` — make `/` private, slave or shared after unshare(CLONE_NEWNS).
//! - `proc`        — mount a fresh /proc for a new pid namespace.
//! - `bind`        — bind mounts and unmounting.
//! - `chroot`      — root and working directory by held fds (entering a container).
//!
//! Read: mount_namespaces(7), mount(2). Used by: ns-unshare.

pub mod bind;
pub mod chroot;
pub mod proc;
pub mod propagation;
