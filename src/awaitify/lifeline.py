"""Helper processes (the pool's workers) die with the run that started them.

A run killed with SIGKILL cannot stop its children, and a worker blocked reading its work pipe never
sees end-of-file while its siblings hold the same pipe open: before this, each stayed forever
(~490 MB on a large tree). Two lines of defence, both set up in the child as it starts:
- Linux: prctl(PR_SET_PDEATHSIG, SIGKILL): the kernel kills the child when the thread that forked
  it ends (every fork happens on the run's main thread, so that is the run's end);
- everywhere: a daemon thread that notices the parent is gone (the child is re-parented, so
  getppid() changes) and exits.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

_PR_SET_PDEATHSIG = 1
POLL_SECONDS = 0.5


def _kernel_signal() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # no prctl here: the watch thread still works
        pass


def _watch(parent: int) -> None:
    while True:
        time.sleep(POLL_SECONDS)
        if os.getppid() != parent:
            os._exit(1)


def die_with_parent(parent: int) -> None:
    """Called first thing in a child process; `parent`: the run's pid, taken before the fork."""
    _kernel_signal()
    if os.getppid() != parent:  # the run died before the prctl took effect
        os._exit(1)
    threading.Thread(target=_watch, args=(parent,), daemon=True, name="awaitify-lifeline").start()
