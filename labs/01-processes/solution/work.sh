#!/usr/bin/env bash
# Lab 01 — processes are the unit. SOLUTION: keep this apart from your own work.sh.
# check.sh sources this file and calls each step; run it directly to watch it work:
#   ./labs/run.sh solve 01
LAB_TMP=${LAB_TMP:-/tmp/ctrkit-lab-01}
BIN=$LAB_TMP/bin    # setup.sh copied sleep and true here as lab01-sleep and lab01-true

# ---- Step 1: exit statuses ------------------------------------------------------------------
# Each function runs one command under the wrapper given as arguments ("ns-unshare --fork",
# "cg-limit"); the caller reads the wrapper's status in $?.
exit_zero()      { "$@" -- "$BIN/lab01-true"; }
exit_three()     { "$@" -- sh -c 'exit 3'; }
killed_by_kill() { "$@" -- sh -c 'kill -KILL $$'; }

# ---- Step 2: a signal sent to the wrapper reaches the child --------------------------------
# start_sleeper WRAPPER… — start in the background a shell under WRAPPER that records its pid
# in $LAB_TMP/child.pid and, when SIGTERM arrives, writes "got TERM" to $LAB_TMP/got-term
# and exits 0. The wrapper's pid goes to $LAB_TMP/wrapper.pid: the check signals that one.
start_sleeper() {
  rm -f "$LAB_TMP/got-term" "$LAB_TMP/child.pid"
  "$@" -- sh -c '
    trap "echo got TERM > $0/got-term; exit 0" TERM
    echo $$ > "$0/child.pid.tmp" && mv "$0/child.pid.tmp" "$0/child.pid"
    while :; do "$0/bin/lab01-sleep" 0.1; done' "$LAB_TMP" &
  echo $! > "$LAB_TMP/wrapper.pid"
}

# ---- Step 3: zombies ------------------------------------------------------------------------
# find_zombies PID — print the pid of every child of PID that is a zombie (State: Z), one per
# line, reading only /proc.
find_zombies() {
  local child
  for child in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
    grep -q '^State:[[:space:]]*Z' "/proc/$child/status" 2>/dev/null && echo "$child"
  done
}

# provided: a parent that never waits. sh starts lab01-true in the background, then execs
# lab01-sleep, which knows nothing of the child and never calls wait(2): when lab01-true
# exits it stays a zombie. It all runs in a new pid namespace, so when the parent is killed
# the kernel reaps what is left (lab 02 tells why).
start_zombie_maker() {
  ns-unshare --explain --pid --fork -- sh -c '"$0/lab01-true" & exec "$0/lab01-sleep" 60' "$BIN" &
  echo $! > "$LAB_TMP/zombie-maker.pid"
}

# Run directly: every step, with what happened.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  source "${LAB_DIR:?run me with ./labs/run.sh try NN}/../lib.sh"   # wait_until, kill_tree
  for w in "ns-unshare --explain --fork" "cg-limit --explain"; do
    exit_zero $w;      echo "== $w: exit_zero → $?"
    exit_three $w;     echo "== $w: exit_three → $?"
    killed_by_kill $w; echo "== $w: killed_by_kill → $?"
  done
  start_sleeper ns-unshare --explain --pid --fork
  w=$(cat "$LAB_TMP/wrapper.pid"); wait_until 10 test -s "$LAB_TMP/child.pid"
  kill -TERM "$w"
  wait_until 5 gone "$w" || { echo "== the child ignored SIGTERM for 5 s: SIGKILL to its pid namespace"; kill_tree "$w"; }
  wait "$w"; echo "== SIGTERM to the wrapper: status $?, child says: $(cat "$LAB_TMP/got-term" 2>/dev/null || echo nothing)"
  start_zombie_maker; wait_until 5 'test -n "$(children_of $(cat $LAB_TMP/zombie-maker.pid))"'; sleep 0.3
  read -r parent < <(cat /proc/"$(cat "$LAB_TMP/zombie-maker.pid")"/task/*/children)
  echo "== zombies of $parent: $(find_zombies "$parent")"; ps -o pid,ppid,stat,comm --ppid "$parent"
  kill -KILL "$parent"; wait
fi
