#!/usr/bin/env bash
# Quick start, command one: build the tools and show them working together on this kernel.
# cg-limit puts a shell under memory and pids limits; ns-unshare gives it new namespaces;
# the shell then shows what it can see. Composition is chain-loading: each tool does its one
# change and runs the next.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "scripts/demo.sh: run as root (namespaces and cgroups need it)" >&2; exit 1; }
scripts/build.sh -q
export PATH="$PWD/target/bin:$PATH"

echo "\$ cg-limit --memory 64M --pids 32 -- ns-unshare -m -u -i -n -p -f --mount-proc --hostname demo -- sh -c '…'"
cg-limit --memory 64M --pids 32 -- \
  ns-unshare -m -u -i -n -p -f --mount-proc --hostname demo -- sh -c '
    echo "hostname:        $(hostname)            (the host is still $(cat /proc/sys/kernel/hostname 2>/dev/null || echo …) outside)"
    echo "my pid:          $$                 (pid 1 of a new pid namespace)"
    echo "processes I see: $(ls /proc | grep -c "^[0-9]")                 (only this namespace)"
    echo "network devices: $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | tr "\n" " ")"
    echo "my cgroups:"; grep -E "memory|pids" /proc/self/cgroup | sed "s/^/                 /"
    m=$(grep memory /proc/self/cgroup | cut -d: -f3)
    [ -r "/sys/fs/cgroup/memory$m/memory.limit_in_bytes" ] && echo "memory limit:    $(cat /sys/fs/cgroup/memory$m/memory.limit_in_bytes) bytes"
    [ -r "/sys/fs/cgroup$m/memory.max" ] && echo "memory limit:    $(cat /sys/fs/cgroup$m/memory.max) bytes"
    true'
echo
echo "Now try: ns-unshare --explain -u --hostname box -- hostname"
