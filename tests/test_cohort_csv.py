"""csvtext makes, column-wise, the bytes pyarrow's CSV writer makes (the cohort's CSV output)."""

from __future__ import annotations

import datetime
import io
import itertools
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pytest

from prognosis.engine.cohort import csvtext
from prognosis.engine.cohort.writer import _pieces, _text_bound

TRICKY = pa.table({
    "text": pa.array(['a"b', "x,y", "l\nm", "", None, "é\r", " sp ", '""']),
    "int": pa.array([1, None, -3, 0, 5, 6, 7, 2 ** 40]),
    "float": pa.array([0.1, 1e-7, 1e20, float("nan"), None, float("inf"), 10.5, -0.0]),
    "bool": pa.array([True, False, None, True, True, False, None, False]),
    "date": pa.array([datetime.date(2020, 1, 2)] * 7 + [None]),
    "time": pa.array([datetime.datetime(2020, 1, 2, 3, 4, 5)] * 8),
    "dictionary": pa.array(['q"', None, "r", "r", 'q"', None, "z", ""]).dictionary_encode(),
    "null": pa.nulls(8),
    "large": pa.array(["a", None, 'b"', "", "c", "d", "e", "f"], pa.large_string()),
    "binary": pa.array([b"a", None, b'"', b"", b"\xc3\xa9", b"d", b"e", b"f"], pa.binary()),
    "large binary": pa.array([b"a", None, b'"', b"", b"c", b"d", b"e", b"f"],
                             pa.large_binary()),
    "fixed": pa.array([b'a"', b"b\n", None, b"cc", b"d,", b"ee", b"ff", b'""'],
                      pa.binary(2)),
    'name "quoted", with comma': pa.array(range(8)),
})


def pyarrow_csv(table: pa.Table) -> bytes:
    out = io.BytesIO()
    pcsv.write_csv(table, out)
    return out.getvalue()


def column_wise(table: pa.Table) -> bytes:
    out = io.BytesIO()
    out.write(csvtext.header(table.column_names))
    csvtext.write_text(out, csvtext.joined([csvtext.cells(c) for c in table.columns],
                                           csvtext.EOL))
    return out.getvalue()


def test_every_type_is_written_as_pyarrow_writes_it() -> None:
    assert column_wise(TRICKY) == pyarrow_csv(TRICKY)


@pytest.mark.parametrize("rows", [0, 1, 3])
def test_slices_and_empty_tables(rows: int) -> None:
    piece = TRICKY.slice(2, rows)
    assert column_wise(piece) == pyarrow_csv(piece)


@pytest.mark.parametrize("width", [1, 2, 3])
def test_verdict_cells_are_the_booleans_cells(width: int) -> None:
    """Combination c of csvtext.verdict_cells holds verdict i = (c // 3 ** i) % 3 - 1."""
    combos = list(itertools.product((-1, 0, 1), repeat=width))
    code = [sum((v + 1) * 3 ** i for i, v in enumerate(combo)) for combo in combos]
    table = pa.table({f"v{i}": pa.array([None if c[i] == 0 else c[i] == 1 for c in combos],
                                        pa.bool_()) for i in range(width)})
    lines = pyarrow_csv(table).decode().split("\n")[1:-1]
    texts = csvtext.verdict_cells(width).to_pylist()
    assert [texts[c] for c in code] == lines


def test_a_batch_is_written_in_pieces_each_within_the_limit() -> None:
    """The writer joins a batch's lines in pieces of about `size` bytes of text (memory stays
    flat), and a string array holds at most 2 GiB: no piece may pass `limit` (here 100)."""
    table = pa.table({"text": ["x" * 30] * 10,
                      "dictionary": pa.array(["y" * 10] * 10).dictionary_encode()})
    assert [len(p) for p in _pieces(table, 10 ** 6, 10 ** 7)] == [10]
    assert [len(p) for p in _pieces(table, 400, 10 ** 7)] == [3, 3, 3, 1]  # bound 1,250
    pieces = _pieces(table, 400, 100)
    assert len(pieces) > 4
    assert all(_text_bound(p) <= 100 or len(p) == 1 for p in pieces)
    assert pa.concat_tables(pieces).equals(table)


