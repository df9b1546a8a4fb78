#!/usr/bin/env bash
# Lab 01 check: statuses through the wrappers, signal forwarding, zombies — read from wait(2)
# statuses and /proc, never from what the script says about itself.
source "$(dirname "$0")/../lib.sh"
source "$LAB_WORK"
trap stop_tracked EXIT

step "1. exit statuses survive the wrappers"
for w in "ns-unshare --explain --fork" "cg-limit --explain"; do
  tool=${w%% *}
  exit_zero $w 2> "$LAB_TMP/explain"; rc=$?
  [ "$rc" = 0 ] && pass "$tool: exit_zero → 0" || fail "$tool: exit_zero → $rc, want 0" "exit_zero is provided; did you change it?"
  exit_three $w 2> "$LAB_TMP/explain"; rc=$?
  if [ "$rc" = 3 ]; then pass "$tool: exit_three → 3 (the child's exit(3), passed through)"
  else fail "$tool: exit_three → $rc, want 3" "$( [ "$rc" = 127 ] && echo '127 means the shell found no such command — the TODO is still there. ')a shell ends with the status you give its exit builtin"; fi
  grep -q 'execvp(' "$LAB_TMP/explain" && pass "$tool: --explain showed the execvp of your command" \
    || fail "$tool: no execvp( line in --explain output" "keep \"\$@\" -- before your command: the wrapper must run it"
  killed_by_kill $w 2> "$LAB_TMP/explain"; rc=$?
  if [ "$rc" = 137 ]; then pass "$tool: killed_by_kill → 137 (128 + SIGKILL: the wrapper re-raised the child's signal)"
  else fail "$tool: killed_by_kill → $rc, want 137" "a process killed by signal N shows as 128+N in a shell; SIGKILL is 9. A shell knows its own pid as \$\$ and kill(1) can take -KILL"; fi
done

step "2. SIGTERM sent to the wrapper reaches the child"
for w in "ns-unshare --explain --pid --fork" "cg-limit --explain -- ns-unshare --pid --fork"; do
  tool=${w%% *}
  start_sleeper $w 2>/dev/null
  wpid=$(cat "$LAB_TMP/wrapper.pid" 2>/dev/null); track "$wpid"
  if ! wait_until 10 test -s "$LAB_TMP/child.pid"; then fail "$tool: the sleeper never wrote child.pid" "start_sleeper's shell must start and record \$\$"; continue; fi
  kill -TERM "$wpid"
  if wait_until 5 test -s "$LAB_TMP/got-term"; then pass "$tool: the child ran its SIGTERM handler ($(cat "$LAB_TMP/got-term"))"
  else fail "$tool: SIGTERM to the wrapper (pid $wpid) left no trace in got-term" "the child needs a handler: the sh builtin trap runs a command when a signal arrives. Without one, a pid-1 child simply ignores SIGTERM (lab 02)"; fi
  if wait_until 5 gone "$wpid"; then wait "$wpid"; rc=$?; pass "$tool: the wrapper ended when its child did (status $rc)"
  else fail "$tool: the wrapper is still running 5 s after SIGTERM" "the child must exit after handling SIGTERM"; kill_tree "$wpid"; wait "$wpid" 2>/dev/null; fi
done

step "3. zombies: a child nobody waits for"
start_zombie_maker 2>/dev/null
zpid=$(cat "$LAB_TMP/zombie-maker.pid"); track "$zpid"
wait_until 10 'test -n "$(children_of $zpid)"'
parent=$(children_of "$zpid" | head -1)
truth() { local c; for c in $(children_of "$parent"); do is_zombie "$c" && echo "$c"; done; }
if wait_until 10 'test -n "$(truth)"'; then
  want=$(truth | sort); got=$(find_zombies "$parent" 2>/dev/null | sort)
  if [ -n "$got" ] && [ "$got" = "$want" ]; then pass "find_zombies $parent → $got: State Z in /proc/$got/status, PPid $parent"
  else fail "find_zombies $parent printed '${got}', the kernel says '$want'" "a process's children are listed in /proc/PID/task/*/children; a zombie's /proc/CHILD/status says State: Z"; fi
else fail "the zombie maker made no zombie" "start_zombie_maker is provided; did you change it?"; fi
kill -KILL "$parent" 2>/dev/null
wait_until 10 gone "$zpid"; wait "$zpid" 2>/dev/null
if [ -z "$(pids_by_comm lab01-true)$(pids_by_comm lab01-sleep)" ]; then
  pass "no zombies: once its pid namespace's init died, the kernel reaped the zombie; no lab01-* process is left"
else fail "lab01-* processes remain: $(pids_by_comm lab01-true) $(pids_by_comm lab01-sleep)" "every process you start must be waited for by its parent"; fi

check_result
