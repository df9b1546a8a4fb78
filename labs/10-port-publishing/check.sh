#!/usr/bin/env bash
# Lab 10 check: calls your steps and reads the kernel after each — listening sockets and their
# owners (`ss -ltnp` in the lab's host and inside the container), whose network namespace the
# owner is in (/proc/PID/ns/net), the sysctls a DNAT rule would need (ip_forward,
# route_localnet), the nftables ruleset (when nft is installed), links, addresses, leases —
# and fetches pages through the published ports over the lab host's loopback.
#
# Everything runs in the lab's host namespace ctrkit-lab-10 (setup.sh). It runs under
# labs/reaper.py: the containers' monitors are orphans that something must reap (lab 14).
source "$(dirname "$0")/../lib.sh"
[ -n "${LAB_REAPER:-}" ] || exec python3 "$LABS_DIR/reaper.py" bash "$0" "$@"
source "$LAB_WORK"
NETDIR=$CTRKIT_STATE/networks/ctrkit0
finish() {   # on every way out: remove the containers (by ctrkit, in the lab's host)
  local ids; ids=$(on_host ctrkit ps -aq --no-trunc 2>/dev/null)
  [ -n "$ids" ] && on_host ctrkit rm -f $ids > /dev/null 2>&1
  stop_tracked
}
trap finish EXIT
[ -e "/run/netns/$HOSTNS" ] || { fail "no lab host namespace /run/netns/$HOSTNS" "setup.sh makes it: run the lab through ./labs/run.sh check 10"; check_result; exit; }
hostns="net:[$(stat -L -c %i "/run/netns/$HOSTNS")]"
echo "     the lab's host: /run/netns/$HOSTNS, $hostns; this shell: $(ns_of $$ net)"

# kernel truth, read by the check itself
listeners() { on_host ss -Hltnp "sport = :$1" 2>/dev/null; }          # listeners PORT — in the lab's host
owner_pids() { grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u; }          # from ss -p output
get() { on_host timeout 5 busybox wget -qO- "http://127.0.0.1:$1/" 2>/dev/null; }   # the check's own fetch
monitor_of() {   # monitor_of NAME — the monitor's pid, as ctrkit recorded it in state.json
  local id; id=$(on_host ctrkit inspect -f '{{.Id}}' "$1" 2>/dev/null) || return 1
  sed -n 's/.*"monitor_pid": *\([0-9]*\).*/\1/p' "$CTRKIT_STATE/containers/$id/state.json" 2>/dev/null | head -1
}
veths() { ip -n "$HOSTNS" -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep '^veth'; }
links() { ip -n "$HOSTNS" -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort | tr '\n' ' '; }
leases() { ls "$NETDIR/leases" 2>/dev/null; }
sysctl_in_host() { on_host cat "/proc/sys/net/ipv4/$1" 2>/dev/null; }
if command -v nft > /dev/null; then HAVE_NFT=1; else HAVE_NFT=0
  echo "     note: nft is not installed: the nftables facts are skipped (apt-get install nftables to see them)"; fi
lab_ruleset() { on_host nft list ruleset 2>/dev/null; }
ours_in_machine_ruleset() {   # rules in the machine's own ruleset that mention us and were not there at setup
  nft list ruleset 2>/dev/null | grep -E '10\.66\.|ctrkit|dport 8080' | grep -vxF -f "$LAB_TMP/machine-ruleset" 2>/dev/null
  return 0
}

step "1. publish: -p 8080:80"
publish > "$LAB_TMP/publish.out" 2> "$LAB_TMP/publish.explain"
WP=$(on_host ctrkit inspect -f '{{.State.Pid}}' web 2>/dev/null)
if [ -z "$WP" ] || [ "$WP" = 0 ]; then
  fail "web is not running: $(grep -m1 -E '^ctrkit:|^ctr-run:|TODO' "$LAB_TMP/publish.explain")" \
    "on_host ctrkit run -d … with docker's flag for publishing a port: HOST:CONTAINER (ctrkit run --help)"
  check_result; exit
