#!/usr/bin/env python3
# labs/reaper.py — run COMMAND under a child subreaper that reaps every orphan below it.
#
#   python3 labs/reaper.py COMMAND [ARGS…]      e.g. python3 labs/reaper.py bash
#
# Why: a detached container (lab 14's `run -d`) is started by a script that exits at once, so
# its monitor becomes an orphan. The kernel re-parents an orphan to the nearest ancestor that
# called prctl(PR_SET_CHILD_SUBREAPER), else to pid 1 — and when the orphan ends, only its new
# parent can reap it. systemd, tini and docker-init reap; not every host's pid 1 does (then each
# finished container would stay a zombie until reboot). containerd-shim and conmon make
# themselves subreapers for exactly this reason; this file is the same idea in 50 lines.
#
# What it does: prctl(PR_SET_CHILD_SUBREAPER, 1); fork; the child execs COMMAND (LAB_REAPER set
# to our pid, so a script can tell it already runs under one). The parent forwards SIGTERM and
# SIGHUP to COMMAND (SIGINT from a terminal reaches the whole process group by itself) and
# reaps every child — its own and adopted ones — with wait(2). When COMMAND has ended it keeps
# reaping until no child is left, for at most REAPER_GRACE seconds (default 10), then names
# what is still running and leaves. Exit status: COMMAND's; its fatal signal is re-raised.
#
# Read: prctl(2) PR_SET_CHILD_SUBREAPER, _exit(2) (who inherits the children), wait(2); lab 02.
import ctypes
import os
import signal
import sys
import time

PR_SET_CHILD_SUBREAPER = 36

if len(sys.argv) < 2:
    sys.exit("usage: reaper.py COMMAND [ARGS…]")
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
    err = ctypes.get_errno()
    sys.exit(f"reaper.py: prctl(PR_SET_CHILD_SUBREAPER): {os.strerror(err)}")
os.environ["LAB_REAPER"] = str(os.getpid())

child = os.fork()
if child == 0:
    try:
        os.execvp(sys.argv[1], sys.argv[1:])
    except OSError as e:
        print(f"reaper.py: {sys.argv[1]}: {e.strerror}", file=sys.stderr)
        os._exit(127 if isinstance(e, FileNotFoundError) else 126)

for sig in (signal.SIGTERM, signal.SIGHUP):
    signal.signal(sig, lambda n, _f: os.kill(child, n))
signal.signal(signal.SIGINT, signal.SIG_IGN)

status = None
while status is None:                     # reap everything until COMMAND itself ends
    try:
        pid, st = os.wait()
    except ChildProcessError:
        break
    if pid == child:
        status = st

deadline = time.monotonic() + float(os.environ.get("REAPER_GRACE", "10"))
while True:                               # then what is left, for a bounded time
    try:
        pid, _ = os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        break                             # no child left: done
    if pid == 0:
        if time.monotonic() > deadline:
            left = open(f"/proc/{os.getpid()}/task/{os.getpid()}/children").read().split()
            print(f"reaper.py: still running, left to pid 1: {' '.join(left)}", file=sys.stderr)
            break
        time.sleep(0.05)

if status is None:
    sys.exit(125)
if os.WIFSIGNALED(status):
    if os.WTERMSIG(status) != signal.SIGKILL:
        signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
    os.kill(os.getpid(), os.WTERMSIG(status))
sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 125)
