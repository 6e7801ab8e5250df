"""Read a cohort in batches: CSV (also gzipped, or `-` for standard input), Parquet, JSON lines.

Memory stays flat however long the input: pyarrow streams CSV and Parquet in
blocks, JSON lines are read a batch at a time. Every CSV column is read as
text (a cell may be "1.8 cm"), only an empty cell is null; the header is
checked before any row is read: duplicate names, no patient field at all,
unknown columns (with a "did you mean"), `--keep` columns that do not exist.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import re
import sys
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np
import pyarrow as pa

from ..errors import InputError, Problem
from ..fields import FieldDef, FieldDictionary
from .raw import RawBatch, from_arrow, from_records
from .rejections import Rejection

FORMATS = {".csv": "csv", ".csv.gz": "csv", ".parquet": "parquet", ".jsonl": "jsonl",
           ".ndjson": "jsonl"}
CSV_BLOCK_BYTES = 1 << 20  # pyarrow reads ahead many blocks: small blocks, flat memory
BATCH_ROWS = 40_000  # 100k rows fill the pipeline (read ahead, score, write behind) as 1M do
# Limits (README, "Reliability"): a longer cell or line rejects that row, not the file.
MAX_CELL_BYTES = 64 * 1024
MAX_LINE_BYTES = 512 * 1024  # below CSV_BLOCK_BYTES, so pyarrow never sees a longer line
_OVERSIZE = b"#prognosis-oversize-line#"  # stands in for a line that was too long


def input_format(path: str) -> str:
    if path == "-":
        return "csv"
    lower = path.lower()
    for suffix in sorted(FORMATS, key=len, reverse=True):
        if lower.endswith(suffix):
            return FORMATS[suffix]
    raise InputError([Problem(path, "unknown input format; use .csv, .csv.gz, .parquet or "
                              ".jsonl (or - for CSV on standard input)")])


@dataclass(frozen=True)
class Chunk:
    """Rows as read (Arrow table or JSON records), not yet checked: cheap to send to a worker.

    A chunk of rows the reader itself rejected (ragged, undecodable, too long, a JSON
    line with a duplicate key) has no data, only `rejections`, one per row.
    """

    first_row: int
    data: pa.Table | list[dict[str, Any]]
    fields: tuple[str, ...]
    kept: tuple[str, ...]
    units: tuple[tuple[str, str], ...] = ()  # declared unit per field
    sources: tuple[tuple[str, str], ...] = ()  # field -> column as written
    rejections: tuple[Rejection, ...] = ()

    @property
    def n(self) -> int:
        if self.rejections:
            return len(self.rejections)
        return self.data.num_rows if isinstance(self.data, pa.Table) else len(self.data)

    def raw(self) -> RawBatch:
        units, sources = dict(self.units), dict(self.sources)
        if isinstance(self.data, pa.Table):
            return from_arrow(self.data, self.fields, self.kept, self.first_row, units, sources)
        return from_records(self.data, self.fields, self.kept, self.first_row, units, sources)


# Columns the tools themselves write or read that are not patient fields: `synth`'s marker
# and outcomes (the time and event columns `validate` reads by default).
KNOWN_COLUMNS = ("synthetic", "os_months", "death")
# A column's unit after its name, in brackets or parentheses, as registries write it:
# `lung_metastasis_max_diameter [mm]`, `DFI (months)`.
_UNIT_SUFFIX = re.compile(r"^(.*?)\s*(?:\[\s*([^\]]*?)\s*\]|\(\s*([^)]*?)\s*\))\s*$")


@dataclass
class Header:
    """What the columns of an input are for."""

    columns: list[str]
    fields: list[str]  # patient fields (and id), in input order
    kept: list[str]
    unknown: list[tuple[str, str | None]] = field(default_factory=list)  # (column, hint)
    sources: dict[str, str] = field(default_factory=dict)  # field -> column as written
    units: dict[str, str] = field(default_factory=dict)  # field -> declared unit
    renamed: list[tuple[str, str]] = field(default_factory=list)  # (column, field) read as


def _declared_unit(path: str, fdef: FieldDef, unit: str, how: str) -> Problem | None:
    """None when `unit` is a unit of the field; else what is wrong."""
    if fdef.dimension is not None and fdef.type == "quantity":
        try:
            fdef.dimension.convert(1.0, unit)
        except ValueError as exc:
            return Problem(path, f"{how}: {exc}", field=fdef.name)
        return None
    if fdef.unit is not None and unit.lower() == fdef.unit.lower():
        return None
    wanted = f"its unit is {fdef.unit}" if fdef.unit else "it takes no unit"
    return Problem(path, f"{how}: {fdef.name} cannot be given in '{unit}'; {wanted}",
                   field=fdef.name)


def check_header(path: str, columns: Sequence[str], fields: FieldDictionary,
                 keep: Sequence[str], strict: bool, ignore: Sequence[str] = (),
                 units: Mapping[str, str] | None = None) -> Header:
    """Match columns to fields (ignoring case, through declared aliases, with an optional
    `[unit]` or `(unit)` suffix); `units` are the --unit declarations (field -> unit)."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for name in columns:
        if name in seen:
            problems.append(Problem(path, f"column '{name}' appears twice in the header"))
        seen.add(name)
    # --keep names a column as written or in any case, when only one column has that name
    # ignoring case (as a field's column is matched); a field by its name is found below.
    by_case: dict[str, list[str]] = {}
    for column in columns:
        by_case.setdefault(column.lower(), []).append(column)
    keep = [by_case[name.lower()][0] if name not in seen and fields.column_field(name) is None
            and len(by_case.get(name.lower(), ())) == 1 else name for name in keep]
    header = Header(list(columns), [], list(dict.fromkeys(keep)))
    for column in columns:
        match = _UNIT_SUFFIX.match(column)
        base, unit = (match.group(1), match.group(2) if match.group(2) is not None
                      else match.group(3)) if match else (column, None)
        found = fields.column_field(base)
        if found is None:
            if column not in ignore and column not in keep and \
                    column.lower() not in KNOWN_COLUMNS:
                header.unknown.append((column, fields.suggest(base)))
            continue
        name = found
        if name in header.sources:
            if header.sources[name] != column:  # the same name twice is said above
                problems.append(Problem(path, f"columns '{header.sources[name]}' and "
                                        f"'{column}' both give {name}", field=name))
            continue
        header.fields.append(name)
        header.sources[name] = column
        if base != name:
            header.renamed.append((column, name))
        if unit is not None:
            bad = _declared_unit(path, fields[name], unit, f"column '{column}'")
            if bad:
                problems.append(bad)
            header.units[name] = unit
    for name in keep:  # a column, or a field by name (its column, e.g. with a [unit])
        if name in ("row", "id"):
            problems.append(Problem(path, f"--keep {name}: the output always has '{name}'"))
        elif name not in seen and name not in header.sources:
            problems.append(Problem(path, f"--keep {name}: no such column; columns: "
                                    + ", ".join(columns)))
    for name, unit in (units or {}).items():
        fdef = fields.fields.get(name) or fields.fields.get(fields.column_field(name) or "")
        if fdef is None:
            problems.append(Problem(path, f"--unit {name}={unit}: no such field"))
            continue
        bad = _declared_unit(path, fdef, unit, f"--unit {name}={unit}")
        if bad:
            problems.append(bad)
        elif header.units.get(fdef.name, unit).lower() != unit.lower():
            problems.append(Problem(path, f"--unit {name}={unit}: the header declares "
                                    f"'{header.units[fdef.name]}'", field=fdef.name))
        header.units[fdef.name] = unit
    if not [c for c in header.fields if c != "id"]:
        separator = next((shown for s, shown in ((";", "';'"), ("\t", "tabs"), ("|", "'|'"))
                          if len(columns) == 1 and s in columns[0]), None)
        problems.append(Problem(path, "no patient field in the header; expected columns "
                                "such as " + ", ".join(f.name for f in
                                                       fields.input_fields()[1:5])
                                + " (see the README's field table)" + (
                                    f"; the header is one column holding {separator}: "
                                    "cells must be separated by commas (save the file as "
                                    "comma-separated CSV)" if separator else "")))
    if strict:
        for name, hint in header.unknown:
            extra = f" (did you mean '{hint}'?)" if hint else ""
            problems.append(Problem(path, f"column '{name}' is not a patient field{extra}",
                                    field=name))
    if problems:
        raise InputError(problems)
    return header


