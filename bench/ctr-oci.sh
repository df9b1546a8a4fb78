#!/usr/bin/env bash
# ctr-oci vs runc (and crun, when it can run here): create + start + delete of one bundle
# running a static `true`, the same bundle and the same verbs for every runtime, interleaved
# (bench/interleave.py). Each run is `sh CYCLE` where CYCLE is `R create … && R start … &&
# R delete --force …` (the shell costs the same on both sides; --force because `true` may not
# have ended yet).
# No seccomp on either side (runc's default spec has none). Goal (docs/performance.md):
# ≤ 0.35× runc, ≤ 0.85× crun.
# crun 1.8 refuses the hybrid cgroup layout, so its comparison runs inside a private mount
# namespace whose /sys/fs/cgroup is a bare cgroup2 mount — for both contenders (same view);
# crun then still needs --cgroup-manager=disabled here (it cannot raise RLIMIT_MEMLOCK for its
# eBPF device filter), so crun makes no cgroup while ctr-oci does: that comparison favours crun.
# Run as root from anywhere; RUNS=N to change the count (default 200). Needs busybox-static, runc.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "bench: needs root" >&2; exit 1; }
scripts/build.sh -q
runs=${RUNS:-200}
work=$(mktemp -d /dev/shm/ctr-oci-bench.XXXXXX)
cleanup() {
  for r in "$work"/root-*; do
    for id in $(ls "$r" 2>/dev/null); do target/bin/ctr-oci --root "$r" delete --force "$id" 2>/dev/null || true; done
  done
  runc --root "$work/runc" delete --force bench-runc 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# One bundle for everyone: static busybox as the root (read-only), runc's default spec
# running /bin/true without a terminal.
root=$work/bundle/rootfs
mkdir -p "$root"/{bin,etc,proc,dev,sys,tmp}
cp /bin/busybox "$root/bin/"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox "$root/bin/$a"; done
(cd "$work/bundle" && runc spec)
python3 - "$work/bundle/config.json" <<'PY'
import json, sys
cfg = json.load(open(sys.argv[1]))
cfg["process"]["args"] = ["/bin/true"]
cfg["process"]["terminal"] = False
json.dump(cfg, open(sys.argv[1], "w"))
PY
ctr=$PWD/target/bin/ctr-oci
cycle() { # file runtime-command… id: a script doing one create + start + delete
  local file=$1; shift
  local id=${*: -1}; local rt="${*:1:$#-1}"
  printf '%s\n' "$rt create --bundle $work/bundle $id >/dev/null && $rt start $id && $rt delete --force $id" > "$work/$file"
  echo "$work/$file"
}
bench() { # --name-a A --name-b B -- cmd-a --vs cmd-b
  python3 bench/interleave.py --runs "$runs" --warmup 10 "$@"
}
ours=$(cycle ours.sh "$ctr" --root "$work/root-a" bench-ours)
ours2=$(cycle ours2.sh "$ctr" --root "$work/root-b" bench-ours)
theirs=$(cycle runc.sh runc --root "$work/runc" bench-runc)
echo "== harness check: ctr-oci against itself (ratio should be ~1.00)"
bench --name-a ctr-oci --name-b ctr-oci -- sh "$ours" --vs sh "$ours2"
for pin in "taskset -c 1" ""; do
  echo "== create + start + delete ${pin:+(pinned)}: ctr-oci vs runc"
  bench --name-a ctr-oci --name-b runc -- $pin sh "$ours" --vs $pin sh "$theirs"
done

if command -v crun >/dev/null; then
  echo "== crun: inside a private mount namespace with a bare cgroup2 /sys/fs/cgroup (both contenders)"
  crun_cycle=$(cycle crun.sh crun --root "$work/crun" --cgroup-manager=disabled bench-crun)
  unshare -m sh -c "mount --make-rprivate / && umount -R /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup && \
    python3 bench/interleave.py --runs $runs --warmup 10 --name-a ctr-oci --name-b crun -- \
    taskset -c 1 sh $ours --vs taskset -c 1 sh $crun_cycle" || echo "crun comparison failed here"
else
  echo "== crun not installed (apt-get install crun): skipped"
fi
echo "== leak audit (each should be 0)"
grep -c "$work" /proc/self/mountinfo || true
find "$work"/root-a "$work"/root-b -mindepth 1 -maxdepth 1 2>/dev/null | wc -l
find /sys/fs/cgroup -maxdepth 3 \( -name bench-ours -o -name bench-runc \) 2>/dev/null | wc -l
