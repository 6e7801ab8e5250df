"""Processes of a cohort run end with the main process, whatever ends it (even SIGKILL).

Workers are children of multiprocessing's fork server, and the fork server
stays alive while any worker holds its "alive" pipe, so neither would notice
that the main process is gone. On Linux each asks the kernel for a signal
when its parent dies (prctl PR_SET_PDEATHSIG): the fork server when the main
process dies, each worker when the fork server does. Importing this module
(the fork server preloads it) arms the fork server; workers call
`die_with_parent` when they start. `start_helpers` starts the fork server and
multiprocessing's resource tracker with SIGINT, SIGTERM and SIGHUP blocked, so
that a signal to the process group reaches the main process and the workers'
(ignored) handlers only: the main process decides how the run ends.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from typing import Any

from ..interrupts import STOPPING, held_signals

PR_SET_PDEATHSIG = 1  # linux/prctl.h


MAIN_PID = "PROGNOSIS_MAIN_PID"  # the main process, for the fork server's own check


def die_with_parent(expected_parent: int | None = None) -> None:
    """Be killed when the parent process ends, and leave Ctrl-C, SIGTERM and SIGHUP to the
    main process: a terminal (or a service manager) sends them to the whole process
    group, and the main process then kills its workers (SIGKILL) after cleaning up. A
    worker that died first would make the run fail with an internal error instead."""
    for number in STOPPING:
        signal.signal(number, signal.SIG_IGN)
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    parent = expected_parent or os.getppid()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent was gone before prctl took effect
        os._exit(1)


def start_helpers(context: Any) -> None:
    """Start the fork server (if used) and the resource tracker with the stopping signals
    blocked (a blocked signal stays blocked across fork and exec)."""
    from multiprocessing import resource_tracker

    os.environ[MAIN_PID] = str(os.getpid())
    with held_signals():
        resource_tracker.ensure_running()
        if context.get_start_method() == "forkserver":
            from multiprocessing import forkserver

            forkserver.ensure_running()


def _in_fork_server() -> bool:
    """The fork server runs `python -c "from multiprocessing.forkserver import main; ..."`."""
    return sys.argv == ["-c"] and "multiprocessing.forkserver" in sys.modules


def fork_server_pid(context: Any) -> int | None:
    """The fork server's pid (the parent a worker must find), or None (fork: this process)."""
    if context.get_start_method() != "forkserver":
        return os.getpid()
    from multiprocessing import forkserver

    return getattr(getattr(forkserver, "_forkserver", None), "_forkserver_pid", None)


if _in_fork_server():
    die_with_parent(int(os.environ.get(MAIN_PID, "0")) or None)
