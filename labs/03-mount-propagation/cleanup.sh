#!/usr/bin/env bash
# Lab 03 cleanup (idempotent): stop the containers (recorded pids), unmount everything under
# the lab dir (deepest first), remove it.
source "$(dirname "$0")/../lib.sh"
[ -d "$LAB_TMP" ] || exit 0
for f in a.pid b.pid; do [ -f "$LAB_TMP/$f" ] && cat "$LAB_TMP/$f" >> "$LAB_TMP/pids"; done
stop_tracked
umount_under "$LAB_TMP"
rm -rf "$LAB_TMP"
