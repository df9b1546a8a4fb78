#!/usr/bin/env bash
# What a cgroup costs: `cg-limit --pids 100 -- true` against a bare spawn of `true`, and —
# for scale — against a zero-work exec wrapper (`ns-unshare -- true`, which only execs), so
# the cgroup's own cost stands apart from the cost every wrapper pays (docs in bench/README.md).
#
# cg-limit's cost is the cgroup's life: statfs, reading /proc/self/{cgroup,mountinfo}, mkdir +
# writing pids.max (v1 pids and, on hybrid hosts, the v2 tracking dir too), fork, the child's
# writes to cgroup.procs, reading the events, rmdir. Goal (performance.md): <= 1.5x bare true.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "bench: needs root (cg-limit creates cgroups)" >&2; exit 1; }
scripts/build.sh -q
runs=${RUNS:-300}
TRUE=$(command -v true)
echo "== cg-limit --pids 100 -- true vs bare true"
python3 bench/interleave.py --runs "$runs" --name-a cg-limit --name-b true -- \
  target/bin/cg-limit --pids 100 -- "$TRUE" --vs "$TRUE"
echo "== a zero-work exec wrapper vs bare true (what any wrapper costs here)"
python3 bench/interleave.py --runs "$runs" --name-a 'ns-unshare --' --name-b true -- \
  target/bin/ns-unshare -- "$TRUE" --vs "$TRUE"
echo "== cg-limit --pids 100 -- true vs the zero-work wrapper (the cgroup's own cost)"
python3 bench/interleave.py --runs "$runs" --name-a cg-limit --name-b 'ns-unshare --' -- \
  target/bin/cg-limit --pids 100 -- "$TRUE" --vs target/bin/ns-unshare -- "$TRUE"