def test_group_rows_beyond_one_packed_key() -> None:
    """Forty columns of three values (3 ** 40 > 2 ** 62 combinations) and one with a range
    wider than an int64 key can hold beside the others: the packed key is renumbered on
    the way, and the groups are those of the rows as tuples."""
    from prognosis.engine.cohort.raw import group_rows

    rng = np.random.default_rng(7)
    columns = [rng.integers(-1, 2, 500) for _ in range(40)]
    columns.append(rng.choice([-(2 ** 62), 0, 2 ** 62], 500))
    columns.append(rng.random(500) < 0.5)
    columns.insert(3, np.full(500, 9, dtype=np.int8))  # the same in every row: no part
    codes, first, inverse = group_rows(columns)
    rows = list(zip(*(c.tolist() for c in columns), strict=True))
    assert len(set(rows)) == len(first)
    assert [tuple(codes[g]) for g in inverse] == rows
    assert [rows[f] for f in first] == [tuple(c) for c in codes.tolist()]
    assert sorted(first.tolist()) == first.tolist()  # groups in order of first appearance


@pytest.mark.parametrize("first", [[], [np.full(4, 3)]], ids=["wide first", "constant first"])
def test_group_rows_with_a_first_column_too_wide_to_pack(first: list[np.ndarray]) -> None:
    """A first column spanning 2 ** 62 or more (62 unknown-factor bits) is numbered."""
    from prognosis.engine.cohort.raw import group_rows

    wide = np.array([0, 2 ** 62 - 1, 0, 5], dtype=np.int64)
    codes, first_rows, inverse = group_rows([*first, wide, np.array([1, 1, 2, 1])])
    assert inverse.tolist() == [0, 1, 2, 3]
    assert first_rows.tolist() == [0, 1, 2, 3]
    assert codes[:, -2].tolist() == wide.tolist()


def _tuple_groups(columns: list[np.ndarray]) -> tuple[list[tuple[int, ...]], list[int],
                                                        list[int]]:
    """The groups as tuples, numbered in the order of their first row (the reference)."""
    rows = list(zip(*(c.tolist() for c in columns), strict=True))
    seen: dict[tuple[int, ...], int] = {}
    firsts: list[int] = []
    for i, row in enumerate(rows):
        if row not in seen:
            seen[row] = len(seen)
            firsts.append(i)
    return [rows[f] for f in firsts], firsts, [seen[row] for row in rows]


@pytest.mark.parametrize("direct", [0, 4, 10 ** 6], ids=["hashed", "default", "by address"])
@pytest.mark.parametrize("seed", range(6))
def test_group_rows_equals_grouping_the_rows_as_tuples(
        monkeypatch: pytest.MonkeyPatch, direct: int, seed: int) -> None:
    """Both ways of numbering the packed key (by address when it can take few values, by
    hash otherwise) give the groups of the rows as tuples, in order of first appearance,
    also for columns at the ends of the int64 range (a small range of their own)."""
    from prognosis.engine.cohort import raw

    monkeypatch.setattr(raw, "DIRECT_ROOM", direct)
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 300))
    columns = [rng.integers(-3, 4, n), rng.random(n) < 0.3,
               rng.integers(0, 3, n).astype(np.int8), 2 ** 63 - 4 + rng.integers(0, 2, n),
               -(2 ** 63) + rng.integers(0, 3, n), np.full(n, 5), rng.integers(0, 40, n)]
    columns = [columns[i] for i in rng.permutation(len(columns))]
    originals = [c.copy() for c in columns]
    codes, first, inverse = raw.group_rows(columns)
    distinct, firsts, groups = _tuple_groups(columns)
    assert [tuple(row) for row in codes.tolist()] == distinct
    assert first.tolist() == firsts
    assert inverse.tolist() == groups
    assert inverse.dtype == first.dtype == np.int64
    assert all(np.array_equal(c, o) for c, o in zip(columns, originals, strict=True))


@pytest.mark.parametrize("direct", [0, 10 ** 6], ids=["hashed", "by address"])
def test_group_rows_of_a_first_column_above_zero(monkeypatch: pytest.MonkeyPatch,
                                                 direct: int) -> None:
    """The first column's low end is taken off the key too (a key of 11 for room 4 fell
    outside the table numbered by address)."""
    from prognosis.engine.cohort import raw

    monkeypatch.setattr(raw, "DIRECT_ROOM", direct)
    codes, first, inverse = raw.group_rows([np.array([5, 6, 5, 6]), np.array([0, 1, 1, 1])])
    assert codes.tolist() == [[5, 0], [6, 1], [5, 1]]
    assert first.tolist() == [0, 1, 2]
    assert inverse.tolist() == [0, 1, 2, 1]


