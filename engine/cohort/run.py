"""Run a whole cohort: read in batches, score them (in worker processes), write, count.

durable_rules is not thread-safe, so parallel work uses processes, each with
its own scorer and engine; batches come back in input order, so the output
rows keep the input's order. At most two batches per worker are in flight,
so memory does not grow with the input. In every case a thread reads (and
factorises) the next batches and another writes the last ones while this
one scores (pipeline.py): pyarrow releases the GIL while it parses and writes.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
from collections import Counter, deque
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from ..errors import InputError, Problem
from ..fields import shown_text
from ..loader import load_library
from .columns import output_columns
from .pipeline import ReadAhead, WriteBehind
from .raw import RawBatch
from .reader import BATCH_ROWS, Chunk, CohortInput
from .rejections import Rejections
from .scorer import BatchOutcome, CohortScorer, Shape
from .writer import ErrorsSink, Sink, atomic_path, output_format, output_schema


@dataclass
class CohortRun:
    """What a run did, for the summary and the exit code."""

    rule_sets: list[tuple[str, str, str]]  # (id, short name, model)
    rows_read: int = 0
    scored: int = 0
    rejected_rows: int = 0
    counts: dict[str, Counter[tuple[str, Any]]] = field(default_factory=dict)

    def add(self, outcome: BatchOutcome, rows: int) -> None:
        self.rows_read += rows
        rejected = outcome.rejections.distinct_rows()
        self.scored += rows - rejected
        self.rejected_rows += rejected
        for rs, counter in outcome.counts.items():
            self.counts.setdefault(rs, Counter()).update(counter)


FULL_JSONL_BATCH_ROWS = 1_000  # a row's full JSON is ~50 kB: small batches keep memory flat
# A compact row is ~1.5 kB of JSON, made by the scorer and held until written: batches
# of 25,000 rows (37 MB of text) keep memory flat, and 100k rows fill the pipeline
# (peak 1M / 100k rows: 1.10-1.15 here; 1.15-1.20 at 20,000, 1.20-1.26 at 40,000).
JSONL_BATCH_ROWS = 25_000
# Parquet is read a row group at a time (100k rows in the benchmark's files). Batches of
# 50,000 rows put peak memory at 1M rows 1.15-1.23x that at 100k in the benchmark's runs
# (goal 1.2); 33,334 rows: 1.10-1.17x and 45 MB less at 1M, at a cost in speed within
# the machine's noise (CSV the other way round: 1.30x at 50,000, 1.14-1.19x at 40,000).
PARQUET_BATCH_ROWS = 33_334
# The table a scored batch is given as, per output (scorer.Shape): CSV takes each rule
# set's cells as text; `validate` (on_table) and Parquet take the columns.
SHAPES: dict[str | None, Shape] = {"jsonl": "compact", "jsonl-full": "full", "csv": "csv"}
_SCORER: CohortScorer | None = None


@dataclass
class Processed:
    """A scored chunk from one worker: its table for some of the rule sets."""

    payload: pa.Table | None
    outcome: BatchOutcome  # its table is emptied when the payload carries it
    rows: int


def _init_worker(rules_dir: str | None, studies: Sequence[str]) -> None:
    global _SCORER
    library = load_library(rules_dir)
    _SCORER = CohortScorer(library.fields, library.select(studies))


def _init_pool_worker(rules_dir: str | None, studies: Sequence[str],
                      parent: int | None) -> None:
    from .lifeline import die_with_parent

    die_with_parent(parent)
    _init_worker(rules_dir, studies)
    gc.freeze()  # as in _processed; this process ends with the run


def _stop(pools: Sequence[ProcessPoolExecutor]) -> None:
    """End the workers now (an interrupt or an error): no batch is finished for nothing.
    They ignore SIGTERM (lifeline.py), so they are killed."""
    processes = [p for pool in pools for p in getattr(pool, "_processes", {}).values()]
    for process in processes:
        with contextlib.suppress(Exception):
            process.kill()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(timeout=5)
    for pool in pools:
        # A worker killed while it sent a result leaves half a message in the result pipe:
        # the pool's manager thread waits for the rest for ever, since this process holds
        # the pipe's writing end too (CPython's ProcessPoolExecutor keeps both ends). Closed
        # here, the read ends with EOF and the manager sees a broken pool and stops.
        writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
        with contextlib.suppress(Exception):
            if writer is not None:
                writer.close()
    for pool in pools:  # waits for its manager thread (which sees the killed workers and
        # ends); left running, it races the interpreter's exit and prints a traceback
        pool.shutdown(wait=True, cancel_futures=True)


def _process(chunk: Chunk, source: str, kind: str | None) -> Processed:
    return _scored(chunk.raw(), chunk.n, source, kind)


def _scored(raw: RawBatch, rows: int, source: str, kind: str | None) -> Processed:
    assert _SCORER is not None, "worker not initialised"
    outcome = _SCORER.score(raw, source, SHAPES.get(kind, "columns"))
    payload = outcome.table if kind is not None else None
    slim = BatchOutcome(outcome.table.slice(0, 0), outcome.rejections, outcome.counts)
    return Processed(payload, slim, rows)


def _rejected(chunk: Chunk) -> Processed:
    """Rows the reader rejected (ragged, undecodable, too long): counted, listed, not scored."""
    return Processed(None, BatchOutcome(pa.table({}), Rejections.of(chunk.rejections), {}),
                     chunk.n)


def default_workers(full: bool = False) -> int:
    """One process, unless each row is assembled on its own (--full JSON lines): scoring
    over columns costs less than sending batches to other processes (1M diverse rows CSV
    -> CSV on 2 cores, 2026-11-30: 4.9-5.8 s in one process, 6.5-7.3 s with --workers 2)."""
    if not full:
        return 1
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else (os.cpu_count() or 1))


def partition(rule_sets: Sequence[Any], workers: int) -> list[list[str]]:
    """Share the rule sets among processes, heaviest first (weight: fields that make cells).

    Each process scores every batch for its own rule sets, so no two processes
    discover the same cells; durable_rules runs once per process. The main
    process, which also reads and writes, takes the last (lightest) share.
    """
    parts: list[list[str]] = [[] for _ in range(max(1, min(workers, len(rule_sets))))]
    load = [0] * len(parts)
    weight = {rs.id: 3 ** len({a.field for a in rs.atoms()}) for rs in rule_sets}
    for rs in sorted(rule_sets, key=lambda r: -weight[r.id]):
        lightest = load.index(min(load))
        parts[lightest].append(rs.id)
        load[lightest] += weight[rs.id]
    order = [rs.id for rs in rule_sets]
    return [sorted(part, key=order.index) for part in parts]  # each in the asked order


def _merge(parts: Sequence[Processed], order: Sequence[str]) -> Processed:
    """One chunk's results from several workers, columns and rule sets in the usual order."""
    first = parts[0]
    if len(parts) == 1:
        return first
    counts = {rs: c for p in parts for rs, c in p.outcome.counts.items()}
    outcome = BatchOutcome(first.outcome.table, first.outcome.rejections, counts)
    if isinstance(first.payload, pa.Table):
        table = first.payload
        for other in parts[1:]:
            assert isinstance(other.payload, pa.Table)
            for name in other.payload.column_names:
                if name not in table.column_names:
                    table = table.append_column(name, other.payload.column(name))
        return Processed(table, outcome, first.rows)
    return Processed(None, outcome, first.rows)


