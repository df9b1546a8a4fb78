#!/usr/bin/env bash
# Lab 10 setup: the lab's own "host" — a network namespace ctrkit-lab-10 with only lo, up —
# where every step runs; a private ctrkit root holding the demo image (busybox); a state dir;
# and the machine's own nftables ruleset as it is now (when nft is installed), so the check can
# show that the lab added no rule.
set -eu
source "$(dirname "$0")/../lib.sh"
mkdir -p "$LAB_TMP/root" "$LAB_TMP/state"
if command -v nft > /dev/null; then nft list ruleset > "$LAB_TMP/machine-ruleset" 2>/dev/null || rm -f "$LAB_TMP/machine-ruleset"; fi
ip netns add ctrkit-lab-10
ip -n ctrkit-lab-10 link set lo up
img-pack --demo -o "$LAB_TMP/demo.tar" >/dev/null 2>"$LAB_TMP/setup.err" || { cat "$LAB_TMP/setup.err" >&2; exit 1; }
ctrkit --root "$LAB_TMP/root" load -q -i "$LAB_TMP/demo.tar" >/dev/null
rm -f "$LAB_TMP/demo.tar" "$LAB_TMP/setup.err"
