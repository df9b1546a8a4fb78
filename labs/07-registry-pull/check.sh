#!/usr/bin/env bash
# Lab 07 check: starts the registry (this script is its parent), runs your steps, and reads
# the truth from the bytes and the registry's own log — the sha256 of every file in the store
# against its name, the registry's Docker-Content-Digest for the manifest, the access log's
# blob GETs before and after each pull, and the store's directories after the damaged pull.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/registry.sh"
source "$LAB_WORK"
registry_up || { fail "the registry did not start on $REG" "./labs/run.sh clean 07, then check again; $LAB_TMP/registry.log says why"; check_result; exit 1; }
trap registry_down EXIT

# j FILE PYEXPR — evaluate PYEXPR on the JSON document j read from FILE (no jq needed)
j() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); r=eval(sys.argv[2]); print("\n".join(r) if isinstance(r, list) else r)' "$1" "$2" 2>/dev/null; }
T=$LAB_TMP/truth; mkdir -p "$T"
# what the registry says, fetched by the check itself
http_get "http://$REG/v2/demo/manifests/1" "$MANIFEST_TYPES" > "$T/m1.json" 3> "$T/m1.digest"
http_get "http://$REG/v2/demo/manifests/2" "$MANIFEST_TYPES" > "$T/m2.json" 3> "$T/m2.digest"
http_get "http://$REG/v2/demo/blobs/$(j "$T/m2.json" 'j["config"]["digest"]')" > "$T/c2.json"
mark=0; settle() { mark=$((mark + 1)); log_mark "check$mark"; }

step "1. the manifest, by hand"
fetch_manifest 2>/dev/null
want=$(cat "$T/m1.digest"); got=sha256:$(sha256sum "$LAB_TMP/manifest.json" 2>/dev/null | cut -d' ' -f1)
[ -s "$LAB_TMP/manifest.json" ] && [ "$got" = "$want" ] \
  && pass "manifest.json hashes to the registry's Docker-Content-Digest ($want)" \
  || fail "manifest.json hashes to $got, the registry names demo:1 $want" "GET http://\$REG/v2/demo/manifests/1 with an Accept header listing \$ACCEPT; save the body unchanged (no pretty-printing)"
[ "$(j "$LAB_TMP/manifest.json" 'j["schemaVersion"]')" = 2 ] && [ -n "$(j "$LAB_TMP/manifest.json" 'j["layers"][0]["digest"]')" ] \
  && pass "it is a schema-2 manifest: config $(j "$LAB_TMP/manifest.json" 'j["config"]["digest"][:19]')…, $(j "$LAB_TMP/manifest.json" 'str(len(j["layers"]))') layer(s)" \
  || fail "manifest.json is not a schema-2 manifest with layers" "without the Accept header a registry may answer 404 or another format"

step "2. one blob, by hand"
layer=$(j "$T/m1.json" 'j["layers"][0]["digest"]')
mine=$(layer_blob_digest 2>/dev/null | tail -1)
real=sha256:$(sha256sum "$LAB_TMP/layer.blob" 2>/dev/null | cut -d' ' -f1)
[ "$real" = "$layer" ] && pass "layer.blob hashes to the manifest's layers[0].digest: the bytes are the ones named" \
  || fail "layer.blob hashes to $real, the manifest names $layer" "GET /v2/demo/blobs/<digest> — the digest is the blob's name in the URL"
[ "$mine" = "$layer" ] && pass "your layer_blob_digest printed it: $mine" \
  || fail "layer_blob_digest printed '$mine', want '$layer'" "\"sha256:\" followed by the first field of sha256sum"

