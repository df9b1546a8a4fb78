# labs/lib.sh — helpers shared by every lab's setup, check and cleanup (sourced, never run).
#
# What is here, and why:
#   pass / fail / hint    one line per checked fact; a failure carries the next thing to look at
#   kernel-truth readers  ns inodes from /proc/PID/ns, State/NSpid from /proc/PID/status,
#                         mounts from /proc/PID/mountinfo, cgroup dirs from /proc/PID/cgroup
#   wait_until            bounded polling (never a bare sleep that races)
#   track / stop_tracked  every background process a lab starts is recorded by pid, so the
#                         lab (and only the lab) can stop it — nothing is killed by name
#   leak audit            what our labs may leave behind, snapshotted before and after
#
# Conventions: a lab's scratch space is /tmp/ctrkit-lab-NN; cgroups, mounts and processes it
# makes carry "ctrkit-lab" or "labNN-" in their names, so the audit can find them.

LABS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$LABS_DIR/.." && pwd)
export PATH="$REPO_DIR/target/bin:$PATH"

if [ -t 1 ]; then C_OK=$'\e[32m' C_BAD=$'\e[31m' C_DIM=$'\e[2m' C_OFF=$'\e[0m'
else C_OK='' C_BAD='' C_DIM='' C_OFF=''; fi

CHECK_PASSED=0
CHECK_FAILED=0

# pass TEXT — a fact the check confirmed in the kernel.
pass() { CHECK_PASSED=$((CHECK_PASSED + 1)); echo "  ${C_OK}PASS${C_OFF} $*"; }
# fail TEXT [HINT] — a fact that does not hold, and what to look at next.
fail() {
  CHECK_FAILED=$((CHECK_FAILED + 1))
  echo "  ${C_BAD}FAIL${C_OFF} $1"
  [ -n "${2:-}" ] && echo "       hint: $2"
  return 0
}
# expect DESCRIPTION HINT COMMAND… — pass if COMMAND succeeds, else fail with HINT.
expect() { local d=$1 h=$2; shift 2; if "$@"; then pass "$d"; else fail "$d" "$h"; fi; }
# step TEXT — a heading in the check's output.
step() { echo "${C_DIM}-- $*${C_OFF}"; }
# check_result — the check's exit status: 0 only when nothing failed.
check_result() {
  echo "  result: $CHECK_PASSED passed, $CHECK_FAILED failed"
  [ "$CHECK_FAILED" -eq 0 ]
}
say() { echo "${C_DIM}# $*${C_OFF}" >&2; }

# ---- bounded waiting ----------------------------------------------------------------------

# wait_until SECONDS COMMAND… — poll COMMAND every 50 ms until it succeeds or time is up.
# COMMAND is eval'ed each time: quote a $(…) in it ('test -n "$(children_of $w)"') so it is
# run at every try, not once before the first.
wait_until() {
  local limit=$1; shift
  local tries=$((limit * 20))
  while [ "$tries" -gt 0 ]; do
    eval "$*" && return 0
    sleep 0.05
    tries=$((tries - 1))
  done
  return 1
}
alive() { [ -d "/proc/$1" ] && ! is_zombie "$1"; }
gone() { ! alive "$1"; }

# ---- processes this lab started -----------------------------------------------------------

# track PID — remember a background process we started (in $LAB_TMP/pids).
track() { echo "$1" >> "$LAB_TMP/pids"; }
# stop_tracked — stop every tracked process: SIGTERM, a bounded wait, then SIGKILL from the
# bottom up (see kill_tree), and reap our own children. Only pids recorded by track are touched.
stop_tracked() {
  [ -f "$LAB_TMP/pids" ] || return 0
  local pid pids
  pids=$(grep -E '^[0-9]+$' "$LAB_TMP/pids" | awk '$1 > 1')   # never pid 0 or 1
  for pid in $pids; do alive "$pid" && kill -TERM "$pid" 2>/dev/null; done
  for pid in $pids; do
    wait_until 3 gone "$pid" || kill_tree "$pid"
    wait_until 5 gone "$pid" || echo "warning: pid $pid did not stop" >&2
  done
  wait 2>/dev/null
  rm -f "$LAB_TMP/pids"
}
# descendants PID — PID's descendants, parents before children
descendants() { local c; for c in $(children_of "$1"); do echo "$c"; descendants "$c"; done; }
# kill_tree PID — SIGKILL PID and everything below it, so that every process is reaped by a
# living parent (this host's pid 1 may not reap orphans): first the init of any pid namespace
# below PID (the kernel then kills and reaps its whole namespace), then the rest deepest first.
kill_tree() {
  local p list
  for p in $(descendants "$1"); do
    case $(status_field "$p" NSpid) in *[[:space:]]1) kill -KILL "$p" 2>/dev/null; wait_until 5 gone "$p";; esac
  done
  wait_until 5 gone "$1" && return 0   # the wrappers above it saw their child die and exited
  list=$(descendants "$1" | tac)
  for p in $list "$1"; do kill -KILL "$p" 2>/dev/null; wait_until 5 gone "$p"; done
  return 0
}