fi
MON=$(monitor_of web)
l=$(listeners 8080)
if [ -n "$l" ]; then
  pass "the lab's host listens on $(echo "$l" | awk '{ print $4 }') (on_host ss -ltnp 'sport = :8080')"
  own=$(echo "$l" | owner_pids | tr '\n' ' ')
  [ "$own" = "$MON " ] && pass "the socket's owner is pid $MON, web's monitor ($(cat /proc/$MON/comm 2>/dev/null)) — a process on the host, not in the container" \
    || fail "the listener on 8080 is owned by '$own', web's monitor is $MON" "-p makes ctrkit's monitor bind the host port"
  [ "$(ns_of "$MON" net)" = "$hostns" ] && [ "$(ns_of "$WP" net)" != "$hostns" ] && pass "the monitor's network namespace is the lab host's ($hostns); the container's is $(ns_of "$WP" net)" \
    || fail "monitor in $(ns_of "$MON" net), container in $(ns_of "$WP" net), the lab's host is $hostns" "run ctrkit through on_host"
else fail "nothing listens on port 8080 in the lab's host ($(on_host ss -Hltn | awk '{ print $4 }' | tr '\n' ' '))" "-p HOST_PORT:CONTAINER_PORT, i.e. -p 8080:80; through on_host"; fi
ss -Hltnp 2>/dev/null | grep -q "pid=$MON," && fail "the machine's own namespace has a listener of web's monitor" "run ctrkit through on_host" \
  || pass "your machine's own port 8080 is untouched: the monitor listens only in the lab's host"
wait_until 10 "nsenter -t $WP -n ss -Hltn 'sport = :80' 2>/dev/null | grep -q LISTEN"
inside=$(nsenter -t "$WP" -n ss -Hltn 'sport = :80' 2>/dev/null | awk '{ print $4 }' | head -1)
[ -n "$inside" ] && pass "inside web's own namespace, httpd listens on $inside (nsenter -t $WP -n ss -ltn)" || fail "nothing listens on :80 inside web" "\$WEB is provided: on_host ctrkit logs web"
b=$(grep -m1 -E 'bind\(' "$LAB_TMP/publish.explain" | grep 8080)
[ -n "$b" ] && pass "--explain showed the host port bound: $(echo "$b" | cut -c1-100)" || fail "no bind( line for 8080 in publish's --explain output" "ctrkit run -d --explain …"
r=$(grep -n -m1 '] fork()' "$LAB_TMP/publish.explain" | cut -d: -f1); bl=$(grep -n -m1 -E 'bind\(.*8080' "$LAB_TMP/publish.explain" | cut -d: -f1)
[ -n "$r" ] && [ -n "$bl" ] && [ "$bl" -lt "$r" ] && pass "…by ctrkit itself, before it forked the monitor that inherits the socket (line $bl, the first fork line $r)" \
  || fail "the bind of 8080 (line ${bl:-none}) did not come before the first fork (line ${r:-none})" "ctrkit binds first; is --explain on?"

step "2. host_port: ctrkit port"
p=$(host_port web 80/tcp 2> "$LAB_TMP/port.err")
[ "$p" = 8080 ] && pass "host_port web 80/tcp printed 8080 (ctrkit port: $(on_host ctrkit port web 2>/dev/null))" \
  || fail "host_port web 80/tcp printed '$p' $(head -c 100 "$LAB_TMP/port.err")" "on_host ctrkit port NAME PORT prints HOST_IP:HOST_PORT; keep what follows the last colon"

step "3. fetch over the lab host's loopback"
wait_until 10 'test -n "$(get 8080)"'
body=$(fetch 8080 2> "$LAB_TMP/fetch.err")
[ "$body" = "hello from web" ] && pass "fetch 8080 got: $body" \
  || fail "fetch 8080 printed '$body' $(head -c 100 "$LAB_TMP/fetch.err")" "on_host timeout 5 busybox wget -qO- http://127.0.0.1:\$1/"
