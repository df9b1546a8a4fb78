#!/usr/bin/env bash
# Lab 02 — namespaces 101 and pid 1. SOLUTION: keep this apart from your own work.sh.
# check.sh sources this file and calls start_container; to watch it: ./labs/run.sh solve 02
LAB_TMP=${LAB_TMP:-/tmp/ctrkit-lab-02}
BIN=$LAB_TMP/bin    # setup.sh copied sleep and touch here as lab02-sleep and lab02-orphan

# Step 1 — the namespaces: new UTS (hostname), IPC and PID namespaces; --fork so the command
# becomes pid 1; a /proc of its own (which needs a mount namespace: --mount-proc adds it).
NS_FLAGS=(--uts --ipc --pid --fork --mount-proc)

# Step 2 — pid 1. Whatever runs as pid 1 must (a) wait for children it never started:
# orphans are re-parented to it, and (b) handle SIGTERM itself: the kernel does not apply
# default actions to a namespace's init. A shell loop does both: wait(2) in dash reaps
# any child, adopted ones included, and a trap handles TERM.
INIT='trap "exit 0" TERM; while :; do "$0/lab02-sleep" 1 & wait $!; done'

# start_container — provided: the container's first shell leaves an orphan behind (a
# subshell starts a shell in the background and exits at once; 0.3 s later that orphan
# becomes lab02-orphan, touches a file and exits), then becomes INIT.
start_container() {
  rm -f "$LAB_TMP/orphan-ran"
  ns-unshare --explain "${NS_FLAGS[@]}" --hostname lab02 -- sh -c '
    ( sh -c '"'"'sleep 0.3; exec "$0/lab02-orphan" "$0/../orphan-ran"'"'"' "$0" & )
    '"$INIT" "$BIN" &
  echo $! > "$LAB_TMP/wrapper.pid"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  source "${LAB_DIR:?run me with ./labs/run.sh try NN}/../lib.sh"   # wait_until, kill_tree
  start_container; w=$(cat "$LAB_TMP/wrapper.pid"); sleep 1
  read -r c < <(children_of "$w") || { echo "== the container did not start"; exit 1; }
  for k in uts ipc pid mnt; do echo "== $k: host $(readlink /proc/self/ns/$k)  container $(readlink /proc/$c/ns/$k)"; done
  echo "== NSpid of the container's first process: $(grep NSpid /proc/$c/status | cut -f2-)"
  echo "== host hostname: $(hostname); inside: $(ctr-enter -t "$c" -u -- hostname)"
  echo "== processes in the container:"; ctr-enter -t "$c" -a -- ps -o pid,ppid,stat,comm
  kill -TERM "$w"
  if wait_until 5 gone "$w"; then echo "== stopped by SIGTERM"; else echo "== pid 1 ignored SIGTERM for 5 s: SIGKILL"; kill_tree "$w"; fi
  wait
fi
