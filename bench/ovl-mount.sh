#!/usr/bin/env bash
# ovl-mount vs util-linux `mount -t overlay`, same layers, interleaved; each run is mount +
# umount in one `sh -c` on both sides (the unmount is the same `umount` on both sides, so only
# the mounting differs). With 2 layers, and with 100 layers (short paths, so mount(8) can take
# them all in one option string). Pinned to one CPU and unpinned.
# Goal (docs/performance.md): ratio <= 1.1; stretch: hundreds of layers (tests/ovl_mount.rs
# mounts 250). Run as root from anywhere: bench/ovl-mount.sh  (RUNS=N to change the count).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh -q
runs=${RUNS:-300}
OVL=$PWD/target/bin/ovl-mount

# Layers, upper and work on a private tmpfs: the disk's discard makes ext4 timings erratic.
base=$(mktemp -d /tmp/ovlb.XXXXXX)
cleanup() {
  for m in "$base"/t "$base"; do
    while grep -q " $m " /proc/self/mountinfo; do umount "$m" || break; done
  done
  rmdir "$base"
}
trap cleanup EXIT
mount -t tmpfs -o size=64m tmpfs "$base"
mkdir -p "$base/t" "$base/u" "$base/w"
for i in $(seq 1 100); do mkdir "$base/$i"; echo "$i" >"$base/$i/who"; done

# Both sides name the layers lowest first to us, top first to the kernel.
ovl_args() { for i in $(seq 1 "$1"); do printf -- '--lower %s/%s ' "$base" "$i"; done; }
kernel_lowerdir() { seq "$1" -1 1 | sed "s|^|$base/|" | paste -sd: -; }

# Same result first: both mounts must show the top layer's file and the same layers.
check() {
  local n=$1
  # shellcheck disable=SC2046
  "$OVL" $(ovl_args "$n") --upper "$base/u" --work "$base/w" "$base/t"
  local a; a=$(cat "$base/t/who"); umount "$base/t"
  mount -t overlay overlay -o "lowerdir=$(kernel_lowerdir "$n"),upperdir=$base/u,workdir=$base/w" "$base/t"
  local b; b=$(cat "$base/t/who"); umount "$base/t"
  [ "$a" = "$n" ] && [ "$b" = "$n" ] || { echo "different results for $n layers: ovl-mount saw $a, mount saw $b" >&2; exit 1; }
}

for n in 2 100; do
  check "$n"
  A="$OVL $(ovl_args "$n") --upper $base/u --work $base/w $base/t && umount $base/t"
  B="mount -t overlay overlay -o lowerdir=$(kernel_lowerdir "$n"),upperdir=$base/u,workdir=$base/w $base/t && umount $base/t"
  if [ "$n" = 2 ]; then
    echo "== harness check: mount against itself, $n layers (ratio should be ~1.00)"
    python3 bench/interleave.py --runs 100 --name-a mount --name-b mount -- sh -c "$B" --vs sh -c "$B"
  fi
  for pin in "taskset -c 1" ""; do
    echo "== ovl-mount vs mount -t overlay, $n layers ${pin:+(pinned: $pin)}"
    # shellcheck disable=SC2086
    python3 bench/interleave.py --runs "$runs" --name-a ovl-mount --name-b mount -- \
      $pin sh -c "$A" --vs $pin sh -c "$B"
  done
done

# Leak audit: nothing of ours may stay mounted but the tmpfs itself.
left=$(grep -c " $base/t " /proc/self/mountinfo || true)
[ "$left" = 0 ] || { echo "LEAK: $left mounts left at $base/t" >&2; exit 1; }
echo "leak audit: no overlay left mounted"
