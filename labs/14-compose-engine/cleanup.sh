#!/usr/bin/env bash
# Lab 14 cleanup (idempotent), for when the engine's own stop and rm did not run or failed:
# kill what every container's recorded monitor still runs (by pid, checked to be a monitor:
# its command line is the engine's "run -d"), unmount every overlay under the lab dir, remove
# every ctrkit-lab-14-* cgroup, remove the lab dir.
source "$(dirname "$0")/../lib.sh"
[ -d "$LAB_TMP" ] || exit 0
for m in "$LAB_TMP"/state/*/monitor.pid; do
  p=$(cat "$m" 2>/dev/null) || continue
  [ -n "$p" ] && alive "$p" && tr '\0' ' ' < "/proc/$p/cmdline" | grep -q ' run -d ' && kill_tree "$p"
done
for r in "$LAB_TMP"/state/*/rootfs; do
  mounted_at "$r" | grep -q ' - overlay ' && ovl-mount --unmount "$r"
done
umount_under "$LAB_TMP"
for d in "$LAB_TMP"/state/*/; do
  [ -d "$d" ] || continue
  n=ctrkit-lab-14-$(basename "$d")
  cg-limit --show "$n" > /dev/null 2>&1 && cg-limit --remove "$n" --force > /dev/null 2>&1
done
find /sys/fs/cgroup -depth -mindepth 1 -type d -name 'ctrkit-lab-14-*' -exec rmdir {} \; 2>/dev/null
rm -rf "$LAB_TMP"
exit 0
