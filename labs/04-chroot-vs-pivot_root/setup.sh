#!/usr/bin/env bash
# Lab 04 setup: a root file system made from the host's static busybox (Debian's
# busybox-static), the chroot-escape program compiled into it, and a marker file on the host
# that the escape tries to read.
set -eu
source "$(dirname "$0")/../lib.sh"
R=$LAB_TMP/rootfs
mkdir -p "$R"/{bin,proc,sys,dev,tmp,etc,old-root}
bb=$(command -v busybox)
file -L "$bb" | grep -q 'statically linked' || { echo "lab 04 needs a static busybox: apt-get install busybox-static" >&2; exit 1; }
cp "$bb" "$R/bin/busybox"
for a in $("$R/bin/busybox" --list); do [ -e "$R/bin/$a" ] || ln -s busybox "$R/bin/$a"; done
rustc -O -C target-feature=+crt-static -o "$R/bin/escape" "$(dirname "$0")/escape.rs"
echo "the host's side of the lab-04 jail" > "$LAB_TMP/host-marker"