def test_group_rows_of_constant_columns_is_one_group() -> None:
    from prognosis.engine.cohort.raw import group_rows

    codes, first, inverse = group_rows([np.full(4, -2), np.full(4, 7, dtype=np.int8)])
    assert codes.tolist() == [[-2, 7]]
    assert first.tolist() == [0]
    assert inverse.tolist() == [0, 0, 0, 0]


def test_the_text_bound_of_a_dictionary_of_numbers() -> None:
    """A kept column read as a dictionary of numbers counts as numbers (no text lengths)."""
    table = pa.table({"n": pa.array([1, 2, 1]).dictionary_encode()})
    assert _text_bound(table) == 3 * 2 + 32 * 3 + 2 * table.column(0).chunk(0).nbytes


def test_mapped_values_are_kept_per_missing_value_too() -> None:
    from prognosis.engine.cohort.convert import Codec
    from prognosis.engine.loader import load_library

    codec = Codec(load_library().fields.fields["lung_metastasis_count"])
    codec.id_of(3)
    assert np.isnan(codec.mapped(float, np.float64, np.nan)[-1])
    assert codec.mapped(float, np.float64, 0.0).tolist() == [3.0, 0.0]  # not the NaN one


def test_a_code_has_one_key_whatever_the_dtype_of_its_columns() -> None:
    """_Texts keys a text by its code's int64 bytes: the same code from int8 or boolean
    columns in one batch and int64 in another must find the same text (not make it again),
    and different codes never share a key."""
    from prognosis.engine.cohort.scorer import code_key, code_keys

    small = code_keys(np.array([[1, -1, 0], [0, 2, 1]], dtype=np.int8))
    wide = code_keys(np.array([[1, -1, 0], [0, 2, 1]], dtype=np.int64))
    flags = code_keys(np.array([[True, False], [False, True]]))
    assert small == wide == [code_key((1, -1, 0)), code_key((0, 2, 1))]
    assert flags == [code_key((1, 0)), code_key((0, 1))]
    assert len({*small, *flags, code_key((-1,)), code_key((-2, 0)), code_key((0, -2))}) == 7


@pytest.mark.parametrize("index", [pa.int8(), pa.int16(), pa.int32(), pa.int64()])
def test_a_dictionarys_codes_are_its_indices_with_nulls_at_minus_one(index: pa.DataType
                                                                     ) -> None:
    """factorise_arrow reads a dictionary's indices from its buffers, whatever their width,
    at any offset (a slice) and with nulls, as pyarrow's own fill_null would give them."""
    from prognosis.engine.cohort.raw import factorise_arrow

    whole = pa.array(["b", None, "a", "b", None, "c", "a", "a", None, "c"] * 3) \
        .dictionary_encode().cast(pa.dictionary(index, pa.string()))
    for offset in (0, 1, 7, 9):
        for length in (0, 1, 8, 21):
            part = whole.slice(offset, length)
            codes = factorise_arrow(part).codes
            assert codes.dtype == np.int64
            assert codes.tolist() == part.indices.fill_null(-1).to_pylist()
    assert factorise_arrow(whole.slice(5, 3)).codes.tolist() == [2, 1, 1]


@pytest.mark.parametrize("last", [
    pa.array(['q"', None, "r", "r", None]).dictionary_encode(),
    pa.array(['q"', None, "r", "r", None, "s", "t"]).dictionary_encode().slice(2, 5),
    pa.chunked_array([pa.array(["a", None]).dictionary_encode(),
                      pa.array([None, "b", "c"]).dictionary_encode()]),
    pa.array(["x", None, "", "y", None]),
    "constant",
], ids=["dictionary", "sliced dictionary", "chunked dictionary", "text", "a str"])
def test_a_line_ends_after_its_last_part_whatever_that_part_is(last: Any) -> None:
    """`joined` puts the line end on the last part before joining (on a dictionary's texts,
    with one more for its nulls): the lines are those of joining first and ending after."""
    first = pa.array(["1", "2", None, "4", "5"])
    decoded = last.combine_chunks() if isinstance(last, pa.ChunkedArray) else last
    if isinstance(decoded, pa.DictionaryArray):
        decoded = decoded.dictionary_decode()
    expected = pc.binary_join_element_wise(
        pc.binary_join_element_wise(first, decoded, csvtext.SEPARATOR,
                                    null_handling="replace", null_replacement=""),
        csvtext.EOL, "")
    lines = csvtext.joined([first, last], csvtext.EOL).to_pylist()
    assert lines == expected.to_pylist()
    assert [line.count("\n") for line in lines] == [1] * 5
