#!/usr/bin/env bash
# Lab 06 — image unpack. YOUR script: fill in the TODOs (README.md).
# ./labs/run.sh check 06 sources it and calls layer_digests, unpack, find_whiteouts,
# image_config, run_image and unpack_hostile, in that order; to watch it: ./labs/run.sh try 06
LAB_TMP=${LAB_TMP:-/tmp/ctrkit-lab-06}
IMAGE=$LAB_TMP/image      # an OCI image layout that setup.sh built by hand (read setup.sh!)
STORE=$LAB_TMP/store      # img-unpack's layer store (overlay form)
ROOT=$LAB_TMP/rootfs      # the flattened root file system
CFG=$LAB_TMP/config       # what you read from the image config (step 4)
OUT=$LAB_TMP/outside      # the sentinel: a hostile image must not touch anything in here

# Step 1 — verify by hand: print the digest of each layer blob, "sha256:<hex>", bottom layer
# first, as sha256sum computes it from the blob file — the blobs listed by the manifest that
# index.json points to. (No jq here: python3 -c 'import json…' or grep -o.)
layer_digests() {
  : TODO
}

# Step 2 — unpack the image into the store AND into a root file system, with the JSON report
# kept in $LAB_TMP/unpack.json (and --explain, to watch each layer being verified).
unpack() {
  : TODO img-unpack …
}

# Step 3 — in the store, a deletion is a whiteout: print the path of every one (a character
# device 0:0) under $STORE/layers, one per line.
find_whiteouts() {
  : TODO
}

# Step 4 — the config says how to run the image. Write its Cmd into $CFG/cmd (one argument
# per line), its Env into $CFG/env (one VAR=value per line), its WorkingDir into $CFG/workdir.
image_config() {
  mkdir -p "$CFG"
  : TODO
}

# provided — run the image the way its config says (a plain chroot: no namespaces here, see
# lab 04 and ctr-run for the real thing): only the image's Env, in its WorkingDir, its Cmd.
run_image() {
  local cmd env wd
  mapfile -t cmd < "$CFG/cmd"; mapfile -t env < "$CFG/env"; wd=$(cat "$CFG/workdir")
  chroot "$ROOT" /bin/env -i "${env[@]}" /bin/sh -c 'cd "$0" && exec "$@"' "${wd:-/}" "${cmd[@]}"
}

# Step 5 — the two hostile images: unpack each with --to "$OUT/root", stderr into
# $LAB_TMP/NAME.err and img-unpack's exit status into $LAB_TMP/NAME.rc (NAME: hostile-dotdot,
# hostile-symlink; the images are $LAB_TMP/NAME).
unpack_hostile() {
  : TODO
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  source "${LAB_DIR:?run me with ./labs/run.sh try NN}/../lib.sh"
  echo "== layer digests (yours):"; layer_digests
  echo "== unpack:"; unpack; echo "   status $?"
  echo "== the root file system:"; (cd "$ROOT" 2>/dev/null && find . -path ./bin -prune -o -print | sort)
  echo "== whiteouts in the store:"; find_whiteouts
  echo "== config:"; image_config; head "$CFG"/* 2>/dev/null; echo
  echo "== run it:"; run_image && cat "$ROOT/app/ran.txt"
  echo "== hostile images:"; unpack_hostile; for n in hostile-dotdot hostile-symlink; do echo "   $n: status $(cat "$LAB_TMP/$n.rc" 2>/dev/null) $(cat "$LAB_TMP/$n.err" 2>/dev/null)"; done
  echo "== outside/ now:"; ls -la "$OUT"
fi
