#!/usr/bin/env bash
# Lab 11 — user, cgroup and time namespaces. SOLUTION: keep this apart from your own work.sh.
# ./labs/run.sh check 11 sources it and calls start_mapped, start_rootless, start_cgns and
# start_timens; to watch it: ./labs/run.sh try 11
LAB_TMP=${LAB_TMP:-/tmp/ctrkit-lab-11}
BIN=$LAB_TMP/bin         # setup.sh copied sleep here as lab11-sleep
SHARED=$LAB_TMP/shared   # setup.sh gave this dir to host uid and gid 100000

# Step 1 — root inside, nobody special outside: a new user namespace where the ids 0…65535
# are the host's 100000…165535 (users AND groups), and the command runs as uid 0 / gid 0 of
# that namespace (not as whatever host uid happens to be unmapped).
MAP_FLAGS=(--user --map-users 0:100000:65536 --map-groups 0:100000:65536 --setuid 0 --setgid 0)

# Step 2 — rootless: the same thing started by an unprivileged host user (nobody, 65534),
# who may only map its own uid — to 0 inside. Which flag does that in one go?
ROOTLESS_FLAGS=(--user --map-root-user)   # -r also writes setgroups "deny" before gid_map

# Step 3 — a cgroup namespace: the container's cgroup becomes the root of what it sees.
CGNS_FLAGS=(--cgroup)

# Step 4 — a time namespace whose boot-time clock is one day (86400 s) ahead of the host's.
TIMENS_FLAGS=(--boottime 86400)   # implies --time (-T)

# ---- provided: each container prints what it sees (into LAB_TMP/NAME.out, a file the host
# opened — the container's root could not create it there), then becomes lab11-sleep so that
# its /proc/PID can be read from the host. Its pid is in LAB_TMP/NAME.pid.
PROBE='id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups
touch "$1/made-inside" 2>/dev/null && echo "made $1/made-inside"
touch "$1/../root-owned" 2>/dev/null && echo "wrote into the root-owned $1/.. !"
echo cgroup:; cat /proc/self/cgroup; echo uptime: $(cat /proc/uptime)
exec "$0" 600'

start_mapped() {
  ns-unshare --explain "${MAP_FLAGS[@]}" -- sh -c "$PROBE" "$BIN/lab11-sleep" "$SHARED" > "$LAB_TMP/mapped.out" &
  echo $! > "$LAB_TMP/mapped.pid"
}
start_rootless() {   # setpriv: become host uid/gid 65534 with no supplementary groups, then exec
  setpriv --reuid 65534 --regid 65534 --clear-groups -- \
    ns-unshare --explain "${ROOTLESS_FLAGS[@]}" -- sh -c "$PROBE" "$BIN/lab11-sleep" "$LAB_TMP/nowhere" > "$LAB_TMP/rootless.out" &
  echo $! > "$LAB_TMP/rootless.pid"
}
start_cgns() {       # cg-limit: a cgroup of its own first (ctrkit-lab-11-box), then the namespace
  cg-limit --name ctrkit-lab-11-box --pids 64 -- \
    ns-unshare --explain "${CGNS_FLAGS[@]}" -- sh -c "$PROBE" "$BIN/lab11-sleep" "$LAB_TMP/nowhere" > "$LAB_TMP/cgns.out" &
  echo $! > "$LAB_TMP/cgns.pid"
}
start_timens() {
  ns-unshare --explain "${TIMENS_FLAGS[@]}" -- sh -c "$PROBE" "$BIN/lab11-sleep" "$LAB_TMP/nowhere" > "$LAB_TMP/timens.out" &
  echo $! > "$LAB_TMP/timens.pid"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  source "${LAB_DIR:?run me with ./labs/run.sh try NN}/../lib.sh"   # wait_until, kill_tree
  for s in mapped rootless cgns timens; do
    echo "== $s (host uptime now: $(cut -d' ' -f1 /proc/uptime))"
    "start_$s"; p=$(cat "$LAB_TMP/$s.pid")
    wait_until 5 "grep -q '^uptime:' '$LAB_TMP/$s.out' || gone $p"
    sed 's/^/   inside | /' "$LAB_TMP/$s.out"
    [ "$s" = cgns ] && p=$(children_of "$p" | head -1)
    [ -n "$p" ] && alive "$p" && {
      echo "   host   | /proc/$p/status: $(status_field "$p" Uid | tr '\t' ' ') (Uid) $(status_field "$p" Gid | tr '\t' ' ') (Gid)"
      echo "   host   | /proc/$p/uid_map: $(cat /proc/$p/uid_map)  setgroups: $(cat /proc/$p/setgroups)"
      echo "   host   | /proc/$p/cgroup: $(grep -E '^0::|pids' /proc/$p/cgroup | tr '\n' ' ')"
      echo "   host   | /proc/$p/timens_offsets: $(tr -s ' \n' '  ' < /proc/$p/timens_offsets)"
      for k in user cgroup time; do echo "   host   | $k: host $(ns_of $$ $k)  container $(ns_of "$p" $k)"; done
    }
    ls -ln "$SHARED" | sed 1d | sed 's/^/   host   | shared: /'
  done
  for s in mapped rootless cgns timens; do cat "$LAB_TMP/$s.pid"; done >> "$LAB_TMP/pids"
  stop_tracked
fi
