#!/usr/bin/env bash
# Lab 12 check: runs a probe container with each of your flag arrays and reads what the kernel
# says of the container's own process (/proc/self/status inside: CapEff, CapPrm, CapBnd,
# NoNewPrivs, Seccomp), decoding the hex masks into bit sets itself; then makes the blocked
# calls itself — with and without the filter, with and without the capability — to show which
# of the two refused them.
source "$(dirname "$0")/../lib.sh"
source "$LAB_WORK"
mkdir -p "$OUT"

# bits HEX — the set bit numbers of a mask, space-separated (the check's own decoding)
bits() { local m=$((16#${1:-0})) n out=""; for n in $(seq 0 63); do (( (m >> n) & 1 )) && out="$out $n"; done; echo "${out# }"; }
field() { sed -n "s/^$2:[[:space:]]*//p" "$OUT/$1.status" 2>/dev/null; }
names() { local n out=""; for n in $1; do out="$out ${CAPS[$n]:-bit$n}"; done; echo "${out# }"; }
DOCKER14="0 1 3 4 5 6 7 8 10 13 18 27 29 31"   # CHOWN … SETFCAP: docker's default set
run_probe() {   # run_probe NAME ARRAY — the probe with your flags; fails loudly if it did not run
  local -n fl=$2
  rm -f "$OUT/$1.status"
  probe "$1" "${fl[@]}" 2> "$OUT/$1.err"
  [ -n "$(field "$1" CapEff)" ] && return 0
  fail "the $1 container did not run (ctr-run ${fl[*]} demo …): $(grep -m1 -E '^ctr-run:' "$OUT/$1.err")" "ctr-run --help, section Security; each word of the flag is one array element"
  return 1
}
# caps_are NAME FIELD WANT-BITS HINT
caps_are() {
  local got; got=$(bits "$(field "$1" "$2")")
  [ "$got" = "$3" ] && pass "$1: $2 $(field "$1" "$2") = {$(names "$got")}" \
    || fail "$1: $2 $(field "$1" "$2") = {$(names "$got")}, want {$(names "$3")}" "$4"
}

step "0. the default container (docker's defaults)"
if run_probe default DEFAULT_FLAGS; then
  caps_are default CapEff "$DOCKER14" "the default flags are provided: did DEFAULT_FLAGS change?"
  caps_are default CapBnd "$DOCKER14" "the bounding set limits what any later execve can ever gain"
  [ "$(field default NoNewPrivs)" = 0 ] && [ "$(field default Seccomp)" = 2 ] \
    && pass "default: NoNewPrivs 0, Seccomp 2 (a filter installed: $(field default Seccomp_filters) filter)" \
    || fail "default: NoNewPrivs $(field default NoNewPrivs), Seccomp $(field default Seccomp), want 0 and 2" "DEFAULT_FLAGS=() is provided"
  host=$(bits "$(status_field $$ CapBnd)"); hn=$(echo "$host" | wc -w)
  pass "for contrast, the host shell's CapBnd holds $hn capabilities, the container's 14"
fi

step "1. reading a mask"
for m in "$(field default CapEff)" 0000000000000400 000001ffffffffff; do
  [ -n "$m" ] || continue
  want=$(names "$(bits "$m")" | tr ' ' '\n'); mine=$(cap_names "$m" 2>/dev/null)
  [ -n "$want" ] && [ "$mine" = "$want" ] && pass "cap_names $m: $(echo "$mine" | wc -l) names, lowest bit first" \
    || fail "cap_names $m printed '$(echo $mine | cut -c1-60)', want '$(echo $want | cut -c1-60)…'" "\$((16#\$1)) is the mask as a number; bit N set: ((mask >> N) & 1); its name is \${CAPS[N]}"
done

step "2. one capability only"
if run_probe drop DROP_FLAGS; then
  for f in CapEff CapPrm CapBnd; do caps_are drop "$f" 10 "drop ALL first, then add NET_BIND_SERVICE back: --cap-drop ALL --cap-add NET_BIND_SERVICE"; done
  [ "$(field drop Seccomp)" = 2 ] && pass "drop: Seccomp 2 still (capabilities and the filter are separate layers)" || fail "drop: Seccomp $(field drop Seccomp)" "DROP_FLAGS should touch only capabilities"
fi

step "3. no_new_privs"
if run_probe nnp NNP_FLAGS; then
  [ "$(field nnp NoNewPrivs)" = 1 ] && pass "nnp: NoNewPrivs 1" \
    || fail "nnp: NoNewPrivs $(field nnp NoNewPrivs), want 1" "docker's spelling: --security-opt no-new-privileges"
  caps_are nnp CapEff "$DOCKER14" "NNP_FLAGS should not change capabilities"
fi

step "4. seccomp off, to see what it did"
if run_probe unconfined UNCONFINED_FLAGS; then
  [ "$(field unconfined Seccomp)" = 0 ] && pass "unconfined: Seccomp 0 (no filter)" \
    || fail "unconfined: Seccomp $(field unconfined Seccomp), want 0" "--security-opt seccomp=unconfined"
  caps_are unconfined CapEff "$DOCKER14" "UNCONFINED_FLAGS should not change capabilities"
fi

step "5. blocked by the seccomp filter"
blocked_by_seccomp >/dev/null 2>&1
rc=$(cat "$OUT/seccomp.rc" 2>/dev/null)
[ -n "$rc" ] && [ "$rc" != 0 ] && grep -q "Operation not permitted" "$OUT/seccomp.err" \
  && pass "your blocked_by_seccomp: status $rc, $(head -1 "$OUT/seccomp.err")" \
  || fail "blocked_by_seccomp: status '${rc:-not run}', stderr '$(head -1 "$OUT/seccomp.err" 2>/dev/null)', want EPERM" "ctr-run --rm demo unshare -U true 2> \"\$OUT/seccomp.err\"; echo \$? > \"\$OUT/seccomp.rc\""
e=$(ctr-run --rm demo unshare -U true 2>&1); r=$?
[ "$r" != 0 ] && [[ $e == *"Operation not permitted"* ]] && pass "the check's own run, default container: unshare(CLONE_NEWUSER) gets EPERM" \
  || fail "default container: unshare -U exited $r ('$e'), want EPERM" "ctr-run installs docker's default profile; is seccomp available on this kernel (grep Seccomp /proc/self/status)?"
e=$(ctr-run --rm --security-opt seccomp=unconfined demo unshare -U true 2>&1); r=$?
[ "$r" = 0 ] && pass "… and with seccomp=unconfined the same call succeeds: the filter, not a capability, refused it" \
  || fail "unconfined: unshare -U exited $r ('$e')" "a user namespace needs no capability; is user.max_user_namespaces 0 on this host?"

step "6. blocked by a missing capability"
blocked_by_caps >/dev/null 2>&1
rc=$(cat "$OUT/caps.rc" 2>/dev/null)
[ -n "$rc" ] && [ "$rc" != 0 ] && grep -q "Operation not permitted" "$OUT/caps.err" \
  && pass "your blocked_by_caps: status $rc, $(head -1 "$OUT/caps.err")" \
  || fail "blocked_by_caps: status '${rc:-not run}', stderr '$(head -1 "$OUT/caps.err" 2>/dev/null)', want EPERM" "ctr-run --rm \"\${DROP_FLAGS[@]}\" demo chown 1000 /etc/passwd 2> \"\$OUT/caps.err\"; echo \$? > \"\$OUT/caps.rc\""
e=$(ctr-run --rm --cap-drop ALL --cap-add NET_BIND_SERVICE demo chown 1000 /etc/passwd 2>&1); r=$?
e2=$(ctr-run --rm demo chown 1000 /etc/passwd 2>&1); r2=$?
[ "$r" != 0 ] && [[ $e == *"Operation not permitted"* ]] && [ "$r2" = 0 ] \
  && pass "the check's own run: chown gets EPERM without CAP_CHOWN, and succeeds in a default container (which has it)" \
  || fail "chown: $r ('$e') without CAP_CHOWN, $r2 ('$e2') with it; want EPERM, then 0" "ctr-run's --cap-drop must reach the bounding, permitted and effective sets"
check_result
