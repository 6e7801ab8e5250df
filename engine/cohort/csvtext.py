"""CSV text made column-wise, byte for byte as pyarrow's CSV writer makes it.

pyarrow's writer (quoting style "needed", its default) encloses every text
value in double quotes, doubling the quotes inside; it writes every other
type as its cast to text, unquoted; a null is an empty cell; each row ends in
"\\n"; the header is the quoted column names. Here the same is done with
compute functions over whole columns, so that a cohort's result columns, whose
rows repeat a few thousand distinct texts, are turned into text once per
distinct text (scorer.py) and only joined per row. tests/test_cohort_csv.py
checks the bytes against pyarrow's writer.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .raw import as_array, plain

SEPARATOR = ","
EOL = "\n"


def quoted(kind: pa.DataType) -> bool:
    """Values of this type are written quoted (text and bytes)."""
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind)
                or pa.types.is_binary(kind) or pa.types.is_large_binary(kind)
                or pa.types.is_fixed_size_binary(kind))


def cells(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Each value's cell text (null stays null: an empty cell once joined)."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_dictionary(array.type):
        # The distinct values once, then each row takes its own.
        return cells(array.dictionary).take(array.indices)
    if quoted(array.type):
        # Bytes must be valid text, as pyarrow's writer requires (ArrowInvalid otherwise).
        text = array if pa.types.is_string(array.type) else pc.cast(array, pa.string())
        return pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"',
                                           "")
    return pc.cast(array, pa.string())


BOOL_CELLS = ("false", "", "true")  # a false, null and true boolean: its cast to text, or empty


@functools.cache
def verdict_cells(width: int) -> pa.Array:
    """The cells of `width` three-valued verdicts (booleans, null: unknown), `,`-joined, for
    every combination: combination c holds verdict v_i (-1, 0, 1) with c = sum((v_i + 1) *
    3 ** i)."""
    texts = [SEPARATOR.join(BOOL_CELLS[(code // 3 ** i) % 3] for i in range(width))
             for code in range(3 ** width)]
    return pa.array(texts, pa.string())


def joined(parts: Sequence[pa.Array | pa.ChunkedArray | str], end: str = "") -> pa.Array:
    """Per row, `parts` joined by the separator (a null part: an empty cell), then `end`.

    A part may be a dictionary array (decoded here); `end` is added to the last part
    before the join, to its distinct texts when it is a dictionary: joining the rows
    again to end them copied every line a second time (a 1M-row CSV's 1.1 GB)."""
    texts = list(parts)
    if end:
        texts[-1] = _ended(texts[-1], end)
    decoded = [p if isinstance(p, str) else plain(p) for p in texts]
    return pc.binary_join_element_wise(*decoded, SEPARATOR, null_handling="replace",
                                       null_replacement="")


def _ended(part: pa.Array | pa.ChunkedArray | str, end: str) -> pa.Array | str:
    """`part` (a null: empty) followed by `end`."""
    if isinstance(part, str):
        return part + end
    part = as_array(part)
    if isinstance(part, pa.DictionaryArray):  # its texts ended, and one more for its nulls
        values = pc.binary_join_element_wise(
            pc.fill_null(part.dictionary.cast(pa.string()), ""), end, "")
        nulls = len(values)
        indices = pc.fill_null(part.indices, pa.scalar(nulls, part.indices.type))
        return pa.DictionaryArray.from_arrays(
            indices, pa.concat_arrays([values, pa.array([end], pa.string())]))
    return pc.binary_join_element_wise(pc.fill_null(part.cast(pa.string()), ""), end, "")


def header(names: Sequence[str]) -> bytes:
    text = SEPARATOR.join('"' + name.replace('"', '""') + '"' for name in names)
    return (text + EOL).encode("utf-8")


def write_text(file: IO[bytes], lines: pa.Array) -> None:
    """Write the texts of a string array one after the other (each already ends its line),
    straight from the array's data buffer."""
    if len(lines) == 0:
        return
    if pa.types.is_dictionary(lines.type):
        lines = lines.dictionary_decode()
    offsets, data = lines.buffers()[1:3]
    at = np.frombuffer(offsets, dtype=np.int32, count=len(lines) + 1, offset=lines.offset * 4)
    if data is not None:
        file.write(memoryview(data)[int(at[0]):int(at[-1])])
