#!/usr/bin/env bash
# Lab 03 — mount namespaces and propagation. YOUR script: fill in the TODOs (README.md).
# check.sh sources this file, calls start_a and start_b, then mounts something on the host.
LAB_TMP=${LAB_TMP:-/tmp/ctrkit-lab-03}
STAGE=$LAB_TMP/stage    # a shared tmpfs the host owns (setup.sh); inside-a/ inside-b/ from-host/ are empty dirs

# Container A: a new mount namespace with ns-unshare's default propagation (private: every
# mount is cut from its peers, so nothing flows in or out). Inside it, mount a tmpfs on
# $STAGE/inside-a — the host must never see it.
start_a() {
  ns-unshare --explain --mount -- sh -c '
    : TODO mount a tmpfs named a-tmp on "$0/inside-a" &&
    touch "$0/../a-ready" && exec sleep 600' "$STAGE" &
  echo $! > "$LAB_TMP/a.pid"
}

# Container B: propagation chosen so that mounts the host makes under $STAGE later appear
# inside B, while B's own mounts (a tmpfs on $STAGE/inside-b) stay in B.
start_b() {
  ns-unshare --explain --mount --propagation TODO -- sh -c '
    : TODO mount a tmpfs named b-tmp on "$0/inside-b" &&
    touch "$0/../b-ready" && exec sleep 600' "$STAGE" &
  echo $! > "$LAB_TMP/b.pid"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  source "${LAB_DIR:?run me with ./labs/run.sh try NN}/../lib.sh"   # wait_until, kill_tree
  start_a; start_b
  wait_until 10 test -e "$LAB_TMP/a-ready" -a -e "$LAB_TMP/b-ready" || { echo "== A or B did not start"; kill "$(cat "$LAB_TMP/a.pid")" "$(cat "$LAB_TMP/b.pid")" 2>/dev/null; wait; exit 1; }
  mount -t tmpfs host-tmp "$STAGE/from-host"
  for who in host a b; do
    pid=$$; [ $who != host ] && pid=$(cat "$LAB_TMP/$who.pid")
    echo "== $who sees under stage:"; awk -v s="$STAGE" 'index($5, s) == 1 { print "   " $5, $7 }' /proc/$pid/mountinfo
  done
  umount "$STAGE/from-host"; kill "$(cat "$LAB_TMP/a.pid")" "$(cat "$LAB_TMP/b.pid")"; wait
fi
