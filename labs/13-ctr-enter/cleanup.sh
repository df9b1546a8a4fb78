#!/usr/bin/env bash
# Lab 13 cleanup (idempotent): stop the target (its cg-limit, by recorded pid: SIGTERM reaches
# its init, the pid namespace ends, cg-limit removes the cgroup), then remove anything left.
source "$(dirname "$0")/../lib.sh"
[ -d "$LAB_TMP" ] || exit 0
[ -f "$LAB_TMP/target.pid" ] && cat "$LAB_TMP/target.pid" >> "$LAB_TMP/pids"
stop_tracked
for c in pids memory cpu; do [ -d "$(cg_named $c ctrkit-lab-13)" ] && { cg-limit --remove ctrkit-lab-13 --force >/dev/null 2>&1; break; }; done
find /sys/fs/cgroup -depth -mindepth 1 -type d -name 'ctrkit-lab-13*' -exec rmdir {} \; 2>/dev/null
rm -rf "$LAB_TMP"
exit 0
