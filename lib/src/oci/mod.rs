//! The OCI runtime interface: what `ctr-oci` adds on top of the engine's container code so
//! that podman, containerd and anything else that drives runc can drive us instead. The
//! container itself is made by the same library pieces as `ctr-run`'s (container::*): this
//! module only adds what the runtime command line needs.
//!
//! | file          | concept                                                                 |
//! |---------------|-------------------------------------------------------------------------|
//! | `bundle`      | a bundle's config.json, checked; resources → cgroup limits; cgroupsPath → a safe name |
//! | `state`       | ROOT/<id>/state.json; the observed status (creating/created/running/stopped); the spec's state JSON |
//! | `fifo`        | the exec fifo: `create` leaves the init blocked on it, `start` releases it |
//! | `create`      | the runtime/init protocol (table), undone completely on failure         |
//! | `init`        | the container's pid 1, from fork to the fifo to exec                     |
//! | `hooks`       | prestart, createRuntime, createContainer, startContainer, poststart, poststop |
//! | `console`     | the pty master over --console-socket (SCM_RIGHTS)                        |
//! | `rlimits`, `sysctl` | process.rlimits; linux.sysctl (namespaced keys only)               |
//! | `start`, `kill`, `delete`, `exec`, `list` | the other verbs                              |
//! | `features`, `default_spec` | `ctr-oci features`, `ctr-oci spec`                          |
//! | `log`         | --log / --log-format json lines for the clients                          |
//!
//! Read: the OCI runtime spec (runtime.md, config.md, config-linux.md, features.md), runc(8).
//! Shell: `runc create/start/state/kill/delete/exec`. Used by: ctr-oci.

pub mod bundle;
pub mod console;
pub mod create;
pub mod default_spec;
pub mod delete;
pub mod exec;
pub mod features;
pub mod fifo;
pub mod hooks;
pub mod init;
pub mod kill;
pub mod list;
pub mod log;
pub mod rlimits;
pub mod start;
pub mod state;
pub mod sysctl;
