"""Rejected rows, kept column-wise: a registry with many bad rows costs numpy, not objects.

A batch's rejections are four parallel arrays (row, field, value, message), in
row order and, within a row, in column order, then the row's other problems in
the order they were found. They read as a sequence of `Rejection`s, each made
only when asked for (the first 20 shown on stderr, `--errors`, `--strict`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np

Issues = list[tuple[str | None, str]]  # (field or None, message)


@dataclass(frozen=True)
class Rejection:
    row: int
    field: str | None
    value: str
    message: str


def objects(values: Sequence[Any]) -> np.ndarray:
    """An object array of `values` as they are (numpy would make lists of them rows)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


class Rejections(Sequence[Rejection]):
    """One batch's rejections as columns (`rows`: 1-based data rows, int64)."""

    def __init__(self, rows: np.ndarray, fields: np.ndarray, values: np.ndarray,
                 messages: np.ndarray) -> None:
        self.rows = rows
        self.fields = fields
        self.values = values
        self.messages = messages

    @classmethod
    def of(cls, items: Iterable[Rejection]) -> Rejections:
        listed = list(items)
        return cls(np.array([r.row for r in listed], dtype=np.int64),
                   objects([r.field for r in listed]), objects([r.value for r in listed]),
                   objects([r.message for r in listed]))

    @classmethod
    def empty(cls) -> Rejections:
        return cls.of(())

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, index: int) -> Rejection: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Rejection]: ...

    def __getitem__(self, index: int | slice) -> Rejection | Sequence[Rejection]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return Rejection(int(self.rows[index]), self.fields[index], self.values[index],
                         self.messages[index])

    def __iter__(self) -> Iterator[Rejection]:
        for i in range(len(self)):
            yield self[i]

    def __repr__(self) -> str:
        return f"Rejections({list(self[:3])!r}{', ...' if len(self) > 3 else ''})"

    def distinct_rows(self) -> int:
        """How many rows (a row with two problems has two rejections)."""
        if len(self.rows) < 2:
            return len(self.rows)
        rows = self.rows if bool(np.all(self.rows[1:] >= self.rows[:-1])) \
            else np.sort(self.rows)
        return int(np.count_nonzero(rows[1:] != rows[:-1])) + 1


class Problems:
    """Problems found for rows of a batch (implications, bounds, derived fields), column-wise.

    Each `add` gives rows (0-based within the batch) and, per row, which of `said`
    (lists of issues, one list per distinct combination of values) it has.
    """

    def __init__(self) -> None:
        self._parts: list[tuple[np.ndarray, np.ndarray, Sequence[Issues]]] = []

    def add(self, rows: np.ndarray, which: np.ndarray, said: Sequence[Issues]) -> None:
        lengths = np.array([len(issues) for issues in said], dtype=np.int64)
        keep = lengths[which] > 0 if len(said) else np.zeros(len(rows), dtype=bool)
        if keep.any():
            self._parts.append((np.asarray(rows, dtype=np.int64)[keep],
                                np.asarray(which, dtype=np.int64)[keep], said))

    def rows(self) -> np.ndarray:
        if not self._parts:
            return np.zeros(0, dtype=np.int64)
        return np.unique(np.concatenate([rows for rows, _, _ in self._parts]))

    def entries(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, field, message) of every issue, each row's in the order they were added,
        a (field, message) said twice of one row kept once."""
        pairs: dict[tuple[str | None, str], int] = {}  # distinct issues, numbered
        rows_out, codes_out = [], []
        for rows, which, said in self._parts:
            lengths = np.array([len(issues) for issues in said], dtype=np.int64)
            offsets = np.cumsum(lengths) - lengths
            flat = np.array([pairs.setdefault(item, len(pairs)) for issues in said
                             for item in issues], dtype=np.int64)
            counts = lengths[which]
            starts = np.repeat(np.cumsum(counts) - counts, counts)
            index = np.repeat(offsets[which], counts) + (np.arange(int(counts.sum())) - starts)
            rows_out.append(np.repeat(rows, counts))
            codes_out.append(flat[index])
        if not rows_out:
            empty = np.zeros(0, dtype=object)
            return np.zeros(0, dtype=np.int64), empty, empty
        rows_all, codes = np.concatenate(rows_out), np.concatenate(codes_out)
        order = np.argsort(rows_all, kind="stable")
        rows_all, codes = rows_all[order], codes[order]
        _, first = np.unique(rows_all * len(pairs) + codes, return_index=True)
        first.sort()
        rows_all, codes = rows_all[first], codes[first]
        issues = list(pairs)
        return (rows_all, objects([f for f, _ in issues])[codes],
                objects([m for _, m in issues])[codes])
