#!/usr/bin/env bash
# Lab 08 cleanup (idempotent): remove the lab's cgroups (cg-limit --remove --force kills what
# is in them first), then any ctrkit-lab-08-* directory still in a hierarchy, then the dir.
source "$(dirname "$0")/../lib.sh"
for n in ctrkit-lab-08-mem ctrkit-lab-08-cpu ctrkit-lab-08-pids; do
  for c in memory cpu pids; do
    [ -d "$(cg_named $c $n)" ] && { cg-limit --remove "$n" --force >/dev/null 2>&1; break; }
  done
done
find /sys/fs/cgroup -depth -mindepth 1 -type d -name 'ctrkit-lab-08-*' -exec rmdir {} \; 2>/dev/null
rm -rf "$LAB_TMP"
exit 0
