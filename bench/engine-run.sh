#!/usr/bin/env bash
# Image → container → exit: `ctrkit run --rm demo true` vs `podman run --rm demo true`, the
# same image (our demo archive loaded into a private podman storage), interleaved.
# Goal (docs/performance.md): <= 0.1x podman. podman needs runc here (crun 1.8 refuses the
# hybrid cgroup layout), --network none (its bridge would touch the host's NAT rules) and
# explicit ulimits (raising rlimits is not permitted on these machines).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "bench: needs root" >&2; exit 1; }
command -v podman >/dev/null || { echo "bench: podman missing: apt-get install -y podman" >&2; exit 1; }
scripts/build.sh -q
runs=${RUNS:-40}
work=$(mktemp -d /tmp/ctrkit-bench-engine.XXXXXX)
podman_=(podman --root "$work/podman/root" --runroot "$work/podman/run" --storage-driver overlay
         --events-backend none --cgroup-manager cgroupfs)
cleanup() {
  "${podman_[@]}" system reset -f >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
export CTRKIT_ROOT="$work/ctrkit-root" CTRKIT_STATE="$work/ctrkit-state"
target/bin/img-pack --demo -o "$work/demo.tar" 2>/dev/null
target/bin/ctrkit load -i "$work/demo.tar" >/dev/null
"${podman_[@]}" load -i "$work/demo.tar" >/dev/null 2>&1
echo "== ctrkit run --rm demo true vs podman run --rm demo true ($runs interleaved runs)"
python3 bench/interleave.py --runs "$runs" --warmup 3 --name-a ctrkit --name-b podman -- \
  target/bin/ctrkit run --rm demo true \
  --vs "${podman_[@]}" run --rm --runtime runc --network none \
       --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 localhost/demo:latest true
left=$(ls "$CTRKIT_STATE/containers" 2>/dev/null | wc -l)
echo "leak audit: $left container dirs left, $(grep -c "$work" /proc/self/mountinfo || true) mounts under $work"
