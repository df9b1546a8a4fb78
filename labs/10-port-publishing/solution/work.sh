#!/usr/bin/env bash
# Lab 10 — networking II: port publishing. SOLUTION: keep this apart from your own work.sh.
# check.sh sources this file and calls, in order: publish, host_port, fetch, publish_any,
# remove. ./labs/run.sh try 10 runs the demo at the end.
#
# Safety: everything runs in $HOSTNS, a network namespace setup.sh made to play the host (only
# lo, up). on_host runs a command there: its 127.0.0.1:8080 is not your machine's.
LAB_TMP=${LAB_TMP:-/tmp/ctrkit-lab-10}
HOSTNS=ctrkit-lab-10                 # the lab's "host": /run/netns/ctrkit-lab-10
export CTRKIT_ROOT=$LAB_TMP/root     # a private image store: setup.sh loaded the demo image
export CTRKIT_STATE=$LAB_TMP/state   # the containers' records, the network's leases and hosts
unset CTRKIT_NETWORK

# provided: COMMAND in the lab's host namespace (nsenter --net joins the network namespace
# and nothing else; `ip netns exec` would also remount /sys and hide the cgroups ctrkit needs)
on_host() { nsenter --net="/run/netns/$HOSTNS" -- "$@"; }

# provided: a web server that says who it is, and (-v) logs each client's address
WEB='mkdir -p /www && echo "hello from $(hostname)" > /www/index.html && exec httpd -f -v -p 80 -h /www'

# Step 1 — run web (hostname web, $WEB) detached, with --explain, its port 80 published on the
# lab host's port 8080.
publish() {
  on_host ctrkit run -d --explain --name web --hostname web -p 8080:80 demo sh -c "$WEB"
}

# Step 2 — which host port is container $1's port $2 (e.g. 80/tcp) published on? Print the
# number alone.
host_port() {
  on_host ctrkit port "$1" "$2" | head -1 | sed 's/.*://'
}

# Step 3 — from the lab's host, fetch http://127.0.0.1:$1/ with busybox wget; print the page.
# (busybox 1.35's wget -T crashes: timeout 5 in front instead.)
fetch() {
  on_host timeout 5 busybox wget -qO- "http://127.0.0.1:$1/"
}

# Step 4 — run web2 (hostname web2, $WEB) detached, its port 80 published on a host port the
# kernel picks.
publish_any() {
  on_host ctrkit run -d --name web2 --hostname web2 -p 80 demo sh -c "$WEB"
}

# Step 5 — remove container $1, running or not, with everything it holds.
remove() {
  on_host ctrkit rm -f "$1"
}

# ---- provided: the demo (./labs/run.sh try 10) -----------------------------------------------
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  source "${LAB_DIR:?run me with ./labs/run.sh try NN}/../lib.sh"
  # detached containers' monitors are orphans: run under a subreaper (labs/reaper.py, lab 14)
  [ -n "${LAB_REAPER:-}" ] || exec python3 "$LABS_DIR/reaper.py" bash "$0"
  set -x
  publish
  on_host ss -ltnp
  port=$(host_port web 80/tcp)
  sleep 1
  fetch "$port"
  on_host ctrkit logs web
  publish_any
  port2=$(host_port web2 80/tcp)
  on_host ctrkit ps
  sleep 1
  fetch "$port2"
  remove web; remove web2
  on_host ss -ltn; on_host ip -br link; ls "$CTRKIT_STATE/networks/ctrkit0/leases"
fi
