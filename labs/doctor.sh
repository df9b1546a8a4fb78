#!/usr/bin/env bash
# labs/doctor.sh — is this host ready for the labs? Each line: ok / MISSING, and how to fix it.
# Run through ./labs/run.sh doctor. Reads only (at most it loads the overlay module, a python3
# that exits at once tries prctl(PR_SET_CHILD_SUBREAPER) on itself, and a network namespace
# ctrkit-lab-doctor is made and deleted at once).
set -uo pipefail
source "$(dirname "$0")/lib.sh"

problems=0
ok() { echo "  ok       $1"; }
missing() { problems=$((problems + 1)); echo "  MISSING  $1"; echo "           fix: $2"; }
note() { echo "  note     $1"; }

echo "ctrkit labs doctor"

# root
if [ "$(id -u)" = 0 ]; then ok "running as root"; else missing "not root" "run the labs as root (sudo ./labs/run.sh …): they create namespaces, mounts and cgroups"; fi

# kernel
kv=$(uname -r); maj=${kv%%.*}; rest=${kv#*.}; min=${rest%%[!0-9]*}
if [ "$maj" -gt 6 ] || { [ "$maj" -eq 6 ] && [ "$min" -ge 8 ]; }; then ok "kernel $kv (≥ 6.8: overlay lowerdir+, time and cgroup namespaces)"
elif [ "$maj" -ge 5 ] && { [ "$maj" -gt 5 ] || [ "$min" -ge 6 ]; }; then note "kernel $kv: works; ovl-mount falls back to mount(2) (--legacy) below 6.8"
else missing "kernel $kv is older than 5.6 (no time namespaces)" "use a newer kernel (Debian 12 ships 6.1)"; fi

# namespaces
for k in mnt uts ipc pid net user cgroup time; do
  [ -e /proc/self/ns/$k ] || missing "namespace $k" "kernel built without CONFIG_${k^^}_NS"
done
ok "namespaces: $(ls /proc/self/ns | tr '\n' ' ')"

# user namespaces (lab 11)
max=$(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo 0)
if [ "$max" -gt 0 ]; then ok "user namespaces allowed (user.max_user_namespaces = $max)"
else missing "user namespaces disabled (user.max_user_namespaces = $max)" "sysctl -w user.max_user_namespaces=15000"; fi
if [ -f /proc/sys/kernel/unprivileged_userns_clone ] && [ "$(cat /proc/sys/kernel/unprivileged_userns_clone)" = 0 ]; then
  note "unprivileged user namespaces are off (kernel.unprivileged_userns_clone = 0): fine as root; sysctl -w kernel.unprivileged_userns_clone=1 to try rootless"
fi
if [ "$(cat /proc/sys/kernel/apparmor_restrict_unprivileged_userns 2>/dev/null || echo 0)" = 1 ]; then
  note "AppArmor restricts unprivileged user namespaces (Ubuntu 24.04): fine as root"
fi

# cgroups
mode=$(cg_mode)
case $mode in
  unified) ok "cgroup v2 (unified): one tree at $LAB_CG_V2"
           own=$(cg_dir_of $$ memory)   # cg-limit makes its cgroups below the caller's own
           ctrls=$(cat "$own/cgroup.controllers" 2>/dev/null) ;;
  hybrid)  ok "cgroup hybrid: v1 controllers under /sys/fs/cgroup/<controller>, an empty v2 tree at /sys/fs/cgroup/unified"
           ctrls=$(awk '$0 ~ / - cgroup / { print $NF }' /proc/self/mountinfo | tr ',' '\n' | grep -vE '^(rw|ro|relatime|nosuid|nodev|noexec|name=.*)$' | tr '\n' ' ') ;;
  legacy)  ok "cgroup v1 (legacy): one hierarchy per controller"
           ctrls=$(awk '$0 ~ / - cgroup / { print $NF }' /proc/self/mountinfo | tr ',' '\n' | grep -vE '^(rw|ro|relatime|nosuid|nodev|noexec|name=.*)$' | tr '\n' ' ') ;;
esac
for c in memory cpu pids cpuset; do
  if echo " $ctrls " | grep -q " $c "; then :; else
    if [ "$mode" = unified ]; then missing "cgroup controller $c" "it is not in $own/cgroup.controllers: enable it at boot or in the parent (echo +$c > …/cgroup.subtree_control)"
    else missing "cgroup v1 controller $c" "mount it: mkdir -p /sys/fs/cgroup/$c && mount -t cgroup -o $c cgroup /sys/fs/cgroup/$c"; fi
  fi
done
ok "cgroup controllers: $ctrls"
# v2's "no internal processes" rule: a non-root cgroup that has processes cannot enable
# controllers for child cgroups — and cg-limit makes its cgroups below the caller's own, with
# the caller in it. The root cgroup (the only one without a cgroup.type file) is exempt.
if [ "$mode" = unified ] && [ -e "$own/cgroup.type" ]; then
  need=""
  for c in memory cpu pids; do echo " $(cat "$own/cgroup.subtree_control" 2>/dev/null) " | grep -q " $c " || need="$need $c"; done
  [ -n "$need" ] && missing "cgroup v2: this shell's cgroup ${own#$LAB_CG_V2} has processes, so cg-limit cannot enable$need for the cgroups it makes below it ('no internal processes', cgroups(7))" \
    "run the labs from the root cgroup: echo \$\$ > $LAB_CG_V2/cgroup.procs, then ./labs/run.sh … from that shell"
