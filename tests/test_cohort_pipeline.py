"""Reading ahead and writing behind in threads (engine/cohort/pipeline.py): order kept, a
failure in a thread raised in the caller as it is, and a run whose writing or reading
thread fails exits as without threads, with no output and no temporary file left."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from clirun import run

from prognosis.cli.app import ExitCode
from prognosis.engine.cohort import run as cohort_run
from prognosis.engine.cohort import writer
from prognosis.engine.cohort.pipeline import ReadAhead, WriteBehind
from prognosis.engine.cohort.reader import CohortInput
from prognosis.engine.errors import InputError, Problem

HEADER = "id,histology,lung_metastasis_count,lung_metastasis_max_diameter [mm]"
ROWS = [f"p{i},leiomyosarcoma,{1 + i % 9},{5 + i % 30}" for i in range(40)]


def test_read_ahead_keeps_order_and_raises_the_threads_error() -> None:
    def items() -> Iterator[int]:
        yield from range(5)
        raise InputError([Problem("in.csv", "broken at 5")])

    ahead = ReadAhead(items, depth=1)
    seen = []
    with pytest.raises(InputError, match="broken at 5"):
        seen.extend(ahead)
    ahead.close()
    assert seen == [0, 1, 2, 3, 4]


def test_light_items_do_not_keep_the_thread_from_the_next_batch() -> None:
    """Rows the reader rejected come between batches: with depth 1 they once took the one
    place ahead, so the next batch was read only after the consumer took them (the
    scorer then waited for every batch)."""
    made: list[str] = []
    second = threading.Event()

    def items() -> Iterator[str]:
        for item in ("batch 1", "rejected rows", "batch 2", "batch 3"):
            made.append(item)
            if item == "batch 2":
                second.set()
            yield item

    ahead = ReadAhead(items, depth=1, light=lambda item: item.startswith("rejected"))
    taken = iter(ahead)
    assert next(taken) == "batch 1"
    assert second.wait(5)  # made while "rejected rows" waits to be taken
    assert list(taken) == ["rejected rows", "batch 2", "batch 3"]
    ahead.close()
    assert made == ["batch 1", "rejected rows", "batch 2", "batch 3"]


def test_light_items_have_room_of_their_own_and_stop_when_closed() -> None:
    """Light items never pile up without end: at most `light_depth` wait to be taken, and
    closing stops a thread that waits to hand over another."""
    made = 0
    closed = threading.Event()

    def items() -> Iterator[str]:
        nonlocal made
        try:
            yield "batch"
            while True:
                made += 1
                yield "rejected rows"
        finally:
            closed.set()

    ahead = ReadAhead(items, depth=1, light=lambda item: item != "batch", light_depth=3)
    assert next(iter(ahead)) == "batch"
    deadline = time.monotonic() + 5
    while made < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    assert made == 4  # three handed over, the fourth made and waiting for room
    ahead.close()
    assert closed.wait(5)


def test_read_ahead_stops_when_closed_early() -> None:
    closed = threading.Event()

    def items() -> Iterator[int]:
        try:
            yield from range(1_000_000)
        finally:
            closed.set()

    ahead = ReadAhead(items, depth=2)
    assert next(iter(ahead)) == 0
    ahead.close()
    assert closed.wait(5)


def test_write_behind_writes_in_order_and_raises_at_finish() -> None:
    written: list[int] = []
    behind: WriteBehind[int] = WriteBehind(written.append, depth=1)
    for i in range(100):
        behind.put(i)
    behind.finish()
    assert written == list(range(100))

    def fail(item: int) -> None:
        raise InputError([Problem("out.csv", f"cannot write {item}")])

    failing: WriteBehind[int] = WriteBehind(fail)
    with pytest.raises(InputError, match="cannot write 0"):
        for i in range(100):
            failing.put(i)
        failing.finish()
    failing.close()


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl"])
def test_a_failing_writer_thread_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                suffix: str) -> None:
    source = tmp_path / "in.csv"
    source.write_text("\n".join([HEADER, *ROWS]) + "\n")
    for name in ("BATCH_ROWS", "JSONL_BATCH_ROWS", "PARQUET_BATCH_ROWS"):
        monkeypatch.setattr(cohort_run, name, 7)
    calls = []
    original = writer.Sink.write

    def write(self: writer.Sink, table: object) -> None:
        calls.append(1)
        if len(calls) == 3:
            raise InputError([Problem(str(tmp_path / f"out{suffix}"), "the disk is full")])
        original(self, table)  # type: ignore[arg-type]

    monkeypatch.setattr(writer.Sink, "write", write)
    code, _, err = run("cohort", str(source), "-o", str(tmp_path / f"out{suffix}"), "--quiet")
    assert code == ExitCode.BAD_INPUT, err
    assert "the disk is full" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_a_failing_reader_thread_leaves_nothing(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "in.csv"
    source.write_text("\n".join([HEADER, *ROWS]) + "\n")
    monkeypatch.setattr(cohort_run, "BATCH_ROWS", 7)
    original = CohortInput.chunks

    def chunks(self: CohortInput, rows: int) -> Iterator[object]:
        for k, chunk in enumerate(original(self, rows)):
            if k == 3:
                raise InputError([Problem(self.shown, "not readable as CSV: truncated")])
            yield chunk

    monkeypatch.setattr(CohortInput, "chunks", chunks)
    code, _, err = run("cohort", str(source), "-o", str(tmp_path / "out.csv"), "--errors",
                       str(tmp_path / "errors.csv"), "--quiet")
    assert code == ExitCode.BAD_INPUT, err
    assert "truncated" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_parquet_output_types_read_back_as_declared(tmp_path: Path) -> None:
    """Text results are written to Parquet as dictionaries without the Arrow schema (less
    memory); kept columns whose type needs that schema keep the old way."""
    import datetime

    import pyarrow as pa
    import pyarrow.parquet as pq

    source = tmp_path / "in.parquet"
    pq.write_table(pa.table({
        "id": ["a", "b"], "histology": ["leiomyosarcoma", "lms"], "lung_metastasis_count": [1, 2],
        "k_int": pa.array([1, None], pa.int64()), "k_date": pa.array(
            [datetime.date(2020, 1, 1), None], pa.date32()),
        "k_large": pa.array(["x", None], pa.large_string()),
        "k_ts": pa.array([datetime.datetime(2020, 1, 1), None], pa.timestamp("ms", tz="UTC"))}),
        source)
    for keep in (["k_int", "k_date"], ["k_int", "k_large", "k_ts"]):
        target = tmp_path / "out.parquet"
        code, _, err = run("cohort", str(source), "-o", str(target), "--quiet",
                           *[a for k in keep for a in ("--keep", k)])
        assert code == ExitCode.OK, err
        out = pq.read_table(target)
        assert [str(out.schema.field(k).type) for k in keep] == \
            [str(pq.read_schema(source).field(k).type) for k in keep]
        assert out.schema.field("slms.status").type == pa.string()
        assert out.schema.field("slms.score").type == pa.int64()
        assert out.column("slms.status").to_pylist()[0] in ("complete", "incomplete")


def test_parquet_output_has_statistics_for_what_a_reader_filters_by(tmp_path: Path) -> None:
    """Row groups carry min/max for row, id, kept columns, numbers and verdicts (a reader
    skips row groups by them), none for the result texts (few values, in every group)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    source, target = tmp_path / "in.parquet", tmp_path / "out.parquet"
    pq.write_table(pa.table({"id": ["p1", "p2"], "histology": ["leiomyosarcoma", "lms"],
                             "lung_metastasis_count": [7, 2], "site": ["x", "y"]}), source)
    code, _, err = run("cohort", str(source), "-o", str(target), "--keep", "site", "--quiet",
                       "--study", "slms")
    assert code == ExitCode.OK, err
    group = pq.ParquetFile(target).metadata.row_group(0)
    with_statistics = {group.column(i).path_in_schema: group.column(i).is_stats_set
                       for i in range(group.num_columns)}
    assert sorted(name for name, kept in with_statistics.items() if not kept) == [
        "slms.group", "slms.options", "slms.reasons", "slms.status", "slms.subgroup",
        "slms.unknown"]
    assert group.column(0).path_in_schema == "row"
    assert (group.column(0).statistics.min, group.column(0).statistics.max) == (1, 2)


