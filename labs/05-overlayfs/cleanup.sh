#!/usr/bin/env bash
# Lab 05 cleanup (idempotent): unmount both overlays (ovl-mount --unmount, then anything left
# under the lab dir), remove the lab dir.
source "$(dirname "$0")/../lib.sh"
[ -d "$LAB_TMP" ] || exit 0
for c in a b; do mounted_at "$LAB_TMP/$c/root" | grep -q . && ovl-mount --unmount "$LAB_TMP/$c/root"; done
umount_under "$LAB_TMP"
rm -rf "$LAB_TMP"
