"""Run a whole cohort: read in batches, score them (in worker processes), write, count.

durable_rules is not thread-safe, so parallel work uses processes, each with
its own scorer and engine; batches come back in input order, so the output
rows keep the input's order. At most two batches per worker are in flight,
so memory does not grow with the input.
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from ..errors import InputError, Problem
from ..loader import load_library
from .columns import output_columns
from .reader import Chunk, CohortInput
from .scorer import BatchOutcome, CohortScorer, Rejection
from .writer import ErrorsSink, Sink, atomic_path, encode, output_format, output_schema


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
        self.scored += rows - len({r.row for r in outcome.rejections})
        self.rejected_rows += len({r.row for r in outcome.rejections})
        for rs, counter in outcome.counts.items():
            self.counts.setdefault(rs, Counter()).update(counter)


_SCORER: CohortScorer | None = None


@dataclass
class Processed:
    """A scored chunk, ready to write: the payload is already in the output's format."""

    payload: str | pa.Table | None
    outcome: BatchOutcome  # its table is emptied when the payload carries it
    rows: int


def _init_worker(rules_dir: str | None, studies: Sequence[str]) -> None:
    global _SCORER
    library = load_library(rules_dir)
    _SCORER = CohortScorer(library.fields, library.select(studies))


def _process(chunk: Chunk, source: str, kind: str | None) -> Processed:
    assert _SCORER is not None, "worker not initialised"
    outcome = _SCORER.score(chunk.raw(), source, kind == "jsonl")
    payload = encode(outcome, kind)
    if kind in ("csv", "parquet", "jsonl"):  # the payload has it all: send no table twice
        outcome = BatchOutcome(outcome.table.slice(0, 0), outcome.rejections, outcome.counts)
    return Processed(payload, outcome, chunk.n)


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else (os.cpu_count() or 1))


def _processed(chunks: Iterator[Chunk], rules_dir: str | None, studies: Sequence[str],
               source: str, kind: str | None, workers: int) -> Iterator[Processed]:
    if workers <= 1:
        _init_worker(rules_dir, studies)
        for chunk in chunks:
            yield _process(chunk, source, kind)
        return
    import multiprocessing

    context = multiprocessing.get_context(os.environ.get("PROGNOSIS_MP_START", "forkserver"))
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload(["prognosis.engine.cohort.run"])
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker,
                             initargs=(rules_dir, tuple(studies))) as pool:
        pending: deque[Future[Processed]] = deque()
        try:
            for chunk in chunks:
                pending.append(pool.submit(_process, chunk, source, kind))
                if len(pending) >= 2 * workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


def run_cohort(cohort: CohortInput, *, rules_dir: str | None = None,
               studies: Sequence[str] = (), output: str | None = None,
               errors: str | None = None, strict: bool = False, workers: int = 1,
               on_batch: Callable[[int], None] | None = None,
               on_rejections: Callable[[Sequence[Rejection]], None] | None = None,
               on_table: Callable[[pa.Table], None] | None = None) -> CohortRun:
    """Score every row of `cohort`; write OUTPUT and ERRORS atomically.

    With `strict`, the first rejected row stops the run (InputError, nothing
    written). `on_table` receives each scored batch (used by validate).
    """
    library = load_library(rules_dir)
    selected = library.select(studies)
    run = CohortRun([(rs.id, rs.short_name, rs.model) for rs in selected])
    kind = output_format(output) if output else None
    with contextlib.ExitStack() as stack:
        sink = errors_sink = None
        if output and kind:
            kept_types = cohort.kept_types()
            schema = output_schema(kept_types, output_columns(selected))
            sink = Sink(stack.enter_context(atomic_path(output)), kind, schema)
            stack.callback(sink.close)
        if errors:
            errors_sink = ErrorsSink(stack.enter_context(atomic_path(errors)))
            stack.callback(errors_sink.close)
        wanted = kind or ("table" if on_table else None)
        for done in _processed(cohort.chunks(), rules_dir, studies, cohort.shown, wanted,
                               workers):
            outcome, rows = done.outcome, done.rows
            if strict and outcome.rejections:
                first = outcome.rejections[0]
                raise InputError([Problem(cohort.shown, f"row {first.row}: {first.message}"
                                          f" (value {first.value!r})", field=first.field)])
            run.add(outcome, rows)
            if sink:
                sink.write(done.payload)
            if errors_sink:
                errors_sink.write(outcome.rejections)
            if on_rejections and outcome.rejections:
                on_rejections(outcome.rejections)
            if on_table:
                on_table(outcome.table)
            if on_batch:
                on_batch(rows)
    return run

