"""Stopping signals, seen even by a thread that is blocked reading a pipe.

Python runs signal handlers in the main thread only, between bytecodes. When
pyarrow reads standard input from one of its own threads while the main thread
waits inside pyarrow, a Ctrl-C, SIGTERM or SIGHUP would wait for the next
block of input. `watch` (called by the CLI) asks Python to also write each
caught signal's number to a pipe; `Interruptible` (standard input for cohort
runs) waits on that pipe beside its input and fails the read (Stopped) when a
stopping signal arrives, so the main thread gets control back and stops at
once. `check` is the last guard before an output is committed; `held_signals`
holds them back over a few steps that must not be cut (starting worker
processes, the console script's last flush).
"""

from __future__ import annotations

import contextlib
import io
import os
import select
import signal
from collections.abc import Iterator
from typing import Any

STOPPING = frozenset(int(getattr(signal, name)) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                     if hasattr(signal, name))
_wake: int | None = None
_stopped_by: int | None = None


class Stopped(KeyboardInterrupt):
    """A stopping signal seen through the pipe (raised like Ctrl-C; `signum` says which)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _note(caught: bytes) -> None:
    global _stopped_by
    for number in caught:
        if number in STOPPING and _stopped_by is None:
            _stopped_by = number


def check() -> None:
    """Raise Stopped if a stopping signal was caught: a last guard before an output is
    committed, should the signal's own exception have been lost on the way."""
    if _wake is not None:
        with contextlib.suppress(BlockingIOError):
            _note(os.read(_wake, 64))
    if _stopped_by is not None:
        raise Stopped(_stopped_by)


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


def wait_readable(fd: int) -> None:
    """Wait until `fd` can be read; raise Stopped when a stopping signal is caught."""
    if _wake is None:
        return
    while _stopped_by is None:
        ready, _, _ = select.select([fd, _wake], [], [])
        if _wake in ready:
            with contextlib.suppress(BlockingIOError):
                _note(os.read(_wake, 64))
        if fd in ready and _stopped_by is None:
            return
    check()


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
        wait_readable(self._fd)
        data = os.read(self._fd, len(buffer))
        memoryview(buffer)[:len(data)] = data
        return len(data)


@contextlib.contextmanager
def held_signals() -> Iterator[None]:
    """Hold the stopping signals back (they are delivered when the block ends)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    blocked = set(STOPPING)
    old = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
