#!/usr/bin/env bash
# Lab 03 check: reads /proc/self/mountinfo (the host) and /proc/PID/mountinfo (each
# container): which mounts each side sees, and the propagation tags (shared:N, master:N).
source "$(dirname "$0")/../lib.sh"
source "$LAB_WORK"
trap stop_tracked EXIT
host_before=$(awk '{ print $5 }' /proc/self/mountinfo | sort)

start_a 2> "$LAB_TMP/explain-a"; a=$(cat "$LAB_TMP/a.pid"); track "$a"
start_b 2> "$LAB_TMP/explain-b"; b=$(cat "$LAB_TMP/b.pid"); track "$b"
wait_until 10 test -e "$LAB_TMP/a-ready" || fail "container A did not start: $(grep -m1 -E 'ns-unshare:|mount:|TODO' "$LAB_TMP/explain-a")" "./labs/run.sh try 03 shows the whole error"
wait_until 10 test -e "$LAB_TMP/b-ready" || fail "container B did not start: $(grep -m1 -E 'ns-unshare:|mount:|TODO' "$LAB_TMP/explain-b")" "./labs/run.sh try 03 shows the whole error; --propagation takes private, slave, shared or unchanged"
alive "$a" && alive "$b" || { check_result; exit; }

host_tag=$(mounted_at "$STAGE" | grep -o 'shared:[0-9]*')
step "1. the containers have mount namespaces of their own"
for x in a b; do p=$(cat "$LAB_TMP/$x.pid")
  [ "$(ns_of "$p" mnt)" != "$(ns_of $$ mnt)" ] && pass "${x^^}: mnt namespace $(ns_of "$p" mnt) (host $(ns_of $$ mnt))" || fail "${x^^} shares the host's mount namespace" "--mount"
done
grep -q 'MS_REC|MS_PRIVATE' "$LAB_TMP/explain-a" && pass "A: --explain showed mount(\"none\", \"/\", …, MS_REC|MS_PRIVATE): / made private" || fail "A did not make / private" "ns-unshare's default --propagation is private"

step "2. mounts made inside stay inside"
mounted_at "$STAGE/inside-a" "$a" | grep -q ' - tmpfs a-tmp ' && pass "A sees its tmpfs on stage/inside-a (/proc/$a/mountinfo)" || fail "no tmpfs a-tmp on stage/inside-a in A's mountinfo" "inside A: mount -t tmpfs NAME DIR"
mounted_at "$STAGE/inside-b" "$b" | grep -q ' - tmpfs b-tmp ' && pass "B sees its tmpfs on stage/inside-b (/proc/$b/mountinfo)" || fail "no tmpfs b-tmp on stage/inside-b in B's mountinfo" "inside B: mount -t tmpfs NAME DIR"
host_now=$(awk '{ print $5 }' /proc/self/mountinfo | sort)
leaked=$(added_lines "$host_before" "$host_now")
[ -z "$leaked" ] && pass "host mountinfo unchanged: no mount made inside A or B reached the host" \
  || fail "the host now has: $leaked" "a mount in a *shared* mount propagates to its peers — the host. slave receives but never sends"

step "3. propagation: the host mounts stage/from-host now"
mount -t tmpfs host-tmp "$STAGE/from-host"
wait_until 2 'test -n "$(mounted_at $STAGE/from-host $b)"'
tag_a=$(mounted_at "$STAGE" "$a" | awk '{ for (i=7; $i != "-"; i++) printf "%s ", $i }')
tag_b=$(mounted_at "$STAGE" "$b" | awk '{ for (i=7; $i != "-"; i++) printf "%s ", $i }')
echo "     host's stage: ${host_tag:-no tag}; A's: ${tag_a:-no tag (private)}; B's: ${tag_b:-no tag (private)}"
[ -z "$(mounted_at "$STAGE/from-host" "$a")" ] && pass "private A does not see the host's new mount" || fail "A sees the host's new mount" "A should keep the default (private) propagation"
if [ -n "$(mounted_at "$STAGE/from-host" "$b")" ]; then pass "B sees the host's new mount (its stage is ${tag_b% })"
else fail "B does not see the host's new mount (B's stage: ${tag_b:-no tag, private})" "mount_namespaces(7), 'Propagation types': which type receives events from the master but does not send them back?"; fi
case $tag_b in *master:*) pass "B's stage is a slave: master:${tag_b##*master:}is the host's ${host_tag} (a peer group id)";; esac
umount "$STAGE/from-host"

check_result
