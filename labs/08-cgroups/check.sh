#!/usr/bin/env bash
# Lab 08 check: reads the cgroup files themselves — v1 names on a v1/hybrid host, v2 names on
# a unified one (printed side by side) — then checks that every cgroup is gone.
source "$(dirname "$0")/../lib.sh"
source "$LAB_WORK"
mode=$(cg_mode)
echo "     cgroup mode: $mode"
# cgf CONTROLLER NAME V1FILE V2FILE — the file of our cgroup NAME, and which one it was
cgf() {
  local d; d=$(cg_named "$1" "$2")
  if [ "$mode" = unified ]; then echo "$d/$4"; else echo "$d/$3"; fi
}
show() { echo "     read $1: $(tr '\n' ' ' < "$1" 2>/dev/null | cut -c1-110)"; }

step "1. memory: the OOM killer, counted"
memory_oom 2> "$LAB_TMP/mem.stderr"; rc=$?
[ "$rc" = 137 ] && pass "the hog was killed by SIGKILL (status 137)" || fail "memory_oom ended with status $rc, want 137" "with no limit tail grows without end; give cg-limit a memory limit of 32M"
lim=$(cgf memory ctrkit-lab-08-mem memory.limit_in_bytes memory.max); show "$lim"
[ "$(cat "$lim" 2>/dev/null)" = $((32 * 1024 * 1024)) ] && pass "limit: $(basename "$lim") = 33554432 (32 MiB)" || fail "no 32 MiB limit in $lim" "--memory 32M (and --keep, already there)"
ev=$(cgf memory ctrkit-lab-08-mem memory.oom_control memory.events); show "$ev"
n=$(kv "$ev" oom_kill)
[ "${n:-0}" -ge 1 ] && pass "OOM kill counted: oom_kill $n in $(basename "$ev")" || fail "oom_kill is '${n:-missing}' in $ev" "the kernel counts every OOM kill in the cgroup: the limit must be hit"

step "2. CPU: throttling seen"
cpu_throttle 2> "$LAB_TMP/cpu.stderr"
if [ "$mode" = unified ]; then q=$(cgf cpu ctrkit-lab-08-cpu - cpu.max); show "$q"; qv=$(awk '{ print $1 "/" $2 }' "$q" 2>/dev/null)
else q=$(cgf cpu ctrkit-lab-08-cpu cpu.cfs_quota_us -); show "$q"; qv="$(cat "$q" 2>/dev/null)/$(cat "${q%/*}/cpu.cfs_period_us" 2>/dev/null)"; fi
[ "$qv" = 20000/100000 ] && pass "quota: 20 ms per 100 ms period (0.2 CPU)" || fail "quota/period is '$qv', want 20000/100000" "--cpus 0.2"
st=$(cgf cpu ctrkit-lab-08-cpu cpu.stat cpu.stat); show "$st"
t=$(kv "$st" nr_throttled)
[ "${t:-0}" -gt 0 ] && pass "throttled: nr_throttled $t of $(kv "$st" nr_periods) periods in cpu.stat" || fail "nr_throttled is '${t:-missing}'" "a busy loop under a quota runs out of it every period"

step "3. pids: the fork bomb stops at the cap"
fork_bomb
json=$(grep '^{' "$LAB_TMP/pids.stderr" | tail -1)
if [ -n "$json" ]; then
  lim=$(echo "$json" | jq -r '.pids.limit'); peak=$(echo "$json" | jq -r '.pids.peak'); ev=$(echo "$json" | jq -r '.pids.max_events')
  echo "     cg-limit read pids.max / pids.peak / pids.events before removing it: limit $lim, peak $peak, refused $ev"
  [ "$lim" = 16 ] && pass "pids.max was 16" || fail "pids limit was $lim" "--pids 16"
  [ "${ev:-0}" != null ] && [ "${ev:-0}" -gt 0 ] && pass "forks refused at the cap: pids.events max $ev" || fail "no fork was refused (max_events $ev)" "the cap must be below what the bomb tries"
  [ "$peak" = null ] || [ "$peak" -le 16 ] && pass "never more than 16 at once (peak $peak)" || fail "peak $peak above 16" "?"
else fail "no JSON statistics from cg-limit --stats --json" "keep --stats --json; cg-limit failed: $(grep -m1 'cg-limit:' "$LAB_TMP/pids.stderr")"; fi
left=""; for c in pids memory cpu; do [ -d "$(cg_named $c ctrkit-lab-08-pids)" ] && left="$left $c"; done
[ -z "$left" ] && pass "the bomb's cgroup is gone from every hierarchy" || fail "ctrkit-lab-08-pids still exists in:$left" "without --keep, cg-limit removes it"

step "4. kept cgroups removed"
remove_kept 2> "$LAB_TMP/remove.stderr"
left=""; for n in ctrkit-lab-08-mem ctrkit-lab-08-cpu; do for c in memory cpu cpuacct pids; do [ -d "$(cg_named $c $n)" ] && left="$left $c/$n"; done; done
if [ "$mode" = hybrid ]; then  # cg-limit also made a dir in the controller-less v2 tree (it tracks and kills)
  for n in ctrkit-lab-08-mem ctrkit-lab-08-cpu; do [ -d "/sys/fs/cgroup/unified$(sed -n 's/^0:://p' /proc/self/cgroup)/$n" ] && left="$left unified/$n"; done
fi
[ -z "$left" ] && pass "ctrkit-lab-08-mem and -cpu are gone from every hierarchy" || fail "still there:$left" "cg-limit --remove NAME, once per kept cgroup"
check_result
