#!/usr/bin/env bash
# Lab 13 check: compares /proc/PID/ns/* and /proc/PID/cgroup of what you entered with those
# of the target's pid 1, and counts processes in the target's pid namespace against pids.max.
source "$(dirname "$0")/../lib.sh"
source "$LAB_WORK"
trap stop_tracked EXIT

start_target 2> "$LAB_TMP/target.explain"; track "$(cat "$LAB_TMP/target.pid")"
[ -n "${TARGET:-}" ] || { fail "the target did not start" "start_target is provided: $(grep -m1 -E 'cg-limit:|ns-unshare:' "$LAB_TMP/target.explain")"; check_result; exit; }
pidns=$(ns_of "$TARGET" pid)
probes() { local p; for p in $(pids_in_pidns "$pidns"); do [ "$(cat /proc/$p/comm 2>/dev/null)" = lab13-probe ] && echo "$p"; done; }
kill_probes() { local p; for p in $(probes); do kill -KILL "$p"; done; wait_until 5 'test -z "$(probes)"'; }
pids_max=$(cat "$(cg_named pids ctrkit-lab-13)/pids.max" 2>/dev/null)
echo "     target: pid 1 is host pid $TARGET; its cgroup ctrkit-lab-13 has pids.max $pids_max"

step "1. ctr-enter joins the namespaces and the cgroup"
enter_probe "$TARGET" 2> "$LAB_TMP/enter.explain"; track "$(cat "$LAB_TMP/enter.pid")"
if wait_until 10 'test -n "$(pids_by_comm lab13-probe)"'; then
  p=$(pids_by_comm lab13-probe | head -1)
  for k in mnt uts ipc pid net cgroup; do
    [ "$(ns_of "$p" $k)" = "$(ns_of "$TARGET" $k)" ] && pass "$k: the probe's $(ns_of "$p" $k) is pid 1's" \
      || fail "$k: probe $(ns_of "$p" $k), pid 1 $(ns_of "$TARGET" $k)" "-t PID names the target; -a joins every namespace it has"
  done
  if diff -q "/proc/$p/cgroup" "/proc/$TARGET/cgroup" >/dev/null; then pass "the probe's /proc/$p/cgroup is pid 1's, line for line ($(cg_line "$p" pids))"
  else fail "the probe's cgroups differ from pid 1's ($(cg_line "$p" pids) vs $(cg_line "$TARGET" pids))" "joining namespaces does not move a process into a cgroup: ctr-enter -a does both (--no-join-cgroup would not)"; fi
  cgl=$(grep -n -m1 'cgroup.procs' "$LAB_TMP/enter.explain" | cut -d: -f1); nsl=$(grep -n -m1 '] setns(' "$LAB_TMP/enter.explain" | cut -d: -f1)
  [ -n "$cgl" ] && [ -n "$nsl" ] && [ "$cgl" -lt "$nsl" ] && pass "--explain showed the write to the target's cgroup.procs before the setns calls" || fail "no cgroup.procs write in ctr-enter's --explain" "-a joins the cgroups"
else fail "no lab13-probe process appeared" "ctr-enter -t PID … -- COMMAND; $(grep -m1 'ctr-enter:' "$LAB_TMP/enter.explain")"; fi
kill_probes; wait "$(cat "$LAB_TMP/enter.pid")" 2>/dev/null

step "2. a burst entered with ctr-enter stays under pids.max"
burst_joined "$TARGET" > "$LAB_TMP/joined.out" 2>&1
sleep 0.2; n=$(probes | wc -l)
ev=$(kv "$(cg_named pids ctrkit-lab-13)/pids.events" max)
if [ "$n" -gt 0 ] && [ "$n" -lt 40 ] && [ "${ev:-0}" -gt 0 ]; then pass "$n of 40 probes started; pids.events counts $ev refused forks"
else fail "$n of 40 probes started (pids.events max ${ev:-?})" "burst_joined must enter like enter_probe: the target's cgroups too"; fi
kill_probes

step "3. the naive way escapes pids.max"
burst_naive "$TARGET" > "$LAB_TMP/naive.out" 2>&1
wait_until 5 'test "$(probes | wc -l)" -ge 40'; n=$(probes | wc -l)
p=$(probes | head -1)
if [ "$n" -ge 40 ] && [[ $pids_max =~ ^[0-9]+$ ]] && [ "$n" -gt "$pids_max" ]; then
  pass "all $n probes started in the container's pid namespace, above its pids.max $pids_max"
  [ -n "$p" ] && ! diff -q "/proc/$p/cgroup" "/proc/$TARGET/cgroup" >/dev/null && pass "because they are not in its cgroup: $(cg_line "$p" pids)"
else fail "$n probes in the container's pid namespace after burst_naive (want 40, above pids.max '$pids_max')" "nsenter -t PID with the five classic namespace flags — and nothing about cgroups"; fi
kill_probes
check_result
