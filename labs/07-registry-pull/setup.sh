#!/usr/bin/env bash
# Lab 07 setup: a registry on 127.0.0.1 holding two images, one of them damaged on disk.
#
#   config.yml           the registry's config: 127.0.0.1:<a free port>, storage, access log on
#   port                 that port
#   registry/            the registry's storage (docker/registry/v2/{repositories,blobs}/…)
#   registry.log         its log: one access-log line per request ("GET /v2/…/blobs/…")
#   demo:1               img-pack --demo (busybox), pushed with skopeo
#   demo:2               a one-file image, pushed with skopeo; then its layer blob is flipped
#                        byte by byte IN THE REGISTRY'S STORAGE — same size, wrong bytes
#
# The registry is started here to push, and stopped again (this script is its parent and
# reaps it); registry.sh starts it again wherever it is needed, under a parent that waits.
set -eu
source "$(dirname "$0")/../lib.sh"
[ -x /usr/bin/docker-registry ] || { echo "lab 07 needs Debian's docker-registry: apt-get install docker-registry" >&2; exit 1; }
command -v skopeo >/dev/null || { echo "lab 07 needs skopeo (to push): apt-get install skopeo" >&2; exit 1; }
mkdir -p "$LAB_TMP/bin" "$LAB_TMP/registry" "$LAB_TMP/two-root"
python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' > "$LAB_TMP/port"
source "$(dirname "$0")/registry.sh"
cp "$REGISTRY_BIN" "$LAB_TMP/bin/lab07-registry"
cat > "$LAB_TMP/config.yml" <<YML
version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $LAB_TMP/registry
http:
  addr: $REG
YML

img-pack --demo -o "$LAB_TMP/demo.tar" >/dev/null 2>"$LAB_TMP/setup.err" || { cat "$LAB_TMP/setup.err" >&2; exit 1; }
echo "hello from demo:2" > "$LAB_TMP/two-root/hello"
img-pack -o "$LAB_TMP/two.tar" --tag demo:2 --cmd '["/hello"]' "$LAB_TMP/two-root" >/dev/null 2>"$LAB_TMP/setup.err" || { cat "$LAB_TMP/setup.err" >&2; exit 1; }

registry_up
trap registry_down EXIT
for x in demo.tar:demo:1 two.tar:demo:2; do
  skopeo copy -q --dest-tls-verify=false "oci-archive:$LAB_TMP/${x%%:*}" "docker://$REG/${x#*:}" >/dev/null
done
# Damage demo:2's layer in the registry's storage: every byte inverted, same length.
layer=$(http_get "http://$REG/v2/demo/manifests/2" "$MANIFEST_TYPES" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["layers"][0]["digest"][7:])')
python3 - "$LAB_TMP/registry/docker/registry/v2/blobs/sha256/${layer:0:2}/$layer/data" <<'PY'
import sys
p = sys.argv[1]; b = open(p, "rb").read()
open(p, "wb").write(bytes(x ^ 0xff for x in b))
PY
rm -rf "$LAB_TMP/two-root" "$LAB_TMP/demo.tar" "$LAB_TMP/two.tar"
