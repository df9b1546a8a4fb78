#!/usr/bin/env bash
# Lab 09 check: calls your steps in order and reads the kernel after each — the namespaces in
# /run/netns, `ip -o link` (eth0@ifN: the index of the peer), `ip -o addr`, `master` links,
# /proc/PID/net/dev — and sends real traffic (busybox ping and wget) between the namespaces,
# first before the bridge exists (none must pass), then after.
#
# Everything runs in the lab's host namespace ctrkit-lab-09 (setup.sh); the check also makes
# sure nothing of the lab's appeared in the machine's own namespace. It runs under
# labs/reaper.py: the containers' monitors are orphans that something must reap (lab 14).
source "$(dirname "$0")/../lib.sh"
[ -n "${LAB_REAPER:-}" ] || exec python3 "$LABS_DIR/reaper.py" bash "$0" "$@"
source "$LAB_WORK"
LEASES=$CTRKIT_STATE/networks/ctrkit0/leases
finish() {   # on every way out: the containers (by ctrkit, in the lab's host), then the boxes
  local ids; ids=$(on_host ctrkit ps -aq --no-trunc 2>/dev/null)
  [ -n "$ids" ] && on_host ctrkit rm -f $ids > /dev/null 2>&1
  stop_tracked
}
trap finish EXIT
[ -e "/run/netns/$HOSTNS" ] || { fail "no lab host namespace /run/netns/$HOSTNS" "setup.sh makes it: run the lab through ./labs/run.sh check 09"; check_result; exit; }

