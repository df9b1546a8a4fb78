#!/bin/sh
# bench/cg-limit.sh — what a cgroup costs: `cg-limit --pids 100 -- true` against a bare
# spawn of `true`, measured with hyperfine (no shell in between: -N).
#
# cg-limit's cost is the cgroup's life: statfs, reading /proc/self/{cgroup,mountinfo},
# mkdir + writing pids.max (v1 pids and, on hybrid hosts, the v2 tracking dir too), fork,
# the child's writes to cgroup.procs, the stats reads, rmdir. Both commands run in one
# hyperfine call (hyperfine cannot interleave runs), 20 warm-ups and 300 runs each; the
# result is the ratio of the medians.
#
# Needs root (it creates cgroups), hyperfine (`apt-get install -y hyperfine`) and python3. Run from anywhere: it builds target/release first.
set -eu

cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "bench: hyperfine missing: apt-get install -y hyperfine" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "bench: needs root (cg-limit creates cgroups)" >&2; exit 1; }

cargo build --release --quiet --bin cg-limit
bin="${CARGO_TARGET_DIR:-$PWD/target}/release/cg-limit"
true_bin="$(command -v true)"
json="$(mktemp /tmp/cg-limit-bench.XXXXXX.json)"
trap 'rm -f "$json"' EXIT

hyperfine -N --warmup 20 --runs 300 --export-json "$json" \
    --command-name 'true' "$true_bin" \
    --command-name 'cg-limit --pids 100 -- true' "$bin --pids 100 -- $true_bin"

# The medians, in milliseconds, and their ratio.
python3 - "$json" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
bare, limited = results["true"]["median"], results["cg-limit --pids 100 -- true"]["median"]
print(f"median  true:                        {bare * 1000:8.3f} ms")
print(f"median  cg-limit --pids 100 -- true: {limited * 1000:8.3f} ms")
print(f"ratio   cg-limit / bare:             {limited / bare:8.1f}x  (+{(limited - bare) * 1000:.3f} ms per run)")
PY
