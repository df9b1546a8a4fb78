#!/usr/bin/env bash
# Lab 07 cleanup (idempotent): stop the registry by its recorded pid (never by name), then
# remove the dir (the private store and the registry's storage are in it).
source "$(dirname "$0")/../lib.sh"
[ -d "$LAB_TMP" ] || exit 0
cat "$LAB_TMP/registry.pid" >> "$LAB_TMP/pids" 2>/dev/null
stop_tracked
umount_under "$LAB_TMP"
rm -rf "$LAB_TMP"
exit 0
