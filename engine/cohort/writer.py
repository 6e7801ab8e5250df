"""Write cohort output (JSON lines, CSV, Parquet) so that no half-written file is ever left.

Everything goes to a temporary file next to the target, which is renamed onto
the final name only when the run succeeds; an error or an interrupt (Ctrl-C)
removes it.
"""

from __future__ import annotations

import contextlib
import csv
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import IO, Any

import pyarrow as pa

from ..errors import InputError, Problem
from .columns import Column
from .scorer import ARROW_TYPES, Rejection, json_line

OUTPUT_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}


def output_format(path: str) -> str:
    lower = path.lower()
    for suffix, kind in OUTPUT_FORMATS.items():
        if lower.endswith(suffix):
            return kind
    raise InputError([Problem(path, "unknown output format; use .jsonl, .csv or .parquet")])


PART = ".part-"  # a temporary output is `.NAME.part-PID` beside NAME


def part_name(path: str, pid: int | None = None) -> str:
    """The temporary file that becomes `path`: hidden, beside it, named after it and the run."""
    directory = os.path.dirname(os.path.abspath(path))
    return os.path.join(directory, f".{os.path.basename(path)}{PART}{pid or os.getpid()}")


def remove_stale_parts(path: str) -> list[str]:
    """Remove what a killed run (SIGKILL, a power cut) left of `path`: `.NAME.part-PID`
    files whose process no longer exists. A running process's file is left alone."""
    directory = os.path.dirname(os.path.abspath(path))
    prefix = f".{os.path.basename(path)}{PART}"
    removed = []
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    for name in names:
        pid_text = name[len(prefix):] if name.startswith(prefix) else ""
        if not pid_text.isdigit() or int(pid_text) == os.getpid():
            continue
        try:
            os.kill(int(pid_text), 0)
            continue  # that run is still going
        except ProcessLookupError:
            pass
        except (PermissionError, OverflowError, ValueError):
            continue  # alive under another user, or not a pid we could have written
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(directory, name))
            removed.append(name)
    return removed


@contextlib.contextmanager
def atomic_path(path: str) -> Iterator[str]:
    """A temporary path that becomes `path` only if the block finishes.

    An exception, Ctrl-C, SIGTERM or SIGHUP (raised as KeyboardInterrupt by the CLI)
    removes it; after SIGKILL the next run on the same output removes it.
    """
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise InputError([Problem(path, "the output directory does not exist")])
    remove_stale_parts(path)
    temporary = part_name(path)
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def output_schema(kept: Sequence[tuple[str, pa.DataType]], columns: Sequence[Column]
                  ) -> pa.Schema:
    return pa.schema([("row", pa.int64()), ("id", pa.string()), *kept,
                      *[(c.name, ARROW_TYPES[c.type]) for c in columns]])


def encode(payload: pa.Table | list[dict[str, Any]] | None,
           order: Mapping[str, int]) -> str | pa.Table | None:
    """JSON rows as JSON lines (results in the rule sets' order); a table as it is."""
    if isinstance(payload, list):
        return "".join(json_line(row, order) for row in payload)
    return payload


class Sink:
    """One open output file of a given format."""

    def __init__(self, path: str, kind: str, schema: pa.Schema,
                 results: Sequence[Column] = ()) -> None:
        self.kind = kind
        self.schema = schema
        self._file: IO[bytes] | None = None
        self._writer: Any = None
        if kind == "parquet":
            import pyarrow.parquet as pq

            self._writer = pq.ParquetWriter(path, schema)
        elif kind == "csv":
            import pyarrow.csv as pcsv

            # The scorer gives text results as dictionaries over the distinct results; CSV
            # writes them as they are (decoding first costs memory that is never given back).
            text = {c.name for c in results if c.type == "string"}
            self.schema = pa.schema([
                f.with_type(pa.dictionary(pa.int32(), pa.string())) if f.name in text else f
                for f in schema])
            self._writer = pcsv.CSVWriter(path, self.schema)
        else:
            self._file = open(path, "wb")  # noqa: SIM115

    def write(self, payload: str | pa.Table | None) -> None:
        if isinstance(payload, pa.Table):
            self._writer.write_table(payload.select(self.schema.names).cast(self.schema))
        elif isinstance(payload, str):
            assert self._file is not None
            self._file.write(payload.encode("utf-8"))

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        elif self._writer is not None:
            self._writer.close()


class ErrorsSink:
    """The rejected rows as CSV (row,field,value,message), written as they come."""

    def __init__(self, path: str) -> None:
        self._handle = open(path, "w", newline="", encoding="utf-8")  # noqa: SIM115
        self._out = csv.writer(self._handle)
        self._out.writerow(["row", "field", "value", "message"])

    def write(self, rejections: Sequence[Rejection]) -> None:
        for r in rejections:
            self._out.writerow([r.row, r.field or "", r.value, r.message])

    def close(self) -> None:
        self._handle.close()