fi
if [ "$(swapon --show 2>/dev/null | wc -l)" -gt 0 ]; then note "swap is on: lab 08's OOM step still works (cg-limit caps memory+swap), it may take longer"; fi

# overlayfs (lab 05)
if grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null; then ok "overlayfs available"
else missing "overlayfs" "modprobe overlay (CONFIG_OVERLAY_FS)"; fi

# networking (labs 09-10): each lab makes a network namespace of its own as its "host" and
# runs everything in it with nsenter --net; ss finds the published port's listener; nft is
# optional (lab 10 shows the ruleset stays empty when it is installed)
net09=""
command -v ip >/dev/null || net09="$net09 ip"
command -v ss >/dev/null || net09="$net09 ss"
command -v nsenter >/dev/null || net09="$net09 nsenter"
if [ -n "$net09" ]; then missing "labs 09-10 need:$net09" "apt-get install iproute2 util-linux"
elif ip netns add ctrkit-lab-doctor 2>/dev/null; then
  ip netns del ctrkit-lab-doctor; ok "labs 09-10: ip, ss, nsenter; ip netns add works"
else missing "ip netns add fails (labs 09-10 need a network namespace of their own)" "run as root; the kernel needs CONFIG_NET_NS, and /run must be writable"; fi
if command -v nft >/dev/null; then
  if nft list tables >/dev/null 2>&1; then ok "nftables: nft works (lab 10 reads the ruleset)"; else note "nft cannot talk to the kernel (modprobe nf_tables): lab 10 skips its ruleset facts"; fi
else note "nft not installed: lab 10 skips its ruleset facts (apt-get install nftables to see them)"; fi

# programs the labs use
bb=$(command -v busybox || true)
if [ -n "$bb" ] && file -L "$bb" 2>/dev/null | grep -q 'statically linked'; then ok "static busybox: $bb (lab 04 root file system, the demo image, labs 09-10 ping and wget)"
elif [ -n "$bb" ]; then missing "busybox is dynamically linked" "apt-get install busybox-static"
else missing "busybox" "apt-get install busybox-static"; fi
command -v rustc >/dev/null && ok "rustc (lab 04 compiles its chroot-escape program)" || missing "rustc" "install Rust (rustup) — the tools need it anyway"
command -v nsenter >/dev/null && ok "util-linux (unshare, nsenter: the classic tools)" || missing "util-linux nsenter" "apt-get install util-linux"
{ command -v python3 >/dev/null || command -v getfattr >/dev/null; } && ok "python3 or getfattr (lab 05 reads the opaque xattr)" || missing "python3 or getfattr (lab 05 reads an xattr)" "apt-get install attr"
command -v jq >/dev/null && ok "jq (labs 06, 07 and 08 read the tools' JSON)" || missing "jq (labs 06, 07, 08)" "apt-get install jq"
command -v curl >/dev/null && ok "curl (lab 07 talks to the registry by hand)" || missing "curl (lab 07)" "apt-get install curl"
command -v setpriv >/dev/null && ok "setpriv (lab 11 starts a rootless container as nobody)" || missing "setpriv (lab 11)" "apt-get install util-linux"

# lab 07: a registry on 127.0.0.1 (Debian's docker-registry) and skopeo to push into it
lab07=""
[ -x /usr/bin/docker-registry ] || lab07="$lab07 docker-registry"
command -v skopeo >/dev/null || lab07="$lab07 skopeo"
command -v python3 >/dev/null || lab07="$lab07 python3"
if [ -z "$lab07" ]; then ok "lab 07: docker-registry ($(/usr/bin/docker-registry --version 2>/dev/null | awk '{ print $NF }' | head -1)), skopeo, python3"
else missing "lab 07 needs:$lab07" "apt-get install$lab07 (Debian/Ubuntu package names)"; fi

# lab 14: the engine chains these after ctrkit's tools; its check runs under labs/reaper.py
lab14=""
for t in chroot env setsid timeout mknod; do command -v $t >/dev/null || lab14="$lab14 $t"; done
if [ -n "$lab14" ]; then missing "lab 14 needs:$lab14" "apt-get install coreutils util-linux"
elif ! command -v python3 >/dev/null; then missing "python3 (lab 14's reaper: prctl PR_SET_CHILD_SUBREAPER)" "apt-get install python3"
elif ! python3 -c 'import ctypes; exit(ctypes.CDLL(None).prctl(36, 1, 0, 0, 0))' 2>/dev/null; then missing "prctl(PR_SET_CHILD_SUBREAPER) refused (lab 14's reaper)" "a kernel ≥ 3.4 is needed"
else ok "lab 14: chroot, env, setsid, timeout, mknod; python3 can become a child subreaper"; fi
if [ "$(cat /proc/1/comm 2>/dev/null)" != systemd ] && [ "$(cat /proc/1/comm 2>/dev/null)" != init ]; then
  note "pid 1 is $(cat /proc/1/comm 2>/dev/null): if it does not reap orphans, run lab 14's engine (or labs 09-10's ctrkit run -d) by hand under python3 labs/reaper.py bash"
fi

# our tools
if [ -x "$REPO_DIR/target/bin/ns-unshare" ]; then ok "ctrkit tools built: $(ls "$REPO_DIR/target/bin" | tr '\n' ' ')"
else missing "ctrkit tools not built" "scripts/build.sh (run.sh does it for you)"; fi

if [ "$problems" = 0 ]; then echo "doctor: ready"; else echo "doctor: $problems problem(s)"; exit 1; fi
