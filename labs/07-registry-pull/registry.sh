# labs/07-registry-pull/registry.sh — the lab's registry, sourced by setup, check, cleanup and
# work.sh (never run). It is Debian's docker-registry (distribution 2.8), copied to
# $LAB_TMP/bin/lab07-registry so that the leak audit can find it by name, listening on
# 127.0.0.1 only, storage in $LAB_TMP/registry, its log (access log included) in
# $LAB_TMP/registry.log.
#
# Whoever starts it waits for it: registry_up runs it as a child of the calling script and
# records its pid (track), registry_down stops exactly that pid and reaps it. (A registry left
# running after setup.sh exits would be an orphan of pid 1 — and not every pid 1 reaps.)
REGISTRY_BIN=/usr/bin/docker-registry
PORT=$(cat "$LAB_TMP/port" 2>/dev/null)
REG=127.0.0.1:$PORT

# http_get URL [ACCEPT] — the body on stdout; the Docker-Content-Digest header on fd 3 if open
http_get() {
  python3 - "$1" "${2:-}" <<'PY'
import os, sys, urllib.request
req = urllib.request.Request(sys.argv[1])
if sys.argv[2]: req.add_header("Accept", sys.argv[2])
with urllib.request.urlopen(req, timeout=10) as r:
    sys.stdout.buffer.write(r.read())
    try: os.write(3, (r.headers.get("Docker-Content-Digest") or "").encode() + b"\n")
    except OSError: pass
PY
}
MANIFEST_TYPES="application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json"

registry_up() {
  "$LAB_TMP/bin/lab07-registry" serve "$LAB_TMP/config.yml" >> "$LAB_TMP/registry.log" 2>&1 &
  local pid=$!
  echo "$pid" > "$LAB_TMP/registry.pid"; track "$pid"
  wait_until 10 "http_get http://$REG/v2/ >/dev/null 2>&1 || gone $pid"
  alive "$pid" && http_get "http://$REG/v2/" >/dev/null 2>&1 && return 0
  echo "lab 07: the registry did not answer on $REG; its log:" >&2; tail -5 "$LAB_TMP/registry.log" >&2
  return 1
}
registry_down() { stop_tracked; rm -f "$LAB_TMP/registry.pid"; }

# blob_gets — how many blob downloads the registry has logged so far (one access-log line per
# response, written as the response ends)
blob_gets() { grep '"GET /v2/' "$LAB_TMP/registry.log" 2>/dev/null | grep -c '/blobs/'; }
# log_mark NAME — a request of our own, then wait until its line is in the access log: every
# response that ended before it has been logged by then (so a count read after it is final)
log_mark() {
  http_get "http://$REG/v2/?lab07-mark=$1" >/dev/null 2>&1
  wait_until 3 "grep -q 'lab07-mark=$1 ' '$LAB_TMP/registry.log'"
}
