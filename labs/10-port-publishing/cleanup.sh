#!/usr/bin/env bash
# Lab 10 cleanup (idempotent): remove the containers with ctrkit itself, inside the lab's host
# (rm -f stops them and gives back their veths, addresses, leases and ports), stop anything
# else by recorded pid, delete the ctrkit-lab-10 network namespace (the bridge and veths in it
# go with it), and remove the lab dir.
source "$(dirname "$0")/../lib.sh"
HOSTNS=ctrkit-lab-10
if [ -e "/run/netns/$HOSTNS" ] && [ -d "$LAB_TMP/state" ]; then
  lab_ctrkit() { nsenter --net="/run/netns/$HOSTNS" -- env -u CTRKIT_NETWORK CTRKIT_ROOT="$LAB_TMP/root" CTRKIT_STATE="$LAB_TMP/state" ctrkit "$@"; }
  ids=$(lab_ctrkit ps -aq --no-trunc 2>/dev/null)
  [ -n "$ids" ] && lab_ctrkit rm -f $ids > /dev/null 2>&1
fi
# a container whose record could not be removed: stop its monitor by the pid it recorded
for s in "$LAB_TMP"/state/containers/*/state.json; do
  [ -f "$s" ] || continue
  p=$(sed -n 's/.*"monitor_pid": *\([0-9]*\).*/\1/p' "$s" | head -1)
  [ -n "$p" ] && [ "$p" -gt 1 ] && alive "$p" && tr '\0' ' ' < "/proc/$p/cmdline" | grep -q ctr && kill_tree "$p"
done
[ -d "$LAB_TMP" ] && stop_tracked
for ns in $(ls /run/netns 2>/dev/null | grep '^ctrkit-lab-10'); do ip netns del "$ns"; done
umount_under "$LAB_TMP"
rm -rf "$LAB_TMP"
exit 0