def _processed(chunks: Iterator[Chunk], rules_dir: str | None, order: Sequence[str],
               source: str, kind: str | None, workers: int,
               rule_sets: Sequence[Any]) -> Generator[Processed, None, None]:
    parts = partition(rule_sets, workers)
    own = parts.pop()  # the lightest share is scored here, beside reading and writing
    _init_worker(rules_dir, own)
    # What lives now (modules, rule sets, the scorer) lives to the end of the run: kept
    # out of the garbage collector's full passes, which otherwise walk it again and again
    # as the scorer's memos grow (0.14 s of a 1M-row run; 0.03 s so). Only for the run:
    # a process that goes on (tests, validate) gets its collector back as it was. A
    # caller that froze objects itself (the board does) is left alone: unfreezing is
    # all or nothing, and would thaw its objects too.
    ours = gc.get_freeze_count() == 0
    if ours:
        gc.freeze()
    try:
        yield from _batches(chunks, rules_dir, source, kind, parts, order)
    finally:
        if ours:
            gc.unfreeze()


def _batches(chunks: Iterator[Chunk], rules_dir: str | None, source: str,
             kind: str | None, parts: list[list[str]], order: Sequence[str]
             ) -> Generator[Processed, None, None]:
    """The scored chunks, scored here (`parts` empty) or here and in one process per part."""
    if not parts:
        # Read (and factorise) ahead in a thread while this one scores.
        # A scored chunk's rows are dropped once factorised (the batch keeps what it needs).
        read: ReadAhead[tuple[Chunk | int, RawBatch | None]] = ReadAhead(
            lambda: ((c, None) if c.rejections else (c.n, c.raw()) for c in chunks),
            light=lambda item: item[1] is None)
        try:
            for chunk, raw in read:
                if isinstance(chunk, Chunk):
                    yield _rejected(chunk)
                else:
                    assert raw is not None
                    yield _scored(raw, chunk, source, kind)
        finally:
            read.close()
        return
    import multiprocessing

    context = multiprocessing.get_context(os.environ.get("PROGNOSIS_MP_START", "forkserver"))
    if context.get_start_method() == "forkserver":
        # The lifeline first: the fork server then dies with this process (lifeline.py).
        context.set_forkserver_preload(["prognosis.engine.cohort.lifeline",
                                        "prognosis.engine.cohort.run"])
    from ..interrupts import held_signals
    from .lifeline import fork_server_pid, start_helpers

    if hasattr(signal, "pthread_sigmask"):
        start_helpers(context)
    parent = fork_server_pid(context)
    with contextlib.ExitStack() as stack:
        with held_signals():  # a worker half-started when the run stops would print a traceback
            pools = [stack.enter_context(ProcessPoolExecutor(
                1, mp_context=context, initializer=_init_pool_worker,
                initargs=(rules_dir, tuple(ids), parent))) for ids in parts]
            for pool in pools:
                pool.submit(os.getpid)  # start its process now, while signals wait
        pending: deque[tuple[list[Future[Processed]], Processed]] = deque()
        finished = False
        ahead: ReadAhead[Chunk] = ReadAhead(lambda: chunks)
        try:
            for chunk in ahead:
                if chunk.rejections:  # rows the reader refused: nothing to score
                    pending.append(([], _rejected(chunk)))
                else:
                    futures = [pool.submit(_process, chunk, source, kind) for pool in pools]
                    pending.append((futures, _process(chunk, source, kind)))
                if len(pending) >= 2:
                    futures, mine = pending.popleft()
                    yield _merge([*(f.result() for f in futures), mine], order)
            while pending:
                futures, mine = pending.popleft()
                yield _merge([*(f.result() for f in futures), mine], order)
            finished = True
        finally:
            ahead.close()
            for futures, _ in pending:
                for future in futures:
                    future.cancel()
            if not finished:  # interrupted, an error, or the reader stopped early
                _stop(pools)