# kernel truth, read by the check itself
pings() { "$@" busybox ping -c1 -W1 "${PING_TO:?}" > /dev/null 2>&1; }     # pings CMD…: CMD prefix, PING_TO target
can() { PING_TO=$1; shift; pings "$@"; }                                    # can ADDR CMD… — does ADDR answer from there?
# can_soon ADDR CMD…: the same, allowing ~2 s for a freshly plugged link to come up (carrier,
# neighbour discovery) — for the checks that expect an answer; `can` alone for "no traffic".
can_soon() { local to=$1 i; shift; for i in 1 2 3 4 5 6 7; do can "$to" "$@" && return 0; sleep 0.3; done; return 1; }
link_index() { ip -n "$1" -o link show "$2" 2>/dev/null | awk -F': ' '{ print $1; exit }'; }  # ifindex of DEV in NS
peer_index() { ip -n "$1" -o link show "$2" 2>/dev/null | sed -n 's/^[0-9]*: [^@:]*@if\([0-9]*\):.*/\1/p'; } # N of DEV@ifN
addr_of() { ip -n "$1" -4 -o addr show dev "$2" 2>/dev/null | awk '{ print $4; exit }'; }      # 10.99.0.2/24
is_up() { ip -n "$1" -o link show "$2" 2>/dev/null | grep -qE '<([^>]*,)?UP[,>]'; }   # set up (IFF_UP), whatever its carrier
flags() { ip -n "$1" -o link show "$2" 2>/dev/null | grep -o '<[^>]*>'; }
on_bridge() { ip -n "$HOSTNS" -o link show master "$1" 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'; }
veths_on_ctrkit0() { on_bridge ctrkit0 | grep '^veth'; }
pid_eth0() { nsenter -t "$1" -n ip -4 -o addr show eth0 2>/dev/null | awk '{ print $4; exit }'; }   # as the brief's tests read it
leases() { ls "$LEASES" 2>/dev/null; }
machine_strays() {   # names of ours in the machine's own namespace that were not there at setup
  ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep -E '^(cl09-|ctrkit0$)' | grep -vxF -f "$LAB_TMP/machine-links"
  return 0
}
hostns_inode=$(stat -L -c %i "/run/netns/$HOSTNS")
echo "     the lab's host: /run/netns/$HOSTNS, net:[$hostns_inode]; this shell: $(ns_of $$ net)"

step "1. by hand: two namespaces, a cable into each"
cable "$A" "$NET.2" cl09-a > "$LAB_TMP/cable-a.out" 2>&1
cable "$B" "$NET.3" cl09-b > "$LAB_TMP/cable-b.out" 2>&1
cables=1
for x in "A $A $NET.2 cl09-a" "B $B $NET.3 cl09-b"; do
  set -- $x; ns=$2 want=$3/24 end=$4
  if [ ! -e "/run/netns/$ns" ]; then fail "$1: no /run/netns/$ns" "ip netns add \"\$ns\" is provided at the top of cable"; cables=0; continue; fi
  i=$(stat -L -c %i "/run/netns/$ns")
  [ "net:[$i]" != "$(ns_of $$ net)" ] && [ "$i" != "$hostns_inode" ] && pass "$1: /run/netns/$ns is a network namespace of its own: net:[$i]" \
    || fail "$1: /run/netns/$ns is net:[$i], not a new namespace" "ip netns add NAME makes a new one"
  ip -n "$ns" -o link show lo | grep -q 'UP' && pass "$1: lo is up" || fail "$1: lo is down in $ns" "a new namespace's lo starts down: ip -n NS link set lo up"
  got=$(addr_of "$ns" eth0)
  if [ "$got" = "$want" ]; then pass "$1: eth0 holds $got"
  else fail "$1: eth0 in $ns holds '${got:-nothing}', want $want ($(head -c 160 "$LAB_TMP/cable-$(echo "$1" | tr AB ab).out" | tr '\n' ' '))" \
       "the veth's other end must be born inside NS as eth0 (ip link add END type veth peer name eth0 netns NS), then ip -n NS addr add ADDR/24 dev eth0"; cables=0; continue; fi
  is_up "$ns" eth0 && is_up "$HOSTNS" "$end" && pass "$1: eth0 and $end are both UP" \
    || { fail "$1: eth0 or $end is not up (eth0 $(flags "$ns" eth0), $end $(flags "$HOSTNS" "$end"))" "a veth carries nothing until BOTH ends are up: ip -n NS link set eth0 up, and on_host ip link set END up"; cables=0; }
  hi=$(link_index "$HOSTNS" "$end"); ei=$(link_index "$ns" eth0)
  if [ -n "$hi" ] && [ "$(peer_index "$ns" eth0)" = "$hi" ] && [ "$(peer_index "$HOSTNS" "$end")" = "$ei" ]; then
    pass "$1: one cable: in $ns it is eth0@if$hi, in the lab's host $end@if$ei (each names the other's index)"
  else fail "$1: eth0 in $ns is not the peer of $end in the lab's host ($(ip -n "$ns" -o link show eth0 2>/dev/null | cut -d: -f2) / $(ip -n "$HOSTNS" -o link show "$end" 2>/dev/null | cut -d: -f2))" \
       "make the pair in the lab's host (on_host ip link add END type veth peer name eth0 netns NS)"; cables=0; fi
done
s=$(machine_strays)
[ -z "$s" ] && pass "nothing named cl09-* appeared in the machine's own namespace" \
  || fail "in the machine's OWN namespace: $(echo $s)" "every ip command that makes a link runs through on_host (cleanup.sh removes these)"

if [ "$cables" = 1 ]; then
  step "   before the bridge: no traffic"
  can "$NET.3" in_ns "$A" && fail "A reaches B ($NET.3) before any bridge exists" "is something else connecting them? each cable should end in the lab's host, unplugged" \
    || pass "A cannot ping B ($NET.3): its cable ends in mid-air, on cl09-a in the lab's host"
  can "$NET.1" in_ns "$A" && fail "A reaches $NET.1 before the bridge exists" "the gateway address belongs on the bridge (step 2)" \
    || pass "A cannot ping the gateway $NET.1 either: nobody holds it yet"
fi

step "2. by hand: the bridge"
bridge > "$LAB_TMP/bridge.out" 2>&1
members=$(on_bridge "$BRIDGE" | sort | tr '\n' ' ')
if [ "$members" = "cl09-a cl09-b " ]; then pass "ip -n $HOSTNS -o link show master $BRIDGE: $members"
else fail "the ports of $BRIDGE are '${members:-none}', want cl09-a cl09-b ($(head -c 160 "$LAB_TMP/bridge.out" | tr '\n' ' '))" "on_host ip link add $BRIDGE type bridge, then on_host ip link set END master $BRIDGE for each end"; fi
[ "$(addr_of "$HOSTNS" "$BRIDGE")" = "$NET.1/24" ] && is_up "$HOSTNS" "$BRIDGE" && pass "$BRIDGE holds $NET.1/24 and is UP" \
  || fail "$BRIDGE holds '$(addr_of "$HOSTNS" "$BRIDGE")' $(flags "$HOSTNS" "$BRIDGE"), want $NET.1/24, UP" "on_host ip addr add $NET.1/24 dev $BRIDGE; on_host ip link set $BRIDGE up"
if [ "$cables" = 1 ]; then
  can_soon "$NET.3" in_ns "$A" && pass "A pings B ($NET.3) through the bridge" || fail "A cannot ping B ($NET.3)" "both ends plugged into the bridge, and the bridge up?"
  can_soon "$NET.2" in_ns "$B" && pass "B pings A ($NET.2)" || fail "B cannot ping A ($NET.2)" "both ends plugged into the bridge, and the bridge up?"
  can_soon "$NET.1" in_ns "$A" && pass "A pings the lab's host at $NET.1 (the bridge's address)" || fail "A cannot ping $NET.1" "the bridge holds the host's address on this segment"
  can_soon "$NET.3" on_host && pass "the lab's host pings B ($NET.3)" || fail "the lab's host cannot ping B" "the bridge's address gives the host a route to $NET.0/24"
fi
s=$(machine_strays)
[ -z "$s" ] || fail "in the machine's OWN namespace: $(echo $s)" "run every ip command that makes a link through on_host"

step "3. ctr-net: two boxes plugged into ctrkit0"
start_box; B1=${BOX:-}; start_box; B2=${BOX:-}
if [ -z "$B1" ] || [ -z "$B2" ]; then fail "the boxes did not start" "start_box is provided: is ns-unshare in target/bin?"
else
  devs=$(awk -F: 'NR > 2 { gsub(/ /, "", $1); print $1 }' "/proc/$B1/net/dev" | tr '\n' ' ')
  [ "$devs" = "lo " ] && pass "before plug: box $B1's /proc/$B1/net/dev lists only lo" || fail "box $B1 has devices '$devs' before plug" "start_box is provided"
  can 10.66.0.1 nsenter -t "$B1" -n && fail "box $B1 reaches 10.66.0.1 before plug" "" || pass "before plug: box $B1 cannot reach 10.66.0.1"
  plug "$B1" box1 > "$LAB_TMP/plug1.out" 2> "$LAB_TMP/plug1.explain"
  plug "$B2" box2 > "$LAB_TMP/plug2.out" 2> "$LAB_TMP/plug2.explain"
  ip1=$(pid_eth0 "$B1"); ip2=$(pid_eth0 "$B2")
  if [ -n "$ip1" ] && [ -n "$ip2" ]; then
    pass "box1's eth0 holds $ip1, box2's $ip2 (nsenter -t PID -n ip -4 -o addr show eth0)"
    l=$(leases | tr '\n' ' ')
    [ "$l" = "${ip1%/*} ${ip2%/*} " ] || [ "$l" = "${ip2%/*} ${ip1%/*} " ] && pass "each is a lease in \$CTRKIT_STATE/networks/ctrkit0/leases: $l" \
      || fail "leases are '$l', eth0s hold $ip1 $ip2" "ctr-net must run with the lab's CTRKIT_STATE (exported at the top) — through on_host"
    n=$(veths_on_ctrkit0 | wc -l)
    [ "$n" = 2 ] && pass "two veth ends on ctrkit0 in the lab's host: $(veths_on_ctrkit0 | tr '\n' ' ')" || fail "$n veth ends on ctrkit0, want 2" "ctr-net connect plugs one per box"
    can_soon "${ip2%/*}" nsenter -t "$B1" -n && pass "box1 pings box2 (${ip2%/*})" || fail "box1 cannot ping box2 (${ip2%/*})" "both on ctrkit0?"
    can_soon 10.66.0.1 nsenter -t "$B2" -n && pass "box2 pings the lab's host at 10.66.0.1 (ctrkit0's address)" || fail "box2 cannot ping 10.66.0.1" "ctr-net sets a default route via the gateway"
    unplug "$B1" > /dev/null 2>&1; unplug "$B2" > /dev/null 2>&1
    [ -z "$(veths_on_ctrkit0)" ] && [ -z "$(leases)" ] && pass "after unplug (ctr-net disconnect): no veth on ctrkit0, no lease" \
      || fail "after unplug: veths '$(veths_on_ctrkit0 | tr '\n' ' ')', leases '$(leases | tr '\n' ' ')'" "unplug is provided: it uses the lease id pid-PID (ctr-net's default)"
  else
    fail "no eth0 address in the boxes (box1: '$ip1', box2: '$ip2'): $(grep -m1 -E 'ctr-net:|TODO' "$LAB_TMP/plug1.explain")" \
      "ctr-net connect --pid PID --name NAME, run in the lab's host (on_host) — see ctr-net --help"
  fi
  l=$(grep 'RTM_NEWLINK' "$LAB_TMP/plug1.explain" | grep -m1 'kind veth')
  [ -n "$l" ] && pass "--explain showed the veth pair being made: $(echo "$l" | cut -c1-110)…" \
    || fail "no 'RTM_NEWLINK … kind veth' line in plug's --explain output" "ctr-net --explain connect …: --explain comes before the subcommand"
fi
stop_tracked

step "4. containers on the bridge"
run_containers > "$LAB_TMP/run.out" 2> "$LAB_TMP/run.explain"
WP=$(on_host ctrkit inspect -f '{{.State.Pid}}' web 2>/dev/null); CP=$(on_host ctrkit inspect -f '{{.State.Pid}}' client 2>/dev/null)
if [ -z "$WP" ] || [ "$WP" = 0 ] || [ -z "$CP" ] || [ "$CP" = 0 ]; then
  fail "web and client are not both running (pids '${WP:-none}' and '${CP:-none}'): $(grep -m1 -E '^ctrkit:|^ctr-run:|TODO' "$LAB_TMP/run.explain")" \
    "on_host ctrkit run -d --name NAME with the network flag of ctrkit run --help; the rest of the check needs them"
  check_result; exit
fi
WIP=$(on_host ctrkit inspect -f '{{.NetworkSettings.IPAddress}}' web); CIP=$(on_host ctrkit inspect -f '{{.NetworkSettings.IPAddress}}' client)
for x in "web $WP $WIP" "client $CP $CIP"; do
  set -- $x
  got=$(pid_eth0 "$2")
  [ -n "$3" ] && [ "$got" = "$3/16" ] && pass "$1 (host pid $2): eth0 holds $got, what ctrkit inspect reports ($3)" \
    || fail "$1: eth0 holds '${got:-nothing}', inspect says '$3'" "--network bridge puts a container on ctrkit0 (the default is none: only lo)"
done
n=$(veths_on_ctrkit0 | wc -l)
[ "$n" = 2 ] && pass "their two veth ends are on ctrkit0: $(veths_on_ctrkit0 | tr '\n' ' ')" || fail "$n veth ends on ctrkit0, want 2" "--network bridge"
out=$(on_host ctrkit run --rm demo sh -c "cat /proc/net/dev | sed '1,2d' | cut -d: -f1 | tr -d ' '; timeout 3 wget -qO- http://$WIP/ 2>/dev/null || echo unreachable" 2>&1)
[ "$(echo "$out" | tr '\n' ' ')" = "lo unreachable " ] && pass "a container on the default network (none) has only lo and cannot reach web" \
  || fail "a --network none container printed: $(echo $out | cut -c1-100)" "that container is the check's own"

step "5. peek: a foreground container, --explain"
before=$(veths_on_ctrkit0 | sort | tr '\n' ' ')
peek > "$LAB_TMP/peek.out" 2> "$LAB_TMP/peek.explain"
got=$(awk '$2 == "eth0" && $3 == "inet" { print $4; exit }' "$LAB_TMP/peek.out")
case $got in
  10.66.*) [ "$got" != "$WIP/16" ] && [ "$got" != "$CIP/16" ] && pass "it printed its own eth0 address $got: the next free lease" || fail "it printed $got, web's or client's address" "a container of its own: ctrkit run --rm … (not exec)" ;;
  *) fail "peek printed no 10.66 address on eth0: '$(head -c 100 "$LAB_TMP/peek.out")' $(grep -m1 -E '^ctrkit:|^ctr-run:|TODO' "$LAB_TMP/peek.explain")" "ctrkit run --rm --explain with the bridge network, demo ip -4 -o addr show eth0" ;;