class CohortInput:
    """An open input: its header, its size for progress, and its batches."""

    def __init__(self, path: str, fields: FieldDictionary, keep: Sequence[str] = (),
                 strict: bool = False, ignore: Sequence[str] = (),
                 encoding: str = "utf-8", units: Mapping[str, str] | None = None) -> None:
        self.path = path
        self.encoding = _checked_encoding(encoding)
        self.shown = "<stdin>" if path == "-" else path
        self.format = input_format(path)
        self.fields = fields
        self.strict = strict
        self.ignore = set(ignore)
        self._raw: IO[bytes] | None = None
        self.total: int | None = None  # bytes (CSV, JSON lines) or rows (Parquet)
        try:
            columns = self._open()
        except OSError as exc:
            raise InputError([Problem(self.shown, f"cannot read: {exc.strerror or exc}")]
                             ) from None
        self.header = check_header(self.shown, columns, fields, keep, strict, ignore, units)

    # -- opening ------------------------------------------------------------

    def _open(self) -> list[str]:
        if self.format == "parquet":
            import pyarrow.parquet as pq

            try:
                # Read a row group at a time, on the reading thread: pre-buffering and
                # decoding columns in parallel held several row groups at once (+60 MB
                # at 1M rows), and the reading overlaps scoring anyway (pipeline.py).
                self._parquet = pq.ParquetFile(self.path, pre_buffer=False)
            except (pa.ArrowException, ValueError) as exc:
                raise InputError([Problem(self.shown, f"not a readable Parquet file: {exc}")]
                                 ) from None
            self.total = self._parquet.metadata.num_rows
            return list(self._parquet.schema_arrow.names)
        if self.path != "-":
            _regular_file(self.path, self.shown)
        raw: IO[bytes] = _stdin() if self.path == "-" else open(self.path, "rb")  # noqa: SIM115
        self._raw = raw
        if self.path != "-":
            self.total = os.fstat(raw.fileno()).st_size
        stream: Any = gzip.GzipFile(fileobj=raw) if self.path.lower().endswith(".gz") else raw
        self._stream: io.BufferedReader = stream if isinstance(stream, io.BufferedReader) \
            else io.BufferedReader(stream)
        if self.format == "jsonl":
            return self._jsonl_columns()
        try:
            first = _first_line(self._stream)
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise InputError([Problem(self.shown, f"corrupt or truncated gzip data ({exc})")]
                             ) from None
        try:
            text = first.decode("utf-8-sig" if self.encoding == "utf-8" else self.encoding)
        except UnicodeDecodeError:
            raise InputError([Problem(self.shown, f"the header is not {self.encoding} text "
                                      "(see --encoding)")]) from None
        if not text.strip():
            raise InputError([Problem(self.shown, "empty input: expected a header line "
                                      "naming patient fields")])
        self._first_line = first
        try:
            return next(csv.reader([text.rstrip("\r\n")]))
        except csv.Error as exc:
            raise InputError([Problem(self.shown, f"the header is not a CSV line: {exc}",
                                      line=1)]) from None

    def _jsonl_columns(self) -> list[str]:
        peek = self._stream.peek(1 << 16)
        names: list[str] = []
        for line in peek.splitlines()[:200]:
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                break  # possibly cut by the peek; the batch reader reports real errors
            if not isinstance(record, dict):
                continue  # the batch reader rejects that row
            names += [k for k in record if k not in names]
        return names

    def _refuse_nested(self) -> None:
        """Parquet list, struct and map columns hold no patient value: say so, exit 2."""
        schema = self._parquet.schema_arrow
        written = [self.header.sources.get(name, name)
                   for name in [*self.header.fields, *self.header.kept]]
        nested = [f"'{name}' ({schema.field(name).type})" for name in written
                  if pa.types.is_nested(schema.field(name).type)]
        if nested:
            raise InputError([Problem(self.shown, "nested Parquet column(s) " + ", ".join(nested)
                                      + ": each cell must be a single value (text, number, "
                                      "true/false, date)")])

    def kept_types(self) -> list[tuple[str, pa.DataType]]:
        """Arrow types of the kept columns: Parquet's own, text otherwise."""
        if self.format == "parquet":
            schema = self._parquet.schema_arrow
            return [(name, schema.field(self.header.sources.get(name, name)).type)
                    for name in self.header.kept]
        return [(name, pa.string()) for name in self.header.kept]

    def position(self) -> int:
        """Bytes consumed so far (CSV, JSON lines), for a progress bar."""
        if self._raw is None or self.path == "-":
            return 0
        try:
            return self._raw.tell()
        except OSError:
            return 0

    def close(self) -> None:
        if self._raw is not None and self.path != "-":
            self._raw.close()

    # -- batches --------------------------------------------------------------

    def _chunk(self, row: int, data: pa.Table | list[dict[str, Any]],
               rejections: tuple[Rejection, ...] = ()) -> Chunk:
        h = self.header
        return Chunk(row, data, tuple(h.fields), tuple(h.kept), tuple(h.units.items()),
                     tuple(h.sources.items()), rejections)

    def chunks(self, batch_rows: int = BATCH_ROWS) -> Iterator[Chunk]:
        """The input in chunks of about `batch_rows` rows, rejected rows in chunks of their own.

        A corrupt container (truncated gzip, a damaged Parquet page) is an InputError
        (exit 2; outputs are written atomically, so nothing is left half-written).
        """
        if self.format == "parquet":
            items = self._parquet_items(batch_rows)
        elif self.format == "jsonl":
            items = self._jsonl_items()
        else:
            items = _screened_in_runs(self._csv_items(), batch_rows)
        try:
            yield from self._chunked(items, batch_rows)
        except InputError:
            raise
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise InputError([Problem(self.shown, f"corrupt or truncated gzip data ({exc})")]
                             ) from None
        except (pa.ArrowException, OSError) as exc:
            from ..interrupts import check

            check()  # a read that failed because the run was stopped: say so
            what = {"parquet": "Parquet", "jsonl": "JSON lines"}.get(self.format, "CSV")
            raise InputError([Problem(self.shown, f"not readable as {what}: {exc}")]
                             ) from None

    def _chunked(self, items: Iterator[pa.Table | list[dict[str, Any]] | _Bad],
                 batch_rows: int) -> Iterator[Chunk]:
        """Group good rows into chunks of `batch_rows`, numbering every row, bad ones too."""
        row = 1
        good: list[Any] = []
        count = 0
        bad: list[Rejection] = []

        def flush(whole: bool = True) -> Iterator[Chunk]:
            """The good rows so far in chunks of `batch_rows`; unless `whole`, a last part
            shorter than that waits for the next rows (a short chunk costs a batch's
            fixed work for a few rows)."""
            nonlocal row, good, count
            if not good:
                return
            if isinstance(good[0], pa.Table):
                table = pa.concat_tables(good)
                pieces = [table.slice(start, batch_rows)
                          for start in range(0, table.num_rows, batch_rows)]
            else:
                records = [r for part in good for r in part]
                pieces = [records[start:start + batch_rows]
                          for start in range(0, len(records), batch_rows)]
            rest = pieces.pop() if not whole and len(pieces[-1]) < batch_rows else None
            for piece in pieces:
                yield self._chunk(row, piece)
                row += len(piece)
            good, count = ([rest], len(rest)) if rest is not None else ([], 0)

        for item in items:
            if isinstance(item, _Bad):
                yield from flush()
                bad.append(Rejection(row + len(bad), item.field, item.value, item.message))
                if len(bad) >= batch_rows:  # a long run of bad lines: in chunks too
                    yield self._chunk(row, [], tuple(bad))
                    row += len(bad)
                    bad = []
                continue
            size = item.num_rows if isinstance(item, pa.Table) else len(item)
            if bad and size:  # consecutive bad lines make one chunk
                yield self._chunk(row, [], tuple(bad))
                row += len(bad)
                bad = []
            if size:
                good.append(item)
                count += size
            if count >= batch_rows:
                yield from flush(whole=False)
        yield from flush()
        if bad:
            yield self._chunk(row, [], tuple(bad))

    def _parquet_items(self, batch_rows: int) -> Iterator[pa.Table | _Bad]:
        self._refuse_nested()
        h = self.header
        wanted = list(dict.fromkeys([*(h.sources[f] for f in h.fields),
                                     *(h.sources.get(k, k) for k in h.kept)]))
        for batch in self._parquet.iter_batches(batch_rows, columns=wanted, use_threads=False):
            yield from _screen(pa.Table.from_batches([batch]))

    def _csv_items(self) -> Iterator[pa.Table | _Bad]:
        """CSV in pyarrow batches of bytes (for `_screened_in_runs`); a ragged line or a line
        too long rejects its row.

        The row of a ragged or too-long line is counted by lines (exact unless an earlier
        quoted cell spans lines). pyarrow parses on one thread so it can say which line.
        """
        import pyarrow.csv as pcsv

        h = self.header
        replay = _Screened(self._first_line, self._stream, len(h.columns))
        wanted = list(dict.fromkeys([*(h.sources[f] for f in h.fields),
                                     *(h.sources.get(k, k) for k in h.kept)]))
        options = pcsv.ConvertOptions(
            column_types={name: pa.binary() for name in h.columns},
            include_columns=wanted, strings_can_be_null=True, null_values=[""],
            quoted_strings_can_be_null=True)
        skipped: list[Any] = []

        def skip(row: Any) -> str:
            skipped.append(row)
            return "skip"

        encoding = "utf8" if self.encoding == "utf-8" else self.encoding
        reader = pcsv.open_csv(pa.PythonFile(replay, mode="r"),
                               read_options=pcsv.ReadOptions(block_size=CSV_BLOCK_BYTES,
                                                             use_threads=False,
                                                             encoding=encoding),
                               parse_options=pcsv.ParseOptions(invalid_row_handler=skip),
                               convert_options=options)
        start = 1  # the data row of the batch's first row
        for batch in reader:
            table = pa.Table.from_batches([batch])
            done = 0  # good rows of this batch already given out
            placed = 0  # bad lines of this batch already given out
            # pyarrow reads ahead: `skipped` may already hold bad lines of later blocks,
            # which wait for their own batch (placed here, they shifted every row between)
            while placed < len(skipped):
                bad = skipped[placed]
                line = bad.number if bad.number is not None else start + 1
                at = max(line - 1 - start - placed, done)  # good rows in front of it
                if at > table.num_rows:
                    break
                if at > done:
                    yield table.slice(done, at - done)
                    done = at
                yield _ragged(bad, len(h.columns))
                placed += 1
            start += table.num_rows + placed
            del skipped[:placed]
            yield table.slice(done)
        for bad in skipped:  # lines after the last batch
            yield _ragged(bad, len(h.columns))

    def _jsonl_items(self) -> Iterator[list[dict[str, Any]] | _Bad]:
        """JSON objects, one a line; a line that is not one object (a duplicate key, NaN, bad
        JSON, not UTF-8, too long, a cell too long) rejects its row."""
        known = set(self.header.columns)
        records: list[dict[str, Any]] = []
        for number, line in enumerate(_lines(self._stream, MAX_LINE_BYTES), start=1):
            if line is None:
                yield records
                records = []
                yield _Bad(None, "", f"line {number} is longer than "
                           f"{MAX_LINE_BYTES // 1024} KiB; the row is not scored")
                continue
            if not line.strip():
                continue
            problem, record = _json_record(line)
            if problem is not None:
                yield records
                records = []
                yield _Bad(problem[0], "", f"line {number}: {problem[1]}")
                continue
            new = [k for k in record if k not in known]
            if new:
                self._new_columns(new, number)
                known.update(new)
            records.append(record)
            if len(records) >= 1_000:
                yield records
                records = []
        yield records

    def _new_columns(self, names: list[str], line: int) -> None:
        h = self.header
        for name in names:
            found = self.fields.column_field(name)
            if found is not None:
                if found not in h.sources:
                    h.fields.append(found)
                    h.sources[found] = name
            elif name not in self.ignore and name.lower() not in KNOWN_COLUMNS:
                hint = self.fields.suggest(name)
                if self.strict:
                    extra = f" (did you mean '{hint}'?)" if hint else ""
                    raise InputError([Problem(self.shown, f"key '{name}' is not a patient "
                                              f"field{extra}", field=name, line=line)])
                h.unknown.append((name, hint))
        h.columns += names


