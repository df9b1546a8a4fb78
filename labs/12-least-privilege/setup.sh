#!/usr/bin/env bash
# Lab 12 setup: a private ctrkit root holding the demo image (busybox, from img-pack --demo),
# a private state dir for the containers' records, and out/ for what the probes print.
set -eu
source "$(dirname "$0")/../lib.sh"
mkdir -p "$LAB_TMP/root" "$LAB_TMP/state" "$LAB_TMP/out"
img-pack --demo -o "$LAB_TMP/demo.tar" >/dev/null 2>"$LAB_TMP/setup.err" || { cat "$LAB_TMP/setup.err" >&2; exit 1; }
ctrkit --root "$LAB_TMP/root" load -q -i "$LAB_TMP/demo.tar" >/dev/null
rm -f "$LAB_TMP/demo.tar" "$LAB_TMP/setup.err"
