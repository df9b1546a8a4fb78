#!/usr/bin/env bash
# ctr-run vs runc run (and crun run, when it can run here), start-to-exit of `true` from the
# same busybox root, interleaved (bench/interleave.py); first without seccomp on either side,
# then both with the same docker-like profile (ours, copied from ctr-run's config.json into the
# runc bundle, so both filter the same calls). Goals (docs/performance.md): ≤ 0.30× runc and
# ≤ 0.85× crun without seccomp; ≤ 0.35× crun with it.
# crun 1.8 refuses the hybrid cgroup layout, so its comparison runs inside a private mount
# namespace whose /sys/fs/cgroup is a bare cgroup2 mount — for both contenders (same view).
# There crun still fails (it raises RLIMIT_MEMLOCK for its eBPF device filter, which this
# sandbox forbids), so it runs with --cgroup-manager=disabled: no cgroup at all for crun, while
# ctr-run still creates and removes one — the comparison favours crun.
# Run as root from anywhere; RUNS=N to change the count (default 200). Needs busybox-static, runc.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh -q
runs=${RUNS:-200}
work=$(mktemp -d /dev/shm/ctr-run-bench.XXXXXX)
export CTRKIT_STATE=$work/state
trap 'rm -rf "$work"' EXIT

# One root for everyone: static busybox, its applets as links.
root=$work/bundle/rootfs
mkdir -p "$root"/{bin,etc,proc,dev,sys,tmp}
cp /bin/busybox "$root/bin/"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox "$root/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
echo 'root:x:0:' > "$root/etc/group"

# runc's bundle: its default spec, running /bin/true, no terminal, root writable like ours.
(cd "$work/bundle" && runc spec)
ctr=target/bin/ctr-run
"$ctr" --name profile --rootfs "$root" -- true
python3 - "$work" <<'PY'
import json, sys, glob
work = sys.argv[1]
cfg = json.load(open(f"{work}/bundle/config.json"))
cfg["process"]["args"] = ["/bin/true"]
cfg["process"]["terminal"] = False
cfg["root"]["readonly"] = False
ours = json.load(open(glob.glob(f"{work}/state/containers/*/config.json")[0]))
json.dump(cfg, open(f"{work}/bundle/config.json", "w"))
cfg["linux"]["seccomp"] = ours["linux"]["seccomp"]
json.dump(cfg, open(f"{work}/bundle/config-seccomp.json", "w"))
PY
rm -rf "$CTRKIT_STATE"
cp "$work/bundle/config.json" "$work/bundle/config-plain.json"

bench() { # name-a name-b cmd-a -- cmd-b
  python3 bench/interleave.py --runs "$runs" --warmup 10 "$@"
}
echo "== harness check: ctr-run against itself (ratio should be ~1.00)"
bench --name-a ctr-run --name-b ctr-run -- "$ctr" --rm --rootfs "$root" true --vs "$ctr" --rm --rootfs "$root" true
for pin in "taskset -c 1" ""; do
  echo "== no seccomp ${pin:+(pinned)}: ctr-run --security-opt seccomp=unconfined vs runc run"
  cp "$work/bundle/config-plain.json" "$work/bundle/config.json"
  bench --name-a ctr-run --name-b runc -- $pin "$ctr" --rm --security-opt seccomp=unconfined --rootfs "$root" true \
    --vs $pin runc run -b "$work/bundle" bench-runc
  echo "== default seccomp profile ${pin:+(pinned)}: ctr-run vs runc run"
  cp "$work/bundle/config-seccomp.json" "$work/bundle/config.json"
  bench --name-a ctr-run --name-b runc -- $pin "$ctr" --rm --rootfs "$root" true \
    --vs $pin runc run -b "$work/bundle" bench-runc
done

if command -v crun >/dev/null; then
  echo "== crun: inside a private mount namespace with a bare cgroup2 /sys/fs/cgroup (both contenders)"
  for cfg in plain seccomp; do
    cp "$work/bundle/config-$cfg.json" "$work/bundle/config.json"
    sec=(); [ $cfg = plain ] && sec=(--security-opt seccomp=unconfined)
    unshare -m sh -c "mount --make-rprivate / && umount -R /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup && \
      python3 bench/interleave.py --runs $runs --warmup 10 --name-a ctr-run --name-b crun -- \
      taskset -c 1 $ctr --rm ${sec[*]} --rootfs $root true --vs taskset -c 1 crun --cgroup-manager=disabled run -b $work/bundle bench-crun" \
      || echo "crun comparison ($cfg) failed here"
  done
else
  echo "== crun not installed (apt-get install crun): skipped"
fi
echo "== leak audit"
grep -c "$work" /proc/self/mountinfo || true
ls "$CTRKIT_STATE/containers" 2>/dev/null | wc -l
