#!/usr/bin/env bash
# img-unpack against its peers on a real ~200 MB image (Debian bookworm minbase), on tmpfs,
# interleaved (A B C A B C …), every output tree compared afterwards (docs/performance.md):
#
#   gzip layer:  img-unpack --to   vs  umoci unpack   vs  gzip -dc | tar -x
#   zstd layer:  img-unpack --to   vs  zstd -dc | tar -x
#   plain layer: img-unpack --to   vs  tar -x
#   3 layers into a store: 1 core (taskset -c 1) vs 2 cores; re-unpack into a populated store
#   peak memory: /usr/bin/time -v
#
# Goals: gzip >= 4x faster than umoci and <= 0.7x gzip|tar; zstd <= 1.0x zstd|tar; plain
# <= 1.15x tar; multi-layer >= 1.6x faster on 2 cores than on 1; re-unpack ~0 s.
# Needs root and: debootstrap podman buildah skopeo umoci zstd (apt). RUNS=N (default 5).
# The debootstrap tree (~200 MB) is built in the work dir and removed with it; set
# CACHE=/some/dir to keep it between runs (then remove that dir yourself).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-5}
scripts/build.sh -q
BIN=$PWD/target/bin/img-unpack

WORK=$(mktemp -d /tmp/ctrkit-bench-img.XXXXXX)
CACHE=${CACHE:-$WORK/debian}
T=$WORK/tmpfs
P="podman --root $WORK/storage --runroot $WORK/run --storage-driver overlay --cgroup-manager cgroupfs --events-backend none --runtime runc"
cleanup() {
  set +e
  $P system reset -f >/dev/null 2>&1
  mountpoint -q "$T" && umount "$T"
  grep -o " $WORK[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m"; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# 1. The image: a debootstrap tree, one layer (podman import) and three layers (buildah).
if [ ! -x "$CACHE/bin/sh" ]; then
  echo "== debootstrap --variant=minbase bookworm (once, cached in $CACHE)"
  rm -rf "$CACHE"; debootstrap --variant=minbase bookworm "$CACHE" >/dev/null
fi
echo "== building images ($(du -sh "$CACHE" | cut -f1) rootfs)"
tar -C "$CACHE" --numeric-owner --xattrs -c . | $P import - localhost/debian:bench >/dev/null
S="containers-storage:[overlay@$WORK/storage+$WORK/run]"
mkdir -p "$WORK/img" "$WORK/ctx"
$P save --format docker-archive -o "$WORK/img/docker.tar" localhost/debian:bench >/dev/null
skopeo copy -q "${S}localhost/debian:bench" "oci-archive:$WORK/img/gzip.tar"
skopeo copy -q --dest-compress-format zstd "${S}localhost/debian:bench" "oci-archive:$WORK/img/zstd.tar"
skopeo copy -q "${S}localhost/debian:bench" "oci:$WORK/img/layout:bench"
# Three layers of similar size (var+etc+…, usr/share, the rest of usr), so two cores can help.
tar -C "$CACHE" --numeric-owner -cf "$WORK/ctx/share.tar" ./usr/share
tar -C "$CACHE" --numeric-owner --exclude=./usr/share -cf "$WORK/ctx/usr.tar" ./usr
tar -C "$CACHE" --numeric-owner --exclude=./usr -cf "$WORK/ctx/rest.tar" .
printf 'FROM scratch\nADD rest.tar /\nADD share.tar /\nADD usr.tar /\n' > "$WORK/ctx/Containerfile"
buildah --root "$WORK/storage" --runroot "$WORK/run" --storage-driver overlay bud -q --layers \
  --runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --network none \
  -t localhost/debian:3layers "$WORK/ctx" >/dev/null
skopeo copy -q "${S}localhost/debian:3layers" "oci-archive:$WORK/img/3layers.tar"
# The raw layer blobs, for the gzip|tar, zstd|tar and tar contenders.
js() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {"d": d}).split(":")[1])' "$@"; }
blob() { js "$1" 'd["layers"][0]["digest"]'; }
mkdir -p "$WORK/zl" && tar -C "$WORK/zl" -xf "$WORK/img/zstd.tar"
m=$(js "$WORK/img/layout/index.json" 'd["manifests"][0]["digest"]')
GZ=$WORK/img/layout/blobs/sha256/$(blob "$WORK/img/layout/blobs/sha256/$m")
m=$(js "$WORK/zl/index.json" 'd["manifests"][0]["digest"]')
ZS=$WORK/zl/blobs/sha256/$(blob "$WORK/zl/blobs/sha256/$m")
PLAIN=$WORK/img/plain.tar; gzip -dc "$GZ" > "$PLAIN"
ls -la "$WORK/img" "$GZ" "$ZS" | sed 's/^/   /'

