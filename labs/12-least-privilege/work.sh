#!/usr/bin/env bash
# Lab 12 — least privilege: capabilities, no_new_privs, seccomp. YOUR script: fill in the
# TODOs (README.md). ./labs/run.sh check 12 sources it, runs probe with each of your flag
# arrays and calls cap_names, blocked_by_seccomp and blocked_by_caps; to watch it:
# ./labs/run.sh try 12
LAB_TMP=${LAB_TMP:-/tmp/ctrkit-lab-12}
export CTRKIT_ROOT=$LAB_TMP/root    # a private store: setup.sh loaded the demo image here
export CTRKIT_STATE=$LAB_TMP/state  # the containers' records
OUT=$LAB_TMP/out

# provided — capability numbers (linux/capability.h): bit N of a mask is CAPS[N]
CAPS=(CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE
  NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT
  SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE
  AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ
  PERFMON BPF CHECKPOINT_RESTORE)

# provided — probe NAME FLAG… : a container from the demo image, run with ctr-run FLAGs, prints
# its own /proc/self/status (the kernel's view of its privileges) into $OUT/NAME.status
probe() {
  local name=$1; shift
  ctr-run --rm "$@" demo cat /proc/self/status > "$OUT/$name.status"
}
DEFAULT_FLAGS=()   # provided: what every container gets when you ask for nothing

# Step 1 — read a mask: print the names of the capabilities set in the hex mask $1 (as
# /proc/PID/status shows it, e.g. 00000000a80425fb), one per line, lowest bit first.
cap_names() {
  : TODO
}

# Step 2 — a web server needs to bind port 80 and nothing else: the ctr-run flags for a
# container holding exactly one capability, NET_BIND_SERVICE (effective AND bounding set).
DROP_FLAGS=(TODO)   # TODO

# Step 3 — no_new_privs: the flag that makes execve unable to grant privileges (setuid bits,
# file capabilities) to the container's processes.
NNP_FLAGS=(TODO)   # TODO

# Step 4 — the flag that runs a container WITHOUT the default seccomp filter (to see what the
# filter did; never in production).
UNCONFINED_FLAGS=(TODO)   # TODO

# Step 5 — a call the default seccomp filter refuses although root inside may otherwise make
# it: in a default container, run busybox `unshare -U true` (a new user namespace). Its
# stderr into $OUT/seccomp.err, its exit status into $OUT/seccomp.rc.
blocked_by_seccomp() {
  : TODO
}

# Step 6 — a call a missing capability refuses: in a container with your DROP_FLAGS, root
# changes the owner of /etc/passwd to 1000 (busybox chown). Stderr into $OUT/caps.err, the
# status into $OUT/caps.rc.
blocked_by_caps() {
  : TODO
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  source "${LAB_DIR:?run me with ./labs/run.sh try NN}/../lib.sh"
  echo "== the host shell: $(grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status | tr -s '\t' ' ' | tr '\n' ' ')"
  for s in DEFAULT DROP NNP UNCONFINED; do
    declare -n f=${s}_FLAGS
    echo "== ctr-run ${f[*]} demo:"; probe "${s,,}" "${f[@]}"
    grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' "$OUT/${s,,}.status" 2>/dev/null | sed 's/^/   inside | /'
  done
  m=$(sed -n 's/^CapEff:\s*//p' "$OUT/default.status" 2>/dev/null)
  echo "== cap_names ${m:-00000000a80425fb} (yours):"; cap_names "${m:-00000000a80425fb}" | tr '\n' ' '; echo
  echo "== blocked by seccomp:"; blocked_by_seccomp; echo "   status $(cat "$OUT/seccomp.rc" 2>/dev/null): $(cat "$OUT/seccomp.err" 2>/dev/null)"
  echo "== blocked by a missing capability:"; blocked_by_caps; echo "   status $(cat "$OUT/caps.rc" 2>/dev/null): $(cat "$OUT/caps.err" 2>/dev/null)"
fi
