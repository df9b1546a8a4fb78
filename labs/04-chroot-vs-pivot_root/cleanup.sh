#!/usr/bin/env bash
# Lab 04 cleanup (idempotent): stop the container (recorded pid: its mount namespace and every
# mount made in it go with it), unmount anything left under the lab dir, remove it.
source "$(dirname "$0")/../lib.sh"
[ -d "$LAB_TMP" ] || exit 0
[ -f "$LAB_TMP/wrapper.pid" ] && cat "$LAB_TMP/wrapper.pid" >> "$LAB_TMP/pids"
stop_tracked
umount_under "$LAB_TMP"
rm -rf "$LAB_TMP"
