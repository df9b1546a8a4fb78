#!/usr/bin/env bash
# Lab 14 setup: the image your engine runs, and nothing else.
#   image.tar   lab14:1 — ctrkit's demo image (static busybox) plus /bin/lab14-ticker, packed
#               by img-pack as an OCI archive
#   store/      img-unpack's layer store: empty; your engine's first run fills it
#   state/      one directory per container: empty; your engine writes it
set -eu
source "$(dirname "$0")/../lib.sh"
mkdir -p "$LAB_TMP/state"
img-pack --demo -o "$LAB_TMP/demo.tar" > /dev/null 2> "$LAB_TMP/setup.err" || { cat "$LAB_TMP/setup.err" >&2; exit 1; }
img-unpack --quiet --to "$LAB_TMP/base" "$LAB_TMP/demo.tar" 2> "$LAB_TMP/setup.err" || { cat "$LAB_TMP/setup.err" >&2; exit 1; }
install -m 0755 "$LAB_DIR/lab14-ticker" "$LAB_TMP/base/bin/lab14-ticker"
img-pack -o "$LAB_TMP/image.tar" --tag lab14:1 --cmd '["lab14-ticker"]' \
  -e PATH=/usr/sbin:/usr/bin:/sbin:/bin "$LAB_TMP/base" > /dev/null 2> "$LAB_TMP/setup.err" || { cat "$LAB_TMP/setup.err" >&2; exit 1; }
rm -rf "$LAB_TMP/base" "$LAB_TMP/demo.tar" "$LAB_TMP/setup.err"
