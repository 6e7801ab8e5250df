"""Field cells: durable_rules decides each comparison once per cell of a field.

A field's cell is what every comparison of a rule set on that field can see
of a value: for a numeric field its position among the rule set's cut-offs on
the field (below the first, equal to it, between it and the next, ...); for
an enum, boolean or text field which of the declared value sets it belongs to
(histology for Liu 2022: osteosarcoma or not). Every durable rule compares one
field, so two values in the same cell get the same verdicts: durable_rules
decides them once, on the first value seen in the cell, and each row then
takes its verdicts from its value's cell with one numpy index.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..durable_adapter import cell
from ..model import Atom, RuleSet, Truth

NUMERIC = ("int", "quantity", "number", "derived")
CODE = {True: 1, None: 0, False: -1}  # the verdict coding of vector.py


@dataclass(frozen=True)
class FieldCells:
    name: str
    thresholds: tuple[float, ...] = ()  # numeric fields
    sets: tuple[frozenset[Any], ...] = ()  # other fields: the declared value sets
    numeric: bool = True

    def cell(self, value: Any) -> Any:
        """A hashable cell for a known canonical value."""
        if not self.numeric:
            return tuple(value in s for s in self.sets)
        return cell(value, self.thresholds)


def field_cells(rs: RuleSet, field_types: Mapping[str, str],
                bounded_by: Mapping[str, tuple[str, ...]] | None = None
                ) -> tuple[FieldCells, ...]:
    """The cells of each field a rule set compares, from its thresholds and value sets.

    `bounded_by`: field -> the fields whose given value above 0 bounds it from below
    (fields.yaml `implies_at_least`); those get a cut at 0 when the rule set reads the
    bounded field, so rows with and without the bound never share a cell.
    """
    cuts: dict[str, set[Any]] = {}
    for atom in rs.atoms():
        declared = cuts.setdefault(atom.field, set())
        value = atom.value
        declared.add(frozenset(value) if isinstance(value, tuple) else value)
    for target, sources in (bounded_by or {}).items():
        if target in cuts:
            for source in sources:
                cuts.setdefault(source, set()).add(0.0)
    fields = []
    for name in sorted(cuts):
        if field_types.get(name) in NUMERIC:
            fields.append(FieldCells(name, tuple(sorted(float(v) for v in cuts[name]))))
        else:
            sets = sorted((v if isinstance(v, frozenset) else frozenset([v])
                           for v in cuts[name]), key=lambda s: sorted(map(str, s)))
            fields.append(FieldCells(name, sets=tuple(sets), numeric=False))
    return tuple(fields)


class FieldVerdicts:
    """The verdicts of a rule set's comparisons on one field, per cell, learnt as values come.

    `decide(value)` asks durable_rules (through the adapter) for the verdicts
    of a fact holding only this field; it runs once per cell. `placed(value)` is
    the value whose cell counts (a duration given in months is placed among the
    thresholds by its months, as `compare` compares it).
    """

    def __init__(self, cells: FieldCells, atoms: Sequence[Atom],
                 decide: Callable[[Any], Mapping[str, Truth]],
                 placed: Callable[[Any], Any] = lambda value: value) -> None:
        self.cells = cells
        self.keys = tuple(a.key for a in atoms)
        self._decide = decide
        self._placed = placed  # the value as the comparisons see it (durations in months)
        self._cell_of: list[int] = []  # per converted value id (of the field's codec)
        self._dense: dict[Any, int] = {}
        self._rows: list[list[int]] = []
        self._table = np.zeros((1, len(self.keys)), dtype=np.int8)
        self._codes = np.zeros(1, dtype=np.int64)
        self._by_key = [np.zeros(1, dtype=np.int8) for _ in self.keys]

    def columns(self, ids: np.ndarray, values: Sequence[Any]) -> dict[str, np.ndarray]:
        """Per comparison (by key), its verdict array over the rows: one gather each."""
        cells = self._cells(ids, values)
        return {key: self._by_key[j][cells] for j, key in enumerate(self.keys)}

    def _cells(self, ids: np.ndarray, values: Sequence[Any]) -> np.ndarray:
        if len(self._cell_of) < len(values):
            for value in values[len(self._cell_of):]:
                signature = self.cells.cell(self._placed(value))
                dense = self._dense.get(signature)
                if dense is None:
                    dense = self._dense[signature] = len(self._rows)
                    decided = self._decide(value)
                    self._rows.append([CODE[decided[k]] for k in self.keys])
                self._cell_of.append(dense)
            self._table = np.array([*self._rows, [0] * len(self.keys)], dtype=np.int8
                                   ).reshape(len(self._rows) + 1, len(self.keys))
            self._by_key = [np.ascontiguousarray(self._table[:, j])
                            for j in range(len(self.keys))]
            self._codes = np.array([*self._cell_of, len(self._rows)], dtype=np.int64)
        cells: np.ndarray = self._codes[ids]
        return cells
