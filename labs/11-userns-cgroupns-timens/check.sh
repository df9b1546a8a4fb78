#!/usr/bin/env bash
# Lab 11 check: starts your four containers and reads both sides — from the host
# /proc/PID/status (Uid/Gid), uid_map, gid_map, setgroups, cgroup, timens_offsets, ns/* and the
# owner of a file made inside; from inside what each container printed of its own /proc.
source "$(dirname "$0")/../lib.sh"
source "$LAB_WORK"
trap stop_tracked EXIT

# launch NAME — start_NAME (in this shell, so that it is our child and we reap it), wait until
# the container reached lab11-sleep; its host pid in $p
launch() {
  local s=$1 w
  "start_$s" 2> "$LAB_TMP/$s.explain"
  w=$(cat "$LAB_TMP/$s.pid"); track "$w"
  wait_until 5 "grep -q '^uptime:' '$LAB_TMP/$s.out' && test \"\$(pid_of_$s $w)\" || gone $w"
  p=$(pid_of_"$s" "$w")
  if [ -n "$p" ] && alive "$p"; then return 0; fi
  fail "$s: the container never started" "./labs/run.sh try 11 shows ns-unshare's error: $(grep -m1 -E '^(ns-unshare|cg-limit|setpriv):' "$LAB_TMP/$s.explain")"
  return 1
}
sleeper() { [ "$(cat /proc/$1/comm 2>/dev/null)" = lab11-sleep ] && echo "$1"; }
pid_of_mapped() { sleeper "$1"; }
pid_of_rootless() { sleeper "$1"; }
pid_of_timens() { sleeper "$1"; }
pid_of_cgns() { local c; for c in $(children_of "$1"); do sleeper "$c"; done; }
inside() { sed -n "$2p" "$LAB_TMP/$1.out"; }          # inside NAME LINE — what it printed
ids() { status_field "$1" "$2" | tr -s '\t ' ' '; }   # ids PID Uid — "real effective saved fs"
map() { tr -s ' ' < "$1" | sed 's/^ //'; }            # map FILE — "0 100000 65536"

step "1. uid 0 inside is host uid 100000"
if launch mapped; then
  [ "$(ids "$p" Uid)" = "100000 100000 100000 100000" ] && pass "host /proc/$p/status: Uid 100000 (real, effective, saved, fs)" \
    || fail "host /proc/$p/status says Uid '$(ids "$p" Uid)', want 100000 ×4" "the map gives ids inside a meaning; the process still has to BECOME uid 0 of the namespace (-S/--setuid, -G/--setgid)"
  [ "$(ids "$p" Gid)" = "100000 100000 100000 100000" ] && pass "host /proc/$p/status: Gid 100000" \
    || fail "host /proc/$p/status says Gid '$(ids "$p" Gid)'" "--map-groups, and -G 0"
  [ "$(map /proc/$p/uid_map)" = "0 100000 65536" ] && [ "$(map /proc/$p/gid_map)" = "0 100000 65536" ] \
    && pass "uid_map and gid_map (read from the host): 0 100000 65536" \
    || fail "uid_map '$(map /proc/$p/uid_map)', gid_map '$(map /proc/$p/gid_map)'" "--map-users INSIDE:OUTSIDE:COUNT and --map-groups the same"
  [ "$(inside mapped 1) $(inside mapped 2)" = "0 0" ] && pass "inside, id -u and id -g print 0 0" \
    || fail "inside, id -u / id -g printed '$(inside mapped 1) $(inside mapped 2)'" "65534 inside means an id with no mapping (the overflow id): become 0 with -S 0 -G 0"
  [ "$(ns_of $$ user)" != "$(ns_of "$p" user)" ] && pass "user namespace differs: $(ns_of "$p" user)" || fail "same user namespace as the host" "-U / --user"
  o=$(stat -c '%u:%g' "$SHARED/made-inside" 2>/dev/null)
  [ "$o" = 100000:100000 ] && pass "the file root made inside is owned by host 100000:100000 (stat)" \
    || fail "shared/made-inside is '${o:-missing}', want 100000:100000" "root inside writes files as the host uid it maps to"
  [ ! -e "$LAB_TMP/root-owned" ] && pass "root inside could not write into the host root's $LAB_TMP" \
    || fail "root inside created $LAB_TMP/root-owned: it is still host root" "without -S 0 the process keeps host uid 0 (unmapped inside): setuid into the namespace"
fi