esac
l=$(grep 'RTM_NEWLINK' "$LAB_TMP/peek.explain" | grep -m1 'kind veth')
[ -n "$l" ] && pass "--explain showed the veth pair made in one message: $(echo "$l" | cut -c1-120)…" \
  || fail "no 'RTM_NEWLINK … kind veth' line in peek's --explain output" "--explain goes before the image: ctrkit run --rm --explain --network bridge demo …"
# No RTM_DELLINK: the kernel deletes the pair with peek's namespace, a moment after it ends.
if wait_until 3 '[ "$(veths_on_ctrkit0 | sort | tr "\n" " ")" = "$before" ]'; then
  pass "its veth went with its namespace; ctrkit0 holds web's and client's"
else fail "veths on ctrkit0 after peek: $(veths_on_ctrkit0 | tr '\n' ' ')" "--rm"; fi

step "6. container ↔ container, container ↔ host"
wait_until 10 "on_host ctrkit exec client timeout 3 wget -qO- http://$WIP/ > /dev/null 2>&1"
body=$(on_host ctrkit exec client timeout 5 wget -qO- "http://$WIP/" 2>&1)
[ "$body" = "hello from web" ] && pass "client fetches http://$WIP/ (web's address): $body" || fail "client got '$body' from http://$WIP/" "both containers need the bridge network (step 4); is web's httpd up? on_host ctrkit logs web"
body=$(fetch_by_name 2> "$LAB_TMP/fetch.err")
[ "$body" = "hello from web" ] && pass "fetch_by_name: client fetches http://web/: $body" \
  || fail "fetch_by_name printed '$body' $(head -c 120 "$LAB_TMP/fetch.err")" "ctrkit exec client … wget -qO- http://web/, with timeout 5 in front of wget, through on_host"
h=$(on_host ctrkit exec client cat /etc/hosts 2>/dev/null | grep -E "^$WIP[[:space:]]")
[ -n "$h" ] && pass "because client's /etc/hosts (the network's shared hosts file) says: $(echo $h)" || fail "web is not in client's /etc/hosts" "ctrkit writes it for containers on the bridge"
can_soon 10.66.0.1 nsenter -t "$CP" -n && pass "client pings the lab's host at its gateway 10.66.0.1" || fail "client cannot ping 10.66.0.1" "the default route inside points at ctrkit0's address"
body=$(on_host timeout 5 busybox wget -qO- "http://$WIP/" 2>&1)
[ "$body" = "hello from web" ] && pass "the lab's host fetches http://$WIP/ straight from web: $body" || fail "the lab's host got '$body' from $WIP" "ctrkit0's address puts 10.66.0.0/16 on the host's routing table"
s=$(machine_strays)
[ -z "$s" ] && pass "the machine's own namespace has no cl09-* and no new ctrkit0: all of it lived in $HOSTNS" \
  || fail "in the machine's OWN namespace: $(echo $s)" "ctrkit, ctr-net and ip run through on_host"
check_result
