"""A batch of input rows as factorised columns: per column, a code per row and its distinct values.

Whatever the input (a CSV or Parquet batch read by pyarrow, a pandas DataFrame,
JSON lines), the scorer sees the same thing: for each column an int64 array of
codes (-1 where the cell is empty or null) and the list of distinct raw values
the codes point into. Each distinct value is then checked and converted once,
however many rows carry it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

Codes = np.ndarray  # int64, one per row; -1 = empty


class Factorised:
    """A column's codes and distinct values; from Arrow, the values stay an Arrow array
    until a Python list of them is asked for (`uniques`)."""

    def __init__(self, codes: Codes, uniques: list[Any] | None = None,
                 dictionary: pa.Array | None = None) -> None:
        self.codes = codes
        self.dictionary = dictionary
        self._uniques = uniques

    @property
    def uniques(self) -> list[Any]:
        if self._uniques is None:
            assert self.dictionary is not None
            self._uniques = self.dictionary.to_pylist()
        return self._uniques

    def raw(self, code: int) -> Any:
        """One distinct value, without making the Python list of all of them."""
        if self._uniques is None and self.dictionary is not None:
            return self.dictionary[code].as_py()
        return self.uniques[code]


@dataclass(frozen=True)
class RawBatch:
    """Rows `first_row` .. `first_row + n - 1` (1-based data rows) of an input."""

    first_row: int
    n: int
    columns: Mapping[str, Factorised]  # patient fields (and `id`)
    kept: Mapping[str, pa.Array] = field(default_factory=dict)  # passed through untouched
    ids: pa.Array | None = None  # a text `id` column, used as it is (never a rule input)
    units: Mapping[str, str] = field(default_factory=dict)  # declared unit of a column
    sources: Mapping[str, str] = field(default_factory=dict)  # field -> column as written


def factorise_arrow(array: pa.Array | pa.ChunkedArray) -> Factorised:
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    encoded = array if pa.types.is_dictionary(array.type) else pc.dictionary_encode(array)
    return Factorised(_codes(encoded.indices), dictionary=encoded.dictionary)


def _codes(indices: pa.Array) -> Codes:
    """Dictionary indices as codes, -1 where null: read from the array's buffers (pyarrow's
    fill_null took 0.5 ms a column of 40,000 rows; 0.3 s of reading 1M rows)."""
    n, offset = len(indices), indices.offset
    validity, data = indices.buffers()
    codes = np.frombuffer(data, dtype=indices.type.to_pandas_dtype())[offset:offset + n] \
        .astype(np.int64)
    if indices.null_count:
        bits = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")
        codes[bits[offset:offset + n] == 0] = -1
    return codes


def _key(value: Any) -> Any:
    # True == 1 == 1.0 in Python: the type keeps a boolean and a number apart.
    try:
        hash(value)
    except TypeError:
        return ("unhashable", repr(value))
    return (type(value), value)


def factorise_objects(values: Iterable[Any]) -> Factorised:
    """Factorise Python values; None and NaN are empty."""
    index: dict[Any, int] = {}
    uniques: list[Any] = []
    codes: list[int] = []
    for value in values:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            codes.append(-1)
            continue
        key = _key(value)
        code = index.get(key)
        if code is None:
            code = index[key] = len(uniques)
            uniques.append(value)
        codes.append(code)
    return Factorised(np.asarray(codes, dtype=np.int64), uniques)


def from_arrow(table: pa.Table | pa.RecordBatch, fields: Sequence[str], kept: Sequence[str],
               first_row: int, units: Mapping[str, str] | None = None,
               sources: Mapping[str, str] | None = None) -> RawBatch:
    """`sources` maps a field to its column's name as written (`DFI [months]`)."""
    sources = dict(sources or {})
    ids = None
    id_column = sources.get("id", "id")
    if "id" in fields and pa.types.is_string(table.schema.field(id_column).type):
        ids = as_array(table.column(id_column))  # text needs no checking: 1 value per row
        fields = [name for name in fields if name != "id"]
    return RawBatch(first_row, table.num_rows,
                    {name: factorise_arrow(table.column(sources.get(name, name)))
                     for name in fields},
                    {name: as_array(table.column(name if name in table.column_names
                                                  else sources.get(name, name)))
                     for name in kept}, ids,
                    dict(units or {}), sources)


def from_records(records: Sequence[Mapping[str, Any]], fields: Sequence[str],
                 kept: Sequence[str], first_row: int, units: Mapping[str, str] | None = None,
                 sources: Mapping[str, str] | None = None) -> RawBatch:
    """JSON lines (or any dicts): a key left out of a record is empty."""
    sources = dict(sources or {})
    columns = {name: factorise_objects(r.get(sources.get(name, name)) for r in records)
               for name in fields}
    kept_arrays = {name: pa.array([_text(r.get(name, r.get(sources.get(name, name))))
                                   for r in records], pa.string()) for name in kept}
    return RawBatch(first_row, len(records), columns, kept_arrays, None, dict(units or {}),
                    sources)