mkdir -p "$T"; mount -t tmpfs -o size=8g tmpfs "$T"

# 2. The harness: interleaved runs, an untimed `prepare` (rm -rf of the target) before each,
# one fork+exec and a blocking wait4 per run; wall and CPU (user+sys of the tree) per run.
bench() { python3 - "$runs" "$@" <<'EOF'
import os, sys, time, statistics, subprocess
runs = int(sys.argv[1]); args = sys.argv[2:]
cmds = []  # (name, prepare, command)
while args:
    cmds.append((args[0], args[1], args[2])); args = args[3:]
res = {n: ([], []) for n, _, _ in cmds}
for _ in range(runs):
    for name, prep, cmd in cmds:
        subprocess.run(["sh", "-c", prep], check=True)
        t0 = time.perf_counter()
        pid = os.posix_spawn("/bin/sh", ["sh", "-c", cmd], os.environ)
        _, status, ru = os.wait4(pid, 0)
        wall = time.perf_counter() - t0
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"{name}: failed: {cmd}")
        res[name][0].append(wall); res[name][1].append(ru.ru_utime + ru.ru_stime)
def pct(xs, p): xs = sorted(xs); return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]
base = statistics.median(res[cmds[0][0]][0])
for name, _, _ in cmds:
    w, c = res[name]
    print(f"   {name:28s} wall median {statistics.median(w):7.3f}s  p10 {pct(w,10):7.3f}  p90 {pct(w,90):7.3f}"
          f"  cpu {statistics.median(c):7.3f}s   ratio (first/this) {base / statistics.median(w):5.2f}")
EOF
}
tree() { (cd "$1" && find . -mindepth 1 -printf '%y %m %U:%G %s %p %l\n' | awk '{if($1=="d")$4="-"; print}' | sort -k5); }
same() { if diff <(tree "$1") <(tree "$2") >/dev/null; then echo "   trees equal: $1 = $2"; else echo "   TREES DIFFER: $1 vs $2"; diff <(tree "$1") <(tree "$2") | head; exit 1; fi; }

echo "== gzip layer: img-unpack --to  vs  umoci unpack  vs  gzip -dc | tar -x  ($runs runs, tmpfs)"
bench img-unpack "rm -rf $T/a" "$BIN --to $T/a --quiet $WORK/img/gzip.tar" \
      umoci "rm -rf $T/b" "umoci unpack --image $WORK/img/layout:bench $T/b >/dev/null" \
      "gzip|tar" "rm -rf $T/c; mkdir $T/c" "gzip -dc $GZ | tar --numeric-owner -xpf - -C $T/c"
same "$T/a" "$T/c"; same "$T/a" "$T/b/rootfs"

echo "== zstd layer: img-unpack --to  vs  zstd -dc | tar -x"
bench img-unpack "rm -rf $T/a" "$BIN --to $T/a --quiet $WORK/img/zstd.tar" \
      "zstd|tar" "rm -rf $T/c; mkdir $T/c" "zstd -dc $ZS | tar --numeric-owner -xpf - -C $T/c"
same "$T/a" "$T/c"

echo "== plain layer: img-unpack --to  vs  tar -x"
bench img-unpack "rm -rf $T/a" "$BIN --to $T/a --quiet $WORK/img/docker.tar" \
      "tar -x" "rm -rf $T/c; mkdir $T/c" "tar --numeric-owner -xpf $PLAIN -C $T/c"
same "$T/a" "$T/c"

echo "== 3 layers into a fresh store: 2 cores vs 1 core (taskset -c 1)"
bench "2 cores" "rm -rf $T/s" "$BIN --store $T/s --quiet $WORK/img/3layers.tar" \
      "1 core" "rm -rf $T/s" "taskset -c 1 $BIN --store $T/s --quiet $WORK/img/3layers.tar"

echo "== re-unpack into a populated store (no layer read)"
bench "re-unpack" "true" "$BIN --store $T/s --quiet $WORK/img/3layers.tar"

echo "== peak memory (maximum resident set size)"
for c in "$BIN --to $T/m1 --quiet $WORK/img/gzip.tar" "$BIN --store $T/m2 --quiet $WORK/img/3layers.tar" \
         "umoci unpack --image $WORK/img/layout:bench $T/m3"; do
  kb=$(/usr/bin/time -v sh -c "$c >/dev/null" 2>&1 | sed -n 's/.*Maximum resident set size (kbytes): //p')
  echo "   $((kb / 1024)) MiB  ${c%% *} ${c#* --}" | cut -c1-110
done
