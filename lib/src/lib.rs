//! ctrkit: the shared library under the ctrkit tools, one module per kernel concept.
//!
//!
//! | module      | concept                                                     | used by                          |
//! |-------------|-------------------------------------------------------------|----------------------------------|
//! | `ns`        | namespaces: unshare, setns, id maps, time offsets, persisting, entering | ns-unshare, ctr-enter |
//! | `cgroup`    | control groups on v1, v2 and hybrid hosts; limits, stats, join | cg-limit, ctr-enter           |
//! | `mount`     | propagation, /proc, bind mounts, chroot by fd, overlayfs, mountinfo | ns-unshare, ctr-enter, ovl-mount |
//! | `uts`       | the hostname                                                | ns-unshare                       |
//! | `net`       | network namespaces, rtnetlink, bridge, veth, leases, published ports | ns-unshare, ctr-net, ctr-run |
//! | `process`   | fork, exec, wait, signals, sync, credentials                | every tool                       |
//! | `container` | one container: spec, rootfs, devices, masked paths, caps, seccomp, init, state | ctr-run |
//! | `oci`       | the OCI runtime interface: bundles, runtime state, exec fifo, hooks, console socket | ctr-oci |
//! | `image`     | image formats, digests, safe unpacking, the store, packing  | img-unpack, img-pack, ctrkit     |
//! | `registry`  | pulling over the OCI distribution API (HTTP, no kernel concept) | img-pull, ctrkit             |
//! | `explain`   | the `--explain` / `--dry-run` tracer                        | every tool                       |
//! | `error`     | errors that name operation, object, errno, hint             | every tool                       |
//! | `sys`       | the raw syscalls nix lacks, one file per kernel interface   | net, mount, image, container     |
//! | `template`  | the Go-template subset of `inspect -f`                      | ctrkit                           |
//! | `timestamp` | RFC 3339 times for records and configs                      | image, container                 |
//!
//! No command-line parsing lives here: the binaries in `bins/` parse flags and call these.

pub mod cgroup;
pub mod container;
pub mod error;
pub mod explain;
pub mod image;
pub mod mount;
pub mod net;
pub mod ns;
pub mod oci;
pub mod process;
pub mod registry;
pub mod sys;
pub mod template;
pub mod timestamp;
pub mod uts;

pub use error::{Error, Result};
