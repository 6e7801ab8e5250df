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
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import pyarrow as pa

from ..errors import InputError, Problem
from ..fields import FieldDef, FieldDictionary
from .raw import RawBatch, from_arrow, from_records

FORMATS = {".csv": "csv", ".csv.gz": "csv", ".parquet": "parquet", ".jsonl": "jsonl",
           ".ndjson": "jsonl"}
CSV_BLOCK_BYTES = 1 << 20  # pyarrow reads ahead many blocks: small blocks, flat memory
BATCH_ROWS = 50_000


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
    """Rows as read (Arrow table or JSON records), not yet checked: cheap to send to a worker."""

    first_row: int
    data: pa.Table | list[dict[str, Any]]
    fields: tuple[str, ...]
    kept: tuple[str, ...]
    units: tuple[tuple[str, str], ...] = ()  # declared unit per field
    sources: tuple[tuple[str, str], ...] = ()  # field -> column as written

    @property
    def n(self) -> int:
        return self.data.num_rows if isinstance(self.data, pa.Table) else len(self.data)

    def raw(self) -> RawBatch:
        units, sources = dict(self.units), dict(self.sources)
        if isinstance(self.data, pa.Table):
            return from_arrow(self.data, self.fields, self.kept, self.first_row, units, sources)
        return from_records(self.data, self.fields, self.kept, self.first_row, units, sources)


