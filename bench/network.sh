#!/usr/bin/env bash
# What the network costs: `ctrkit run --rm demo true` on the bridge vs with --network none,
# and with one published port (-p, which adds the proxy's bound socket and threads),
# interleaved, so the difference is the bridge setup and teardown (netns + veth pair + lease +
# address + route, then unplug and release).
# Safety: everything runs inside a network namespace this script makes ("the host"), entered
# with nsenter --net (ip netns exec would remount /sys and hide the cgroup hierarchies); the
# bridge and veths live and die there; no forwarding, no NAT, no traffic leaves it.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "bench: needs root" >&2; exit 1; }
scripts/build.sh -q
runs=${RUNS:-60}
work=$(mktemp -d /tmp/ctrkit-bench-net.XXXXXX)
host=ctrkit-bench-$$
cleanup() {
  ip netns del "$host" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$host"
ip -n "$host" link set lo up
export CTRKIT_ROOT="$work/root" CTRKIT_STATE="$work/state"
in_host=(nsenter --net="/run/netns/$host" --)
"${in_host[@]}" target/bin/ctrkit run --rm --network bridge demo true   # the image and the bridge, once
echo "== ctrkit run --rm demo true: --network bridge vs --network none ($runs interleaved runs)"
python3 bench/interleave.py --runs "$runs" --warmup 3 --name-a bridge --name-b none -- \
  "${in_host[@]}" target/bin/ctrkit run --rm --network bridge demo true \
  --vs "${in_host[@]}" target/bin/ctrkit run --rm --network none demo true
echo "== the same with -p 8080:80 vs --network none"
python3 bench/interleave.py --runs "$runs" --warmup 3 --name-a publish --name-b none -- \
  "${in_host[@]}" target/bin/ctrkit run --rm -p 8080:80 demo true \
  --vs "${in_host[@]}" target/bin/ctrkit run --rm --network none demo true
sleep 1   # the last container's veth pair goes with its namespace, asynchronously
leases=$(ls "$CTRKIT_STATE/networks/ctrkit0/leases" | wc -l)
veths=$(ip -n "$host" -o link | grep -c veth || true)
echo "leak audit: $leases leases, $veths veths, $(ls "$CTRKIT_STATE/containers" | wc -l) container dirs left"
