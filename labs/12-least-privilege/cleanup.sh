#!/usr/bin/env bash
# Lab 12 cleanup (idempotent): every container ran in the foreground with --rm (its cgroup and
# record are gone when it ends); stop anything still tracked, unmount, remove the dir.
source "$(dirname "$0")/../lib.sh"
[ -d "$LAB_TMP" ] || exit 0
stop_tracked
umount_under "$LAB_TMP"
rm -rf "$LAB_TMP"
exit 0