step "3. pull, and pull again"
settle; n0=$(blob_gets)
pull "$REG/demo:1" > "$LAB_TMP/pull1.out" 2> "$LAB_TMP/pull1.err"; rc=$?
settle; n1=$(blob_gets)
rec=$(grep -l "\"$REG/demo:1\"" "$STORE"/images/*.json 2>/dev/null | head -1)
[ "$rc" = 0 ] && [ -n "$rec" ] && pass "first pull exited 0; the store has an image record tagged $REG/demo:1 ($(basename "$rec"))" \
  || fail "first pull exited $rc, and $STORE/images holds no record tagged $REG/demo:1: $(grep -m1 -E '^(img-pull|ctrkit):' "$LAB_TMP/pull1.err")" "ctrkit --root \"\$ROOT\" pull REF (or img-pull --store \"\$STORE\" REF)"
[ "$((n1 - n0))" = 2 ] && pass "the registry's access log: the first pull fetched 2 blobs (config and layer)" \
  || fail "the access log shows $((n1 - n0)) blob GETs for the first pull, want 2 (config + layer)" "pull into \$ROOT: a store that already had the blobs fetches none"
grep -q 'GET /v2/' "$LAB_TMP/pull1.err" && pass "--explain showed the requests" || fail "no 'GET /v2/' lines on the pull's stderr" "--explain (it goes before the verb for ctrkit, anywhere for img-pull)"
pull "$REG/demo:1" > /dev/null 2> "$LAB_TMP/pull2.err"; rc=$?
settle; n2=$(blob_gets)
m=$(grep -c '"GET /v2/demo/manifests/1 ' "$LAB_TMP/registry.log")
[ "$rc" = 0 ] && [ -n "$rec" ] && [ "$n2" = "$n1" ] && pass "second pull exited 0 and the access log shows no new blob GET (manifest GETs for demo:1 so far: $m)" \
  || fail "second pull exited $rc with $((n2 - n1)) new blob GETs in the access log (after a first pull that stored ${rec:+an image}${rec:-nothing}), want 0" "pull the same REF into the same store: it asks for the manifest only"

step "4. only verified blobs in the store"
truth=$(for f in "$STORE"/blobs/sha256/*; do [ -f "$f" ] || continue; h=$(sha256sum "$f" | cut -d' ' -f1)
  if [ "$h" = "$(basename "$f")" ]; then echo "ok $h"; else echo "BAD $(basename "$f")"; fi; done | sort)
nb=$(echo "$truth" | grep -c '^ok ')
[ -n "$truth" ] && ! echo "$truth" | grep -q '^BAD' && pass "every blob in the store hashes to its name ($nb blobs: manifest, config, layer)" \
  || fail "the store's blobs: $(echo $truth)" "a store only ever holds verified blobs: pull first"
for d in "$(cat "$T/m1.digest")" "$(j "$T/m1.json" 'j["config"]["digest"]')" "$layer"; do
  [ -f "$STORE/blobs/sha256/${d#sha256:}" ] || { fail "no blob ${d:0:19}… in the store" "the pull keeps the manifest, the config and each layer blob"; continue; }
done
yours=$(verify_store 2>/dev/null | sort)
[ -n "$truth" ] && [ "$yours" = "$truth" ] && pass "your verify_store agrees with sha256sum on all $nb" \
  || fail "verify_store printed '$(echo $yours | cut -c1-80)…', want one 'ok HEX' per blob file" "for each file in \$STORE/blobs/sha256: compare the first field of sha256sum with the file's name"

step "5. a damaged blob is refused"
before=$(cd "$STORE" 2>/dev/null && find . -path ./lock -prune -o -print | sort)
pull_damaged 2>/dev/null
rc=$(cat "$LAB_TMP/damaged.rc" 2>/dev/null)
l2=$(j "$T/m2.json" 'j["layers"][0]["digest"]')
[ "$rc" = 125 ] && pass "the damaged pull exited 125" \
  || fail "the damaged pull: status '${rc:-not run}', want 125" "pull \"\$REG/demo:2\" 2> \"\$LAB_TMP/damaged.err\"; echo \$? > \"\$LAB_TMP/damaged.rc\""
grep -q "digest mismatch" "$LAB_TMP/damaged.err" 2>/dev/null && grep -q "${l2#sha256:}" "$LAB_TMP/damaged.err" \
  && pass "its error names the layer and why: $(grep -m1 'digest mismatch' "$LAB_TMP/damaged.err" | cut -c1-90)…" \
  || fail "damaged.err does not name ${l2:0:19}… and a digest mismatch" "keep the pull's stderr in \$LAB_TMP/damaged.err"
leftover=""
for d in "$(cat "$T/m2.digest")" "$(j "$T/m2.json" 'j["config"]["digest"]')" "$l2"; do
  [ -e "$STORE/blobs/sha256/${d#sha256:}" ] && leftover="$leftover blob:${d:7:12}"
done
for d in $(j "$T/c2.json" 'j["rootfs"]["diff_ids"]'); do [ -e "$STORE/layers/${d#sha256:}" ] && leftover="$leftover layer:${d:7:12}"; done
grep -q "demo:2" "$STORE"/images/*.json 2>/dev/null && leftover="$leftover record:demo:2"
after=$(cd "$STORE" 2>/dev/null && find . -path ./lock -prune -o -print | sort)
if [ -n "$rc" ] && [ -d "$STORE" ] && [ -z "$leftover" ] && [ "$before" = "$after" ]; then
  pass "nothing of demo:2 in the store (no blob, layer or record), and the store is entry for entry as before"
else fail "the store changed:${leftover:- $({ added_lines "$after" "$before" | sed 's/^/< /'; added_lines "$before" "$after" | sed 's/^/> /'; } | head -3 | tr '\n' ' ')}" "the pull must verify before it stores; run step 5 into the same store as step 3"; fi
check_result
