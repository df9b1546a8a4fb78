#!/usr/bin/env bash
# Lab 03 setup: a stage of our own — a tmpfs at /tmp/ctrkit-lab-03/stage, made *shared* on
# the host (a systemd host makes / shared; this one may not, so we make our own), with empty
# dirs to mount on.
set -eu
source "$(dirname "$0")/../lib.sh"
mkdir -p "$LAB_TMP/stage"
mount -t tmpfs -o size=1m ctrkit-lab-03 "$LAB_TMP/stage"
mount --make-shared "$LAB_TMP/stage"
mkdir "$LAB_TMP/stage/inside-a" "$LAB_TMP/stage/inside-b" "$LAB_TMP/stage/from-host"
