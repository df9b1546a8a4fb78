#!/usr/bin/env bash
# Lab 04 — chroot is not a jail; pivot_root is. SOLUTION: keep this apart from your own work.sh.
# check.sh sources this file and calls escape_chroot, then start_container.
LAB_TMP=${LAB_TMP:-/tmp/ctrkit-lab-04}
ROOTFS=$LAB_TMP/rootfs          # busybox + /bin/escape, made by setup.sh
MARKER=$LAB_TMP/host-marker     # on the host, outside ROOTFS

# Step 1 — run the escape program in a plain chroot (the way a jail is often made).
escape_chroot() {
  chroot "$ROOTFS" /bin/escape "$MARKER"
}

# Step 2 — the same root, done properly. This script runs as pid 1 of new mount and pid
# namespaces (start_container), with the static busybox sh.
write_inside_script() {
  cat > "$LAB_TMP/inside.sh" <<'INSIDE'
set -e
ROOTFS=$1
# pivot_root needs the new root to be a mount point: bind-mount ROOTFS onto itself.
mount --bind "$ROOTFS" "$ROOTFS"
# The file systems a container expects, mounted before the switch (the host's mount(8) is
# still reachable now).
mount -t proc proc "$ROOTFS/proc"
mount -t sysfs sysfs "$ROOTFS/sys"
mount -t tmpfs -o mode=755,size=64k dev "$ROOTFS/dev"
mknod -m 666 "$ROOTFS/dev/null" c 1 3
# Swap the root mount: ROOTFS becomes /, the old / is moved to /old-root.
cd "$ROOTFS"
pivot_root . old-root
cd /
# Drop the old root: unmount it (lazily: the host's mounts hang below it), remove the dir.
umount -l /old-root
rmdir /old-root
[ -x /bin/escape ] || { echo "not in the new root: / has no /bin/escape" >&2; exit 1; }
touch /.ctrkit-lab-04-pivoted
# a tiny init (lab 02): reap, and end on SIGTERM
trap 'exit 0' TERM
while :; do sleep 1 & wait $!; done
INSIDE
}

start_container() {
  write_inside_script
  ns-unshare --explain --mount --pid --fork -- "$ROOTFS/bin/busybox" sh "$LAB_TMP/inside.sh" "$ROOTFS" &
  echo $! > "$LAB_TMP/wrapper.pid"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  source "${LAB_DIR:?run me with ./labs/run.sh try NN}/../lib.sh"   # wait_until, kill_tree
  echo "== in a chroot:"; escape_chroot
  start_container; w=$(cat "$LAB_TMP/wrapper.pid")
  wait_until 10 'test -n "$(children_of $w)" || gone $w'; read -r c < <(children_of "$w")
  if [ -z "$c" ] || ! wait_until 10 'test -e /proc/$c/root/.ctrkit-lab-04-pivoted || gone $c' || gone "$c"; then
    echo "== the container did not get to the end of inside.sh"; kill_tree "$w"; wait; exit 1
  fi
  echo "== the container's mounts:"; cat /proc/$c/mountinfo
  echo "== after pivot_root:"; ctr-enter -t "$c" -a -- /bin/escape "$MARKER"
  echo "== /dev/null inside: $(stat -c '%F %t:%T' /proc/$c/root/dev/null)"
  kill -TERM "$w"; wait_until 5 gone "$w" || kill_tree "$w"; wait
fi
