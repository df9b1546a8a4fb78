#!/usr/bin/env bash
# Lab 06 check: reads the image's own bytes (sha256 of each blob against the manifest), the
# flattened tree and the store as the file system has them (stat of the whiteout, the opaque
# xattr), the config blob, what the image's Cmd wrote, and the sentinel dir after the hostile runs.
source "$(dirname "$0")/../lib.sh"
source "$LAB_WORK"

# j FILE PYEXPR — evaluate PYEXPR on the JSON document j read from FILE (no jq needed)
j() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); r=eval(sys.argv[2]); print("\n".join(r) if isinstance(r, list) else r)' "$1" "$2" 2>/dev/null; }
blobfile() { echo "$IMAGE/blobs/sha256/${1#sha256:}"; }
M=$(blobfile "$(j "$IMAGE/index.json" 'j["manifests"][0]["digest"]')")
C=$(blobfile "$(j "$M" 'j["config"]["digest"]')")
want=$(j "$M" '[l["digest"] for l in j["layers"]]')
diff_ids=$(j "$C" 'j["rootfs"]["diff_ids"]')

step "1. digests, by hand"
truth=$(for d in $want; do echo "sha256:$(sha256sum "$(blobfile "$d")" | cut -d' ' -f1)"; done)
[ "$truth" = "$want" ] && pass "sha256 of each layer blob equals the manifest's digest ($(echo "$want" | wc -l) layers)" \
  || fail "a layer blob does not hash to its manifest digest" "setup.sh wrote the image: run ./labs/run.sh clean 06 and try again"
mine=$(layer_digests 2>/dev/null)
[ "$mine" = "$want" ] && pass "your layer_digests: the manifest's layers, bottom first, from sha256sum" \
  || fail "layer_digests printed '$(echo $mine)', the manifest lists '$(echo $want)'" "index.json → the manifest blob → its layers[].digest; hash each blob file with sha256sum"

step "2. unpack: the store and the root file system"
unpack 2> "$LAB_TMP/explain"; rc=$?
if [ "$rc" = 0 ] && [ "$(j "$LAB_TMP/unpack.json" 'j["rootfs"]')" = "$ROOT" ]; then pass "img-unpack exited 0; unpack.json is its report (rootfs $ROOT)"
else fail "unpack exited $rc and $LAB_TMP/unpack.json names no rootfs $ROOT: $(grep -m1 'img-unpack:' "$LAB_TMP/explain")" "img-unpack --store DIR --to DIR --json IMAGE > \$LAB_TMP/unpack.json (bins/img-unpack/README.md)"; fi
if [ -f "$ROOT/etc/motd" ] && [ -f "$ROOT/data/keep/f" ] && [ -x "$ROOT/bin/busybox" ]; then
  pass "the root file system holds layer 1's files (etc/motd, data/keep/f, bin/busybox)"
else fail "$ROOT lacks layer 1's files" "--to \"\$ROOT\""; fi
[ -d "$ROOT/etc" ] && [ ! -e "$ROOT/etc/secret" ] && [ ! -L "$ROOT/etc/secret" ] && [ ! -e "$ROOT/etc/.wh.secret" ] \
  && pass "deleted file absent: no etc/secret (and no .wh.secret) in the root" || fail "etc/secret or its whiteout is in the root" "the flattened root applies whiteouts: img-unpack does it"
[ -d "$ROOT/app" ] && [ "$(ls -A "$ROOT/app" 2>/dev/null | grep -v '^ran.txt$')" = README ] \
  && pass "replaced dir: app/ holds only layer 2's README (app/old is gone)" || fail "app/ holds: $(ls -A "$ROOT/app" 2>/dev/null | tr '\n' ' ')" "the opaque marker hides everything below it"
n=0; for d in $diff_ids; do [ -d "$STORE/layers/${d#sha256:}" ] && n=$((n + 1)); done
[ "$n" = 2 ] && pass "the store has both layers, named by their diff_ids (the tar's digest, from the config)" || fail "the store has $n of the 2 layers under $STORE/layers/<diff_id>" "--store \"\$STORE\" as well as --to"
grep -qi 'verif' "$LAB_TMP/explain" && pass "--explain showed the layers being verified" || fail "no verification lines in --explain" "keep --explain (stderr)"