# ---- kernel truth: processes --------------------------------------------------------------

# ns_of PID KIND — the namespace inode, e.g. uts:[4026531838]
ns_of() { readlink "/proc/$1/ns/$2" 2>/dev/null; }
# status_field PID FIELD — a line of /proc/PID/status, e.g. "State", "NSpid", "PPid"
status_field() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" 2>/dev/null; }
is_zombie() { [ "$(status_field "$1" State | cut -c1)" = Z ]; }
# children_of PID — its direct children (pids), from /proc/PID/task/*/children
children_of() { cat /proc/"$1"/task/*/children 2>/dev/null | tr ' ' '\n' | sed '/^$/d'; }
# pids_by_comm NAME — every process whose comm is NAME (zombies too)
pids_by_comm() {
  local f
  for f in /proc/[0-9]*/comm; do
    [ "$(cat "$f" 2>/dev/null)" = "$1" ] && { f=${f#/proc/}; echo "${f%/comm}"; }
  done
  return 0
}
# pids_in_pidns NSLINK — processes whose pid namespace is NSLINK (e.g. pid:[4026532…])
pids_in_pidns() {
  local d
  for d in /proc/[0-9]*; do
    [ "$(readlink "$d/ns/pid" 2>/dev/null)" = "$1" ] && echo "${d#/proc/}"
  done
  return 0
}

# ---- kernel truth: cgroups ----------------------------------------------------------------

# cg_mode — unified (pure v2), hybrid (v1 controllers + an empty v2 tree), or legacy (v1 only):
# statfs(2) of /sys/fs/cgroup says cgroup2fs on a v2 host, tmpfs (holding one mount per v1
# hierarchy) otherwise; a hybrid host also has a cgroup2fs at /sys/fs/cgroup/unified.
#
# For testing the v2 branches on a hybrid host: LAB_CG_MODE=unified LAB_CG_V2=/sys/fs/cgroup/unified
# makes the readers below take the v2 paths into the real (controller-less) v2 tree there.
LAB_CG_V2=${LAB_CG_V2:-/sys/fs/cgroup}   # where the v2 tree is mounted on a unified host
cg_mode() {
  if [ -n "${LAB_CG_MODE:-}" ]; then echo "$LAB_CG_MODE"
  elif [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then echo unified
  elif [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then echo hybrid
  else echo legacy; fi
}
# cg_dir_of PID CONTROLLER — the directory of PID's cgroup that holds CONTROLLER's files.
# On v2 every controller lives in the one tree; on v1/hybrid each controller has its own
# hierarchy, found by the controller's name in the mount options (e.g. "cpu,cpuacct").
cg_dir_of() {
  local pid=$1 ctrl=$2 mnt rel
  if [ "$(cg_mode)" = unified ]; then
    rel=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
    echo "$LAB_CG_V2${rel%/}"; return
  fi
  mnt=$(awk -v c="$ctrl" '$0 ~ / - cgroup / { n=split($NF, o, ","); for (i=1;i<=n;i++) if (o[i]==c) { print $5; exit } }' /proc/self/mountinfo)
  rel=$(awk -F: -v c="$ctrl" '{ n=split($2, o, ","); for (i=1;i<=n;i++) if (o[i]==c) { print $3; exit } }' "/proc/$pid/cgroup")
  [ -n "$mnt" ] && echo "$mnt${rel%/}"
}
# cg_file PID CONTROLLER V1FILE V2FILE — the path of one control file, v1 or v2 name.
cg_file() {
  local dir; dir=$(cg_dir_of "$1" "$2") || return 1
  if [ "$(cg_mode)" = unified ]; then echo "$dir/$4"; else echo "$dir/$3"; fi
}
# cg_line PID CONTROLLER — PID's line of /proc/PID/cgroup for CONTROLLER: the v1 hierarchy's
# ("8:pids:/ctrkit-lab-13"), or on v2 the one line there is ("0::/ctrkit-lab-13")
cg_line() {
  if [ "$(cg_mode)" = unified ]; then grep '^0::' "/proc/$1/cgroup"
  else awk -F: -v c="$2" '{ n=split($2, o, ","); for (i=1;i<=n;i++) if (o[i]==c) { print; exit } }' "/proc/$1/cgroup"; fi
}
# cg_named CONTROLLER NAME — where cg-limit --name NAME (run from this shell) makes its cgroup
cg_named() { local d; d=$(cg_dir_of $$ "$1") && echo "${d%/}/$2"; }
# kv FILE KEY — the value of "KEY value" in a flat-keyed file (cpu.stat, memory.events …)
kv() { awk -v k="$2" '$1 == k { print $2; exit }' "$1" 2>/dev/null; }

# ---- comparing snapshots ------------------------------------------------------------------

# added_lines BEFORE AFTER — the lines of AFTER that are not in BEFORE (comm -13 of the two,
# without process substitution: a <(…) inside $(…) is a child that the $(…) subshell leaves
# unreaped when it exits — an orphan, and a zombie wherever pid 1 does not reap)
added_lines() { printf '%s\n' "$2" | grep -vxF -e "$1" | sed '/^$/d'; return 0; }

# ---- mounts -------------------------------------------------------------------------------

# mounted_at PATH [PID] — the mountinfo line of the mount at PATH, seen from PID's namespace
mounted_at() { awk -v p="$1" '$5 == p' "/proc/${2:-self}/mountinfo"; }
# umount_under DIR — unmount everything at or below DIR, deepest first (umount -R by hand)
umount_under() {
  local dir=$1 m
  for m in $(awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
  done
}

# ---- the leak audit -----------------------------------------------------------------------
#
# Everything a lab may create carries our names; list what exists now. Run before a lab and
# after its cleanup: any line in "after" that was not in "before" is a leak.
leak_snapshot() {
  {
    awk '$5 ~ /ctrkit-lab/ { print "mount " $5 }' /proc/self/mountinfo
    find /sys/fs/cgroup -mindepth 1 -maxdepth 8 -type d -name 'ctrkit-lab*' 2>/dev/null | sed 's/^/cgroup /'
    ls /run/netns 2>/dev/null | grep ctrkit-lab | sed 's/^/netns /'
    ip -o link show 2>/dev/null | awk -F': ' '$2 ~ /^(ctrkit-lab|cl[0-9])/ { print "link " $2 }'
    ls -d /tmp/ctrkit-lab* 2>/dev/null | sed 's/^/tempdir /'
    local f c
    for f in /proc/[0-9]*/comm; do
      c=$(cat "$f" 2>/dev/null) || continue
      case $c in lab[0-9][0-9]-*) f=${f#/proc/}; echo "process ${f%/comm} $c";; esac
    done
  } | sort
}

# Networking labs (09, 10): remove every container of the lab's ctrkit world with ctrkit itself,
# inside the lab's host namespace HOSTNS (rm -f stops it, gives back its address and ports; its
# veth pair goes with its namespace); stop a monitor whose record could not be removed by the pid
# it recorded; then delete every network namespace named HOSTNS* (bridges and veths go with them).
clean_lab_host() {
  local hostns=$1 ids s p ns
  if [ -e "/run/netns/$hostns" ] && [ -d "$LAB_TMP/state" ]; then
    ids=$(nsenter --net="/run/netns/$hostns" -- env -u CTRKIT_NETWORK CTRKIT_ROOT="$LAB_TMP/root" \
      CTRKIT_STATE="$LAB_TMP/state" ctrkit ps -aq --no-trunc 2>/dev/null)
    [ -n "$ids" ] && nsenter --net="/run/netns/$hostns" -- env -u CTRKIT_NETWORK CTRKIT_ROOT="$LAB_TMP/root" \
      CTRKIT_STATE="$LAB_TMP/state" ctrkit rm -f $ids > /dev/null 2>&1
  fi
  for s in "$LAB_TMP"/state/containers/*/state.json; do
    [ -f "$s" ] || continue
    p=$(sed -n 's/.*"monitor_pid": *\([0-9]*\).*/\1/p' "$s" | head -1)
    [ -n "$p" ] && [ "$p" -gt 1 ] && alive "$p" && tr '\0' ' ' < "/proc/$p/cmdline" | grep -q ctr && kill_tree "$p"
  done
  [ -d "$LAB_TMP" ] && stop_tracked
  for ns in $(ls /run/netns 2>/dev/null | grep "^$hostns"); do ip netns del "$ns"; done
  return 0
}
