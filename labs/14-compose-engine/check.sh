#!/usr/bin/env bash
# Lab 14 check: uses your engine the way a user would — run -d, ps, logs, exec, stop, rm — and
# after each verb reads the kernel, not the engine's word: /proc/PID/status (NSpid) and
# /proc/PID/ns/*, /proc/PID/root and /proc/PID/mountinfo, the cgroup's own files, the host's
# mountinfo, and /proc for anything left in the containers' namespaces.
#
# It runs under labs/reaper.py (a child subreaper): `run -d` leaves a monitor behind when the
# engine exits, and something must reap it when it ends (see README, "who waits?").
source "$(dirname "$0")/../lib.sh"
[ -n "${LAB_REAPER:-}" ] || exec python3 "$LABS_DIR/reaper.py" bash "$0" "$@"
STATE=$LAB_TMP/state
engine() { timeout 30 bash "$LAB_WORK" "$@"; }
mode=$(cg_mode)
echo "     cgroup mode: $mode; engine: $(realpath --relative-to="$REPO_DIR" "$LAB_WORK"); state: $STATE"

# If anything goes wrong, stop what the engine started before leaving the reaper: every
# monitor still alive, bottom up (kill_tree: the pid namespace's init first, so every process
# is reaped by a living parent). cleanup.sh does mounts, cgroups and the directory.
stop_all() {
  local m p
  for m in "$STATE"/*/monitor.pid; do
    p=$(cat "$m" 2>/dev/null) && [ -n "$p" ] && alive "$p" && kill_tree "$p"
  done
  return 0
}
trap stop_all EXIT

# facts about one container, read from the kernel
pid_of() { cat "$STATE/$1/pid" 2>/dev/null; }
root_line() { awk '$5 == "/"' "/proc/$1/mountinfo" 2>/dev/null | tail -1; }   # the mount at its /
fstype_of() { sed 's/.* - //' | awk '{ print $1 }'; }                      # from a mountinfo line
cg_left() {   # cg_left NAME — every directory of cgroup NAME still in any hierarchy
  find /sys/fs/cgroup -mindepth 1 -maxdepth 8 -type d -name "$1" 2>/dev/null
}
in_ns() {     # in_ns KIND NSLINK — host pids of processes in that namespace
  local d; for d in /proc/[0-9]*; do [ "$(readlink "$d/ns/$1" 2>/dev/null)" = "$2" ] && echo "${d#/proc/}"; done; return 0
}

step "1. run -d web lab14-ticker: a process in namespaces, a cgroup and an overlay of its own"
out=$(engine run -d web lab14-ticker 2> "$LAB_TMP/run-web.err"); rc=$?
P=$(pid_of web)
if [ -z "$P" ] || ! alive "$P"; then
  if [ -f "$STATE/web/exit" ]; then
    fail "run -d web: the container ended at once, status $(cat "$STATE/web/exit"); its log ends: $(tail -n 1 "$STATE/web/log" 2>/dev/null)" \
      "127 is 'command not found': lab14-ticker exists only in the image, so COMMAND must be found inside ROOTFS (chroot at the end of the chain). 125 is a tool's own failure: the log names it"
  elif grep -q 'did not start' "$LAB_TMP/run-web.err"; then
    fail "run -d web: no process below the monitor became pid 1 of a new pid namespace; its log ends: $(tail -n 1 "$STATE/web/log" 2>/dev/null)" \
      "the provided code looks for NSpid ending in 1 (/proc/PID/status): a new pid namespace applies to a forked child — step 2's chain needs it"
  else
    fail "run -d web did not leave a running container (status $rc, pid file '${P:-none}'): $(grep -m1 'engine:' "$LAB_TMP/run-web.err")" \
      "engine TODO step 1 then 2: ./labs/run.sh try 14 shows each verb's output; hints.md has more"
  fi
  check_result; exit
fi
[ "$rc" = 0 ] && [ "$out" = web ] && pass "run -d printed the name, web, and succeeded" \
  || fail "run -d: status $rc, printed '$out': $(grep -m1 'engine:' "$LAB_TMP/run-web.err")" "the provided code prints NAME at the end, once the container runs in its new root"
case $(status_field "$P" NSpid) in
  *[[:space:]]1) pass "host pid $P is pid 1 of its own pid namespace (NSpid: $(status_field "$P" NSpid | tr '\t' ' '))" ;;
  *) fail "host pid $P is not pid 1 of a new pid namespace (NSpid: $(status_field "$P" NSpid))" "a new pid namespace applies to a forked child: ns-unshare --pid --fork" ;;
esac
for k in pid mnt uts ipc; do
  [ "$(ns_of "$P" $k)" != "$(ns_of $$ $k)" ] && pass "$k: $(ns_of "$P" $k), not the host's" \
    || fail "$k namespace is the host's ($(ns_of $$ $k))" "ns-unshare needs a flag per namespace: mount, uts, ipc, pid"
done
h=$(nsenter -t "$P" -u hostname 2>/dev/null)
[ "$h" = web ] && pass "its hostname (nsenter -t $P -u hostname) is web" || fail "its hostname is '$h', want web" "ns-unshare --hostname NAME"
echo "     /proc/$P/cgroup: $(grep -E '^[0-9]+:(memory|pids):|^0::' /proc/$P/cgroup | tr '\n' ' ')"
lim=$(cg_file "$P" memory memory.limit_in_bytes memory.max)
case $lim in */ctrkit-lab-14-web/*) pass "its memory cgroup is ctrkit-lab-14-web: ${lim%/*}" ;;
  *) fail "its memory cgroup is ${lim%/*}, want …/ctrkit-lab-14-web" "cg-limit --name \"\$PREFIX-\$name\"" ;; esac
[ "$(cat "$lim" 2>/dev/null)" = 67108864 ] && pass "$(basename "$lim") = 67108864 (64 MiB, read from the cgroup file)" \
  || fail "$(basename "$lim") is '$(cat "$lim" 2>/dev/null)', want 67108864" "cg-limit --memory \"\$MEMORY\""
pm=$(cg_file "$P" pids pids.max pids.max)
[ "$(cat "$pm" 2>/dev/null)" = 64 ] && pass "pids.max = 64" || fail "pids.max is '$(cat "$pm" 2>/dev/null)', want 64" "cg-limit --pids \"\$PIDS\""
r=$(readlink "/proc/$P/root")
[ "$r" = "$STATE/web/rootfs" ] && pass "/proc/$P/root is $r" || fail "/proc/$P/root is '$r', want $STATE/web/rootfs" "the command must run with its root changed to ROOTFS: chroot ROOTFS COMMAND at the end of the chain"
line=$(root_line "$P")
if [ "$(echo "$line" | fstype_of)" = overlay ]; then
  pass "its / is an overlay (/proc/$P/mountinfo: $(echo "$line" | sed 's/.* - //' | cut -c1-60)…)"
  echo "$line" | grep -q "upperdir=$STATE/web/upper" && pass "whose upper dir is $STATE/web/upper" \
    || fail "its overlay's upper dir is not $STATE/web/upper" "ovl-mount --upper \"\$dir/upper\" --work \"\$dir/work\" \"\$dir/rootfs\""
else fail "its / is not an overlay ($(echo "$line" | fstype_of))" "step 1: img-unpack --json prints the layers; ovl-mount reads that JSON on stdin and mounts them at ROOTFS"; fi
[ "$(awk '$5 == "/proc" { print $0 }' "/proc/$P/mountinfo" | fstype_of)" = proc ] && [ -e "/proc/$P/root/proc/1" ] && [ "$(ls /proc/$P/root/proc | grep -c '^[0-9]')" -lt 20 ] \
  && pass "it has a /proc of its own pid namespace ($(ls /proc/$P/root/proc | grep -c '^[0-9]') processes)" \
  || fail "no /proc of its own pid namespace at its /proc" "ns-unshare --mount-proc=DIR mounts it at DIR: the rootfs's proc"
mounted_at "$STATE/web/rootfs" | grep -q ' - overlay ' && pass "the host sees the overlay mounted at $STATE/web/rootfs" \
  || fail "no overlay at $STATE/web/rootfs in the host's mountinfo" "mount it from the engine (on the host), before starting the container"

step "2. ps and logs"
wait_until 5 "grep -q 'hello from web' '$STATE/web/log'"
ps_out=$(engine ps 2>&1)
echo "$ps_out" | sed 's/^/     | /'
echo "$ps_out" | grep -E "^web[[:space:]]" | grep -q running && echo "$ps_out" | grep -E "^web[[:space:]]" | grep -qw "$P" \
  && pass "ps lists web as running with pid $P" || fail "ps does not list web as running with pid $P" "ps is provided: it reads $STATE/web/pid"
logs=$(engine logs web 2>&1)
echo "$logs" | grep -q "lab14-ticker: hello from web, pid 1" && pass "logs web shows its first line: $(echo "$logs" | grep -m1 hello)" \
  || fail "logs web has no 'hello from web, pid 1': $(echo "$logs" | head -2 | tr '\n' ' ')" "the monitor's stdout and stderr go to \$dir/log (provided); the ticker must run as pid 1 with hostname web"
wait_until 5 "test \"\$(grep -c '^tick' '$STATE/web/log')\" -ge 2" && pass "and it keeps logging: $(grep -c '^tick' "$STATE/web/log") ticks so far" \
  || fail "no ticks in the log after 5 s" "is it still running? ./labs/run.sh try 14"

step "3. exec: a probe inside web"
h=$(engine exec web hostname 2> "$LAB_TMP/exec.err")
[ "$h" = web ] && pass "exec web hostname prints web" || fail "exec web hostname printed '$h' $(head -c 200 "$LAB_TMP/exec.err")" "engine TODO step 3: ctr-enter (lab 13)"
engine exec web cat /proc/self/cgroup > "$LAB_TMP/exec.cgroup" 2>/dev/null
if [ -s "$LAB_TMP/exec.cgroup" ] && diff -q "$LAB_TMP/exec.cgroup" "/proc/$P/cgroup" > /dev/null; then
  pass "the probe's /proc/self/cgroup is pid 1's, line for line"
else fail "the probe's cgroups are not pid 1's: $(grep -E 'memory|^0::' "$LAB_TMP/exec.cgroup" | tr '\n' ' ')" "join the cgroups too: ctr-enter -a"; fi
m=$(engine exec web readlink /proc/self/ns/mnt 2>/dev/null)
[ "$m" = "$(ns_of "$P" mnt)" ] && pass "the probe's mnt namespace is web's: $m" || fail "the probe's mnt namespace is '$m'" "ctr-enter -t PID -a"

step "4. a container that ends by itself"
engine run -d job sh -c 'echo job ran on $(hostname); exit 3' > /dev/null 2> "$LAB_TMP/run-job.err"
if wait_until 10 "test -f '$STATE/job/exit'"; then
  [ "$(cat "$STATE/job/exit")" = 3 ] && pass "its exit status 3 was recorded" || fail "exit status recorded: $(cat "$STATE/job/exit"), want 3" "the command's status is the chain's: cg-limit, ns-unshare and chroot all pass it on"
  engine ps 2>/dev/null | grep -E '^job[[:space:]]' | grep -q 'exited(3)' && pass "ps: $(engine ps | grep -E '^job[[:space:]]' | tr -s ' ' | cut -c1-40)" || fail "ps does not say exited(3) for job" "ps is provided"
  grep -q 'job ran on job' "$STATE/job/log" && pass "logs job: $(cat "$STATE/job/log")" || fail "logs job: '$(head -c 100 "$STATE/job/log")'" "stdout of the container goes to \$dir/log"
  [ -z "$(cg_left ctrkit-lab-14-job)" ] && pass "its cgroup is already gone (cg-limit removes it when the command ends)" || fail "cgroup left: $(cg_left ctrkit-lab-14-job | tr '\n' ' ')" "do not --keep"
else fail "job did not end within 10 s ($(grep -m1 engine: "$LAB_TMP/run-job.err"))" "step 2"; fi

step "5. stop: SIGTERM, then SIGKILL"
WEB_NS_PID=$(ns_of "$P" pid); WEB_NS_MNT=$(ns_of "$P" mnt); WEB_MON=$(cat "$STATE/web/monitor.pid" 2>/dev/null)
engine rm web > /dev/null 2>&1; rc=$?
[ "$rc" != 0 ] && alive "$P" && pass "rm web while it runs is refused (status $rc), and it still runs" || fail "rm web of a running container: status $rc" "rm is only for containers that ended (provided)"
t0=$SECONDS
engine stop web > "$LAB_TMP/stop.out" 2>&1; rc=$?
if gone "$P"; then pass "stop web: host pid $P is gone ($((SECONDS - t0)) s, status $rc)"
else
  fail "stop web: host pid $P is still there (the rest needs a working stop: the check stops here)" "engine TODO step 4: a signal to its pid 1"
  check_result; exit
fi
grep -q 'SIGTERM, bye' "$STATE/web/log" && pass "it ended on SIGTERM: its log says '$(grep -m1 'SIGTERM' "$STATE/web/log")'" \
  || fail "its log has no 'SIGTERM, bye'" "send SIGTERM first and give it time: docker stop's 10 s"
[ "$(cat "$STATE/web/exit" 2>/dev/null)" = 0 ] && pass "exit status 0 recorded" || fail "exit status '$(cat "$STATE/web/exit" 2>/dev/null)', want 0" "stop must wait for the monitor to end (provided)"
[ -z "$(in_ns pid "$WEB_NS_PID")" ] && pass "no process left in its pid namespace $WEB_NS_PID" || fail "processes left in its pid namespace: $(in_ns pid "$WEB_NS_PID" | tr '\n' ' ')" "when pid 1 of a pid namespace ends, the kernel kills the rest: was pid 1 really the container's first process?"
[ -z "$(cg_left ctrkit-lab-14-web)" ] && pass "its cgroup is gone from every hierarchy" || fail "cgroup left: $(cg_left ctrkit-lab-14-web | tr '\n' ' ')" "cg-limit removes it when its command ends"
gone "$WEB_MON" && pass "its monitor (pid $WEB_MON) ended too" || fail "its monitor $WEB_MON is still there" "the chain must end when pid 1 does: ns-unshare --fork waits for it, cg-limit for ns-unshare"

engine run -d stubborn sleep 600 > /dev/null 2> "$LAB_TMP/run-stubborn.err"
S=$(pid_of stubborn)
if [ -n "$S" ] && alive "$S" && S_MON=$(cat "$STATE/stubborn/monitor.pid"); then
  t0=$(date +%s.%N)
  engine stop -t 1 stubborn > /dev/null 2>&1
  t1=$(date +%s.%N)
  took=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  if gone "$S"; then
    pass "stop -t 1 stubborn: sleep as pid 1 ignores SIGTERM, yet it is gone after $took s"
    [ "$(cat "$STATE/stubborn/exit" 2>/dev/null)" = 137 ] && pass "exit status 137 recorded (128 + SIGKILL)" || fail "exit status '$(cat "$STATE/stubborn/exit" 2>/dev/null)', want 137" "SIGKILL after the grace period"
    awk -v t="$took" 'BEGIN { exit !(t >= 0.9) }' && pass "it waited the grace period first (SIGTERM, 1 s, SIGKILL)" || fail "it was killed after only $took s" "SIGTERM first; SIGKILL only if it is still there after SECS"
  else
    fail "stop -t 1 stubborn: pid $S (sleep, which has no SIGTERM handler) is still there" "pid 1 of a pid namespace gets only the signals it handles — except SIGKILL from outside: after SECS, kill -KILL"
    kill_tree "$S_MON"   # so that rm can be checked
  fi
else fail "run -d stubborn sleep 600 did not start" "$(grep -m1 engine: "$LAB_TMP/run-stubborn.err")"; fi

step "6. rm: nothing left"
for n in web job stubborn; do
  [ -d "$STATE/$n" ] || continue
  engine rm "$n" > /dev/null 2> "$LAB_TMP/rm-$n.err" || fail "rm $n: status $?: $(head -1 "$LAB_TMP/rm-$n.err")" "engine TODO step 5"
done
m=$(awk -v d="$STATE/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo)
[ -z "$m" ] && pass "no mount under $STATE in the host's mountinfo" || fail "still mounted: $(echo $m)" "ovl-mount --unmount ROOTFS, before deleting anything"
[ -z "$(in_ns mnt "$WEB_NS_MNT")" ] && pass "no process holds web's mount namespace $WEB_NS_MNT" || fail "processes in web's mount namespace: $(in_ns mnt "$WEB_NS_MNT" | tr '\n' ' ')" "a process that joined the container (exec) keeps its namespaces alive: is one still running?"
c=$(cg_left 'ctrkit-lab-14-*')
[ -z "$c" ] && pass "no cgroup ctrkit-lab-14-* in any hierarchy" || fail "cgroups left: $(echo $c)" "cg-limit --remove NAME --force when one is left"
left=$(ls -A "$STATE" 2>/dev/null)
[ -d "$STATE" ] && [ -z "$left" ] && pass "no state left: $STATE is empty" || fail "state left in $STATE: $(echo $left)" "rm -rf the container's directory, last"
[ -z "$(pids_by_comm lab14-ticker)" ] && pass "no lab14-ticker process anywhere" || fail "lab14-ticker processes: $(pids_by_comm lab14-ticker | tr '\n' ' ')" "a container not stopped? engine ps"
ps_out=$(engine ps 2>&1)
[ "$(echo "$ps_out" | wc -l)" = 1 ] && pass "ps shows only its header" || fail "ps still shows: $(echo "$ps_out" | sed 1d | tr '\n' ' ')" "ps lists the directories under \$STATE: rm removes the container's"
check_result