# Columns the tools themselves write or read that are not patient fields: `synth`'s marker
# and outcomes (the time and event columns `validate` reads by default).
KNOWN_COLUMNS = ("synthetic", "os_months", "death")
_UNIT_SUFFIX = re.compile(r"^(.*?)\s*\[\s*([^\]]*?)\s*\]\s*$")


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
    `[unit]` suffix); `units` are the --unit declarations (field -> unit)."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for name in columns:
        if name in seen:
            problems.append(Problem(path, f"column '{name}' appears twice in the header"))
        seen.add(name)
    header = Header(list(columns), [], list(dict.fromkeys(keep)))
    for column in columns:
        match = _UNIT_SUFFIX.match(column)
        base, unit = (match.group(1), match.group(2)) if match else (column, None)
        found = fields.column_field(base)
        if found is None:
            if column not in ignore and column not in keep and \
                    column.lower() not in KNOWN_COLUMNS:
                header.unknown.append((column, fields.suggest(base)))
            continue
        name = found
        if name in header.sources:
            problems.append(Problem(path, f"columns '{header.sources[name]}' and '{column}' "
                                    f"both give {name}", field=name))
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
        problems.append(Problem(path, "no patient field in the header; expected columns "
                                "such as " + ", ".join(f.name for f in
                                                       fields.input_fields()[1:5])
                                + " (see the README's field table)"))
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
                 units: Mapping[str, str] | None = None) -> None:
        self.path = path
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
                self._parquet = pq.ParquetFile(self.path)
            except (pa.ArrowException, ValueError) as exc:
                raise InputError([Problem(self.shown, f"not a readable Parquet file: {exc}")]
                                 ) from None
            self.total = self._parquet.metadata.num_rows
            return list(self._parquet.schema_arrow.names)
        raw: IO[bytes] = sys.stdin.buffer if self.path == "-" else open(self.path, "rb")  # noqa: SIM115
        self._raw = raw
        if self.path != "-":
            self.total = os.fstat(raw.fileno()).st_size
        stream: Any = gzip.GzipFile(fileobj=raw) if self.path.lower().endswith(".gz") else raw
        self._stream: io.BufferedReader = stream if isinstance(stream, io.BufferedReader) \
            else io.BufferedReader(stream)
        if self.format == "jsonl":
            return self._jsonl_columns()
        first = self._stream.readline()
        try:
            text = first.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError([Problem(self.shown, "the header is not UTF-8 text")]) from None
        if not text.strip():
            raise InputError([Problem(self.shown, "empty input: expected a header line "
                                      "naming patient fields")])
        self._first_line = first
        return next(csv.reader([text]))

    def _jsonl_columns(self) -> list[str]:
        peek = self._stream.peek(1 << 16)
        names: list[str] = []
        for number, line in enumerate(peek.splitlines()[:200], start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                break  # possibly cut by the peek; the batch reader reports real errors
            if not isinstance(record, dict):
                raise InputError([Problem(self.shown, "each line must be a JSON object",
                                          line=number)])
            names += [k for k in record if k not in names]
        return names

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

    def _chunk(self, row: int, data: pa.Table | list[dict[str, Any]]) -> Chunk:
        h = self.header
        return Chunk(row, data, tuple(h.fields), tuple(h.kept), tuple(h.units.items()),
                     tuple(h.sources.items()))

    def chunks(self, batch_rows: int = BATCH_ROWS) -> Iterator[Chunk]:
        """The input in chunks of about `batch_rows` rows."""
        h = self.header
        if self.format == "parquet":
            row = 1
            wanted = list(dict.fromkeys([*(h.sources[f] for f in h.fields),
                                         *(h.sources.get(k, k) for k in h.kept)]))
            for batch in self._parquet.iter_batches(batch_rows, columns=wanted):
                yield self._chunk(row, pa.Table.from_batches([batch]))
                row += batch.num_rows
        elif self.format == "jsonl":
            yield from self._jsonl_chunks(batch_rows)
        else:
            yield from self._csv_chunks(batch_rows)

    def _csv_chunks(self, batch_rows: int) -> Iterator[Chunk]:
        import pyarrow.csv as pcsv

        h = self.header
        replay = _Replay(self._first_line, self._stream)
        wanted = list(dict.fromkeys([*(h.sources[f] for f in h.fields),
                                     *(h.sources.get(k, k) for k in h.kept)]))
        options = pcsv.ConvertOptions(
            column_types={name: pa.string() for name in h.columns},
            include_columns=wanted, strings_can_be_null=True, null_values=[""],
            quoted_strings_can_be_null=True)
        try:
            reader = pcsv.open_csv(pa.PythonFile(replay, mode="r"),
                                   read_options=pcsv.ReadOptions(block_size=CSV_BLOCK_BYTES,
                                                                 use_threads=True),
                                   convert_options=options)
            row = 1
            pending: list[pa.RecordBatch] = []
            for batch in reader:
                pending.append(batch)
                if sum(b.num_rows for b in pending) >= batch_rows:
                    for piece in _pieces(pa.Table.from_batches(pending), batch_rows):
                        yield self._chunk(row, piece)
                        row += piece.num_rows
                    pending = []
            if pending:
                for piece in _pieces(pa.Table.from_batches(pending), batch_rows):
                    yield self._chunk(row, piece)
                    row += piece.num_rows
        except pa.ArrowInvalid as exc:
            raise InputError([Problem(self.shown, f"not readable as CSV: {exc}")]) from None

    def _jsonl_chunks(self, batch_rows: int) -> Iterator[Chunk]:
        known = set(self.header.columns)
        records: list[dict[str, Any]] = []
        row = 1
        for number, line in enumerate(self._stream, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:
                raise InputError([Problem(self.shown, f"not valid JSON: {exc}",
                                          line=number)]) from None
            if not isinstance(record, dict):
                raise InputError([Problem(self.shown, "each line must be a JSON object",
                                          line=number)])
            new = [k for k in record if k not in known]
            if new:
                self._new_columns(new, number)
                known.update(new)
            records.append(record)
            if len(records) >= batch_rows:
                yield self._chunk(row, records)
                row += len(records)
                records = []
        if records:
            yield self._chunk(row, records)

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


def _pieces(table: pa.Table, rows: int) -> Iterator[pa.Table]:
    for start in range(0, table.num_rows, rows):
        yield table.slice(start, rows)


class _Replay(io.RawIOBase):
    """A stream that gives back a line already read, then the rest."""

    def __init__(self, prefix: bytes, rest: IO[bytes]) -> None:
        self._prefix = prefix
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)
        if self._prefix:
            n = min(len(view), len(self._prefix))
            view[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        data = self._rest.read(len(view))
        view[:len(data)] = data
        return len(data)
