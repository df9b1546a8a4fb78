#!/usr/bin/env python3
"""Time two commands side by side, interleaved (A B A B ...), the way docs/performance.md asks.

Each run is one posix_spawn + a blocking wait4 (no polling), so the harness adds the same
small cost to both sides; CPU time comes from wait4's rusage (the child and every descendant
it waited for). Prints median, p10 and p90 of wall and CPU time per command, and the ratio of
medians A/B. A run that exits differently from its first run is reported as a failure, so
speed cannot come from skipped work. Check the harness with an A-against-A run first: the
ratio should be within a few percent of 1.00.

usage: interleave.py [--runs N] [--warmup N] [--name-a A] [--name-b B] -- CMD_A... --vs CMD_B...
"""
import os, sys, time, statistics, shlex


def run_once(argv):
    t0 = time.perf_counter_ns()
    pid = os.posix_spawnp(argv[0], argv, os.environ)
    _, status, ru = os.wait4(pid, 0)
    wall = (time.perf_counter_ns() - t0) / 1e6
    cpu = (ru.ru_utime + ru.ru_stime) * 1e3
    return wall, cpu, os.waitstatus_to_exitcode(status)


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main():
    args = sys.argv[1:]
    runs, warmup, names = 200, 20, ["A", "B"]
    while args and args[0] != "--":
        flag, value = args[0], args[1]
        if flag == "--runs": runs = int(value)
        elif flag == "--warmup": warmup = int(value)
        elif flag == "--name-a": names[0] = value
        elif flag == "--name-b": names[1] = value
        else: sys.exit(f"interleave.py: unknown flag {flag}")
        args = args[2:]
    args = args[1:]
    if "--vs" not in args:
        sys.exit("usage: interleave.py [--runs N] [--warmup N] -- CMD_A... --vs CMD_B...")
    i = args.index("--vs")
    cmds = [args[:i], args[i + 1:]]
    devnull = os.open(os.devnull, os.O_WRONLY)
    saved = os.dup(1)
    os.dup2(devnull, 1)  # the commands' output is not what we measure
    try:
        expected = [run_once(c)[2] for c in cmds]
        for _ in range(warmup):
            for c in cmds: run_once(c)
        results = [([], []), ([], [])]
        failures = [0, 0]
        for _ in range(runs):
            for k, c in enumerate(cmds):
                wall, cpu, code = run_once(c)
                results[k][0].append(wall); results[k][1].append(cpu)
                failures[k] += code != expected[k]
    finally:
        os.dup2(saved, 1)
    for k, c in enumerate(cmds):
        walls, cpus = results[k]
        print(f"{names[k]}: {shlex.join(c)}")
        print(f"   wall ms: median {statistics.median(walls):.3f}  p10 {pct(walls,10):.3f}  p90 {pct(walls,90):.3f}"
              f"   cpu ms: median {statistics.median(cpus):.3f}  p10 {pct(cpus,10):.3f}  p90 {pct(cpus,90):.3f}"
              f"   exit {expected[k]}, {failures[k]} runs differed")
    ratio_wall = statistics.median(results[0][0]) / statistics.median(results[1][0])
    ratio_cpu = statistics.median(results[0][1]) / max(statistics.median(results[1][1]), 1e-9)
    print(f"ratio of medians {names[0]}/{names[1]}: wall {ratio_wall:.3f}  cpu {ratio_cpu:.3f}  ({runs} interleaved runs each)")
    sys.exit(1 if any(failures) else 0)


if __name__ == "__main__":
    main()
