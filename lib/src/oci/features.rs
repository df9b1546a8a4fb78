//! `ctr-oci features`: what this runtime supports, as the JSON document of the runtime spec's
//! features.md, so a client can check before it asks (runc 1.1+ prints the same shape).
//! No syscalls. Read: runtime-spec features.md. Shell: `runc features`. Used by: ctr-oci features.

use serde_json::{json, Value};

/// The document.
pub fn document() -> Value {
    let caps: Vec<String> =
        caps::all().iter().map(|c| c.to_string()).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    json!({
        "ociVersionMin": "1.0.0",
        "ociVersionMax": super::state::OCI_VERSION,
        "hooks": ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"],
        "mountOptions": [
            "async", "bind", "dev", "exec", "noatime", "nodev", "nodiratime", "noexec", "nosuid",
            "private", "rbind", "relatime", "ro", "rprivate", "rshared", "rslave", "rw", "shared",
            "slave", "strictatime", "suid", "sync"
        ],
        "linux": {
            "namespaces": ["cgroup", "ipc", "mount", "network", "pid", "uts"],
            "capabilities": caps,
            "cgroup": { "v1": true, "v2": true, "systemd": false, "systemdUser": false, "rdma": false },
            "seccomp": {
                "enabled": true,
                "actions": ["SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG"],
                "operators": ["SCMP_CMP_EQ", "SCMP_CMP_MASKED_EQ"],
                "archs": ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"]
            },
            "apparmor": { "enabled": false },
            "selinux": { "enabled": false }
        },
        "annotations": { "org.ctrkit.oci.runtime": "ctr-oci" }
    })
}