@dataclass(frozen=True)
class _Bad:
    """A row the reader rejects (numbered by `CohortInput._chunked`)."""

    field: str | None
    value: str
    message: str


def _checked_encoding(name: str) -> str:
    import codecs

    try:
        return "utf-8" if codecs.lookup(name).name == "utf-8" else codecs.lookup(name).name
    except LookupError:
        raise InputError([Problem("--encoding", f"unknown encoding '{name}'; for example "
                                  "utf-8, latin-1, cp1252")]) from None


def _stdin() -> IO[bytes]:
    """Standard input, read so that Ctrl-C, SIGTERM and SIGHUP stop the run at once even
    while pyarrow waits for input in its own thread (engine/interrupts.py)."""
    from ..interrupts import Interruptible

    try:
        fd = sys.stdin.fileno()
    except (AttributeError, OSError, ValueError):  # replaced (a test's runner): as it is
        return sys.stdin.buffer
    return io.BufferedReader(Interruptible(fd))


def _regular_file(path: str, shown: str) -> None:
    """Refuse a directory, a FIFO or a device at once (yamlio.irregular says why)."""
    from ..yamlio import irregular

    try:
        mode = os.stat(path).st_mode
    except OSError:
        return  # open() says why
    why = irregular(mode)
    if why is not None:
        raise InputError([Problem(shown, why)])


