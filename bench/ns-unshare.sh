#!/usr/bin/env bash
# ns-unshare vs util-linux unshare, same flags, interleaved; pinned to one CPU and unpinned.
# Goal (docs/performance.md): ratio <= 1.0 (stretch 0.9). Run as root from the repo root.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh -q
runs=${RUNS:-300}
TRUE=$(command -v true)
flags=(-m -u -i -p -f --mount-proc)
echo "== harness check: unshare against itself (ratio should be ~1.00)"
python3 bench/interleave.py --runs 100 --name-a unshare --name-b unshare -- unshare "${flags[@]}" "$TRUE" --vs unshare "${flags[@]}" "$TRUE"
for pin in "taskset -c 1" ""; do
  echo "== ns-unshare vs unshare ${flags[*]} true ${pin:+(pinned: $pin)}"
  python3 bench/interleave.py --runs "$runs" --name-a ns-unshare --name-b unshare -- \
    $pin target/bin/ns-unshare "${flags[@]}" -- "$TRUE" --vs $pin unshare "${flags[@]}" "$TRUE"
done
