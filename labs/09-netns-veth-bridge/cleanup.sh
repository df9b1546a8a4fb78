#!/usr/bin/env bash
# Lab 09 cleanup (idempotent): remove the containers with ctrkit itself, inside the lab's host
# (rm -f stops them and gives back their veths, addresses and leases), stop the boxes by
# recorded pid, delete every ctrkit-lab-09* network namespace (the bridges and veths in them go
# with them), remove a cl09-br made by mistake outside on_host, and remove the lab dir.
source "$(dirname "$0")/../lib.sh"
HOSTNS=ctrkit-lab-09
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
for ns in $(ls /run/netns 2>/dev/null | grep '^ctrkit-lab-09'); do ip netns del "$ns"; done
# only a bridge of ours, by its name, in the machine's own namespace (a step run without on_host)
ip -d link show cl09-br 2>/dev/null | grep -q ' bridge ' && ip link del cl09-br
umount_under "$LAB_TMP"
rm -rf "$LAB_TMP"
exit 0