def _first_line(stream: io.BufferedReader) -> bytes:
    """The header line, whatever its line ending (\n, \r\n or a lone \r)."""
    head = b""
    while True:
        peek = stream.peek(1 << 16)[: 1 << 16]
        if not peek:
            return head + stream.read()
        ends = [i for i in (peek.find(b"\n"), peek.find(b"\r")) if i >= 0]
        if ends:
            end = min(ends) + 1
            if peek[end - 1:end] == b"\r" and peek[end:end + 1] == b"\n":
                end += 1
            return head + stream.read(end)
        head += stream.read(len(peek))
        if len(head) > MAX_LINE_BYTES:
            raise InputError([Problem("<input>", f"the header line is longer than "
                                      f"{MAX_LINE_BYTES // 1024} KiB")])


def _ragged(row: Any, expected: int) -> _Bad:
    text = row.text or ""
    where = f"line {row.number}: " if row.number is not None else ""
    if text.startswith(_OVERSIZE.decode()):
        return _Bad(None, "", f"{where}longer than {MAX_LINE_BYTES // 1024} KiB; the row is "
                    "not scored")
    shown = text if len(text) <= 60 else text[:60] + "..."
    return _Bad(None, shown, f"{where}{row.actual_columns} cell(s) where the header has "
                f"{expected}; the row is not scored")


