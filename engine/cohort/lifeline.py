"""Processes of a cohort run end with the main process, whatever ends it (even SIGKILL).

Workers are children of multiprocessing's fork server, and the fork server
stays alive while any worker holds its "alive" pipe, so neither would notice
that the main process is gone. On Linux each asks the kernel for a signal
when its parent dies (prctl PR_SET_PDEATHSIG): the fork server when the main
process dies, each worker when the fork server does. Importing this module
(the fork server preloads it) arms the fork server; workers call
`die_with_parent` when they start.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(ignore_interrupt: bool = True) -> None:
    """Be killed when the parent process ends; Ctrl-C is left to the main process (a
    terminal sends it to the whole process group; the main process stops the run)."""
    if ignore_interrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    parent = os.getppid()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent was gone before prctl took effect
        os._exit(1)


def _in_fork_server() -> bool:
    """The fork server runs `python -c "from multiprocessing.forkserver import main; ..."`."""
    return sys.argv == ["-c"] and "multiprocessing.forkserver" in sys.modules


if _in_fork_server():
    die_with_parent()
