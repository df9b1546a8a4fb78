//! ctrkit: the shared library under the ctrkit tools, one module per kernel concept.
//!
//! | module    | kernel concept                           | tools that use it            |
//! |-----------|------------------------------------------|------------------------------|
//! | `ns`      | namespaces: unshare, setns, id maps, time offsets, persisting | ns-unshare, ctr-enter |
//! | `cgroup`  | control groups v1, v2 and hybrid          | cg-limit, ctr-enter          |
//! | `mount`   | propagation, proc, bind mounts            | ns-unshare                   |
//! | `uts`     | the hostname                              | ns-unshare                   |
//! | `net`     | network interfaces (loopback)             | ns-unshare                   |
//! | `process` | fork, exec, wait, signals, sync           | all                          |
//! | `registry`| pulling images over the OCI distribution API (HTTP, no kernel concept) | img-pull |
//! | `explain` | the `--explain` / `--dry-run` tracer      | all                          |
//! | `error`   | errors that name operation, object, errno | all                          |
//! | `sys`     | the few raw syscalls nix lacks            | net                          |
//!
//! No command-line parsing lives here: the binaries in `bins/` parse flags and call these.

pub mod cgroup;
pub mod error;
pub mod explain;
pub mod image;
pub mod mount;
pub mod net;
pub mod ns;
pub mod process;
pub mod registry;
pub mod sys;
pub mod template;
pub mod uts;

pub use error::{Error, Result};
