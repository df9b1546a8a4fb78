#!/usr/bin/env bash
# Lab 09 setup: the lab's own "host" — a network namespace ctrkit-lab-09 with only lo, up —
# where every step runs; a private ctrkit root holding the demo image (busybox); a state dir;
# lab09-box, a copy of sleep (easy to find); and the names of the machine's own interfaces,
# so the check can prove the lab added none there.
set -eu
source "$(dirname "$0")/../lib.sh"
mkdir -p "$LAB_TMP/root" "$LAB_TMP/state" "$LAB_TMP/bin"
cp "$(type -P sleep)" "$LAB_TMP/bin/lab09-box"
ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort > "$LAB_TMP/machine-links"
ip netns add ctrkit-lab-09
ip -n ctrkit-lab-09 link set lo up
img-pack --demo -o "$LAB_TMP/demo.tar" >/dev/null 2>"$LAB_TMP/setup.err" || { cat "$LAB_TMP/setup.err" >&2; exit 1; }
ctrkit --root "$LAB_TMP/root" load -q -i "$LAB_TMP/demo.tar" >/dev/null
rm -f "$LAB_TMP/demo.tar" "$LAB_TMP/setup.err"
