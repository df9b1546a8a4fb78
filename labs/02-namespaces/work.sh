#!/usr/bin/env bash
# Lab 02 — namespaces 101 and pid 1. YOUR script: fill in the TODOs (README.md).
# ./labs/run.sh check 02 sources it and calls start_container; to watch it: ./labs/run.sh try 02
LAB_TMP=${LAB_TMP:-/tmp/ctrkit-lab-02}
BIN=$LAB_TMP/bin    # setup.sh copied sleep and touch here as lab02-sleep and lab02-orphan

# Step 1 — the namespaces: new UTS (hostname), IPC and PID namespaces; --fork so the command
# becomes pid 1; a /proc of its own (which needs a mount namespace: --mount-proc adds it).
NS_FLAGS=(TODO)   # TODO: the ns-unshare flags for all of the above

# Step 2 — pid 1. As given, pid 1 is a plain sleep (it is what a one-command container is).
# TODO: replace INIT with an init: it must reap orphans re-parented to it, and end on SIGTERM.
# ($0 is the bin dir: "$0/lab02-sleep" is there.)
INIT='exec "$0/lab02-sleep" 600'

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
