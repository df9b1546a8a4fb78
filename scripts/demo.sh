#!/usr/bin/env bash
# Quick start, command one: build the tools, then run a real container from the built-in
# `demo` image (made on first use from Debian's busybox-static, no download) and let it show
# its isolation: its own hostname, pid 1, its own mounts and processes, and a memory limit
# the kernel enforces. Then print the same container as a pipeline of the small tools.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "scripts/demo.sh: run as root (namespaces, cgroups and mounts need it)" >&2; exit 1; }
[ -x /bin/busybox ] || { echo "scripts/demo.sh: the demo image is made from busybox: apt-get install busybox-static" >&2; exit 1; }
scripts/build.sh -q
export PATH="$PWD/target/bin:$PATH"

# The root's file system type: the field after mountinfo's "-" separator (proc(5)).
root_type='$5 == "/" { for (i = 7; i <= NF; i++) if ($i == "-") { print $(i + 1); exit } }'
host_root=$(awk "$root_type" /proc/self/mountinfo)
echo "\$ ctrkit run --rm --memory 64M --hostname demo-box demo sh -c '…'"
ctrkit run --rm --memory 64M --hostname demo-box demo sh -c "
  echo \"hostname:         \$(hostname)   (the host's is $(hostname))\"
  echo \"my pid:           \$\$              (pid 1 of the container's pid namespace)\"
  echo \"processes I see:  \$(ps -o pid | tail -n +2 | wc -l)              (the host runs $(ls /proc | grep -c '^[0-9]'))\"
  echo \"my root (/):      \$(awk '$root_type' /proc/self/mountinfo)        (the host's is $host_root: mine is the image's layers + a writable upper)\"
  echo \"network devices:  \$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\n' ' ')\"
  (head -c 209715200 /dev/zero | tail > /dev/null) 2>/dev/null
  echo \"200 MB in memory: exit \$?           (137: the OOM killer ended it, the 64M limit holds)\"
"
echo
echo "The same container, as a pipeline of the small tools:"
ctr-run --print-pipeline --memory 64M --hostname demo-box demo sh
echo
echo "Next: ctrkit run --rm -it demo sh · ns-unshare --explain -u --hostname box -- hostname · labs/README.md"
