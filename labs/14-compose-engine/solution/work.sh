#!/usr/bin/env bash
# Lab 14 — compose the engine. SOLUTION: keep this apart from your own work.sh.
#
# A container engine made of ctrkit's small tools, glued by pipes and chain-loading:
#
#   work.sh run -d NAME COMMAND [ARGS…]   start a container in the background; print NAME
#   work.sh ps                            one line per container: NAME STATUS PID COMMAND
#   work.sh logs NAME                     what it printed (stdout and stderr, in order)
#   work.sh exec NAME COMMAND [ARGS…]     run COMMAND inside it: its namespaces and cgroups
#   work.sh stop [-t SECS] NAME           SIGTERM its pid 1; SIGKILL after SECS (default 10)
#   work.sh rm NAME                       remove a container that has ended: mount, cgroup, state
#   work.sh                               no arguments: a demo of all of the above
#
# State, one directory per container ($STATE/NAME/):
#   command       the command, as given          upper/ work/  the overlay's writable layer
#   rootfs/       where the overlay is mounted   log           its stdout and stderr
#   monitor.pid   the subshell that waits for it and writes `exit`
#   pid, start    its pid 1 as the host sees it, and that process's start time
#                 (/proc/PID/stat field 22): a pid is signalled only if both still match
#   exit          its exit status (128+N: killed by signal N), written when it ended
set -uo pipefail
LAB_TMP=${LAB_TMP:-/tmp/ctrkit-lab-14}
IMAGE=${IMAGE:-$LAB_TMP/image.tar}    # the image archive to run (setup.sh made lab14:1)
STORE=${STORE:-$LAB_TMP/store}        # img-unpack's layer store
STATE=${STATE:-$LAB_TMP/state}        # one directory per container
PREFIX=${PREFIX:-ctrkit-lab-14}       # each container's cgroup is PREFIX-NAME
MEMORY=64M                            # the limits every container gets
PIDS=64
CONTAINER_PATH=/usr/sbin:/usr/bin:/sbin:/bin

die() { echo "engine: $*" >&2; exit 125; }

# ---- provided: reading the kernel -----------------------------------------------------------

