"""Per-row truth of chosen conditions (factors, groups, case-mix items) during a cohort run.

The cohort columns give each row's status, score and group, not the truth of
each factor; `validate` needs those for local hazard ratios and case mix. A
probe is a one-factor score rule set built in memory from a condition (score 1
= true, 0 = false, none = unknown), scored by the same `CohortScorer` the
cohort run uses, so conversions, implications and durable_rules' verdicts are
those of `compare`. `ProbingInput` scores the probes on each batch as the run
reads it, so a file is read once (standard input too).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace

import numpy as np

from ..fields import FieldDictionary
from ..model import Condition, Factor, RuleSet, atoms_of
from .reader import BATCH_ROWS, Chunk, CohortInput
from .scorer import CohortScorer


def probe_rule_set(base: RuleSet, name: str, condition: Condition) -> RuleSet:
    """A rule set whose score is 1 where `condition` holds, 0 where not, none if unknown."""
    factor = Factor(id="probe", label=name, when=condition, direction="adverse", role="score",
                    points=1, variable=None, stated_as=None, effects=(), provenance="")
    return replace(base, id=f"{base.id}~{name}", model="score", population=(),
                   factors=(factor,), groups=(), estimates=(), reference_estimates=(),
                   caveats=(), examples=(), case_mix=())


def fields_of(condition: Condition) -> set[str]:
    return {a.field for a in atoms_of(condition)}


class ProbingInput(CohortInput):
    """A cohort input that also scores probe conditions on every batch it hands out."""

    def __init__(self, path: str, fields: FieldDictionary, base: RuleSet,
                 conditions: Mapping[str, Condition], ignore: Sequence[str] = (),
                 units: Mapping[str, str] | None = None) -> None:
        super().__init__(path, fields, strict=False, ignore=ignore, units=units)
        self._probes = [probe_rule_set(base, name, c) for name, c in conditions.items()]
        self._names = list(conditions)
        self._scorer = CohortScorer(fields, self._probes) if self._probes else None
        self._rows: list[np.ndarray] = []
        self._scores: dict[str, list[np.ndarray]] = {n: [] for n in self._names}

    def chunks(self, batch_rows: int = BATCH_ROWS) -> Iterator[Chunk]:
        for chunk in super().chunks(batch_rows):
            if self._scorer is not None:
                table = self._scorer.score(chunk.raw(), self.shown).table
                self._rows.append(table.column("row").to_numpy())
                for name, rs in zip(self._names, self._probes, strict=True):
                    column = table.column(f"{rs.id}.score").to_pylist()
                    self._scores[name].append(np.array(column, dtype=object))
            yield chunk

    def truths(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        """Per probe, True/False/None for each of `rows` (input row numbers)."""
        if not self._rows:
            return {n: np.full(len(rows), None, dtype=object) for n in self._names}
        seen = np.concatenate(self._rows)
        order = np.argsort(seen)
        where = order[np.searchsorted(seen[order], rows)]
        out: dict[str, np.ndarray] = {}
        for name in self._names:
            scores = np.concatenate(self._scores[name])[where]
            out[name] = np.array([None if s is None else bool(s) for s in scores.tolist()],
                                 dtype=object)
        return out
