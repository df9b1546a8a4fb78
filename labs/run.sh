#!/usr/bin/env bash
# labs/run.sh — run, check and clean ctrkit's labs; check the host first.
#
#   ./labs/run.sh list          the path: every lab and whether it is available
#   ./labs/run.sh doctor        is this host ready? (kernel, cgroups, overlay, userns, nftables…)
#   ./labs/run.sh try NN        set lab NN up and run YOUR script (labs/NN-*/work.sh) to watch it
#   ./labs/run.sh check NN [SCRIPT]  set up, check YOUR script (or SCRIPT) against the kernel, clean up
#   ./labs/run.sh solve NN      set up and run the solution (labs/NN-*/solution/work.sh)
#   ./labs/run.sh clean NN      remove everything lab NN made (idempotent)
#   ./labs/run.sh all           for every lab: clean → set up → check the solution → clean →
#                               leak audit; "labs: N passed, M failed"; non-zero on any failure
#
# Needs root. Builds the tools with scripts/build.sh when target/bin is missing.
set -uo pipefail
LABS_DIR=$(cd "$(dirname "$0")" && pwd)
source "$LABS_DIR/lib.sh"

usage() { sed -n '3,12s/^# \{0,1\}//p' "$0"; exit 2; }

lab_dir() {
  local d
  d=$(ls -d "$LABS_DIR/$1"-*/ 2>/dev/null | head -1)
  [ -n "$d" ] && [ -f "$d/check.sh" ] || { echo "run.sh: no lab $1 (try: ./labs/run.sh list)" >&2; exit 2; }
  echo "${d%/}"
}
available_labs() { for d in "$LABS_DIR"/[0-9][0-9]-*/; do [ -f "$d/check.sh" ] && basename "$d" | cut -c1-2; done; }

need_root() { [ "$(id -u)" = 0 ] || { echo "run.sh: the labs need root (they create namespaces, mounts and cgroups)" >&2; exit 2; }; }
need_tools() {
  if [ ! -x "$REPO_DIR/target/bin/ns-unshare" ]; then
    echo "run.sh: building the tools (scripts/build.sh)…" >&2
    (cd "$REPO_DIR" && scripts/build.sh) >&2 || { echo "run.sh: build failed" >&2; exit 1; }
  fi
}

# run_phase DIR SCRIPT [WORK] — run one of a lab's scripts with its environment.
run_phase() {
  local dir=$1 script=$2 work=${3:-$1/work.sh}
  [ -f "$dir/$script" ] || return 0
  LAB_DIR=$dir LAB_TMP=/tmp/ctrkit-lab-$(basename "$dir" | cut -c1-2) LAB_WORK=$work \
    bash "$dir/$script"
}

cmd_list() {
  echo "available:"
  for n in $(available_labs); do
    d=$(lab_dir "$n"); printf '  %s\n' "$(sed -n '1s/^# *//p' "$d/README.md")"
  done
  local coming; coming=$(sed -n 's/^| \([0-9][0-9]\) |.*| coming |.*/\1/p' "$LABS_DIR/README.md" | tr '\n' ' ')
  [ -z "$coming" ] || echo "coming (see labs/README.md): $coming"
}

cmd_check() {
  local dir; dir=$(lab_dir "$1"); local work=${2:-$dir/work.sh}
  echo "== lab $(basename "$dir"): checking $(realpath --relative-to="$REPO_DIR" "$work")"
  run_phase "$dir" cleanup.sh >/dev/null 2>&1
  run_phase "$dir" setup.sh "$work" || { echo "  FAIL setup.sh failed" >&2; run_phase "$dir" cleanup.sh; return 1; }
  run_phase "$dir" check.sh "$work"; local rc=$?
  run_phase "$dir" cleanup.sh
  return $rc
}

cmd_try() {
  local dir; dir=$(lab_dir "$1"); local work=${2:-$dir/work.sh}
  run_phase "$dir" cleanup.sh >/dev/null 2>&1
  run_phase "$dir" setup.sh "$work" || return 1
  echo "== running $(realpath --relative-to="$REPO_DIR" "$work") (what it leaves is in /tmp/ctrkit-lab-$1; ./labs/run.sh clean $1 removes it)"
  LAB_DIR=$dir LAB_TMP=/tmp/ctrkit-lab-$1 bash "$work"
}

cmd_all() {
  local passed=0 failed=0 failures="" n dir log before after leaks start=$SECONDS
  mkdir -p "$REPO_DIR/target/labs"
  for n in $(available_labs); do
    dir=$(lab_dir "$n"); log="$REPO_DIR/target/labs/$n.log"
    before=$(leak_snapshot)
    local t0=$SECONDS
    cmd_check "$n" "$dir/solution/work.sh" > "$log" 2>&1; local rc=$?
    after=$(leak_snapshot)
    leaks=$(added_lines "$before" "$after")
    if [ -n "$leaks" ]; then
      rc=1; { echo "  FAIL left behind after cleanup:"; echo "$leaks" | sed 's/^/       /'; } >> "$log"
      run_phase "$dir" cleanup.sh >/dev/null 2>&1
    fi
    grep -E '^(==|  (.\[[0-9]+m)?(PASS|FAIL)|       )' "$log"
    if [ "$rc" = 0 ]; then passed=$((passed + 1)); echo "   ok: lab $n ($((SECONDS - t0))s)"
    else failed=$((failed + 1)); failures="$failures $n"
      echo "   FAILED: lab $n ($((SECONDS - t0))s) — last lines of target/labs/$n.log:"; tail -n 25 "$log" | sed 's/^/   | /'
    fi
  done
  echo "labs: $passed passed, $failed failed${failures:+ (failed:$failures)} in $((SECONDS - start))s"
  [ "$failed" = 0 ]
}

cmd_doctor() { bash "$LABS_DIR/doctor.sh"; }

[ $# -ge 1 ] || usage
case $1 in
  list) cmd_list ;;
  doctor) cmd_doctor ;;
  check|try|solve|clean)
    [ $# -eq 2 ] || { [ $# -eq 3 ] && [ "$1" = check ]; } || usage
    need_root; need_tools
    n=$(printf '%02d' "$((10#$2))" 2>/dev/null) || usage
    case $1 in
      check) cmd_check "$n" ${3:+"$(realpath "$3")"} ;;
      try) cmd_try "$n" ;;
      solve) dir=$(lab_dir "$n"); cmd_try "$n" "$dir/solution/work.sh" ;;
      clean) dir=$(lab_dir "$n"); run_phase "$dir" cleanup.sh ;;
    esac ;;
  all) need_root; need_tools; cmd_all ;;
  *) usage ;;
esac
