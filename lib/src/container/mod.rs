//! Containers: everything ctr-run does to turn a root directory (or image layers) and a
//! command into a running, isolated, limited process, and to record how it ended
//! (docs/architecture.md, "Data flow through a run"; the protocol table is in create.rs).
//!
//! | file           | concept                                                             |
//! |----------------|---------------------------------------------------------------------|
//! | `options`      | what the user asked for, checked before anything is created         |
//! | `id`, `volume`, `image_config` | ids and names; `-v HOST:CTR[:ro]`; an image's Env/Cmd/… |
//! | `user`         | `-u` through the image's /etc/passwd and /etc/group, read in-root   |
//! | `caps`         | docker's 14 capabilities ± --cap-add/--cap-drop                     |
//! | `seccomp`, `seccomp_bpf`, `syscall_table` | docker's default profile; compiling it to BPF by hand; every call's number |
//! | `spec`         | the OCI runtime spec (config.json) describing the container         |
//! | `state`        | the per-container record: state.json, lock, names                   |
//! | `etc_files`    | /etc/hostname, hosts, resolv.conf written by the runtime            |
//! | `create`       | prepare → create → start → wait → finish; the parent/child protocol |
//! | `foreground`   | the run without `-d`: create's steps with our stdio or the inside pty |
//! | `network`      | `--network`, `-p`, `-P`: the plan, the prepared namespace, release  |
//! | `child`        | the container's first process, fork to exec                         |
//! | `rootfs`       | overlay root and pivot_root(".", ".")                               |
//! | `in_root`, `mounts`, `mount_options` | mount points inside the root; the spec's mounts |
//! | `devices`, `masked` | /dev with only safe devices; docker's masked/read-only paths   |
//! | `cgroupfs`     | /sys/fs/cgroup inside: the container's own cgroups, read-only       |
//! | `privileges`   | bounding set, ids, capabilities, no_new_privs, seccomp — in order   |
//! | `exec`         | the command on the container's PATH, fds 0-2 only                   |
//! | `init`         | `--init`: pid 1 that reaps and forwards signals                     |
//! | `tty`          | `-t`: a pty opened inside the container, relayed in raw mode        |
//! | `detach`, `log`| `-d`: the monitor and the json-file log                             |
//! | `attach`, `attach_client`, `attach_frame` | `-d -i`, `run -it` + `ctrkit attach`: the monitor's socket; the user's end; the frames between |
//! | `pipeline`     | `--print-pipeline`: the same container as small tools               |
//! | `lookup`, `liveness` | name / id / unique prefix → record; is its pid 1 really alive |
//! | `signal`, `stop`, `remove` | kill (pidfd, start time checked); TERM → wait → KILL; rm that converges |
//! | `list`, `status_text` | `ps`: filters, --format, docker's "Up 3 seconds"            |
//! | `inspect`      | docker-shaped JSON of one container                                 |
//! | `logs`, `wait`, `top`, `stats`, `info` | the other read-mostly verbs               |
//! | `exec_in`      | `ctrkit exec`: a new process in a running container                 |
//!
//! Read: the OCI runtime spec (config.md, config-linux.md, runtime.md); runc's
//! libcontainer/rootfs_linux.go and standard_init_linux.go for comparison.
//! Shell equivalent: `docker run`, `runc run`, and docker's other container verbs.
//! Used by: ctr-run; the `ctrkit` front end (bins/ctrkit/containers.rs); ctr-enter -t NAME.

pub mod attach;
pub mod attach_client;
pub mod attach_frame;
pub mod caps;
pub mod cgroupfs;
pub mod child;
pub mod create;
pub mod detach;
pub mod devices;
pub mod etc_files;
pub mod exec;
pub mod exec_in;
pub mod foreground;
pub mod id;
pub mod image_config;
pub mod in_root;
pub mod info;
pub mod init;
pub mod inspect;
pub mod list;
pub mod liveness;
pub mod log;
pub mod logs;
pub mod lookup;
pub mod masked;
pub mod mount_options;
pub mod mounts;
pub mod network;
pub mod options;
pub mod pipeline;
pub mod privileges;
pub mod remove;
pub mod rootfs;
pub mod seccomp;
pub mod seccomp_bpf;
pub mod signal;
pub mod spec;
pub mod state;
pub mod stats;
pub mod status_text;
pub mod stop;
pub mod syscall_table;
pub mod top;
pub mod tty;
pub mod user;
pub mod volume;
pub mod wait;