def run_cohort(cohort: CohortInput, *, rules_dir: str | None = None,
               studies: Sequence[str] = (), output: str | None = None,
               errors: str | None = None, strict: bool = False, workers: int = 1,
               full: bool = False,
               on_batch: Callable[[int], None] | None = None,
               on_rejections: Callable[[Rejections], None] | None = None,
               on_table: Callable[[pa.Table], None] | None = None) -> CohortRun:
    """Score every row of `cohort`; write OUTPUT and ERRORS atomically.

    With `strict`, the first rejected row stops the run (InputError, nothing
    written). `on_table` receives each scored batch (used by validate). `full`: JSON
    lines carry compare's whole result per row instead of the compact rows.
    """
    library = load_library(rules_dir)
    selected = library.select(studies)
    run = CohortRun([(rs.id, rs.short_name, rs.model) for rs in selected])
    kind = output_format(output) if output else None
    with contextlib.ExitStack() as stack:
        sink = errors_sink = None
        if output and kind:
            kept_types = cohort.kept_types()
            columns = output_columns(selected)
            taken = {"row", "id", *(c.name for c in columns)}
            clash = [name for name, _ in kept_types if name in taken]
            if clash:
                raise InputError([Problem(cohort.shown, f"--keep {name}: the output has a "
                                          "column of that name already; rename it in the "
                                          "input to keep it") for name in clash])
            schema = output_schema(kept_types, columns)
            sink = Sink(stack.enter_context(atomic_path(output)), kind, schema, columns,
                        selected, "full" if full else "compact")
            stack.callback(sink.close)
            # Written in a thread while the next batch is scored; stopped (and waited for)
            # before the sink is closed and its temporary file removed. Two batches may
            # wait (scoring is uneven, writing is not: a 1M-row CSV run waited 2.8 s for
            # the writer with room for one); JSON lines keep one, since a batch of them
            # becomes ~75 MB of text (peak memory 1M/100k rows went 1.09 -> 1.30).
            behind: WriteBehind[pa.Table | None] = WriteBehind(
                sink.write, depth=1 if kind == "jsonl" else 2)
            stack.callback(behind.close)
        if errors:
            errors_sink = ErrorsSink(stack.enter_context(atomic_path(errors)))
            stack.callback(errors_sink.close)
        wanted = kind or ("table" if on_table else None)
        if wanted == "csv" and on_table:
            wanted = "table"  # on_table reads the columns; the CSV sink writes them as well
        if wanted == "jsonl" and full:
            wanted = "jsonl-full"
        order = [rs.id for rs in selected]
        rows = {"jsonl-full": FULL_JSONL_BATCH_ROWS, "jsonl": JSONL_BATCH_ROWS}.get(
            wanted or "", PARQUET_BATCH_ROWS if cohort.format == "parquet" else BATCH_ROWS)
        batches = stack.enter_context(contextlib.closing(_processed(
            cohort.chunks(rows), rules_dir, order, cohort.shown, wanted, workers, selected)))
        for done in batches:
            outcome, rows = done.outcome, done.rows
            if strict and outcome.rejections:
                first = outcome.rejections[0]
                raise InputError([Problem(cohort.shown, f"row {first.row}: {first.message}"
                                          f" (value {shown_text(first.value)})",
                                          field=first.field)])
            run.add(outcome, rows)
            if sink:
                behind.put(done.payload)
            if errors_sink:
                errors_sink.write(outcome.rejections)
            if on_rejections and outcome.rejections:
                on_rejections(outcome.rejections)
            if on_table and isinstance(done.payload, pa.Table):
                on_table(done.payload)
            if on_batch:
                on_batch(rows)
        if sink:
            behind.finish()
        from ..interrupts import check

        check()  # stopped by a signal: never commit an output read to an early end
    return run

