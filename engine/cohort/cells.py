"""Cells: which side of each cut-off a value lies on, read from what a rule set declares.

Two patients in the same cell of a rule set get the same verdict on every
comparison of that rule set, so the engine evaluates one of them and the
others share its answer. For a numeric field the cell is its position among
the rule set's thresholds on that field (below the first, equal to it,
between it and the next, ...); for an enum, boolean or text field it is
which of the value sets the rule set declares on that field the value
belongs to (histology for Liu 2022: osteosarcoma or not).

What a result shows of the patient's values (a failed population condition
says "histology is liposarcoma") is handled by the scorer: such cells are
split further by the exact values of those fields.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..model import RuleSet

NUMERIC = ("int", "quantity", "number", "derived")


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
        position = bisect_left(self.thresholds, value)
        exact = position < len(self.thresholds) and self.thresholds[position] == value
        return 2 * position + (1 if exact else 0)


@dataclass(frozen=True)
class CellPlan:
    rule_set: str
    fields: tuple[FieldCells, ...]


def cell_plan(rs: RuleSet, field_types: dict[str, str],
              bounded_by: Mapping[str, tuple[str, ...]] | None = None) -> CellPlan:
    """The cells of a rule set, from the thresholds and value sets its conditions declare.

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
    return CellPlan(rs.id, tuple(fields))