def _screened_in_runs(items: Iterator[pa.Table | _Bad], rows: int
                      ) -> Iterator[pa.Table | _Bad]:
    """`_screen` over runs of consecutive tables of about `rows` rows: pyarrow's CSV
    batches are a block (about 1,500 rows) each, and screening each on its own cost a
    dozen compute calls per column per block (0.8 s of the reading thread at 1M rows)."""
    run: list[pa.Table] = []
    count = 0
    for item in items:
        if isinstance(item, _Bad):
            if run:
                yield from _screen(pa.concat_tables(run))
                run, count = [], 0
            yield item
            continue
        run.append(item)
        count += item.num_rows
        if count >= rows:
            yield from _screen(pa.concat_tables(run))
            run, count = [], 0
    if run:
        yield from _screen(pa.concat_tables(run))


def _screen(table: pa.Table) -> Iterator[pa.Table | _Bad]:
    """Split off rows with a cell that is not valid text or is longer than MAX_CELL_BYTES;
    byte columns (CSV) come out as text."""
    import pyarrow.compute as pc

    bad: dict[int, _Bad] = {}
    columns = []
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_binary(column.type):
            try:
                column = column.cast(pa.string())
            except pa.ArrowInvalid:
                for i, value in enumerate(column.to_pylist()):
                    if value is None or i in bad:
                        continue
                    try:
                        value.decode("utf-8")
                    except UnicodeDecodeError as exc:
                        bad[i] = _Bad(name, repr(value[:60])[2:-1],
                                      f"not text in the file's encoding ({exc.reason}); give "
                                      "--encoding (latin-1, cp1252, ...) if the file has one")
                column = pa.array([None if i in bad or v is None else v.decode("utf-8")
                                   for i, v in enumerate(column.to_pylist())], pa.string())
        if pa.types.is_string(column.type) or pa.types.is_binary(column.type):
            lengths = pc.binary_length(column)
            longest = pc.max(lengths).as_py()
            if longest is not None and longest > MAX_CELL_BYTES:
                too_long = lengths.to_numpy(zero_copy_only=False)
                for j in np.flatnonzero(np.nan_to_num(too_long, nan=0) > MAX_CELL_BYTES):
                    bad.setdefault(int(j), _Bad(name, f"({int(too_long[j]):,} bytes)",
                                                f"a cell longer than {MAX_CELL_BYTES // 1024} "
                                                "KiB; the row is not scored"))
        columns.append(column)
    table = pa.table(dict(zip(table.column_names, columns, strict=True)))
    done = 0
    for at in sorted(bad):
        if at > done:
            yield table.slice(done, at - done)
        yield bad[at]
        done = at + 1
    if done < table.num_rows:
        yield table.slice(done)


