#!/usr/bin/env bash
# Lab 08 — cgroups with cg-limit. SOLUTION: keep this apart from your own work.sh.
# check.sh sources this file and calls each step, then reads the cgroup files itself.
LAB_TMP=${LAB_TMP:-/tmp/ctrkit-lab-08}

# Step 1 — memory. tail keeps every byte of a "line" that never ends: it grows until
# stopped. Run it with at most 32 MiB, and --keep the cgroup so its counters can be read.
memory_oom() {
  cg-limit --explain --name ctrkit-lab-08-mem --keep --memory 32M -- tail /dev/zero
}

# Step 2 — CPU. A busy loop for one second, allowed a fifth of one CPU; --keep the cgroup.
cpu_throttle() {
  cg-limit --explain --name ctrkit-lab-08-cpu --keep --cpus 0.2 -- timeout 1 sh -c 'while :; do :; done'
}

# Step 3 — pids. A fork bomb, capped at 16 processes. It runs in a new pid namespace, so
# when its first shell ends after a second the kernel kills the rest. No --keep: cg-limit
# prints its statistics as JSON on stderr (saved for the check) and removes the cgroup.
fork_bomb() {
  cg-limit --explain --name ctrkit-lab-08-pids --pids 16 --stats --json -- \
    ns-unshare --pid --fork -- sh -c 'b() { b | b & }; b 2>/dev/null; sleep 1' 2> "$LAB_TMP/pids.stderr"
}

# Step 4 — remove the two cgroups kept in steps 1 and 2.
remove_kept() {
  cg-limit --explain --remove ctrkit-lab-08-mem
  cg-limit --explain --remove ctrkit-lab-08-cpu
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  source "${LAB_DIR:?run me with ./labs/run.sh try NN}/../lib.sh"   # wait_until, kill_tree
  memory_oom; echo "== memory_oom: status $?"; cg-limit --show ctrkit-lab-08-mem
  cpu_throttle; echo "== cpu_throttle: status $?"; cg-limit --show ctrkit-lab-08-cpu
  fork_bomb; echo "== fork_bomb: status $?"; grep -v '^\[' "$LAB_TMP/pids.stderr" | tail -n 3
  remove_kept
fi