# start_time PID — field 22 of /proc/PID/stat (after "pid (comm) ", comm may hold spaces)
start_time() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; s=${s##*) }; set -- $s; echo "${20}"; }
# alive PID — it exists and is not a zombie
alive() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; s=${s##*) }; [ "${s:0:1}" != Z ]; }
# running NAME — its recorded pid 1 is alive and is still the same process
running() {
  local d=$STATE/$1 pid
  pid=$(cat "$d/pid" 2>/dev/null) && [ -n "$pid" ] && alive "$pid" &&
    [ "$(start_time "$pid")" = "$(cat "$d/start" 2>/dev/null)" ]
}
# init_below PID — the first descendant of PID that is pid 1 of its pid namespace
# (/proc/P/status "NSpid: <host pid> 1"), breadth first
init_below() {
  local queue p
  queue=$(cat /proc/"$1"/task/*/children 2>/dev/null)
  while [ -n "${queue// /}" ]; do
    set -- $queue; p=$1; shift; queue="$*"
    grep -qE '^NSpid:.*[[:space:]]1$' "/proc/$p/status" 2>/dev/null && { echo "$p"; return 0; }
    queue="$queue $(cat /proc/"$p"/task/*/children 2>/dev/null)"
  done
  return 1
}
# wait_for SECONDS COMMAND… — poll COMMAND every 50 ms until it succeeds or time is up
wait_for() {
  local n=$(($1 * 20)); shift
  while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.05; n=$((n - 1)); done
  return 1
}
not() { ! "$@"; }
rooted_at() { [ "$(readlink "/proc/$1/root")" = "$2" ]; }

# ---- the verbs --------------------------------------------------------------------------------

cmd_run() {
  [ "${1:-}" = -d ] || die "usage: run -d NAME COMMAND [ARGS…] (only detached runs)"
  local name=${2:-}; shift 2 || true
  [[ $name =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,40}$ ]] || die "bad name '$name': letters, digits, _ . - (up to 41)"
  [ $# -ge 1 ] || die "run -d $name: no command"
  local dir=$STATE/$name
  mkdir -p "$STATE" && mkdir "$dir" 2>/dev/null || die "the name $name is in use (engine rm $name)"
  echo "$*" > "$dir/command"

  # Step 1 — the root file system: the image's layers, verified into the store, stacked under a
  # writable upper of this container's own. img-unpack's JSON lists the layer directories,
  # bottom first; ovl-mount reads it on stdin.
  if ! img-unpack --store "$STORE" --json "$IMAGE" |
       ovl-mount --upper "$dir/upper" --work "$dir/work" "$dir/rootfs" > /dev/null; then
    rm -rf "$dir"; die "run $name: could not mount the image's layers (see above)"
  fi
  # provided: the one device node nearly every program opens, /dev/null (char 1:3), made in
  # the container's upper layer (docker mounts a tmpfs at /dev with a dozen such nodes)
  mknod -m 0666 "$dir/rootfs/dev/null" c 1 3 2>/dev/null || die "run $name: no image at $dir/rootfs (step 1; engine rm $name)"

  # Step 2 — the container, detached. The subshell is its monitor: it waits for the chain and
  # records the exit status. The chain: a cgroup with the limits (cg-limit) → new mount, UTS,
  # IPC, net and pid namespaces, pid 1 forked, a proc of that pid namespace mounted at
  # ROOTFS/proc (ns-unshare) → a clean environment (env -i) → chroot into ROOTFS → COMMAND.
  # Every tool execs the next (or forks once and waits), so COMMAND runs under all of them.
  # setsid: a session of its own, so the terminal's ^C and hang-up do not reach it.
  (
    exec < /dev/null > "$dir/log" 2>&1
    setsid cg-limit --name "$PREFIX-$name" --memory "$MEMORY" --pids "$PIDS" -- \
      ns-unshare --mount --uts --ipc --net --pid --fork --kill-child --hostname "$name" \
        --mount-proc="$dir/rootfs/proc" -- \
      env -i PATH="$CONTAINER_PATH" HOME=/ chroot "$dir/rootfs" "$@"
    echo $? > "$dir/exit"
  ) &
  echo $! > "$dir/monitor.pid"

  # provided: find its pid 1 (a descendant of the monitor) and record it with its start time;
  # wait until it runs in its new root (chroot done). A command that ends at once is fine: the
  # monitor has written `exit` by then.
  local mon=$! pid="" n
  for n in $(seq 100); do
    pid=$(init_below "$mon") && break
    [ -f "$dir/exit" ] && break
    sleep 0.05
  done
  if [ -n "$pid" ]; then
    echo "$pid" > "$dir/pid"; start_time "$pid" > "$dir/start"
    wait_for 5 rooted_at "$pid" "$dir/rootfs" || ! running "$name" || die "$name: pid $pid never entered $dir/rootfs"
  elif [ ! -f "$dir/exit" ]; then
    echo "engine: $name did not start; the end of engine logs $name:" >&2; tail -n 5 "$dir/log" >&2; exit 125
  fi
  echo "$name"
}

cmd_ps() {
  local d name status pid
  printf '%-16s %-12s %-8s %s\n' NAME STATUS PID COMMAND
  for d in "$STATE"/*/; do
    [ -d "$d" ] || continue
    name=$(basename "$d"); pid=$(cat "$d/pid" 2>/dev/null)
    if running "$name"; then status=running
    elif [ -f "$d/exit" ]; then status="exited($(cat "$d/exit"))"; pid=-
    else status=unknown; fi
    printf '%-16s %-12s %-8s %s\n' "$name" "$status" "${pid:--}" "$(cat "$d/command" 2>/dev/null)"
  done
}

cmd_logs() {
  [ -f "$STATE/${1:-}/log" ] || die "no container '${1:-}'"
  cat "$STATE/$1/log"
}

# Step 3 — exec: a command inside the running container NAME — all of its namespaces, its
# cgroups and its root (lab 13).
cmd_exec() {
  local name=${1:-}; shift || true
  running "$name" || die "$name is not running"
  ctr-enter -t "$(cat "$STATE/$name/pid")" -a -- "$@"
}

# Step 4 — stop: ask pid 1 to end (SIGTERM), and if it is still there after SECS, SIGKILL it
# (pid 1 of a pid namespace gets only the signals it has a handler for; SIGKILL from the host
# always arrives). Then wait for the monitor: cg-limit removes the cgroup, `exit` is written.
cmd_stop() {
  local secs=10
  [ "${1:-}" = -t ] && { secs=$2; shift 2; }
  local name=${1:-} dir=$STATE/${1:-}
  [ -n "$name" ] && [ -d "$dir" ] || die "no container '$name'"
  if running "$name"; then
    local pid; pid=$(cat "$dir/pid")
    kill -TERM "$pid"
    wait_for "$secs" not alive "$pid" || kill -KILL "$pid"
  fi
  wait_for 10 not alive "$(cat "$dir/monitor.pid" 2>/dev/null || echo 0)" || die "$name: its monitor did not end"
  echo "$name"
}

# Step 5 — rm: only a container that has ended. Unmount its overlay (before deleting anything:
# rm -rf on a mounted overlay deletes through it), remove its cgroup if one is left (cg-limit
# removes it when the container ends — unless cg-limit itself was killed), delete its state.
cmd_rm() {
  local name=${1:-} dir=$STATE/${1:-}
  [ -n "$name" ] && [ -d "$dir" ] || die "no container '$name'"
  running "$name" && die "$name is running: engine stop $name first"
  alive "$(cat "$dir/monitor.pid" 2>/dev/null || echo 0)" && die "$name is still stopping"
  if grep -q " $dir/rootfs " /proc/self/mountinfo; then
    ovl-mount --unmount "$dir/rootfs" || die "rm $name: could not unmount $dir/rootfs"
  fi
  if cg-limit --show "$PREFIX-$name" > /dev/null 2>&1; then
    cg-limit --remove "$PREFIX-$name" --force || die "rm $name: could not remove cgroup $PREFIX-$name"
  fi
  rm -rf "$dir"
  echo "$name"
}

# ---- provided: the demo (no arguments), and the verbs -------------------------------------
demo() {
  local me=$0
  [ -f "$IMAGE" ] || die "no image at $IMAGE: ./labs/run.sh try 14 sets it up"
  set -x
  bash "$me" run -d web lab14-ticker || return 1
  bash "$me" run -d job sh -c 'echo job ran as pid $$ on $(hostname); exit 3'
  sleep 2
  bash "$me" ps
  bash "$me" logs web
  bash "$me" exec web sh -c 'hostname; cat /proc/self/cgroup | grep -E "memory|pids|^0::"; ps'
  bash "$me" stop web
  bash "$me" ps
  bash "$me" logs job
  bash "$me" rm web; bash "$me" rm job
  bash "$me" ps
}

case ${1:-} in
  run | ps | logs | exec | stop | rm) verb=$1; shift; "cmd_$verb" "$@" ;;
  "")  # the demo runs under labs/reaper.py: detached monitors need a parent that reaps them
       if [ -z "${LAB_REAPER:-}" ]; then exec python3 "${LAB_DIR:?run me with ./labs/run.sh try 14}/../reaper.py" bash "$0"; fi
       demo ;;
  *) die "usage: work.sh run -d NAME COMMAND… | ps | logs NAME | exec NAME COMMAND… | stop [-t SECS] NAME | rm NAME" ;;
esac
