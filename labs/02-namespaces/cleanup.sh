#!/usr/bin/env bash
# Lab 02 cleanup (idempotent): stop the container (by the wrapper's recorded pid), remove the dir.
source "$(dirname "$0")/../lib.sh"
[ -d "$LAB_TMP" ] || exit 0
[ -f "$LAB_TMP/wrapper.pid" ] && cat "$LAB_TMP/wrapper.pid" >> "$LAB_TMP/pids"
stop_tracked
rm -rf "$LAB_TMP"