@pytest.mark.parametrize("kind", ["category", "large_string"])
def test_a_parquet_columns_storage_does_not_change_the_results(tmp_path: Path, kind: str
                                                               ) -> None:
    """Field columns are read as dictionaries (each distinct cell screened and converted
    once); a column that is already one (a pandas category: int8 indices, or numbers as
    its values) or is large_string gives the same results as plain text, bad cells and
    bare numbers included, and a kept category column is written as it was."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    plain = {"id": ["a", "b", "c", "d", "e"],
             "histology": ["leiomyosarcoma", "lms", None, "lms", "Leiomyosarcomaa"],
             "lung_metastasis_count": ["7", "2", "3", None, "2"],
             "lung_metastasis_max_diameter [mm]": ["22", "15", "3", None, "14.99"],
             "note": ["x", "y", "x", None, "x"]}

    def column(values: list[str | None]) -> pa.Array:
        if kind == "large_string":
            return pa.array(values, pa.large_string())
        return pa.array(values).dictionary_encode().cast(pa.dictionary(pa.int8(), pa.string()))

    stored = {name: column(values) for name, values in plain.items()}
    stored["lung_metastasis_count"] = pa.array([7, 2, 3, None, 2]).dictionary_encode() \
        if kind == "category" else pa.array([7, 2, 3, None, 2])
    outputs = []
    for name, table in (("plain", pa.table(plain)), ("stored", pa.table(stored))):
        source = tmp_path / f"{name}.parquet"
        pq.write_table(table, source)
        target = tmp_path / f"{name}.out.csv"
        code, out, err = run("cohort", str(source), "-o", str(target), "--keep", "note",
                             "--errors", str(tmp_path / f"{name}.errors.csv"), "--quiet")
        assert code == ExitCode.REJECTED_ROWS, err
        assert "rows read 5, scored 4, rejected 1" in out
        outputs.append((target.read_text(), (tmp_path / f"{name}.errors.csv").read_text()))
    assert outputs[0] == outputs[1]
    assert "did you mean 'leiomyosarcoma'" in outputs[0][1]


def test_stopping_workers_does_not_wait_for_half_a_result() -> None:
    """A worker killed while it sent a result leaves half a message in the result pipe;
    the pool's manager thread waited for the rest for ever, and Ctrl-C on a `--full` run
    hung in about half the tries. `_stop` closes this process's end of the pipe first."""
    import os
    import struct
    import threading
    from concurrent.futures import ProcessPoolExecutor

    from prognosis.engine.cohort.run import _stop

    pool = ProcessPoolExecutor(1)
    assert pool.submit(int, "7").result(timeout=60) == 7  # the worker is up
    writer = pool._result_queue._writer  # type: ignore[attr-defined]
    os.write(writer.fileno(), struct.pack("!i", 1000) + b"x" * 10)  # 10 of 1,000 bytes
    stopping = threading.Thread(target=_stop, args=([pool],), daemon=True)
    stopping.start()
    stopping.join(timeout=30)
    hung = stopping.is_alive()
    if hung:  # unstick the manager thread so that the test run itself can end
        writer.close()
        stopping.join(timeout=30)
    assert not hung


