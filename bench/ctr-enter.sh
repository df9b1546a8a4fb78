#!/usr/bin/env bash
# ctr-enter -t PID -a -- true  vs  nsenter -t PID -a true, interleaved, pinned and unpinned.
# Goal (docs/performance.md): ratio <= 1.0 (stretch 0.8). ctr-enter -a also joins the
# target's cgroups, which nsenter does not: its figure includes that work.
# The target is a shell in new mnt/uts/ipc/net/pid namespaces that this script starts and ends.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh -q
runs=${RUNS:-300}
TRUE=$(command -v true)
target/bin/ns-unshare -m -u -i -n -p -f --mount-proc --hostname bench -- sleep 600 &
tool_pid=$!
trap 'kill "$tool_pid" 2>/dev/null; wait "$tool_pid" 2>/dev/null || true' EXIT
sleep 0.3
pid=$(cat /proc/$tool_pid/task/$tool_pid/children | awk '{print $1}')
echo "target: pid $pid (hostname $(nsenter -t "$pid" -u hostname))"
for pin in "taskset -c 1" ""; do
  echo "== ctr-enter -a vs nsenter -a ${pin:+(pinned: $pin)}"
  python3 bench/interleave.py --runs "$runs" --name-a ctr-enter --name-b nsenter -- \
    $pin target/bin/ctr-enter -t "$pid" -a -- "$TRUE" --vs $pin nsenter -t "$pid" -a "$TRUE"
  echo "== ctr-enter -a --no-join-cgroup (same work as nsenter) ${pin:+(pinned)}"
  python3 bench/interleave.py --runs "$runs" --name-a ctr-enter --name-b nsenter -- \
    $pin target/bin/ctr-enter -t "$pid" -a --no-join-cgroup -- "$TRUE" --vs $pin nsenter -t "$pid" -a "$TRUE"
done