def from_pandas(frame: Any, fields: Sequence[str], kept: Sequence[str],
                first_row: int, units: Mapping[str, str] | None = None,
                sources: Mapping[str, str] | None = None) -> RawBatch:
    """A pandas DataFrame; NaN, None and pandas' NA are empty.

    Columns go through Arrow when they convert (text, numbers, booleans: factorised
    without Python per cell); a column of mixed Python types is read value by value."""
    sources = dict(sources or {})
    wanted = list(dict.fromkeys([*(sources.get(n, n) for n in fields),
                                 *(k if k in frame.columns else sources.get(k, k)
                                   for k in kept)]))
    try:
        table = pa.Table.from_pandas(frame[wanted], preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        table = None
    if table is not None and all(_plain_type(t) for t in table.schema.types):
        batch = from_arrow(table, fields, [], first_row, units, sources)
        kept_arrays = {name: pa.array([_text(v) for v in _python_values(frame[
            name if name in frame.columns else sources.get(name, name)])], pa.string())
            for name in kept}
        return RawBatch(batch.first_row, batch.n, batch.columns, kept_arrays, batch.ids,
                        batch.units, batch.sources)
    columns = {name: factorise_objects(_python_values(frame[sources.get(name, name)]))
               for name in fields}
    kept_arrays = {name: pa.array([_text(v) for v in _python_values(frame[
        name if name in frame.columns else sources.get(name, name)])], pa.string())
        for name in kept}
    return RawBatch(first_row, len(frame), columns, kept_arrays, None, dict(units or {}),
                    sources)


def _plain_type(kind: pa.DataType) -> bool:
    """Types whose values a patient file could hold as they are (no dates, lists...)."""
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind)
                or pa.types.is_integer(kind) or pa.types.is_floating(kind)
                or pa.types.is_boolean(kind) or pa.types.is_null(kind))


def _python_values(series: Any) -> list[Any]:
    values = series.astype(object).tolist()
    return [None if _is_missing(v) else v for v in values]


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ in ("NAType", "NaTType")


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def as_array(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def plain(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The values as one array: chunks combined, a dictionary decoded (what a text join
    needs; the writer and the scorer's JSON lines both use it)."""
    array = as_array(column)
    return array.dictionary_decode() if pa.types.is_dictionary(array.type) else array


# Keys of at most this many possible values per row are grouped by address, not hashed.
DIRECT_ROOM = 4


def group_rows(columns: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group rows by their values in `columns` (signed integer or boolean arrays of equal
    length).

    Returns the distinct rows (k x len(columns)), the index of each group's
    first row, and each row's group; groups are numbered in the order of their
    first row. The columns are packed into one int64 key (in place: no array per
    column and step); when the key can take at most DIRECT_ROOM values per row,
    each value's first row is found by address, otherwise by pandas.factorize (a
    hash, O(rows), not a sort). When the columns' ranges are too wide to pack into
    one int64, the key packed so far is renumbered first.
    """
    import pandas as pd

    n = len(columns[0]) if columns else 0
    if n == 0:
        return (np.zeros((0, len(columns)), dtype=np.int64), np.zeros(0, dtype=np.int64),
                np.zeros(0, dtype=np.int64))
    key: np.ndarray | None = None
    room = 1
    for column in columns:
        if column.dtype == np.bool_:  # no pass over the rows to find its range
            low, span = 0, 2
        else:
            low, high = int(column.min()), int(column.max())
            if low == high:
                continue  # the same in every row: it parts no rows
            span = high - low + 1
        if room * span >= 1 << 62:  # the packed key would overflow: number its distinct
            # values so far (as many as there are rows at most) and go on from those
            if key is not None:
                packed, uniques = pd.factorize(key)
                key, room = packed.astype(np.int64), max(len(uniques), 1)
            if room * span >= 1 << 62:  # and the column's own range is too wide: its values
                numbered, values = pd.factorize(column)
                column, low, span = numbered, 0, max(len(values), 1)
        room *= span
        if key is None:
            key = column.astype(np.int64)  # a copy, changed in place from here on
            key -= low
            continue
        key *= span
        key += column  # may wrap past the int64 range; `- low` brings it back (exact
        key -= low  # modulo 2 ** 64, and the result is within [0, room))
    if key is None:  # every column is constant (or there is none): one group
        key, room = np.zeros(n, dtype=np.int64), 1
    if room <= DIRECT_ROOM * n:
        first_of = np.full(room, n, dtype=np.int64)  # each key value's first row
        first_of[key[::-1]] = np.arange(n - 1, -1, -1, dtype=np.int64)
        first = np.sort(first_of[first_of < n])
        code_of = np.empty(room, dtype=np.int64)
        code_of[key[first]] = np.arange(len(first), dtype=np.int64)
        inverse = code_of[key]
    else:
        codes, uniques = pd.factorize(key)
        inverse = codes.astype(np.int64)
        first = np.empty(len(uniques), dtype=np.int64)
        first[inverse[::-1]] = np.arange(n - 1, -1, -1, dtype=np.int64)
    return np.stack([c[first] for c in columns], axis=1), first, inverse
