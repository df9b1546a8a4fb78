#!/usr/bin/env bash
# Build the release tools as static binaries into target/bin/ (one stable path for PATH).
#
# Why static (glibc static-pie): with no dynamic loader work at start-up, a tool whose real
# work is a few syscalls starts ~8% faster (bench/ns-unshare.sh measures it), and the
# binaries also run inside a container root that has no libc. The flag is passed with an
# explicit --target so proc-macro crates (built for the host compiler) stay dynamic.
set -euo pipefail
cd "$(dirname "$0")/.."
host=$(rustc -vV | sed -n 's/^host: //p')
RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" cargo build --release --target "$host" "$@"
# Built where cargo puts it (CARGO_TARGET_DIR, else ./target); linked from target/bin either way.
out=$(realpath -m "${CARGO_TARGET_DIR:-target}")
mkdir -p target/bin
for bin in $(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v '^ctrkit-tools$'); do
  [ -x "$out/$host/release/$bin" ] && ln -sf "$out/$host/release/$bin" "target/bin/$bin"
done
echo "built: $(ls target/bin | tr '\n' ' ')— add $PWD/target/bin to PATH" >&2
# Man pages (roff) and bash completions, generated from the tools' own flag definitions.
mkdir -p target/man target/completions
for bin in target/bin/*; do
  name=$(basename "$bin")
  "$bin" --man > "target/man/$name.1"
  "$bin" --completions bash > "target/completions/$name.bash"
done
echo "man pages: man -l target/man/ns-unshare.1 · completions: source target/completions/ns-unshare.bash" >&2
