#!/usr/bin/env bash
# The whole test suite: unit tests, the integration tests that run the real tools against
# the real kernel, and every lab's solution + check. Run as root. CTRKIT_TESTS_STRICT=1 turns every SKIP into a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
  echo "scripts/test.sh: the integration tests need root (namespaces, cgroups, mounts): run it with sudo" >&2
  exit 1
fi
cargo test --workspace --no-fail-fast "$@"
# Every available lab: its solution, then its check (kernel truth), its cleanup, a leak audit.
labs/run.sh all
