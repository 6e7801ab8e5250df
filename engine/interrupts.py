"""Stopping signals, seen even by a thread that is blocked reading a pipe.

Python runs signal handlers in the main thread only, between bytecodes. When
pyarrow reads standard input from one of its own threads while the main thread
waits inside pyarrow, a Ctrl-C, SIGTERM or SIGHUP would wait for the next
block of input. `watch` (called by the CLI) asks Python to also write each
caught signal's number to a pipe; `Interruptible` (standard input for cohort
runs) waits on that pipe beside its input and ends the input when a stopping
signal arrives, so the main thread gets control back and raises at once.
"""

from __future__ import annotations

import io
import os
import select
import signal
from typing import Any

STOPPING = frozenset(int(getattr(signal, name)) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                     if hasattr(signal, name))
_wake: int | None = None
_stopped = False


def watch() -> None:
    """Have every caught signal also written to a pipe (from the main thread, once)."""
    global _wake
    if _wake is not None or not hasattr(signal, "set_wakeup_fd"):
        return
    read, write = os.pipe()
    os.set_blocking(read, False)
    os.set_blocking(write, False)
    try:
        signal.set_wakeup_fd(write, warn_on_full_buffer=False)
    except ValueError:  # not the main thread: handlers then run promptly anyway
        os.close(read)
        os.close(write)
        return
    _wake = read


def wait_readable(fd: int) -> bool:
    """Wait until `fd` can be read (True), or a stopping signal was caught (False)."""
    global _stopped
    if _wake is None:
        return True
    while not _stopped:
        ready, _, _ = select.select([fd, _wake], [], [])
        if _wake in ready:
            try:
                caught = os.read(_wake, 64)
            except BlockingIOError:
                caught = b""
            _stopped = any(number in STOPPING for number in caught)
        if fd in ready and not _stopped:
            return True
    return False


class Interruptible(io.RawIOBase):
    """A file descriptor (a pipe: standard input) whose reads end when a stopping signal is
    caught, whichever thread reads it."""

    def __init__(self, fd: int) -> None:
        self._fd = fd

    def readable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def readinto(self, buffer: Any) -> int:
        if not wait_readable(self._fd):
            return 0
        data = os.read(self._fd, len(buffer))
        memoryview(buffer)[:len(data)] = data
        return len(data)
