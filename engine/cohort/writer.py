"""Write cohort output (JSON lines, CSV, Parquet) so that no half-written file is ever left.

Everything goes to a temporary file next to the target, which is renamed onto
the final name only when the run succeeds; an error or an interrupt (Ctrl-C)
removes it.

JSON lines come in two shapes. Compact (the default): a first line carries
each rule set's static part once (title, citation, factor labels and effects,
estimate definitions by id, ...); each row then carries only what varies per
patient: `{"row", "id", "results": {<rule set id>: {status, reasons, score,
score_range, group, subgroup, options, factors, caveats, estimates}}}` (null keys
but status and reasons left out), where `factors`
and `caveats` list each one's `present` (true, false or null) in the order the
first line lists them and `estimates` maps estimate ids (`score=2/overall_survival_36m`)
to the published figures that hold for the patient. Full (`--full`): each row carries compare's
JSON results. Both are joined column-wise by pyarrow from the texts the scorer
made once per distinct result; no Python runs per row here.

CSV is written the same way: each rule set's cells come as the CSV text the
scorer made once per distinct result (scorer.csv_columns), joined per row
with the row number, id and kept columns (csvtext.py: byte for byte what
pyarrow's CSV writer writes), a few megabytes of text at a time.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import json
import os
from collections.abc import Iterator, Sequence
from typing import IO, Any

import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError, Problem
from ..evaluate import assemble
from ..model import RuleSet
from ..results import estimate_dict
from . import csvtext
from .columns import Column, estimate_id
from .raw import plain
from .rejections import Rejection
from .scorer import ARROW_TYPES, JsonMode, csv_columns, json_column

OUTPUT_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}
COMPACT_FORMAT = "prognosis-cohort-compact/1"
# What a compact row carries per rule set; the rest of compare's result is static.
PER_ROW = ("status", "reasons", "score", "score_range", "group", "group_label", "subgroup",
           "possible_groups", "estimates", "candidate_estimates")
PER_ROW_ITEM = ("present", "holds", "detail", "conditions")


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
    if os.path.isdir(path):
        raise InputError([Problem(path, "is a directory; give the name of a file to write")])
    remove_stale_parts(path)
    temporary = part_name(path)
    try:
        # Made now, so that a directory nobody may write in is said before any work.
        open(temporary, "wb").close()
    except OSError as exc:
        raise InputError([Problem(path, f"cannot write here: {exc.strerror}")]) from None
    try:
        yield temporary
        os.replace(temporary, path)
    except OSError as exc:
        if exc.errno not in _WRITING:
            raise
        raise InputError([Problem(path, f"cannot write: {exc.strerror}")]) from None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


# Failures of writing or renaming the output that are the machine's, not a bug: said as
# bad input (exit 2) naming the output; any other OSError in the block is not caught here.
_WRITING = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EISDIR})


def output_schema(kept: Sequence[tuple[str, pa.DataType]], columns: Sequence[Column]
                  ) -> pa.Schema:
    return pa.schema([("row", pa.int64()), ("id", pa.string()), *kept,
                      *[(c.name, ARROW_TYPES[c.type]) for c in columns]])


def static_part(rs: RuleSet) -> dict[str, Any]:
    """What compare's JSON result of a rule set says whoever the patient is.

    Taken from the result of a patient with nothing known, without the parts
    that vary per patient; estimates are listed by id (compact rows name them).
    """
    nothing = assemble(rs, {}, {a.key: None for a in rs.atoms()}, traces=False).to_dict()
    static = {k: v for k, v in nothing.items() if k not in PER_ROW}
    for key in ("factors", "caveats", "population_conditions", "groups"):
        static[key] = [{k: v for k, v in item.items() if k not in PER_ROW_ITEM}
                       for item in static[key]]
    static["estimates"] = {estimate_id(e): estimate_dict(e) for e in rs.estimates}
    return static


def compact_header(rule_sets: Sequence[RuleSet]) -> str:
    return json.dumps({"format": COMPACT_FORMAT,
                       "rule_sets": {rs.id: static_part(rs) for rs in rule_sets}},
                      ensure_ascii=False) + "\n"


def json_lines(table: pa.Table, rule_sets: Sequence[str], mode: JsonMode) -> pa.Array:
    """One JSON line per row (each ending in a newline), joined column-wise."""
    if table.num_rows == 0:
        return pa.array([], pa.string())
    compact = mode == "compact"
    parts: list[Any] = ['{"row":' if compact else '{"row": ',
                        pc.cast(plain(table.column("row")), pa.string()),
                        ',"id":' if compact else ', "id": ',
                        _json_strings(plain(table.column("id"))),
                        ',"results":{' if compact else ', "results": [']
    for i, rs in enumerate(rule_sets):
        if i:
            parts.append("," if compact else ", ")
        parts.append(plain(table.column(json_column(rs))))
    parts.append("}}\n" if mode == "compact" else "]}\n")
    return pc.binary_join_element_wise(*parts, "")


def _json_strings(array: pa.Array) -> pa.Array:
    """Each value as a JSON string (null as null): escaped column-wise, Python only for the
    rare value with a control character."""
    if pa.types.is_null(array.type):
        return pa.array(["null"] * len(array), pa.string())
    text = pc.cast(array, pa.string())
    special = pc.match_substring_regex(text, r"[\x00-\x1f]")
    if pc.any(special).as_py():
        values = text.to_pylist()
        return pa.array([json.dumps(v, ensure_ascii=False) for v in values], pa.string())
    escaped = pc.replace_substring(pc.replace_substring(text, "\\", "\\\\"), '"', '\\"')
    quoted = pc.binary_join_element_wise('"', escaped, '"', "")
    return pc.fill_null(quoted, "null")


class Sink:
    """One open output file of a given format."""

    def __init__(self, path: str, kind: str, schema: pa.Schema,
                 results: Sequence[Column] = (), rule_sets: Sequence[RuleSet] = (),
                 json_mode: JsonMode = "compact") -> None:
        self.kind = kind
        self.schema = schema
        self.json_mode = json_mode
        self.rule_sets = [rs.id for rs in rule_sets]
        self._file: IO[bytes] | None = None
        self._writer: Any = None
        if kind == "parquet":
            import pyarrow.parquet as pq

            # Text results are written as the scorer gives them, dictionaries over the
            # distinct texts (what Parquet stores anyway), not decoded to one text per row
            # first (50 MB a batch, and a second hashing); without the Arrow schema in the
            # file a reader sees them as the plain text columns `schema` declares.
            # Min/max statistics for the columns a reader may filter row groups by (row,
            # id, kept, numbers, verdicts), none for the result texts: every row group
            # holds most of their few values, so theirs would prune nothing, and they were
            # a quarter of the writing (1M diverse rows: 1.27-1.47 -> 1.02-1.20 s).
            text = {c.name for c in results if c.type == "string"}
            statistics = [name for name in schema.names if name not in text]
            if all(f.type in _PARQUET_PLAIN for f in schema):
                self.schema = _dictionary_text(schema, results)
                self._writer = pq.ParquetWriter(path, self.schema, store_schema=False,
                                                write_statistics=statistics)
            else:  # a kept column whose type needs the Arrow schema to read back as it was
                self._writer = pq.ParquetWriter(path, schema, write_statistics=statistics)
        elif kind == "csv":
            # Written as pyarrow's CSV writer would write `schema` (csvtext.py), from each
            # rule set's cells as the scorer made them once per distinct result.
            self._file = open(path, "wb")  # noqa: SIM115
            self._file.write(csvtext.header(schema.names))
            # Per row: the row's own columns (row, id, kept), then the scorer's CSV text.
            result_names = {c.name for c in results}
            self._leading = [name for name in schema.names if name not in result_names]
            self._texts = [name for rs in rule_sets for name in csv_columns(rs)]
        else:
            self._file = open(path, "wb")  # noqa: SIM115
            if json_mode == "compact":
                self._file.write(compact_header(rule_sets).encode("utf-8"))

    def write(self, table: pa.Table | None) -> None:
        if table is None:
            return
        if self.kind == "csv":
            assert self._file is not None
            for piece in _pieces(table):
                csvtext.write_text(self._file, self._csv_lines(piece))
            return
        if self._file is not None:
            for piece in _pieces(table):
                csvtext.write_text(self._file, json_lines(piece, self.rule_sets, self.json_mode))
            return
        self._writer.write_table(table.select(self.schema.names).cast(self.schema))

    def _csv_lines(self, table: pa.Table) -> pa.Array:
        """The rows' CSV lines: row, id and kept columns, then each rule set's cells as the
        scorer gave them (scorer.csv_columns); or, when the table has no such text (a run
        that also hands its tables on), the cells of every column."""
        if not all(name in table.column_names for name in self._texts):
            return csvtext.joined([csvtext.cells(table.column(name))
                                   for name in self.schema.names], csvtext.EOL)
        return csvtext.joined([*(csvtext.cells(table.column(name)) for name in self._leading),
                               *(table.column(name) for name in self._texts)], csvtext.EOL)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        elif self._writer is not None:
            self._writer.close()


CSV_PIECE_BYTES = 24 << 20  # about this much text per piece (memory stays flat) ...
CSV_PIECE_LIMIT = 1 << 30  # ... and never more (a string array holds at most 2 GiB)


def _text_bound(table: pa.Table) -> int:
    """At least the bytes of `table`'s CSV text: a text's quotes at most double it, a
    dictionary column counts the values its rows take."""
    bound = int(table.num_rows) * (int(table.num_columns) + 1)
    for column in table.columns:
        for chunk in column.chunks:
            if pa.types.is_dictionary(chunk.type) and csvtext.quoted(chunk.dictionary.type):
                lengths = pc.binary_length(chunk.dictionary).to_numpy(zero_copy_only=False)
                taken = pc.fill_null(chunk.indices, 0).to_numpy(zero_copy_only=False)
                bound += 2 * (int(lengths[taken].sum()) + len(chunk)) if len(lengths) else 0
            else:
                bound += 2 * int(chunk.nbytes) + 32 * len(chunk)
    return bound


def _pieces(table: pa.Table, size: int | None = None,
            limit: int | None = None) -> list[pa.Table]:
    """`table` in slices of about `size` bytes of CSV text (of equal rows; default
    CSV_PIECE_BYTES), each surely within `limit` (CSV_PIECE_LIMIT; a slice over it is
    halved until it is not)."""
    size = CSV_PIECE_BYTES if size is None else size
    limit = CSV_PIECE_LIMIT if limit is None else limit
    bound = _text_bound(table)
    if table.num_rows <= 1 or bound <= min(size, limit):
        return [table]
    if bound > limit:
        half = table.num_rows // 2
        return [*_pieces(table.slice(0, half), size, limit),
                *_pieces(table.slice(half), size, limit)]
    step = -(-table.num_rows // -(-bound // size))
    return [table.slice(start, step) for start in range(0, table.num_rows, step)]


# Types a Parquet reader gets back as they were without the Arrow schema in the file.
_PARQUET_PLAIN = (pa.string(), pa.int64(), pa.int32(), pa.float64(), pa.bool_(), pa.null(),
                  pa.date32())


def _dictionary_text(schema: pa.Schema, results: Sequence[Column]) -> pa.Schema:
    """`schema` with the text result columns as dictionaries (as the scorer makes them)."""
    text = {c.name for c in results if c.type == "string"}
    return pa.schema([f.with_type(pa.dictionary(pa.int32(), pa.string()))
                      if f.name in text else f for f in schema])


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
