#!/usr/bin/env bash
# Lab 05 check: reads mountinfo (two overlay mounts, their layers), the upper dirs themselves
# (stat of the whiteout, the opaque xattr, the copied-up file) and the lowers' bytes.
source "$(dirname "$0")/../lib.sh"
source "$LAB_WORK"

xattr() {  # xattr FILE NAME — the value of an extended attribute, or nothing
  if command -v python3 >/dev/null; then
    python3 -c 'import os,sys
try: print(os.getxattr(sys.argv[1], sys.argv[2]).decode())
except OSError: pass' "$1" "$2"
  elif command -v getfattr >/dev/null; then getfattr --only-values -n "$2" "$1" 2>/dev/null; fi
}
check_mount() {  # check_mount NAME DIR
  local line; line=$(mounted_at "$2/root")
  if echo "$line" | grep -q ' - overlay '; then
    if echo "$line" | grep -q "$BASE" && echo "$line" | grep -q "$APP" && echo "$line" | grep -q "upperdir=$2/up"; then
      pass "$1: an overlay at $2/root with both layers and upperdir $2/up (mountinfo)"
    else fail "$1: the overlay's options do not name both layers and $2/up: $(echo "$line" | sed 's/.* - //')" "--lower once per layer, lowest first; --upper and --work"; fi
  else fail "$1: no overlay mounted at $2/root" "ovl-mount --lower … --upper … --work … TARGET (see bins/ovl-mount/README.md)"; fi
}

step "1. container A"
mount_a 2> "$LAB_TMP/explain-a"
check_mount A "$A"
grep -q 'fsconfig\|mount("overlay"' "$LAB_TMP/explain-a" && pass "--explain showed the overlay being built ($(grep -c 'lowerdir' "$LAB_TMP/explain-a") lowerdir lines)" || fail "no fsconfig/mount lines in --explain" "keep --explain"
[ "$(cat "$A/root/etc/motd" 2>/dev/null)" = "$(cat "$APP/etc/motd")" ] && pass "A's etc/motd comes from the top layer (app)" || fail "A's etc/motd is not app's" "layers are given lowest first: base, then app"

step "2. A's changes, as the upper dir records them"
change_a 2>/dev/null
t=$(stat -c '%F %t:%T' "$A/up/etc/os-release" 2>/dev/null)
[ "$t" = "character special file 0:0" ] && pass "whiteout: up/etc/os-release is a character device 0:0" || fail "up/etc/os-release is '${t:-missing}'" "delete etc/os-release through A/root; overlayfs records the deletion in the upper dir"
[ -e "$A/root/etc/motd" ] && [ ! -e "$A/root/etc/os-release" ] && pass "A no longer sees etc/os-release" || fail "A still sees etc/os-release" "rm it in A/root"
o=$(xattr "$A/up/data" trusted.overlay.opaque)
[ "$o" = y ] && pass "opaque dir: up/data has trusted.overlay.opaque=y" || fail "up/data is not opaque (xattr: '${o}')" "remove the whole data dir in A/root, then mkdir it again"
[ ! -e "$A/root/data/a" ] && [ "$(cat "$A/root/data/c" 2>/dev/null)" = "c, new in A" ] && pass "A's data/ holds only c: base's a and b no longer show through" || fail "A's data/ is: $(ls "$A/root/data" 2>/dev/null | tr '\n' ' ')" "after the new mkdir, write data/c"
if [ -f "$A/up/etc/motd" ] && [ ! -c "$A/up/etc/motd" ] && [ "$(head -1 "$A/up/etc/motd")" = "$(cat "$APP/etc/motd")" ] && grep -q 'A was here' "$A/up/etc/motd"; then
  pass "copy-up: up/etc/motd is app's motd plus 'A was here'"
else fail "no copied-up etc/motd with 'A was here' in A's upper" "append (>>) to etc/motd through A/root: the whole file is copied up first"; fi

step "3. container B shares the layers"
mount_b 2> "$LAB_TMP/explain-b"
check_mount B "$B"
if [ -e "$B/root/etc/os-release" ] && [ -e "$B/root/data/a" ] && [ ! -e "$B/root/data/c" ] && [ "$(cat "$B/root/etc/motd" 2>/dev/null)" = "$(cat "$APP/etc/motd")" ]; then
  pass "A's writes are invisible in B: B has os-release, data/a, no data/c, app's motd"
else fail "B does not see the pristine layers" "B must have its own --upper and --work (never A's)"; fi
[ -d "$B/up" ] && [ -z "$(ls -A "$B/up")" ] && pass "B's upper dir is empty" || fail "B's upper is not an empty dir" "B's upper: a dir of its own"
diff -q <(cd "$LAB_TMP/layers" && find . -printf '%y %m %p\n' | sort && find . -type f -exec sha256sum {} + | sort) "$LAB_TMP/layers.before" >/dev/null \
  && pass "the lowers are byte-identical to what setup made (types, modes, sha256 of every file)" \
  || fail "a lower layer changed!" "never write into a layer dir directly: only through the merged root"
check_result
