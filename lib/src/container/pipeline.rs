//! `ctr-run --print-pipeline`: the same container as a pipeline of the small ctrkit tools, to
//! show that the engine is a composition (mission.md). It is printed from the same options the
//! run would use, so it cannot drift from the flags.
//!
//!     cg-limit --name ID --memory 64M -- \
//!       ns-unshare --mount --uts --ipc --net --pid --cgroup --fork --hostname H -- \
//!       sh -c 'ovl-mount --lower DIR --upper U --work W R && … pivot … && exec CMD'
//!
//! The small tools do not (yet) drop capabilities or load seccomp; those steps are shown as
//! comments, so a learner sees what ctr-run adds. No syscalls. Used by: ctr-run.

use super::network::Mode;
use super::options::{RootSource, RunOptions};
use crate::cgroup::limits::format_size;

fn quote(s: &str) -> String {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./=:,@%+".contains(&b)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// `--network` as tools: lines to run first, a ctr-enter prefix, ns-unshare's own --net.
fn network(o: &RunOptions) -> (String, String, &'static str) {
    match &o.network {
        Mode::None => (String::new(), String::new(), " --net"),
        Mode::Host => (String::new(), String::new(), ""),
        Mode::Bridge => {
            let file = "/run/netns/ID";
            let mut first = format!(
                "ns-unshare --net={file} true   # a network namespace kept by a file (ip netns add)\n\
                 ctr-net connect --netns {file} --id ID --name {}\n",
                quote(o.name.as_deref().unwrap_or("SHORT_ID"))
            );
            for p in &o.publish {
                first.push_str(&format!("# -p {}: ctr-run relays it to the container's address (net/proxy.rs)\n", p));
            }
            (first, format!("ctr-enter --net={file} -- "), "")
        }
        Mode::Container(name) => {
            let enter = format!("ctr-enter -t {} --net -- ", quote(name));
            (String::new(), enter, "")
        }
    }
}

pub fn render(o: &RunOptions) -> String {
    let state = o.state_root.join("containers").join("ID");
    let mut cg = vec!["cg-limit".to_string(), "--name".into(), "ID".into()];
    if let Some(m) = o.limits.memory {
        cg.extend(["--memory".into(), format_size(m)]);
    }
    if let Some(q) = o.limits.cpus {
        cg.extend(["--cpus".into(), format!("{}", q.quota_us as f64 / q.period_us as f64)]);
    }
    if let Some(p) = o.limits.pids {
        cg.extend(["--pids".into(), p.to_string()]);
    }
    let hostname = o.hostname.clone().unwrap_or_else(|| "SHORT_ID".into());
    let (before, enter, net) = network(o);
    let ns =
        format!("{enter}ns-unshare --mount --uts --ipc{net} --pid --cgroup --fork --hostname {} --", quote(&hostname));
    let lowers: Vec<String> = match &o.root {
        RootSource::Dir(d) => vec![d.display().to_string()],
        RootSource::Layers(v) => v.iter().map(|d| d.display().to_string()).collect(),
    };
    let lower_flags: String = lowers.iter().map(|l| format!(" --lower {}", quote(l))).collect();
    let rootfs = state.join("rootfs").display().to_string();
    let ovl = if o.read_only {
        format!("ovl-mount{lower_flags} {rootfs}")
    } else {
        format!("ovl-mount{lower_flags} --upper {}/upper --work {}/work {rootfs}", state.display(), state.display())
    };
    let cmd: Vec<String> = super::spec::args(o).iter().map(|a| quote(a)).collect();
    let inner = format!(
        "{ovl} && mount -t proc proc {rootfs}/proc && mount -t tmpfs -o mode=755 tmpfs {rootfs}/dev && \
         cd {rootfs} && pivot_root . . && umount -l . && exec {}",
        cmd.join(" ")
    );
    format!(
        "{before}# ctr-run adds: /dev nodes, /sys ro, masked paths, docker's capabilities, seccomp, user {}\n{} -- \\\n  {} \\\n  sh -c {}",
        o.user.as_deref().unwrap_or("root"),
        cg.join(" "),
        ns,
        quote(&inner)
    )
}
