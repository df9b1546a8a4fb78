#!/usr/bin/env bash
# Lab 05 — overlayfs by hand. SOLUTION: keep this apart from your own work.sh.
# check.sh sources this file and calls mount_a, change_a, mount_b, in that order.
LAB_TMP=${LAB_TMP:-/tmp/ctrkit-lab-05}
BASE=$LAB_TMP/layers/base   # lowest layer: etc/motd, etc/os-release, data/a, data/b
APP=$LAB_TMP/layers/app     # on top of it: etc/motd (hides base's), app/run.sh
A=$LAB_TMP/a                # container A: A/up (its writes), A/work, A/root (what it sees)
B=$LAB_TMP/b                # container B: the same two layers, its own upper

# Step 1 — container A: both layers, lowest first, under a writable upper.
mount_a() {
  ovl-mount --explain --lower "$BASE" --lower "$APP" --upper "$A/up" --work "$A/work" "$A/root"
}

# Step 2 — change A's root the way a program in the container would:
change_a() {
  # delete a file that lives in a lower layer
  rm "$A/root/etc/os-release"
  # delete a directory of a lower layer and make a new one with the same name
  rm -r "$A/root/data"
  mkdir "$A/root/data"
  echo "c, new in A" > "$A/root/data/c"
  # change a file of a lower layer (append a line to etc/motd)
  echo "A was here" >> "$A/root/etc/motd"
}

# Step 3 — container B: the same layers, its own upper and work dirs.
mount_b() {
  ovl-mount --explain --lower "$BASE" --lower "$APP" --upper "$B/up" --work "$B/work" "$B/root"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  source "${LAB_DIR:?run me with ./labs/run.sh try NN}/../lib.sh"   # wait_until, kill_tree
  mount_a && change_a && mount_b
  echo "== A's upper dir:"; (cd "$A/up" && find . -printf '%y %M %p\n' | sort)
  stat -c '%n: %F %t:%T' "$A/up/etc/os-release"
  echo "== where A's files come from:"; for p in etc/motd etc/os-release data/a data/c app/run.sh; do ovl-mount --which "$A/root/$p"; done
  echo "== B sees:"; (cd "$B/root" && find . -type f | sort)
fi
