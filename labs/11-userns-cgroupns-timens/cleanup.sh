#!/usr/bin/env bash
# Lab 11 cleanup (idempotent): stop the four containers by their recorded pids (cg-limit then
# removes its cgroup), remove any ctrkit-lab-11-* cgroup still there, remove the dir.
source "$(dirname "$0")/../lib.sh"
if [ -d "$LAB_TMP" ]; then
  cat "$LAB_TMP"/*.pid >> "$LAB_TMP/pids" 2>/dev/null
  stop_tracked
fi
for c in pids memory; do
  [ -d "$(cg_named $c ctrkit-lab-11-box)" ] && { cg-limit --remove ctrkit-lab-11-box --force >/dev/null 2>&1; break; }
done
find /sys/fs/cgroup -depth -mindepth 1 -type d -name 'ctrkit-lab-11-*' -exec rmdir {} \; 2>/dev/null
rm -rf "$LAB_TMP"
exit 0
