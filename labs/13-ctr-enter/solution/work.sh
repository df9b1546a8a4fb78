#!/usr/bin/env bash
# Lab 13 — ctr-enter done right. SOLUTION: keep this apart from your own work.sh.
# check.sh sources this file: start_target, then enter_probe, burst_joined, burst_naive.
LAB_TMP=${LAB_TMP:-/tmp/ctrkit-lab-13}
BIN=$LAB_TMP/bin                # lab13-probe: a copy of sleep
PIDS_MAX=24

# provided: the target container — a cgroup capped at $PIDS_MAX processes, new mount, UTS,
# IPC and pid namespaces, and a small init (lab 02) as pid 1. Sets TARGET to pid 1's host pid.
start_target() {
  cg-limit --explain --name ctrkit-lab-13 --pids $PIDS_MAX -- \
    ns-unshare --explain --mount --uts --ipc --pid --fork --mount-proc --hostname lab13 -- \
    sh -c 'trap "exit 0" TERM; while :; do sleep 1 & wait $!; done' &
  echo $! > "$LAB_TMP/target.pid"
  local p
  for _ in $(seq 200); do   # find pid 1: the descendant whose NSpid ends in 1 (bounded wait)
    for p in $(cat /proc/"$(cat "$LAB_TMP/target.pid")"/task/*/children 2>/dev/null); do
      for p in $p $(cat /proc/$p/task/*/children 2>/dev/null); do
        grep -qE '^NSpid:.*[[:space:]]1$' /proc/$p/status 2>/dev/null && { TARGET=$p; return 0; }
      done
    done
    sleep 0.05
  done
  return 1
}

# The burst: start 40 probes in the background and leave (they are re-parented to the
# container's init, which reaps them). $0 is the bin dir.
BURST='for i in $(seq 40); do "$0/lab13-probe" 30 & done'

# Step 1 — enter TARGET with ctr-enter: every namespace it has, AND its cgroups; run a probe.
enter_probe() {
  ctr-enter --explain -t "$1" -a -- "$BIN/lab13-probe" 60 &
  echo $! > "$LAB_TMP/enter.pid"
}

# Step 2 — the same burst, entered the same way (the container's pids.max holds).
burst_joined() {
  ctr-enter -t "$1" -a -- sh -c "$BURST" "$BIN"
}

# Step 3 — the same burst, entered the classic way: nsenter(1) into the five namespaces of
# TARGET (mount, UTS, IPC, net, pid) and nothing else.
burst_naive() {
  nsenter -t "$1" -m -u -i -n -p -- sh -c "$BURST" "$BIN"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  source "${LAB_DIR:?run me with ./labs/run.sh try NN}/../lib.sh"   # wait_until, kill_tree
  start_target || exit 1; echo "== target pid 1 is host pid $TARGET"
  enter_probe "$TARGET"; sleep 0.5
  for p in $TARGET $(pgrep -x lab13-probe); do echo "== $p: $(readlink /proc/$p/ns/pid /proc/$p/ns/mnt | tr '\n' ' ') $(cg_line "$p" pids)"; done
  burst_joined "$TARGET" 2>&1 | tail -n 2; echo "== joined: $(pgrep -cx lab13-probe) probes"
  burst_naive "$TARGET"; sleep 0.5; echo "== after nsenter: $(pgrep -cx lab13-probe) probes"
  kill -TERM "$(cat "$LAB_TMP/target.pid")"; wait
fi
