#!/usr/bin/env bash
# Lab 07 — registry pull. YOUR script: fill in the TODOs (README.md).
# ./labs/run.sh check 07 starts the registry, sources this and calls fetch_manifest,
# layer_blob_digest, pull (twice), verify_store and pull_damaged, in that order;
# to watch it: ./labs/run.sh try 07
LAB_TMP=${LAB_TMP:-/tmp/ctrkit-lab-07}
REG=127.0.0.1:$(cat "$LAB_TMP/port" 2>/dev/null)   # the registry setup.sh filled (read setup.sh!)
ROOT=$LAB_TMP/ctrkit      # a private CTRKIT_ROOT: never touch the host's /var/lib/ctrkit
STORE=$ROOT/store         # … whose image store is here
ACCEPT="application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json"

# Step 1 — the manifest, by hand: GET /v2/<name>/manifests/<tag> of demo:1 over plain http,
# saying which manifest types you accept ($ACCEPT). Save the body, byte for byte, in
# $LAB_TMP/manifest.json. (curl if you have it; python3's urllib.request always works.)
fetch_manifest() {
  : TODO
}

# Step 2 — one blob, by hand: the manifest's first layer names a blob by digest. GET it
# (/v2/<name>/blobs/<digest>) into $LAB_TMP/layer.blob and print "sha256:" + what sha256sum
# says of the bytes you received.
layer_blob_digest() {
  : TODO
}

# Step 3 — pull REF (e.g. $REG/demo:1) into the private store: ctrkit's pull verb or
# img-pull, with --explain so you see each request. Its exit status is the function's.
pull() {
  : TODO ctrkit … pull "$1"
}

# Step 4 — trust, but verify: for every blob file in $STORE/blobs/sha256, print "ok HEX" when
# the sha256 of its bytes is its name, "BAD HEX" when not.
verify_store() {
  : TODO
}

# Step 5 — demo:2's layer was damaged in the registry's storage (setup.sh). Pull $REG/demo:2
# the same way: its stderr into $LAB_TMP/damaged.err, its exit status into $LAB_TMP/damaged.rc.
pull_damaged() {
  : TODO
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  source "${LAB_DIR:?run me with ./labs/run.sh try NN}/../lib.sh"
  source "$LAB_DIR/registry.sh"
  registry_up || exit 1; trap registry_down EXIT
  echo "== the registry: $REG (log: $LAB_TMP/registry.log)"
  echo "== step 1, the manifest:"; fetch_manifest; cat "$LAB_TMP/manifest.json" 2>/dev/null; echo
  echo "== step 2, the first layer's blob (yours):"; layer_blob_digest
  echo "== step 3, pull:"; pull "$REG/demo:1"; echo "   status $?"; log_mark 1
  echo "   blob GETs logged so far: $(blob_gets)"
  echo "== again:"; pull "$REG/demo:1"; echo "   status $?"; log_mark 2
  echo "   blob GETs logged so far: $(blob_gets)"
  echo "== step 4, the store, verified:"; verify_store
  echo "== step 5, the damaged image:"; pull_damaged
  echo "   status $(cat "$LAB_TMP/damaged.rc" 2>/dev/null): $(grep -m1 '^img-pull:\|^ctrkit:' "$LAB_TMP/damaged.err" 2>/dev/null)"
  echo "== the registry's log (requests):"; grep -o '"GET /v2/[^"]*"' "$LAB_TMP/registry.log" | tail -n 12
fi
