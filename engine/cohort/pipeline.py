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
    """The last entry of a queue, and the end of `make()`'s items."""


_END: Any = _End()


class _Failed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


class ReadAhead(Generic[T]):
    """The items of `make()`, produced in a thread at most `depth` ahead of the consumer:
    with depth 1 the thread makes item N+1 while the consumer works on item N, and no
    more (one batch more in memory than without the thread). Items for which `light`
    is true (rows the reader rejected: no scoring) have room of their own, for
    `light_depth` of them, so that they do not keep the thread from making the next
    batch, nor pile up without end."""

    def __init__(self, make: Callable[[], Iterator[T]], depth: int = 1,
                 name: str = "cohort-reader",
                 light: Callable[[T], bool] = lambda item: False,
                 light_depth: int = 4) -> None:
        self._queue: queue.Queue[Any] = queue.Queue()
        self._room = threading.Semaphore(max(1, depth))  # released as items are taken
        self._light_room = threading.Semaphore(max(1, light_depth))
        self._light = light
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(make,), name=name,
                                        daemon=True)
        self._thread.start()

    def _run(self, make: Callable[[], Iterator[T]]) -> None:
        try:
            items = make()
            try:
                while self._wait_for(self._room):
                    item = next(items, _END)
                    while item is not _END and self._light(item):
                        if not self._wait_for(self._light_room):
                            return  # stopped
                        self._queue.put((item, self._light_room))
                        item = next(items, _END)
                    if item is _END:
                        break
                    self._queue.put((item, self._room))
                else:
                    return  # stopped
            finally:
                close = getattr(items, "close", None)
                if close is not None:
                    close()
            self._queue.put(_END)
        except BaseException as exc:  # handed to the consumer as it is
            self._queue.put(_Failed(exc))

    def _wait_for(self, room: threading.Semaphore) -> bool:
        while not self._stop.is_set():
            if room.acquire(timeout=_TICK):
                return True
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
            item, room = entry
            room.release()
            yield item

    def close(self) -> None:
        """Stop reading (what was read ahead is dropped) and wait for the thread."""
        self._stop.set()
        with contextlib.suppress(queue.Empty):
            while True:
                self._queue.get_nowait()
        self._thread.join(_JOIN)


class WriteBehind(Generic[T]):
    """`write(item)` for each item `put`, in order, in a thread. `put` waits while `depth`
    items are not yet written: with depth 1 the thread writes item N while the caller
    makes item N+1, and the caller hands N+1 over when N is written."""

    def __init__(self, write: Callable[[T], None], depth: int = 1,
                 name: str = "cohort-writer") -> None:
        self._write = write
        self._queue: queue.Queue[Any] = queue.Queue()
        self._room = threading.Semaphore(max(1, depth))  # released as items are written
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
            del entry  # written: its memory goes before the next is handed over
            self._room.release()

    def _check(self) -> None:
        if self._failed is not None:
            raise self._failed
        if not self._thread.is_alive():
            raise RuntimeError("the writing thread ended without a word")

    def put(self, item: T) -> None:
        while not self._room.acquire(timeout=_TICK):
            self._check()
        self._check()
        self._queue.put(item)

    def finish(self) -> None:
        """Wait until everything put is written; raise what the thread raised."""
        if self._thread.is_alive():
            self._queue.put(_END)
        while self._thread.is_alive():
            self._thread.join(_TICK)
        if self._failed is not None:
            raise self._failed

    def close(self) -> None:
        """Stop now (an error or an interrupt): what was not written yet is dropped."""
        self._stop.set()
        self._thread.join()
