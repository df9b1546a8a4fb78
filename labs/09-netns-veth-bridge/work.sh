#!/usr/bin/env bash
# Lab 09 — networking I: netns + veth + bridge. YOUR script: fill in the TODOs (README.md).
# check.sh sources this file and calls, in order: cable (twice), bridge, plug (twice, on boxes
# from start_box), run_containers, peek, fetch_by_name. ./labs/run.sh try 09 runs the demo at the end.
#
# Safety: everything runs in $HOSTNS, a network namespace setup.sh made to play the host (only
# lo, up). on_host runs a command there: never run ip, ctr-net or ctrkit without it.
LAB_TMP=${LAB_TMP:-/tmp/ctrkit-lab-09}
HOSTNS=ctrkit-lab-09                 # the lab's "host": /run/netns/ctrkit-lab-09
export CTRKIT_ROOT=$LAB_TMP/root     # a private image store: setup.sh loaded the demo image
export CTRKIT_STATE=$LAB_TMP/state   # the containers' records, the network's leases and hosts
unset CTRKIT_NETWORK
BIN=$LAB_TMP/bin                     # lab09-box: a copy of sleep, easy to find

# provided: COMMAND in the lab's host namespace. nsenter --net joins the network namespace and
# nothing else (`ip netns exec` would also remount /sys and hide the cgroups ctrkit needs).
on_host() { nsenter --net="/run/netns/$HOSTNS" -- "$@"; }
# provided: COMMAND in the network namespace named $1 (one that `ip netns add` made)
in_ns() { local ns=$1; shift; nsenter --net="/run/netns/$ns" -- "$@"; }

todo() { echo "lab09: TODO $*" >&2; return 1; }   # replace each call with your code

# ---- part 1: by hand, with ip(8) ----------------------------------------------------------
A=ctrkit-lab-09-a                    # two network namespaces, named as `ip netns add` names them
B=ctrkit-lab-09-b
BRIDGE=cl09-br                       # the switch, in the lab's host
NET=10.99.0                          # .1/24 on the bridge (the gateway), .2 in A, .3 in B

# Step 1 — a namespace and a cable into it: network namespace $1 with lo up; a veth pair made
# in the lab's host, our end named $3, the other end born inside $1 as eth0; the address $2/24
# on eth0; both ends up.
cable() {
  local ns=$1 addr=$2 end=$3
  ip netns add "$ns"
  todo "step 1: lo up in $ns; a veth pair $end <-> eth0 (inside $ns); $addr/24 on eth0; both ends up"
}

# Step 2 — the switch: the bridge $BRIDGE in the lab's host, $NET.1/24 on it, up, and both of
# our cable ends (cl09-a, cl09-b) plugged into it.
bridge() {
  todo "step 2: the bridge $BRIDGE with $NET.1/24, up, cl09-a and cl09-b plugged in"
}

# ---- part 2: the same with ctr-net ---------------------------------------------------------

# provided: start lab09-box (sleep) in a network namespace of its own; sets BOX to its pid.
# (ns-unshare --fork: the box is its child; --kill-child: the box dies with it. Its pid is
# recorded in $LAB_TMP/pids, so cleanup stops it by pid.)
# (nsenter itself rather than on_host: $! must be its pid, not that of a subshell running a function.)
start_box() {
  nsenter --net="/run/netns/$HOSTNS" -- ns-unshare --net --fork --kill-child -- "$BIN/lab09-box" 600 > /dev/null 2>&1 &
  local ns_unshare=$! p
  echo "$ns_unshare" >> "$LAB_TMP/pids"
  BOX=""
  for _ in $(seq 100); do
    p=$(cat "/proc/$ns_unshare/task/$ns_unshare/children" 2>/dev/null | awk '{ print $1 }')
    [ -n "$p" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = lab09-box ] && { BOX=$p; return 0; }
    sleep 0.05
  done
  return 1
}

# Step 3 — plug the network namespace of process $1 into ctrkit's bridge (ctrkit0,
# 10.66.0.0/16) with ctr-net, under the name $2, printing each kernel call (--explain).
plug() {
  todo "step 3: plug pid $1 into ctrkit0 as $2"
}

# provided: unplug process $1's namespace (ctr-net names the lease pid-PID by default)
unplug() {
  on_host ctr-net disconnect --id "pid-$1"
}

# ---- part 3: containers ----------------------------------------------------------------------
WEB='mkdir -p /www && echo "hello from $(hostname)" > /www/index.html && exec httpd -f -p 80 -h /www'

# Step 4 — two detached containers of the demo image on ctrkit's bridge: web (hostname web,
# running $WEB) and client (sleep 600).
run_containers() {
  on_host ctrkit run -d --name web --hostname web TODO demo sh -c "$WEB"
  on_host ctrkit run -d --name client TODO demo sleep 600
}

# Step 5 — a third container on the bridge, in the foreground this time, with --explain,
# removed when it ends, printing its own IPv4 address on eth0 (busybox ip -4 -o addr show eth0).
# (A detached run's --explain shows only what ctrkit does before its monitor detaches; the
# veth is made by the monitor.)
peek() {
  todo "step 5: a foreground container on the bridge that prints its eth0 address"
}

# Step 6 — from inside client, fetch http://web/ by name with busybox wget; print the page.
# (busybox 1.35's wget -T crashes: timeout 5 in front instead.)
fetch_by_name() {
  todo "step 6: fetch http://web/ from inside client"
}

# ---- provided: the demo (./labs/run.sh try 09) -----------------------------------------------
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  source "${LAB_DIR:?run me with ./labs/run.sh try NN}/../lib.sh"
  # detached containers' monitors are orphans: run under a subreaper (labs/reaper.py, lab 14)
  [ -n "${LAB_REAPER:-}" ] || exec python3 "$LABS_DIR/reaper.py" bash "$0"
  set -x
  cable "$A" "$NET.2" cl09-a; cable "$B" "$NET.3" cl09-b
  in_ns "$A" busybox ping -c1 -W1 "$NET.3"            # fails: no bridge yet
  bridge
  in_ns "$A" busybox ping -c1 -W1 "$NET.3"            # answers
  on_host ip -br link; on_host ip -o link show master "$BRIDGE"; ip -n "$A" -br addr
  start_box; box1=$BOX; start_box; box2=$BOX
  plug "$box1" box1; plug "$box2" box2
  nsenter -t "$box1" -n ip -br addr
  nsenter -t "$box1" -n busybox ping -c1 -W1 10.66.0.1
  unplug "$box1"; unplug "$box2"
  run_containers
  peek 2>&1 | grep -E 'RTM_|eth0 '
  sleep 1
  on_host ctrkit ps
  fetch_by_name
  on_host ctrkit exec client cat /etc/hosts
  on_host ctrkit rm -f web client
  set +x
  stop_tracked
  echo "== left for you: the namespaces ctrkit-lab-09 (the host, with $BRIDGE and ctrkit0), $A and $B (./labs/run.sh clean 09 removes them)"
fi