def _json_record(line: bytes) -> tuple[tuple[str | None, str] | None, dict[str, Any]]:
    """One JSON line as an object, or (field, what is wrong)."""
    from ..yamlio import loads_json

    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return (None, f"not UTF-8 text ({exc.reason})"), {}
    try:
        record = loads_json(text)
    except RecursionError:
        return (None, "nested too deep"), {}
    except ValueError as exc:
        field = str(exc).split("'")[1] if str(exc).startswith("duplicate key") else None
        return (field, f"not valid JSON: {exc}; the row is not scored"), {}
    if not isinstance(record, dict):
        return (None, "each line must be a JSON object; the row is not scored"), {}
    for key, value in record.items():
        if isinstance(value, str) and len(value) > MAX_CELL_BYTES:
            return (key, f"a cell longer than {MAX_CELL_BYTES // 1024} KiB; the row is not "
                    "scored"), {}
        if isinstance(value, dict | list):
            return (key, "a cell must be a single value, not a list or an object; the row "
                    "is not scored"), {}
    return None, record


def _lines(stream: IO[bytes], limit: int) -> Iterator[bytes | None]:
    """Lines of at most `limit` bytes; None stands for a longer line (read past, not kept)."""
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):
                line = stream.readline(1 << 20)
            yield None
            continue
        yield line


