#!/usr/bin/env bash
# Lab 11 setup: a copy of sleep with a name easy to find (lab11-sleep), and a dir owned by
# host uid/gid 100000 — the host ids that step 1 maps to root inside.
set -eu
source "$(dirname "$0")/../lib.sh"
mkdir -p "$LAB_TMP/bin" "$LAB_TMP/shared"
cp "$(type -P sleep)" "$LAB_TMP/bin/lab11-sleep"
chmod 755 "$LAB_TMP" "$LAB_TMP/bin"
chown 100000:100000 "$LAB_TMP/shared"
