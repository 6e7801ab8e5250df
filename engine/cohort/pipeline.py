"""Overlap reading and writing with scoring: one thread reads ahead, one writes behind.

pyarrow releases the GIL while it parses CSV, decodes Parquet and writes
CSV or Parquet, so on two cores a run takes about the longest of reading,
scoring and writing rather than their sum. Scoring (and durable_rules, which
is not thread-safe) stays in the calling thread. Each queue holds at most
`depth` batches, so memory does not grow with the input.

An exception in a thread is raised again in the calling thread, as it is,
at its next `get` or `put` (or `finish`): the CLI reports it as it would
have without threads (a bad input exits 2, no traceback), and the output,
written through a temporary file, is never committed. `close` stops a
thread and waits for it, so nothing writes to a file once it is removed.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

T = TypeVar("T")
_TICK = 0.1  # seconds between looks at the stop flag while a queue is full or empty
_JOIN = 10.0  # seconds to wait for a thread held in a read (standard input) when stopping


class _End:
    """The last entry of a queue."""


class _Failed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


class ReadAhead(Generic[T]):
    """The items of `make()`, produced in a thread at most `depth` ahead of the consumer."""

    def __init__(self, make: Callable[[], Iterator[T]], depth: int = 2,
                 name: str = "cohort-reader") -> None:
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=max(1, depth))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(make,), name=name,
                                        daemon=True)
        self._thread.start()

    def _run(self, make: Callable[[], Iterator[T]]) -> None:
        try:
            items = make()
            try:
                for item in items:
                    if not self._put(item):
                        return
            finally:
                close = getattr(items, "close", None)
                if close is not None:
                    close()
            self._put(_End())
        except BaseException as exc:  # handed to the consumer as it is
            self._put(_Failed(exc))

    def _put(self, entry: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(entry, timeout=_TICK)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[T]:
        while True:
            try:
                entry = self._queue.get(timeout=_TICK)
            except queue.Empty:
                if not self._thread.is_alive() and self._queue.empty():
                    raise RuntimeError("the reading thread ended without a word") from None
                continue
            if isinstance(entry, _End):
                return
            if isinstance(entry, _Failed):
                raise entry.exc
            yield entry

    def close(self) -> None:
        """Stop reading (what was read ahead is dropped) and wait for the thread."""
        self._stop.set()
        with contextlib.suppress(queue.Empty):
            while True:
                self._queue.get_nowait()
        self._thread.join(_JOIN)


class WriteBehind(Generic[T]):
    """`write(item)` for each item `put`, in order, in a thread, at most `depth` waiting."""

    def __init__(self, write: Callable[[T], None], depth: int = 2,
                 name: str = "cohort-writer") -> None:
        self._write = write
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=max(1, depth))
        self._stop = threading.Event()
        self._failed: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                entry = self._queue.get(timeout=_TICK)
            except queue.Empty:
                continue
            if isinstance(entry, _End):
                return
            try:
                self._write(entry)
            except BaseException as exc:  # raised again in the caller
                self._failed = exc
                return

    def _check(self) -> None:
        if self._failed is not None:
            raise self._failed

    def put(self, item: T) -> None:
        while True:
            self._check()
            if not self._thread.is_alive():
                raise RuntimeError("the writing thread ended without a word")
            try:
                self._queue.put(item, timeout=_TICK)
                return
            except queue.Full:
                continue

    def finish(self) -> None:
        """Wait until everything put is written; raise what the thread raised."""
        while self._thread.is_alive():
            self._check()
            try:
                self._queue.put(_End(), timeout=_TICK)
                break
            except queue.Full:
                continue
        while self._thread.is_alive():
            self._thread.join(_TICK)
        self._check()

    def close(self) -> None:
        """Stop now (an error or an interrupt): what was not written yet is dropped."""
        self._stop.set()
        self._thread.join()
