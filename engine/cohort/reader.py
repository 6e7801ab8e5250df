"""Read a cohort in batches: CSV (also gzipped, or `-` for standard input), Parquet, JSON lines.

Memory stays flat however long the input: pyarrow streams CSV and Parquet in
blocks, JSON lines are read a batch at a time. Every CSV column is read as
text (a cell may be "1.8 cm"), only an empty cell is null; the header is
checked before any row is read: duplicate names, no patient field at all,
unknown columns (with a "did you mean"), `--keep` columns that do not exist.

Quoted cells (CSV): a quote opens a quoted cell only at a cell's start; inside
it a quote is written twice (""), and a line end is part of the value, so a
quoted cell may run over lines. Such a cell is read, and the row it is in is
scored or rejected like any other, when its quote closes, its row has as many
cells as the header, and it is within MAX_CELL_BYTES (its row within
MAX_LINE_BYTES). Otherwise the rows after the quote can no longer be told
apart (a missing closing quote swallows every line up to the next quote), so
the run stops with an InputError (exit 2, nothing written) that names the line
the quote opened on, its row, and the line it closes on or the end of the file.
`_Screened` finds the quoted cells (numpy over each read, no Python per row)
and gives pyarrow whole rows, so it also knows the line each row starts on.
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
DICTIONARY_GROUP_ROWS = 10_000  # Parquet row groups at least this long are read as dictionaries
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
REMARKED = ("enum", "bool", "date", "text")  # types whose "(...)" in a header is a remark
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
        if match and match.group(3) is not None and fields[name].type in REMARKED:
            # In parentheses beside a field that is no number it is a remark, not a unit
            # (`surgical_margins (R0/R1)`): the column is the field's, and is noted so. A
            # count's `(mm)` stays refused: more likely a length column misnamed.
            unit = None
            base = column
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
    # A kept field by its name in any case or by an alias (`--keep HISTOLOGY`, `--keep dfi`);
    # a column named twice (as written and as its field) is kept once, as first named.
    once: dict[str, str] = {}
    for name in header.kept:
        field_name = fields.column_field(name)
        if name not in seen and field_name in header.sources:
            name = field_name
        once.setdefault(header.sources.get(name, name), name)
    header.kept = list(once.values())
    for name in header.kept:  # a column, or a field by name (its column, e.g. with a [unit])
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
        self._replay: _Screened | None = None  # CSV: where rows start (`_csv_items`)
        self._csv_rows = 0  # CSV rows pyarrow has given out
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

    def _coded(self) -> list[str]:
        """The columns screened and handed on as dictionary arrays (each distinct cell once,
        the rows as codes): the patient fields' but `id`'s (a value per row) and a kept
        column's (passed through as it was read; screened too, as a dictionary if it is one
        in the file)."""
        h = self.header
        kept = {h.sources.get(k, k) for k in h.kept}
        return [h.sources[f] for f in h.fields if f != "id" and h.sources[f] not in kept]

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
            items = _screened_in_runs(self._csv_items(), batch_rows, set(self._coded()))
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
            lost = self._lost_rows(exc)
            if lost is not None:
                raise InputError([lost]) from None
            what = {"parquet": "Parquet", "jsonl": "JSON lines"}.get(self.format, "CSV")
            raise InputError([Problem(self.shown, f"not readable as {what}: {exc}")]
                             ) from None

    def spanning(self) -> str | None:
        """A note on the rows read so far whose quoted cell ran over line ends: legal, but
        also what a quote closed too late looks like when the lines it swallowed end at the
        same cell (the row then has the header's cells and nothing is refused). None when
        there are none."""
        replay = self._replay
        if replay is None or not replay.spanning:
            return None
        shown = "; ".join(f"row {row}, lines {first}-{last}"
                          for row, first, last in replay.spanning_shown)
        more = ", ..." if replay.spanning > len(replay.spanning_shown) else ""
        return (f"{replay.spanning:,} row(s) hold a quoted cell over several lines ({shown}"
                f"{more}); if a quote was not closed where it should be, the lines up to the"
                " next quote were read into that cell: check those rows")

    def _lost_rows(self, exc: Exception) -> Problem | None:
        """pyarrow's words for rows it cannot split (`_Screened` gives it whole rows, so this
        is a safety net) as a message with a line: never its own text."""
        text = str(exc)
        if self._replay is None or not ("out of sync" in text or "straddl" in text):
            return None
        row = self._csv_rows + 1
        line = self._replay.line_of(row)
        return Problem(self.shown, f"row {row}: the rows from this line on cannot be told "
                       "apart: a quoted cell runs over line ends (a quote not closed?); "
                       f"nothing was written. {_FIX_QUOTE}", line=line)

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
        """Parquet in screened batches of `batch_rows` (read as dictionaries, a batch also
        ends where its row group does)."""
        self._refuse_nested()
        h = self.header
        wanted = list(dict.fromkeys([*(h.sources[f] for f in h.fields),
                                     *(h.sources.get(k, k) for k in h.kept)]))
        import pyarrow.parquet as pq

        # Opened again with the fields' columns read as the dictionaries Parquet stores them
        # as, unless its row groups are small: a batch read so ends where its row group
        # does (a 100k-row file of 100-row groups: 1,000 batches, reading 0.17 -> 0.54 s);
        # those are encoded while screened, as CSV's are.
        meta = self._parquet.metadata
        large = meta.num_rows >= DICTIONARY_GROUP_ROWS * max(1, meta.num_row_groups)
        coded = self._coded()
        screened = set(coded)
        with pq.ParquetFile(self.path, pre_buffer=False,
                            read_dictionary=coded if large else None) as parquet:
            for batch in parquet.iter_batches(batch_rows, columns=wanted, use_threads=False):
                yield from _screen(pa.Table.from_batches([batch]), screened)

    def _csv_items(self) -> Iterator[pa.Table | _Bad]:
        """CSV in pyarrow batches of bytes (for `_screened_in_runs`); a ragged line or a line
        too long rejects its row.

        pyarrow counts the rows (a blank line is none, a quoted cell over line ends is in
        one), parsing on one thread so it can say which row is bad; `_Screened` counts the
        lines for the messages. A quoted cell over line ends is legal when its row is whole;
        when the row it ends is ragged (the quote was not closed where it should have been)
        the run stops: an InputError naming the line the quote opened on.
        """
        import pyarrow.csv as pcsv

        h = self.header
        replay = self._replay = _Screened(self._first_line, self._stream, len(h.columns),
                                          self.shown)
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
                               parse_options=pcsv.ParseOptions(invalid_row_handler=skip,
                                                               newlines_in_values=True),
                               convert_options=options)
        start = 1  # the data row of the batch's first row

        def ragged(bad: Any) -> _Bad:
            row = bad.number - 1 if bad.number is not None else start
            problem = replay.quote_in_ragged(row, bad.text or "")
            if problem is not None:
                raise problem
            return _ragged(bad, len(h.columns), replay.line_of(row))

        for batch in reader:
            table = pa.Table.from_batches([batch])
            done = 0  # good rows of this batch already given out
            placed = 0  # bad lines of this batch already given out
            # pyarrow reads ahead: `skipped` may already hold bad lines of later blocks,
            # which wait for their own batch (placed here, they shifted every row between)
            while placed < len(skipped):
                bad = skipped[placed]
                number = bad.number if bad.number is not None else start + 1  # row + 1
                at = max(number - 1 - start - placed, done)  # good rows in front of it
                if at > table.num_rows:
                    break
                if at > done:
                    yield table.slice(done, at - done)
                    done = at
                yield ragged(bad)
                placed += 1
            start += table.num_rows + placed
            self._csv_rows = start - 1
            del skipped[:placed]
            yield table.slice(done)
        for bad in skipped:  # lines after the last batch
            yield ragged(bad)

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


def _ragged(row: Any, expected: int, line: int) -> _Bad:
    text = row.text or ""
    where = f"line {line}: "
    if text.startswith(_OVERSIZE.decode()):
        return _Bad(None, "", f"{where}longer than {MAX_LINE_BYTES // 1024} KiB; the row is "
                    "not scored")
    shown = text if len(text) <= 60 else text[:60] + "..."
    return _Bad(None, shown, f"{where}{row.actual_columns} cell(s) where the header has "
                f"{expected}; the row is not scored")


def _screened_in_runs(items: Iterator[pa.Table | _Bad], rows: int, coded: set[str]
                      ) -> Iterator[pa.Table | _Bad]:
    """`_screen` over runs of consecutive tables of about `rows` rows: pyarrow's CSV
    batches are a block (about 1,500 rows) each, and screening each on its own cost a
    dozen compute calls per column per block (0.8 s of the reading thread at 1M rows)."""
    run: list[pa.Table] = []
    count = 0
    for item in items:
        if isinstance(item, _Bad):
            if run:
                yield from _screen(pa.concat_tables(run), coded)
                run, count = [], 0
            yield item
            continue
        run.append(item)
        count += item.num_rows
        if count >= rows:
            yield from _screen(pa.concat_tables(run), coded)
            run, count = [], 0
    if run:
        yield from _screen(pa.concat_tables(run), coded)


def _screen(table: pa.Table, coded: set[str]) -> Iterator[pa.Table | _Bad]:
    """Split off rows with a cell that is not valid text or is longer than MAX_CELL_BYTES;
    byte columns (CSV) come out as text, the `coded` ones as dictionary arrays (Parquet
    reads them so), screened by their distinct cells: the encoding the scorer needs, done
    once, and no cast or length per row (reading 1M diverse CSV rows: 1.45-1.56 -> 1.37-1.41
    s; Parquet, with its own dictionaries, 1.24-1.46 -> 0.44 s)."""
    import pyarrow.compute as pc

    bad: dict[int, _Bad] = {}
    columns = []
    for name in table.column_names:
        column = table.column(name)
        if name in coded and _textual(column.type):
            column = pa.chunked_array([pc.dictionary_encode(column.combine_chunks())])
        encoded = pa.types.is_dictionary(column.type) and _textual(column.type.value_type)
        if encoded:
            screened = _screened_dictionary(name, column)
            if screened is not None:
                columns.append(screened)
                continue
            # a bad cell: the rows one by one, below, as bytes (text is checked as UTF-8)
            column = column.cast(column.type.value_type).cast(pa.binary())
        elif pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            try:  # Parquet's UTF8 (the id, a kept column) may hold bytes that are not UTF-8
                column.validate(full=True)
            except pa.ArrowInvalid:
                column = column.cast(pa.binary())  # its rows one by one, below
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
        columns.append(pc.dictionary_encode(column) if encoded else column)
    table = pa.table(dict(zip(table.column_names, columns, strict=True)))
    done = 0
    for at in sorted(bad):
        if at > done:
            yield table.slice(done, at - done)
        yield bad[at]
        done = at + 1
    if done < table.num_rows:
        yield table.slice(done)


def _textual(kind: pa.DataType) -> bool:
    """Text or bytes of any length (csvtext.quoted counts fixed-size bytes too, which are
    never a patient value and are not screened as dictionaries)."""
    return bool(pa.types.is_binary(kind) or pa.types.is_string(kind)
                or pa.types.is_large_binary(kind) or pa.types.is_large_string(kind))


def _screened_dictionary(name: str, column: pa.ChunkedArray) -> pa.ChunkedArray | None:
    """A dictionary column as text when every distinct cell is valid text within
    MAX_CELL_BYTES (looked at once, not once per row); None when one is not (`_screen`
    then finds its rows). A value no row uses (Parquet's dictionary covers a row group)
    may make it None too: the rows are then only looked at one by one. The column's
    blocks become one array first (their dictionaries merged): a few compute calls per
    column, not per block of about 1,500 rows. An index outside its dictionary (a damaged
    Parquet file: pyarrow does not check them when it reads dictionaries) is ArrowInvalid,
    which `chunks` reports as an unreadable file."""
    import pyarrow.compute as pc

    for chunk in column.chunks:  # before the dictionaries are merged through them
        if chunk.null_count < len(chunk):
            bounds = pc.min_max(chunk.indices).as_py()
            if bounds["min"] < 0 or bounds["max"] >= len(chunk.dictionary):
                raise pa.ArrowInvalid(f"column '{name}': a value refers to no entry of "
                                      "its dictionary (a damaged file?)")
    whole = column.combine_chunks()
    if len(whole.dictionary):
        longest = pc.max(pc.binary_length(whole.dictionary)).as_py()
        if longest is not None and longest > MAX_CELL_BYTES:
            return None
    try:
        whole.dictionary.validate(full=True)  # text that is not UTF-8 (Parquet's UTF8 type)
        return pa.chunked_array([whole.cast(pa.dictionary(pa.int32(), pa.string()))])
    except pa.ArrowInvalid:
        return None


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


SHOWN_SPANNING = 3  # rows with a quoted cell over line ends named in the note


def _at_cell_edge(values: np.ndarray) -> bool:
    """Whether every byte is one after which a quote opens a quoted cell (a cell's start),
    or before which one closes it: , \n \r, or a quote (two of them: a quote written
    twice, "", inside a quoted cell)."""
    return bool(((values == 44) | (values == 10) | (values == 13) | (values == 34)).all())

_FIX_QUOTE = "Close the quote, or write a quote that is part of a value twice (\"\")."


def _quoted_spans(data: bytes | bytearray) -> tuple[np.ndarray, np.ndarray]:
    """Where each quoted part of `data` opens and closes (positions of its quotes; len(data)
    for one still open at the end), `data` starting at a row's start. pyarrow's reading: a
    quote opens a quoted cell only at a cell's start; inside one, a lone quote closes it.

    When every quote stands where a cell starts or ends (or next to another quote), the
    quotes pair off in order (numpy, no Python per row); otherwise (a quote inside an
    unquoted cell, as in `12" long`) they are read one by one."""
    a = np.frombuffer(data, np.uint8)
    quotes = np.flatnonzero(a == 34)
    opens, closes = quotes[0::2], quotes[1::2]
    if not len(opens):
        return opens, opens
    # The bytes before each opening quote and after each closing one (none before the first
    # byte or after the last), gathered once and compared: a quarter of the time of looking
    # each up in a table.
    before = a[(opens[1:] if opens[0] == 0 else opens) - 1]
    after = a[(closes[:-1] if len(closes) and closes[-1] == len(a) - 1 else closes) + 1]
    if _at_cell_edge(before) and _at_cell_edge(after):
        if len(closes) < len(opens):
            closes = np.append(closes, len(data))
        return opens, closes
    found: list[tuple[int, int]] = []
    at = 0
    while (at := data.find(b'"', at)) >= 0:
        if at > 0 and data[at - 1] not in b",\r\n":
            at += 1  # a quote inside an unquoted cell is text
            continue
        end = at + 1
        while (end := data.find(b'"', end)) >= 0 and data[end + 1:end + 2] == b'"':
            end += 2
        found.append((at, end if end >= 0 else len(data)))
        if end < 0:
            break
        at = end + 1
    spans = np.array(found, dtype=np.int64).reshape(-1, 2)
    return spans[:, 0], spans[:, 1]


def _line_ends(a: np.ndarray) -> np.ndarray:
    """Positions of the line ends in `a` ("\r\n" at its "\r")."""
    ends = np.flatnonzero(a == 10)
    if not np.any(a == 13):
        return ends
    crs = np.flatnonzero(a == 13)
    lone = ends[(ends == 0) | (a[np.maximum(ends - 1, 0)] != 13)]
    return np.union1d(crs, lone)


def _count_line_ends(data: bytes | bytearray) -> int:
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


class _Screened(io.RawIOBase):
    """The header line already read, then the rest, given to pyarrow in whole rows: every
    line longer than MAX_LINE_BYTES is replaced by a marker line (so pyarrow, whose blocks
    are larger, never fails on it and reports it as a ragged row), and a quoted cell that
    runs over line ends is held until its row ends.

    It counts rows as pyarrow does (a blank line is no row; a line end inside a quoted cell
    ends no row), so that `line_of` gives the line a row starts on. A quote that is not
    closed before the end of the file, or whose row would pass MAX_LINE_BYTES, or whose cell
    passes MAX_CELL_BYTES, is an InputError: the rows after it cannot be told apart.
    Holds at most a row and one read in memory."""

    def __init__(self, prefix: bytes, rest: IO[bytes], columns: int, shown: str = "<input>",
                 read_size: int = 256 * 1024) -> None:
        self._marker = _OVERSIZE + b"," * columns + b"\n"  # one cell more than the header
        self._out = bytearray(prefix)
        self._rest = rest
        self._shown = shown
        self._partial = bytearray()  # the current line, not yet complete
        self._dropping = False  # inside a line that is too long
        self._read_size = min(read_size, MAX_LINE_BYTES)
        self._eof = False
        self._held: bytes | bytearray = b""  # whole lines of a row whose quoted cell is open
        self.rows = 0  # data rows given out
        # Line ends before a row that end no row (blank lines, line ends in quoted cells):
        # from row _from[i] on, _extra[i] of them.
        self._from: list[int] = []
        self._extra: list[int] = []
        # Rows holding a quoted cell over line ends: how many, and the first few as (row,
        # the line the row starts on, the line it ends on), for CohortInput.spanning.
        self.spanning = 0
        self.spanning_shown: list[tuple[int, int, int]] = []

    def readable(self) -> bool:
        return True

    def line_of(self, row: int) -> int:
        """The line data row `row` (1-based) starts on."""
        import bisect

        i = bisect.bisect_right(self._from, row)
        return row + 1 + (self._extra[i - 1] if i else 0)

    def _fill(self) -> None:
        data = self._rest.read(self._read_size)
        if not data:
            self._eof = True
            tail = self._marker if self._dropping else bytes(self._partial)
            self._partial = bytearray()
            self._take(tail, final=True)
            return
        last = max(data.rfind(b"\n"), data.rfind(b"\r"))
        if last == len(data) - 1 and data[last] == 13:  # maybe the "\r" of a "\r\n"
            last = max(data.rfind(b"\n", 0, last), data.rfind(b"\r", 0, last))
        if last < 0:  # no line ends here
            self._partial += data
            if len(self._partial) > MAX_LINE_BYTES:
                if self._held:  # inside a quoted cell: its row is too long
                    self._runaway(self._held + bytes(self._partial), b"")
                self._dropping = True
                self._partial = bytearray()
            return
        ends = [i for i in (data.find(b"\n"), data.find(b"\r")) if i >= 0]
        first = min(ends)
        if self._dropping or len(self._partial) + first > MAX_LINE_BYTES:
            if self._held:
                self._runaway(self._held + bytes(self._partial) + data, b"")
            lines = bytearray(self._marker)
            if data[first:first + 2] == b"\r\n":
                first += 1  # the marker ends the line: its "\n" is no blank line after it
        else:
            lines = self._partial + memoryview(data)[:first + 1]
        self._dropping = False
        # Lines wholly inside `data` are shorter than read_size <= MAX_LINE_BYTES. (Views,
        # not slices: 166 MB for 1M rows is copied once here, not three times.)
        lines += memoryview(data)[first + 1:last + 1]
        self._partial = bytearray(memoryview(data)[last + 1:])
        self._take(lines, final=False)

    def _take(self, lines: bytes | bytearray, final: bool) -> None:
        """Give out the whole rows of the held lines and `lines`; hold an open quoted cell."""
        data = self._held + lines if self._held else lines
        if not data:
            return
        a = np.frombuffer(data, np.uint8)
        ends = _line_ends(a)
        opens = closes = np.zeros(0, dtype=np.int64)
        if b'"' in data:
            opens, closes = _quoted_spans(data)
        inside = np.zeros(len(ends), dtype=bool)
        if len(opens):
            k = np.searchsorted(opens, ends, side="right") - 1
            inside = (k >= 0) & (ends < closes[np.maximum(k, 0)])
        row_ends = ends[~inside]
        width = 1 + ((a[row_ends] == 13) & (row_ends + 1 < len(a))
                     & (a[np.minimum(row_ends + 1, len(a) - 1)] == 10))
        cut = int(row_ends[-1] + width[-1]) if len(row_ends) else 0
        if final and cut < len(data):  # a last row without a line end (or an open quote)
            row_ends = np.append(row_ends, len(data))
            width = np.append(width, 0)
            cut = len(data)
        starts = np.concatenate([[0], row_ends[:-1] + width[:-1]]).astype(np.int64)
        blank = starts == row_ends
        if inside.any() or blank.any():
            self._account(data, starts, row_ends, blank, ends[inside], opens, closes)
        if final and len(closes) and closes[-1] == len(data):
            i = int(np.searchsorted(row_ends, opens[-1]))
            row = self.rows + int(np.count_nonzero(~blank[:i + 1]))
            line = self.line_of(row) + _count_line_ends(data[int(starts[i]):int(opens[-1])])
            after = _count_line_ends(data[int(opens[-1]):])
            last = line + after - (1 if data[-1:] in (b"\n", b"\r") and after else 0)
            raise self._quote_error(row, line, last, closed=False)
        self.rows += int(np.count_nonzero(~blank))
        self._held = data[cut:]
        if len(self._held) > MAX_LINE_BYTES:
            self._runaway(self._held, bytes(self._partial))
        with memoryview(data) as whole:
            self._out += whole[:cut]

    def _account(self, data: bytes | bytearray, starts: np.ndarray, row_ends: np.ndarray,
                 blank: np.ndarray, quoted_ends: np.ndarray, opens: np.ndarray,
                 closes: np.ndarray) -> None:
        """Note the line ends that end no row; check each quoted cell over line ends."""
        within = np.searchsorted(quoted_ends, row_ends) - np.searchsorted(quoted_ends, starts)
        extra = np.where(blank, 1, within)
        applies = self.rows + np.cumsum(~blank) + 1  # the number of the row after each
        total = self._extra[-1] if self._extra else 0
        for at, more in zip(applies[extra > 0].tolist(), extra[extra > 0].tolist(),
                            strict=True):
            total += more
            if self._from and self._from[-1] == at:
                self._extra[-1] = total
            else:
                self._from.append(at)
                self._extra.append(total)
        spanning = np.flatnonzero(within > 0).tolist()
        self.spanning += len(spanning)
        for i in spanning[:max(0, SHOWN_SPANNING - len(self.spanning_shown))]:
            row = self.rows + int(np.count_nonzero(~blank[:i + 1]))
            line = self.line_of(row)
            self.spanning_shown.append((row, line, line + int(within[i])))
        for i in spanning:  # rows with a cell over line ends
            start, end = int(starts[i]), int(row_ends[i])
            for j in np.flatnonzero((opens >= start) & (opens < end)).tolist():
                first = j  # a cell written "a""b" is two spans, one after the other
                while first > 0 and closes[first - 1] + 1 == opens[first]:
                    first -= 1
                opened, closed = int(opens[first]), int(closes[j])
                if closed == len(data):
                    continue  # open at the end of the file: `_take` says so
                cell = data[opened + 1:closed].replace(b'""', b'"')
                if len(cell) > MAX_CELL_BYTES and (b"\n" in cell or b"\r" in cell):
                    row = self.rows + int(np.count_nonzero(~blank[:i + 1]))
                    line = self.line_of(row) + _count_line_ends(data[start:opened])
                    raise self._quote_error(
                        row, line, line + _count_line_ends(data[opened:closed]), closed=True)

    def _runaway(self, row: bytes | bytearray, ahead: bytes) -> None:
        """Raise: the open row `row` (from its start) passed MAX_LINE_BYTES; read on (`ahead`,
        then the rest of the input) to say where its quote closes."""
        opens, closes = _quoted_spans(row)
        over = [j for j, (o, c) in enumerate(zip(opens.tolist(), closes.tolist(), strict=True))
                if _count_line_ends(row[o:c])]
        opened, closed = int(opens[over[0]]), int(closes[over[0]])  # held: a cell over lines
        number = self.rows + 1
        line = self.line_of(number) + _count_line_ends(row[:opened])
        if closed < len(row):
            raise self._quote_error(number, line, line + _count_line_ends(row[opened:closed]),
                                    closed=True)
        pending, counted = row[opened + 1:] + ahead, 0
        while True:
            more = b"" if self._eof else self._rest.read(1 << 20)
            self._eof = not more
            at = 0
            while (at := pending.find(b'"', at)) >= 0:
                if at + 1 == len(pending) and more:
                    break  # maybe the first of a "" whose second comes next
                if pending[at + 1:at + 2] == b'"':
                    at += 2
                    continue
                last = line + counted + _count_line_ends(pending[:at])
                raise self._quote_error(number, line, last, closed=True)
            if not more:
                after = counted + _count_line_ends(pending)
                ended = pending[-1:] in (b"\n", b"\r") and after > 0
                raise self._quote_error(number, line, line + after - ended, closed=False)
            keep = at if at >= 0 else len(pending)
            if pending[keep - 1:keep] == b"\r":
                keep -= 1  # maybe the "\r" of a "\r\n"
            counted += _count_line_ends(pending[:keep])
            pending = pending[keep:] + more

    def _quote_error(self, row: int, line: int, last: int, closed: bool) -> InputError:
        """The message of a quote opened on `line` (in data row `row`) and closed on `last`
        (or not: the file ends on `last`)."""
        where = f"line {last}" if closed else "the end of the file"
        read = f"lines {line} to {last} were" if last > line else "the rest of the line was"
        return InputError([Problem(
            self._shown, f"row {row}: a quote opened on this line is not closed before "
            f"{where}, so {read} read as one cell; nothing was written. {_FIX_QUOTE}",
            line=line)])

    def quote_in_ragged(self, row: int, text: str) -> InputError | None:
        """The error for ragged row `row` (read as `text`) when a quoted cell of it runs over
        line ends; None when none does."""
        data = text.encode("utf-8")
        if b"\n" not in data and b"\r" not in data:
            return None
        opens, closes = _quoted_spans(data)
        for opened, closed in zip(opens.tolist(), closes.tolist(), strict=True):
            inner = _count_line_ends(data[opened:closed])
            if inner:
                line = self.line_of(row) + _count_line_ends(data[:opened])
                return self._quote_error(row, line, line + inner, closed=True)
        return None

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)
        # One read (256 KiB) at a time: pyarrow then parses blocks of that size. Filled to
        # its 1 MiB blocks, peak memory at 1M rows grew by 50 MB (the reader's steady state).
        while not self._out and not self._eof:
            self._fill()
        n = min(len(view), len(self._out))
        with memoryview(self._out) as out:
            view[:n] = out[:n]
        del self._out[:n]
        return n
