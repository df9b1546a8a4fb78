#!/usr/bin/env bash
# Lab 02 check: namespace inodes, hostname, pid 1, orphan reaping, SIGTERM — all read from
# /proc/PID/ns, /proc/PID/status and the container's own /proc, from the host side.
source "$(dirname "$0")/../lib.sh"
source "$LAB_WORK"
trap stop_tracked EXIT

start_container 2> "$LAB_TMP/explain"
w=$(cat "$LAB_TMP/wrapper.pid"); track "$w"
wait_until 10 'test -n "$(children_of $w)" || gone $w'
c=$(children_of "$w" | head -1)
if [ -z "$c" ]; then
  fail "the container never started (ns-unshare exited)" "run ./labs/run.sh try 02 and read ns-unshare's error: $(grep -m1 'ns-unshare:' "$LAB_TMP/explain")"
  check_result; exit
fi

step "1. new namespaces (container's first process: host pid $c)"
for k in uts ipc pid; do
  h=$(ns_of $$ $k) x=$(ns_of "$c" $k)
  [ "$h" != "$x" ] && pass "$k namespace differs: host $h, container $x" \
    || fail "$k namespace is the host's ($x)" "ns-unshare has a flag per namespace kind: see NS_FLAGS and bins/ns-unshare/README.md"
done
nspid=$(status_field "$c" NSpid)
case $nspid in *[[:space:]]1) pass "pid 1 inside: NSpid '$nspid' (host pid, then pid in the new namespace)";;
  *) fail "NSpid of the container's first process is '$nspid', want it to end in 1" "unshare(CLONE_NEWPID) does not move the caller: only its next child is pid 1 of the new namespace (ns-unshare needs --fork)";; esac
grep -q 'sethostname("lab02")' "$LAB_TMP/explain" && pass "--explain showed sethostname(\"lab02\")" || fail "no sethostname in --explain output" "keep --explain and --hostname lab02"
host_now=$(hostname)
[ "$host_now" = "$(cat "$LAB_TMP/host-hostname")" ] && pass "host hostname untouched: $host_now" \
  || fail "the host's hostname changed to $host_now!" "sethostname outside a new UTS namespace renames the host: restore it with hostname $(cat "$LAB_TMP/host-hostname")"
inside=$(ctr-enter -t "$c" -u -- hostname 2>/dev/null)
[ "$inside" = lab02 ] && pass "hostname inside (read with ctr-enter -t $c -u): $inside" || fail "hostname inside is '$inside'" "--hostname needs a UTS namespace"
comm1=$(cat "/proc/$c/root/proc/1/comm" 2>/dev/null)
[ "$comm1" = "$(cat /proc/$c/comm)" ] && pass "the container's own /proc: its pid 1 is $comm1" \
  || fail "the container's /proc/1 is '$comm1', the host's init" "ps inside reads /proc: mount a proc that belongs to the new pid namespace (--mount-proc)"

step "2. pid 1 reaps orphans"
wait_until 5 test -e "$LAB_TMP/orphan-ran" || fail "the orphan never ran" "start_container is provided; did you change it?"
pidns=$(ns_of "$c" pid)
zombies() { local p; for p in $(pids_in_pidns "$pidns"); do is_zombie "$p" && echo "$p($(cat /proc/$p/comm))"; done; }
if wait_until 5 'test -z "$(zombies)"'; then pass "no zombie in the container's pid namespace: its init reaped the orphan"
else fail "zombies in the container: $(zombies | tr '\n' ' ')— their parent, pid 1 (host $c, $(cat /proc/$c/comm)), never waits" "pid 1 inherits every orphan. A program that never calls wait(2) (like sleep) leaves them as zombies; a shell waiting in a loop reaps them"; fi

step "3. pid 1 handles SIGTERM"
kill -TERM "$w"
if wait_until 5 gone "$w"; then wait "$w"; pass "SIGTERM to ns-unshare (forwarded to pid 1) stopped the container (status $?)"
else fail "the container ignored SIGTERM for 5 s (a runtime would now send SIGKILL)" "the kernel drops signals to a namespace's init that it has no handler for: give INIT a trap"; kill_tree "$w"; wait "$w" 2>/dev/null; fi
[ -z "$(pids_by_comm lab02-sleep)$(pids_by_comm lab02-orphan)" ] && pass "nothing of the container is left (the kernel killed the rest of its pid namespace)" \
  || fail "lab02-* processes remain" "an exiting init takes its whole pid namespace with it; are they outside it?"

check_result