@pytest.mark.parametrize("frozen_by_caller", [False, True], ids=["", "caller froze"])
@pytest.mark.parametrize("raising", [False, True], ids=["ends", "fails"])
def test_a_run_freezes_the_garbage_collector_and_gives_it_back(
        tmp_path: Path, raising: bool, frozen_by_caller: bool) -> None:
    """What lives while a run scores is kept out of the collector's full passes
    (gc.freeze), and given back at the end, whether the run ends or fails: a process
    that goes on (tests, validate) must not keep garbage frozen for ever. A caller that
    froze objects itself keeps them frozen (unfreezing would thaw them too)."""
    import gc

    from prognosis.engine.loader import load_library

    source = tmp_path / "in.csv"
    source.write_text("\n".join([HEADER, *ROWS]) + "\n")
    if frozen_by_caller:
        gc.freeze()
    before = gc.get_freeze_count()
    during: list[int] = []

    def on_batch(rows: int) -> None:
        during.append(gc.get_freeze_count())
        if raising:
            raise RuntimeError("stopped by the caller")

    cohort = CohortInput(str(source), load_library().fields)
    try:
        if raising:
            with pytest.raises(RuntimeError, match="stopped by the caller"):
                cohort_run.run_cohort(cohort, on_batch=on_batch)
        else:
            cohort_run.run_cohort(cohort, on_batch=on_batch)
    finally:
        cohort.close()
        after = gc.get_freeze_count()
        gc.unfreeze()  # this test's own freeze, if any
    assert during
    if frozen_by_caller:  # left as it was (a frozen object may still be freed meanwhile)
        assert before >= during[0] >= after > 0
    else:
        assert during[0] > before == after == 0