fw=$(sysctl_in_host ip_forward); rl=$(sysctl_in_host conf/all/route_localnet)
[ "$fw" = 0 ] && [ "$rl" = 0 ] && pass "in the lab's host ip_forward = $fw and route_localnet = $rl: no packet was forwarded, a process relayed it" \
  || fail "in the lab's host ip_forward = $fw, route_localnet = $rl, want 0 and 0" "nothing in this lab turns them on"
if [ "$HAVE_NFT" = 1 ]; then
  rs=$(lab_ruleset)
  [ -z "$rs" ] && pass "the lab host's nftables ruleset is empty (on_host nft list ruleset): no DNAT" || fail "the lab's host has nftables rules: $(echo $rs | cut -c1-100)" "ctrkit adds none: who did?"
fi
# (httpd -v logs to its stderr; ctrkit logs replays each stream on its own)
wait_until 5 "on_host ctrkit logs web 2>&1 | grep -qE '10\.66\.0\.1]?:[0-9]+: '"
seen=$(on_host ctrkit logs web 2>&1 | grep -m1 -E '10\.66\.0\.1]?:[0-9]+: ')
[ -n "$seen" ] && pass "web's log shows the client httpd saw — the proxy's side of the bridge, not 127.0.0.1: $(echo "$seen" | cut -c1-80)" \
  || fail "web's log names no client 10.66.0.1: $(on_host ctrkit logs web 2>&1 | tail -n 2 | tr '\n' ' ')" "\$WEB runs httpd -v (provided), which logs each client"

step "4. a taken port, and any free port"
before_links=$(links); before_leases=$(leases | tr '\n' ' '); before_ps=$(on_host ctrkit ps -aq 2>/dev/null | tr '\n' ' ')
on_host ctrkit run -d --name late -p 8080:80 demo true > /dev/null 2> "$LAB_TMP/late.err"; rc=$?
first=$(head -1 "$LAB_TMP/late.err")
[ "$rc" = 125 ] && echo "$first" | grep -q '0.0.0.0:8080' && grep -q 'in use' "$LAB_TMP/late.err" && pass "a second -p 8080:80 is refused, status 125: $(echo "$first" | cut -c1-100)" \
  || fail "a second -p 8080:80: status $rc, '$first'" "is web still publishing 8080?"
[ "$(links)" = "$before_links" ] && [ "$(leases | tr '\n' ' ')" = "$before_leases" ] && [ "$(on_host ctrkit ps -aq 2>/dev/null | tr '\n' ' ')" = "$before_ps" ] \
  && pass "and it left nothing: the same links, leases and containers as before" || fail "the refused run left something: links '$(links)', leases '$(leases | tr '\n' ' ')'" "ctrkit binds the port before making anything"
