#!/usr/bin/env bash
# Lab 01 cleanup (idempotent): stop what the lab started (by recorded pid), remove its dir.
source "$(dirname "$0")/../lib.sh"
[ -d "$LAB_TMP" ] || exit 0
for f in wrapper.pid zombie-maker.pid; do   # host pids of our wrappers (never child.pid: that is 1 inside its namespace)
  [ -f "$LAB_TMP/$f" ] && echo "$(cat "$LAB_TMP/$f")" >> "$LAB_TMP/pids"
done
stop_tracked
rm -rf "$LAB_TMP"
