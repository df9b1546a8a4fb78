#!/usr/bin/env bash
# Lab 08 setup: a scratch dir; no cgroup named ctrkit-lab-08-* may exist yet.
set -eu
source "$(dirname "$0")/../lib.sh"
mkdir -p "$LAB_TMP"
cg_mode > "$LAB_TMP/mode"