step "2. rootless: host user nobody maps itself to root"
if launch rootless; then
  [ "$(ids "$p" Uid)" = "65534 65534 65534 65534" ] && pass "host /proc/$p/status: Uid 65534 — an unprivileged host user" \
    || fail "host Uid '$(ids "$p" Uid)'" "start_rootless is provided (setpriv --reuid 65534); did you change it?"
  [ "$(map /proc/$p/uid_map)" = "0 65534 1" ] && [ "$(map /proc/$p/gid_map)" = "0 65534 1" ] \
    && pass "uid_map and gid_map: 0 65534 1 (one id: its own)" \
    || fail "uid_map '$(map /proc/$p/uid_map)', gid_map '$(map /proc/$p/gid_map)'" "without privilege only your own id can be mapped, count 1: -r / --map-root-user"
  [ "$(cat /proc/$p/setgroups)" = deny ] && pass "/proc/$p/setgroups: deny (written before gid_map)" \
    || fail "/proc/$p/setgroups: '$(cat /proc/$p/setgroups 2>/dev/null)'" "an unprivileged writer of gid_map must first write deny to setgroups (user_namespaces(7)); -r does it"
  [ "$(inside rootless 1)" = 0 ] && pass "inside, id -u prints 0" || fail "inside, id -u printed '$(inside rootless 1)'" "-r maps your uid to 0 and you are it"
fi

step "3. cgroup namespace"
if launch cgns; then
  host_view=$(grep -E '^[0-9]+:pids:|^0::' /proc/$p/cgroup | grep ctrkit-lab-11-box | head -1)
  [ -n "$host_view" ] && pass "from the host, /proc/$p/cgroup shows the real place: $host_view" \
    || fail "the container is not in ctrkit-lab-11-box (host view)" "start_cgns is provided: cg-limit --name ctrkit-lab-11-box"
  [ "$(ns_of $$ cgroup)" != "$(ns_of "$p" cgroup)" ] && pass "cgroup namespace differs: $(ns_of "$p" cgroup)" || fail "same cgroup namespace as the host" "-C / --cgroup"
  view=$(sed -n '/^cgroup:$/,/^uptime:/p' "$LAB_TMP/cgns.out" | sed '1d;$d')
  echo "$view" | grep -qx '0::/' && pass "inside, /proc/self/cgroup has 0::/" || fail "inside, no '0::/' line: $(echo "$view" | grep '^0::')" "with a new cgroup namespace the cgroup you are in becomes /"
  bad=$(echo "$view" | grep -v ':/$')
  [ -n "$view" ] && [ -z "$bad" ] && pass "inside, every line of /proc/self/cgroup ends in :/ ($(echo "$view" | wc -l) lines)" \
    || fail "inside, lines not at /: $(echo "$bad" | tr '\n' ' ')" "unshare(CLONE_NEWCGROUP) roots every hierarchy at the caller's cgroups"
fi

step "4. time namespace"
h0=$(cut -d' ' -f1 /proc/uptime)
if launch timens; then
  h1=$(cut -d' ' -f1 /proc/uptime)
  grep -Eq '^boottime +86400 +0$' /proc/$p/timens_offsets && pass "host /proc/$p/timens_offsets: boottime 86400 0" \
    || fail "timens_offsets: $(tr -s ' \n' '  ' < /proc/$p/timens_offsets)" "--boottime SECS (it implies -T)"
  [ "$(ns_of $$ time)" != "$(ns_of "$p" time)" ] && pass "time namespace differs: $(ns_of "$p" time)" || fail "same time namespace as the host" "-T / --time"
  u=$(sed -n 's/^uptime: \([0-9.]*\).*/\1/p' "$LAB_TMP/timens.out")
  if awk -v u="${u:-0}" -v a="$h0" -v b="$h1" 'BEGIN { exit !(u >= a + 86400 - 1 && u <= b + 86400 + 1) }'; then
    pass "inside, /proc/uptime said $u: the host's ($h0…$h1) plus a day"
  else fail "inside, /proc/uptime said '${u}', the host's was $h0…$h1" "the boottime offset is what /proc/uptime reads; 86400 seconds"; fi
  grep -Eq '^monotonic +0 +0$' /proc/$p/timens_offsets && pass "monotonic offset left at 0 (only CLOCK_BOOTTIME moved)" \
    || fail "the monotonic clock moved too" "only --boottime"
fi

stop_tracked
[ -z "$(pids_by_comm lab11-sleep)" ] && pass "no lab11-sleep left" || fail "lab11-sleep processes remain" "stop them: kill \$(cat $LAB_TMP/*.pid)"
check_result
