#!/usr/bin/env bash
# Lab 04 check: the escape program is the probe — it escapes a chroot, and it must fail inside
# the pivoted container (run there with ctr-enter). The rest is read from /proc/C/mountinfo
# and stat of /proc/C/root/dev/null.
source "$(dirname "$0")/../lib.sh"
source "$LAB_WORK"
trap stop_tracked EXIT

step "1. chroot is not a jail"
out=$(escape_chroot 2>&1); rc=$?
[ "$rc" = 0 ] && [ "${out#ESCAPED}" != "$out" ] && pass "in a chroot, /bin/escape got out: $out" \
  || fail "escape_chroot: status $rc, '$out'" "chroot(8) takes the new root and the command to run in it: chroot DIR /bin/escape FILE"

step "2. pivot_root"
start_container 2> "$LAB_TMP/explain"
w=$(cat "$LAB_TMP/wrapper.pid"); track "$w"
wait_until 10 'test -n "$(children_of $w)" || gone $w'; c=$(children_of "$w" | head -1)
if [ -z "$c" ] || ! wait_until 10 'test -e /proc/$c/root/.ctrkit-lab-04-pivoted || gone $c'  || [ ! -e /proc/$c/root/.ctrkit-lab-04-pivoted ]; then
  fail "the container never reached 'touch /.ctrkit-lab-04-pivoted'" "the first failing command stops the script (set -e); its last words: $(grep -v '^\[' "$LAB_TMP/explain" | tail -n 2 | tr '\n' ' ')"
  check_result; exit
fi
root_line=$(mounted_at / "$c")
[ "$(echo "$root_line" | awk '{ print $4 }')" = "$ROOTFS" ] && pass "the container's / is the mount of $ROOTFS (mountinfo: root $ROOTFS at /)" \
  || fail "the container's / is not ROOTFS: $root_line" "pivot_root . old-root, from inside ROOTFS"
n_mounts=$(wc -l < "/proc/$c/mountinfo")
if ! awk '$5 ~ "^/old-root" { f=1 } END { exit !f }' "/proc/$c/mountinfo" && [ ! -e "/proc/$c/root/old-root" ] && [ "$n_mounts" -le 6 ]; then
  pass "old root gone: no /old-root mount or directory, $n_mounts mounts in all"
else fail "the old root is still there ($n_mounts mounts; /old-root $( [ -e /proc/$c/root/old-root ] && echo exists || echo removed))" "unmount /old-root (it has mounts under it: umount -l), then rmdir it"; fi
t=$(stat -c '%F %t:%T' "/proc/$c/root/dev/null" 2>/dev/null)
[ "$t" = "character special file 1:3" ] && pass "/dev/null is a character device 1:3" || fail "/dev/null is '${t:-missing}'" "mknod NAME c MAJOR MINOR (with -m 666)"
for m in /proc /sys /dev; do
  mounted_at "$m" "$c" | grep -q . && pass "$m is mounted ($(mounted_at "$m" "$c" | sed 's/.* - \([^ ]*\).*/\1/'))" || fail "$m is not mounted in the container" "mount -t proc/sysfs/tmpfs … before the pivot"
done
[ "$(cat "/proc/$c/root/proc/1/comm" 2>/dev/null)" = "$(cat "/proc/$c/comm")" ] && pass "the container's /proc shows its own pid namespace" || fail "the container's /proc is not its own" "mount proc from inside the new pid namespace"
out=$(ctr-enter -t "$c" -a -- /bin/escape "$MARKER" 2>&1); rc=$?
[ "$rc" = 1 ] && pass "the same escape inside the pivoted container fails: $out" \
  || fail "inside the container, /bin/escape: status $rc, '$out'" "after pivot_root the old root must be unmounted: if it is still reachable, so is the host"
check_result
