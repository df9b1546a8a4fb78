#!/usr/bin/env bash
# Lab 06 setup: an OCI image layout built by hand — the format is only tar, gzip, sha256 and
# three small JSON files — plus two hostile images and a sentinel dir that must stay untouched.
#
#   image/                       the image, ref "lab06:1"
#     oci-layout                 {"imageLayoutVersion":"1.0.0"}
#     index.json                 → the manifest (digest, size, ref name)
#     blobs/sha256/<hex>         the manifest, the config, two gzip'd layer tars
#   hostile-dotdot/              one layer holding an entry "../escape"
#   hostile-symlink/             one layer: "evil" → "/tmp/ctrkit-lab-06/outside", then "evil/pwned"
#   outside/                     the sentinel: what a hostile image must not reach
set -eu
source "$(dirname "$0")/../lib.sh"
L=$LAB_TMP/layers
mkdir -p "$L/1/bin" "$L/1/etc" "$L/1/data/keep" "$L/1/app/old" "$L/2/etc" "$L/2/app" "$LAB_TMP/outside"

# Layer 1: a busybox, etc/motd, etc/secret, data/keep/f, app/old/{x,y}
cp "$(type -P busybox)" "$L/1/bin/busybox"
for a in sh echo cat pwd env ls; do ln -s busybox "$L/1/bin/$a"; done
echo "motd from layer 1" > "$L/1/etc/motd"
echo "a secret that layer 2 deletes" > "$L/1/etc/secret"
echo "kept" > "$L/1/data/keep/f"
echo x > "$L/1/app/old/x"; echo y > "$L/1/app/old/y"
# Layer 2: delete etc/secret (a whiteout file ".wh.<name>"), replace app/ (an opaque marker
# ".wh..wh..opq": nothing below this layer shows through app/), add app/README
touch "$L/2/etc/.wh.secret" "$L/2/app/.wh..wh..opq"
echo "app/ as layer 2 made it" > "$L/2/app/README"

hex() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }
# blob DIR FILE — move FILE into DIR/blobs/sha256 under its digest; print the hex
blob() { local h; h=$(hex "$2"); mkdir -p "$1/blobs/sha256"; mv "$2" "$1/blobs/sha256/$h"; echo "$h"; }
# layout DIR REF CONFIG-EXTRA TAR… — an OCI layout with these (uncompressed) layer tars
layout() {
  local dir=$1 ref=$2 extra=$3 t diff_ids="" layers="" h c m sep=""
  shift 3; mkdir -p "$dir"
  for t in "$@"; do
    diff_ids="$diff_ids$sep\"sha256:$(hex "$t")\""              # the config lists the tar's digest
    gzip -n -c "$t" > "$t.gz"
    h=$(hex "$t.gz"); local s; s=$(size "$t.gz"); blob "$dir" "$t.gz" >/dev/null
    layers="$layers$sep{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$h\",\"size\":$s}"
    sep=,
  done
  printf '{"architecture":"amd64","os":"linux","config":{%s},"rootfs":{"type":"layers","diff_ids":[%s]}}' \
    "$extra" "$diff_ids" > "$dir/config.json"
  local cs; cs=$(size "$dir/config.json"); c=$(blob "$dir" "$dir/config.json")
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
    "$c" "$cs" "$layers" > "$dir/manifest.json"
  local ms; ms=$(size "$dir/manifest.json"); m=$(blob "$dir" "$dir/manifest.json")
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"%s"}}]}' \
    "$m" "$ms" "$ref" > "$dir/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' > "$dir/oci-layout"
}

T=(--sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --format=gnu)
tar "${T[@]}" -C "$L/1" -cf "$L/1.tar" .
tar "${T[@]}" -C "$L/2" -cf "$L/2.tar" .
layout "$LAB_TMP/image" 1 \
  '"Env":["PATH=/bin","GREETING=hello from lab 06"],"Cmd":["/bin/sh","-c","echo \"$GREETING in $(pwd)\" > ran.txt"],"WorkingDir":"/app"' \
  "$L/1.tar" "$L/2.tar"

# The hostile layers: tar(1) would not write these names, python's tarfile writes anything.
python3 - "$L" "$LAB_TMP/outside" <<'PY'
import io, sys, tarfile
out, outside = sys.argv[1], sys.argv[2]
def add(tf, name, data=None, kind=tarfile.REGTYPE, target=""):
    ti = tarfile.TarInfo(name); ti.type = kind; ti.linkname = target; ti.mode = 0o755 if kind != tarfile.REGTYPE else 0o644
    ti.size = len(data) if data is not None else 0
    tf.addfile(ti, io.BytesIO(data) if data is not None else None)
with tarfile.open(out + "/dotdot.tar", "w", format=tarfile.GNU_FORMAT) as tf:
    add(tf, "./", kind=tarfile.DIRTYPE)
    add(tf, "./ok", b"fine\n")
    add(tf, "../escape", b"written outside the root!\n")
with tarfile.open(out + "/symlink.tar", "w", format=tarfile.GNU_FORMAT) as tf:
    add(tf, "./", kind=tarfile.DIRTYPE)
    add(tf, "./evil", kind=tarfile.SYMTYPE, target=outside)
    add(tf, "./evil/pwned", b"written through a symlink!\n")
PY
layout "$LAB_TMP/hostile-dotdot" 1 '"Cmd":["/ok"]' "$L/dotdot.tar"
layout "$LAB_TMP/hostile-symlink" 1 '"Cmd":["/ok"]' "$L/symlink.tar"

echo "the sentinel: nothing may change here" > "$LAB_TMP/outside/sentinel"
(cd "$LAB_TMP/outside" && find . -printf '%y %m %s %p\n' | sort) > "$LAB_TMP/outside.before"
rm -f "$L"/*.tar
