#!/usr/bin/env bash
# Lab 06 — image unpack. SOLUTION: keep this apart from your own work.sh.
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
  local manifest blob
  manifest=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' "$IMAGE/index.json")
  for blob in $(python3 -c 'import json,sys; [print(l["digest"]) for l in json.load(open(sys.argv[1]))["layers"]]' \
                "$IMAGE/blobs/sha256/${manifest#sha256:}"); do
    echo "sha256:$(sha256sum "$IMAGE/blobs/sha256/${blob#sha256:}" | cut -d' ' -f1)"
  done
}

# Step 2 — unpack the image into the store AND into a root file system, with the JSON report
# kept in $LAB_TMP/unpack.json (and --explain, to watch each layer being verified).
unpack() {
  img-unpack --explain --store "$STORE" --to "$ROOT" --json "$IMAGE" > "$LAB_TMP/unpack.json"
}

# Step 3 — in the store, a deletion is a whiteout: print the path of every one (a character
# device 0:0) under $STORE/layers, one per line.
find_whiteouts() {
  find "$STORE/layers" -type c -exec stat -c '%t:%T %n' {} + | sed -n 's/^0:0 //p'
}

# Step 4 — the config says how to run the image. Write its Cmd into $CFG/cmd (one argument
# per line), its Env into $CFG/env (one VAR=value per line), its WorkingDir into $CFG/workdir.
image_config() {
  mkdir -p "$CFG"
  python3 - "$LAB_TMP/unpack.json" "$CFG" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["config"]
d = sys.argv[2]
open(d + "/cmd", "w").write("".join(a + "\n" for a in (c["Entrypoint"] or []) + (c["Cmd"] or [])))
open(d + "/env", "w").write("".join(e + "\n" for e in c["Env"] or []))
open(d + "/workdir", "w").write(c["WorkingDir"] or "/")
PY
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
  local n
  for n in hostile-dotdot hostile-symlink; do
    img-unpack --to "$OUT/root" "$LAB_TMP/$n" 2> "$LAB_TMP/$n.err"
    echo $? > "$LAB_TMP/$n.rc"
  done
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