step "3. whiteouts in the store"
L2=$STORE/layers/$(echo "$diff_ids" | sed -n '2s/^sha256://p')
t=$(stat -c '%F %t:%T' "$L2/etc/secret" 2>/dev/null)
[ "$t" = "character special file 0:0" ] && pass "stored layer 2: etc/secret is a character device 0:0 (stat)" || fail "stored layer 2's etc/secret is '${t:-missing}'" "unpack into a store first"
o=$(python3 -c 'import os,sys
try: print(os.getxattr(sys.argv[1], "trusted.overlay.opaque").decode())
except OSError: pass' "$L2/app" 2>/dev/null)
[ "$o" = y ] && pass "stored layer 2: app has trusted.overlay.opaque=y" || fail "stored layer 2's app is not opaque ('$o')" "unpack into a store first"
real=$(find "$STORE/layers" -type c -exec stat -c '%t:%T %n' {} + 2>/dev/null | sed -n 's/^0:0 //p' | sort)
yours=$(find_whiteouts 2>/dev/null | sort)
[ -n "$real" ] && [ "$yours" = "$real" ] && pass "your find_whiteouts found exactly the whiteouts: $(echo $yours | sed "s|$STORE/||g")" \
  || fail "find_whiteouts printed '$(echo $yours)', the store has '$(echo $real)'" "find -type c, then keep those whose major:minor (stat %t:%T) is 0:0"

step "4. the config, honoured"
image_config 2>/dev/null
for k in Cmd Env; do
  w=$(j "$C" "(j['config'].get('Entrypoint') or [] if '$k' == 'Cmd' else []) + (j['config'].get('$k') or [])")
  f=$CFG/$(echo "$k" | tr A-Z a-z)
  [ -f "$f" ] && [ "$(cat "$f")" = "$w" ] && pass "$k: your $f matches the config blob ($(echo "$w" | wc -l) lines)" \
    || fail "$f does not hold the config's $k (one per line)" "unpack.json's \"config\" has it: python3 -c 'import json; …'"
done
w=$(j "$C" 'j["config"]["WorkingDir"]')
[ "$(cat "$CFG/workdir" 2>/dev/null)" = "$w" ] && pass "WorkingDir: $w" || fail "$CFG/workdir is not '$w'" "the config's WorkingDir"
rm -f "$ROOT/app/ran.txt"
if [ -d "$ROOT/bin" ] && [ -s "$CFG/cmd" ]; then run_image >/dev/null 2>&1; fi
r=$(cat "$ROOT/app/ran.txt" 2>/dev/null)
[ "$r" = "hello from lab 06 in /app" ] && pass "the image's Cmd ran with its Env in its WorkingDir: app/ran.txt says '$r'" \
  || fail "app/ran.txt says '${r:-nothing}', want 'hello from lab 06 in /app'" "run_image uses your three files: Cmd one argument per line, Env one VAR=value per line"

step "5. hostile images"
unpack_hostile 2>/dev/null
for n in hostile-dotdot hostile-symlink; do
  rc=$(cat "$LAB_TMP/$n.rc" 2>/dev/null)
  [ "$rc" = 125 ] && pass "$n refused: status 125, $(head -1 "$LAB_TMP/$n.err")" \
    || fail "$n: status '${rc:-not run}', want 125" "img-unpack --to \"\$OUT/root\" \"\$LAB_TMP/$n\" 2> \"\$LAB_TMP/$n.err\"; echo \$? > \"\$LAB_TMP/$n.rc\""
done
if [ -n "$(cat "$LAB_TMP"/hostile-*.rc 2>/dev/null)" ] && diff -q <(cd "$OUT" && find . -printf '%y %m %s %p\n' | sort) "$LAB_TMP/outside.before" >/dev/null \
   && [ ! -e "$LAB_TMP/escape" ] && [ ! -e "$OUT/escape" ] && [ ! -e "$OUT/pwned" ]; then
  pass "outside/ is exactly as setup left it: no escape, no pwned, no half root"
else fail "outside/ changed (or the hostile images were not run): $(cd "$OUT" && find . | tr '\n' ' ')" "img-unpack removes a --to dir it created on failure; anything else there is an escape"; fi
check_result
