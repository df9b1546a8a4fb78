#!/usr/bin/env bash
# Density: N detached idle containers (`sleep`), measured three ways against podman + conmon:
#   - host memory per container beyond the workload: (MemAvailable drop) / N, minus the
#     workload's own RSS (a busybox sleep); goal <= 0.55 MiB (half of podman + conmon here)
#   - wall time to start all N; goal <= 0.1x podman's
#   - `ctrkit ps` over N containers; goal <= 100 ms
# N defaults to 1000 for ctrkit and 100 for podman (podman needs ~0.3 s each); set N / PODMAN_N.
# Everything runs in private roots this script creates and removes.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "bench: needs root" >&2; exit 1; }
scripts/build.sh -q
N=${N:-1000}
PODMAN_N=${PODMAN_N:-100}
work=$(mktemp -d /tmp/ctrkit-bench-density.XXXXXX)
export CTRKIT_ROOT="$work/root" CTRKIT_STATE="$work/state"
podman_=(podman --root "$work/podman/root" --runroot "$work/podman/run" --storage-driver overlay
         --events-backend none --cgroup-manager cgroupfs)
cleanup() {
  target/bin/ctrkit ps -aq 2>/dev/null | xargs -r target/bin/ctrkit rm -f >/dev/null 2>&1 || true
  "${podman_[@]}" rm -af -t 0 >/dev/null 2>&1 || true
  "${podman_[@]}" system reset -f >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

avail_kib() { awk '/^MemAvailable:/ {print $2}' /proc/meminfo; }
# Kernel memory a container holds (namespaces, mounts, cgroups, tasks, files in tmpfs):
# slab, kernel stacks, page tables, per-cpu areas and shmem (the state dirs in /run are tmpfs).
# Less noisy than MemAvailable, which moves with the page cache.
kernel_kib() { awk '/^(Slab|KernelStack|PageTables|Percpu|Shmem):/ {s += $2} END {print s}' /proc/meminfo; }
calc() { awk "BEGIN { printf \"%.3f\", $1 }"; }
sync; echo 3 > /proc/sys/vm/drop_caches

target/bin/ctrkit run --rm demo true   # builds the demo image into this private root
before=$(avail_kib); kbefore=$(kernel_kib)
t0=$(date +%s.%N)
for i in $(seq "$N"); do target/bin/ctrkit run -d demo sleep 100000 >/dev/null; done
t1=$(date +%s.%N)
sleep 2
after=$(avail_kib); kafter=$(kernel_kib)
sleep_rss=$(ps -C sleep -o rss= | sort -n | head -1)
echo "ctrkit: $N containers started in $(calc "$t1 - $t0") s;" \
     "host memory per container $(calc "($before - $after) / $N / 1024") MiB" \
     "(of which the workload, a busybox sleep: $(calc "${sleep_rss:-0} / 1024") MiB RSS)"
# Userspace memory of the per-container processes, by PSS (shared pages split fairly):
# the monitors (ctr-run -d) are ours; the sleeps are the workload.
pss_of() { for p in $(pgrep -x "$1"); do awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null; done | awk '{s += $1} END {print s + 0}'; }
echo "ctrkit: PSS per container: monitor $(calc "$(pss_of ctr-run) / $N / 1024") MiB, workload (sleep) $(calc "$(pss_of sleep) / $N / 1024") MiB"
echo "ctrkit: kernel memory per container $(calc "($kafter - $kbefore) / $N / 1024") MiB;" \
     "beyond the workload (kernel + monitor PSS): $(calc "(($kafter - $kbefore) + $(pss_of ctr-run)) / $N / 1024") MiB"
if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 3 --runs 20 "target/bin/ctrkit ps -a" 2>/dev/null | grep -E 'Time|Range'
fi
target/bin/ctrkit ps -aq | xargs -r target/bin/ctrkit rm -f >/dev/null

if [ "$PODMAN_N" -gt 0 ] && command -v podman >/dev/null; then
  target/bin/img-pack --demo -o "$work/demo.tar" 2>/dev/null
  "${podman_[@]}" load -i "$work/demo.tar" >/dev/null 2>&1
  sync; echo 3 > /proc/sys/vm/drop_caches
  before=$(avail_kib); kbefore=$(kernel_kib)
  t0=$(date +%s.%N)
  for i in $(seq "$PODMAN_N"); do
    "${podman_[@]}" run -d --runtime runc --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
      localhost/demo:latest sleep 100000 >/dev/null
  done
  t1=$(date +%s.%N)
  sleep 2
  after=$(avail_kib); kafter=$(kernel_kib)
  echo "podman: PSS per container: conmon $(calc "$(pss_of conmon) / $PODMAN_N / 1024") MiB"
  echo "podman: kernel memory per container $(calc "($kafter - $kbefore) / $PODMAN_N / 1024") MiB;" \
       "beyond the workload (kernel + conmon PSS): $(calc "(($kafter - $kbefore) + $(pss_of conmon)) / $PODMAN_N / 1024") MiB"
  echo "podman: $PODMAN_N containers started in $(calc "$t1 - $t0") s;" \
       "host memory per container $(calc "($before - $after) / $PODMAN_N / 1024") MiB"
fi