class _Screened(io.RawIOBase):
    """The header line already read, then the rest, with every line longer than
    MAX_LINE_BYTES replaced by a marker line (so pyarrow, whose blocks are larger, never
    fails on it and reports it as a ragged row). Holds at most one line in memory."""

    def __init__(self, prefix: bytes, rest: IO[bytes], columns: int,
                 read_size: int = 256 * 1024) -> None:
        self._marker = _OVERSIZE + b"," * columns + b"\n"  # one cell more than the header
        self._out = bytearray(prefix)
        self._rest = rest
        self._partial = bytearray()  # the current line, not yet complete
        self._dropping = False  # inside a line that is too long
        self._read_size = min(read_size, MAX_LINE_BYTES)
        self._eof = False

    def readable(self) -> bool:
        return True

    def _fill(self) -> None:
        data = self._rest.read(self._read_size)
        if not data:
            self._eof = True
            if self._dropping:
                self._out += self._marker
            else:
                self._out += self._partial
            self._partial = bytearray()
            return
        last = max(data.rfind(b"\n"), data.rfind(b"\r"))
        if last < 0:  # no line ends here
            self._partial += data
            if len(self._partial) > MAX_LINE_BYTES:
                self._dropping = True
                self._partial = bytearray()
            return
        ends = [i for i in (data.find(b"\n"), data.find(b"\r")) if i >= 0]
        first = min(ends)
        if self._dropping or len(self._partial) + first > MAX_LINE_BYTES:
            self._out += self._marker
        else:
            self._out += self._partial + data[:first + 1]
        self._dropping = False
        # Lines wholly inside `data` are shorter than read_size <= MAX_LINE_BYTES.
        self._out += data[first + 1:last + 1]
        self._partial = bytearray(data[last + 1:])

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)
        # One read (256 KiB) at a time: pyarrow then parses blocks of that size. Filled to
        # its 1 MiB blocks, peak memory at 1M rows grew by 50 MB (the reader's steady state).
        while not self._out and not self._eof:
            self._fill()
        n = min(len(view), len(self._out))
        view[:n] = self._out[:n]
        del self._out[:n]
        return n