publish_any > "$LAB_TMP/any.out" 2> "$LAB_TMP/any.err"
p2=$(host_port web2 80/tcp 2>/dev/null)
range=$(sysctl_in_host ip_local_port_range); lo=${range%%[[:space:]]*}; hi=${range##*[[:space:]]}
if [[ $p2 =~ ^[0-9]+$ ]] && [ "$p2" != 8080 ]; then
  [ "$p2" -ge "${lo:-32768}" ] && [ "$p2" -le "${hi:-60999}" ] && pass "web2's port 80 is on host port $p2, from the kernel's ephemeral range $lo-$hi" \
    || fail "web2's host port $p2 is outside the ephemeral range $lo-$hi" "publish only the container port (-p 80): host port 0 lets the kernel pick"
  [ -n "$(listeners "$p2")" ] && pass "the lab's host listens on $p2: $(listeners "$p2" | awk '{ print $4, $6 }')" || fail "nothing listens on $p2" "ctrkit port says $p2"
  wait_until 10 "test -n \"\$(get $p2)\""
  body=$(fetch "$p2" 2>/dev/null)
  [ "$body" = "hello from web2" ] && pass "fetch $p2 got: $body" || fail "fetch $p2 printed '$body'" "step 3's fetch, with the port from host_port"
else fail "web2 has no published host port other than 8080 (host_port said '$p2'): $(grep -m1 -E '^ctrkit:|^ctr-run:|TODO' "$LAB_TMP/any.err")" "-p CONTAINER_PORT alone: docker-run(1), --publish"; fi

step "5. remove: nothing left"
WIP=$(on_host ctrkit inspect -f '{{.NetworkSettings.IPAddress}}' web 2>/dev/null); W2IP=$(on_host ctrkit inspect -f '{{.NetworkSettings.IPAddress}}' web2 2>/dev/null)
MON2=$(monitor_of web2)
for n in web web2; do remove "$n" > /dev/null 2> "$LAB_TMP/rm-$n.err"; done
if [ -n "$(on_host ctrkit ps -aq 2>/dev/null)" ]; then
  fail "containers left after remove: $(on_host ctrkit ps -a 2>/dev/null | sed 1d | tr -s ' ' | cut -c1-80 | tr '\n' ';') $(head -c 100 "$LAB_TMP/rm-web.err")" "ctrkit rm removes a container; -f also a running one"
  check_result; exit
fi
pass "ctrkit ps -a lists nothing"
# The kernel deletes each veth pair with its container's namespace, a moment after it ends.
wait_until 3 '[ -z "$(veths)" ]' && pass "no veth in the lab's host ($(links))" || fail "veths left: $(veths | tr '\n' ' ')" "ctrkit rm ends the container; its namespace and veth pair go with it"
[ -z "$(leases)" ] && pass "no lease in \$CTRKIT_STATE/networks/ctrkit0/leases" || fail "leases left: $(leases | tr '\n' ' ')" "ctrkit rm releases the address"
hf=$(cat "$NETDIR/hosts" 2>/dev/null)
! echo "$hf" | grep -qE "[[:space:]](web|web2)([[:space:]]|$)" && pass "neither name is in the network's hosts file" || fail "the hosts file still names them: $(echo $hf)" "ctrkit rm rewrites it"
a=$(ip -n "$HOSTNS" -4 -o addr show 2>/dev/null | awk '{ print $2, $4 }' | tr '\n' ' ')
[ "$a" = "lo 127.0.0.1/8 ctrkit0 10.66.0.1/16 " ] && pass "addresses in the lab's host: $a— only the bridge's gateway, as docker0 keeps its own" \
  || fail "addresses in the lab's host: $a" "no container address may remain${WIP:+ ($WIP, $W2IP)}"
ports="8080${p2:+ $p2}"; open=""
for p in $ports; do [ -n "$(listeners "$p")" ] && open="$open $p"; [ -n "$(get "$p")" ] && open="$open $p(answers)"; done
[ -z "$open" ] && pass "ports $ports: nothing listens, nothing answers" || fail "still open:$open" "the proxy is threads of the monitor: does the monitor still run?"
gone "${MON:-0}" && gone "${MON2:-0}" && pass "the monitors ($MON, ${MON2:-?}) are gone, and with them the proxy threads" || fail "a monitor is still running (${MON:-?} ${MON2:-?})" "ctrkit rm -f stops the container; its monitor ends with it"
if [ "$HAVE_NFT" = 1 ]; then
  [ -z "$(lab_ruleset)" ] && pass "the lab host's nftables ruleset is still empty" || fail "the lab's host has rules now: $(lab_ruleset | head -3 | tr '\n' ' ')" "ctrkit adds none"
  if [ -f "$LAB_TMP/machine-ruleset" ]; then
    o=$(ours_in_machine_ruleset)
    [ -z "$o" ] && pass "your machine's ruleset has no new rule mentioning 10.66., ctrkit or 8080" || fail "your machine's ruleset has new rules: $(echo $o | cut -c1-100)" "who added them? not ctrkit"
  fi
fi
check_result
