#!/usr/bin/env bash
# Lab 06 cleanup (idempotent): nothing is mounted or running in this lab; remove the dir.
source "$(dirname "$0")/../lib.sh"
[ -d "$LAB_TMP" ] || exit 0
umount_under "$LAB_TMP"
rm -rf "$LAB_TMP"
