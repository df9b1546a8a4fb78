#!/usr/bin/env bash
# Lab 07 — registry pull. The solution (look last).
LAB_TMP=${LAB_TMP:-/tmp/ctrkit-lab-07}
REG=127.0.0.1:$(cat "$LAB_TMP/port" 2>/dev/null)
ROOT=$LAB_TMP/ctrkit
STORE=$ROOT/store
ACCEPT="application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json"

# get URL FILE — GET over plain http into FILE, with our Accept header (curl -fsS -H … -o FILE
# does the same; python3 is on every host the labs run on)
get() {
  python3 - "$1" "$2" "$ACCEPT" <<'PY'
import sys, urllib.request
req = urllib.request.Request(sys.argv[1], headers={"Accept": sys.argv[3]})
with urllib.request.urlopen(req, timeout=10) as r, open(sys.argv[2], "wb") as f:
    f.write(r.read())
PY
}

fetch_manifest() {
  get "http://$REG/v2/demo/manifests/1" "$LAB_TMP/manifest.json"
}

layer_blob_digest() {
  local d
  d=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["layers"][0]["digest"])' "$LAB_TMP/manifest.json") || return 1
  get "http://$REG/v2/demo/blobs/$d" "$LAB_TMP/layer.blob" || return 1
  echo "sha256:$(sha256sum "$LAB_TMP/layer.blob" | cut -d' ' -f1)"
}

pull() {
  ctrkit --root "$ROOT" --explain pull "$1"
}

verify_store() {
  local f h
  for f in "$STORE"/blobs/sha256/*; do
    [ -f "$f" ] || continue
    h=$(sha256sum "$f" | cut -d' ' -f1)
    if [ "$h" = "$(basename "$f")" ]; then echo "ok $h"; else echo "BAD $(basename "$f")"; fi
  done
}

pull_damaged() {
  pull "$REG/demo:2" 2> "$LAB_TMP/damaged.err"
  echo $? > "$LAB_TMP/damaged.rc"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  source "${LAB_DIR:?run me with ./labs/run.sh solve NN}/../lib.sh"
  source "$LAB_DIR/registry.sh"
  registry_up || exit 1; trap registry_down EXIT
  echo "== the registry: $REG (log: $LAB_TMP/registry.log)"
  echo "== step 1, the manifest:"; fetch_manifest; cat "$LAB_TMP/manifest.json" 2>/dev/null; echo
  echo "== step 2, the first layer's blob:"; layer_blob_digest
  echo "== step 3, pull:"; pull "$REG/demo:1"; echo "   status $?"; log_mark 1
  echo "   blob GETs logged so far: $(blob_gets)"
  echo "== again:"; pull "$REG/demo:1"; echo "   status $?"; log_mark 2
  echo "   blob GETs logged so far: $(blob_gets)"
  echo "== step 4, the store, verified:"; verify_store
  echo "== step 5, the damaged image:"; pull_damaged
  echo "   status $(cat "$LAB_TMP/damaged.rc" 2>/dev/null): $(grep -m1 '^img-pull:\|^ctrkit:' "$LAB_TMP/damaged.err" 2>/dev/null)"
  echo "== the registry's log (requests):"; grep -o '"GET /v2/[^"]*"' "$LAB_TMP/registry.log" | tail -n 12
fi
