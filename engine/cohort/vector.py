"""One rule set over many rows at once: Kleene logic on verdict arrays, as `assemble` does.

A verdict array holds one three-valued verdict per row as int8: 1 true, 0
unknown, -1 false. With that coding Kleene's `all` is the minimum, `any` the
maximum and `not` the negation, so a condition of any depth is a few numpy
operations over whole columns. `evaluate` follows `engine.evaluate.assemble`
step by step (population, factors, score range, groups and subgroups, status,
estimates, caveats) from what the rule set declares; nothing here is per
study, and nothing runs per row in Python.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from ..errors import EngineError
from ..model import AllOf, AnyOf, Atom, Condition, Not, RuleSet, atoms_of

TRUE, UNKNOWN, FALSE = 1, 0, -1
STATUSES = ("complete", "incomplete", "not_applicable")
COMPLETE, INCOMPLETE, NOT_APPLICABLE = 0, 1, 2
NONE = -1  # no group / subgroup


def kleene(condition: Condition, atoms: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    """The verdict array of a condition from the verdict arrays of its atoms (by key)."""
    if isinstance(condition, Atom):
        return atoms[condition.key]
    if isinstance(condition, Not):
        return -kleene(condition.item, atoms, n)
    items = [kleene(item, atoms, n) for item in condition.items]
    if not items:  # an empty `all` holds, an empty `any` does not (as logic.truth)
        return np.full(n, TRUE if isinstance(condition, AllOf) else FALSE, dtype=np.int8)
    assert isinstance(condition, AllOf | AnyOf)
    reduce = np.minimum if isinstance(condition, AllOf) else np.maximum
    return reduce.reduce(items) if len(items) > 1 else items[0]


def all_of(arrays: list[np.ndarray], n: int) -> np.ndarray:
    return np.minimum.reduce(arrays) if arrays else np.full(n, TRUE, dtype=np.int8)


@dataclass(frozen=True)
class Evaluated:
    """A rule set's results for n rows, column by column (see `assemble` for the meaning)."""

    n: int
    population: list[np.ndarray]
    undecided: list[np.ndarray]  # bool: the condition is open only by undecided treatments
    applies: np.ndarray
    factors: list[np.ndarray]
    groups: list[np.ndarray]
    caveats: list[np.ndarray]
    status: np.ndarray  # int8 index into STATUSES
    has_range: np.ndarray  # bool: score_range is given (score model, not out of population)
    low: np.ndarray  # int64 score range (valid where has_range)
    high: np.ndarray
    score: np.ndarray  # bool: the score (= low) is given
    group: np.ndarray  # int64 index into rs.groups, NONE; null when not applicable
    subgroup: np.ndarray
    group_missing: np.ndarray  # bool: a group model's group is undetermined (a reason)
    held: np.ndarray  # bool (n, estimates): the estimates that hold

    def take(self, rows: np.ndarray) -> Evaluated:
        """The results of `rows` only, in that order."""
        taken: dict[str, Any] = {"n": len(rows)}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name != "n":
                taken[f.name] = [a[rows] for a in value] if isinstance(value, list) \
                    else value[rows]
        return Evaluated(**taken)


def evaluate(rs: RuleSet, atoms: Mapping[str, np.ndarray], n: int,
             unknown: Mapping[str, np.ndarray]) -> Evaluated:
    """`unknown`: per field the rule set reads, the rows where it is not given."""
    treatments = {t.field for t in rs.treatments}
    population = [kleene(c.when, atoms, n) for c in rs.population]
    # A condition open only because a treatment is undecided is no missing fact.
    undecided = [_undecided_only(c.when, verdict, atoms, treatments, n)
                 for c, verdict in zip(rs.population, population, strict=True)]
    applies = all_of([np.where(u, TRUE, v).astype(np.int8)
                      for u, v in zip(undecided, population, strict=True)], n)
    inside = applies != FALSE
    factors = [kleene(f.when, atoms, n) for f in rs.factors]
    open_factor = np.zeros(n, dtype=bool)
    for f, verdict in zip(rs.factors, factors, strict=True):
        if f.role in ("score", "signal"):
            open_factor |= verdict == UNKNOWN
    has_range = inside if rs.model == "score" else np.zeros(n, dtype=bool)
    low = np.zeros(n, dtype=np.int64)
    unknown_points = np.zeros(n, dtype=np.int64)
    for f, verdict in zip(rs.factors, factors, strict=True):
        if f.points:
            low += f.points * (verdict == TRUE)
            unknown_points += f.points * (verdict == UNKNOWN)
    groups = [kleene(g.when, atoms, n) for g in rs.groups]
    group, subgroup = _choose_groups(rs, groups, n)
    group_missing = np.zeros(n, dtype=bool)
    if rs.model == "group":
        # Undetermined by facts (not only by undecided treatments), or matching no group.
        open_fields = {a.field for g in rs.groups if g.parent is None
                       for a in atoms_of(g.when)}
        any_open = np.zeros(n, dtype=bool)
        open_fact = np.zeros(n, dtype=bool)
        for name in open_fields:
            missing = unknown.get(name, np.ones(n, dtype=bool))
            any_open |= missing
            if name not in treatments:
                open_fact |= missing
        group_missing = inside & (group == NONE) & (~any_open | open_fact)
    incomplete = inside & ((applies == UNKNOWN) | open_factor | group_missing)
    status = np.where(~inside, NOT_APPLICABLE,
                      np.where(incomplete, INCOMPLETE, COMPLETE)).astype(np.int8)
    score = has_range & (status == COMPLETE)
    group = np.where(inside, group, NONE)
    subgroup = np.where(inside, subgroup, NONE)
    held = _estimates(rs, applies, score, low, group, subgroup, factors, n)
    caveats = [np.full(n, TRUE, dtype=np.int8) if c.when is None else kleene(c.when, atoms, n)
               for c in rs.caveats]
    return Evaluated(n, population, undecided, applies, factors, groups, caveats, status,
                     has_range,
                     low, low + unknown_points, score, group, subgroup, group_missing, held)


def _undecided_only(condition: Condition, verdict: np.ndarray,
                    atoms: Mapping[str, np.ndarray], treatments: set[str], n: int
                    ) -> np.ndarray:
    """Rows where the condition is unknown only through atoms on undecided treatments."""
    if not treatments:
        return np.zeros(n, dtype=bool)
    only: np.ndarray = verdict == UNKNOWN
    for atom in atoms_of(condition):
        if atom.field not in treatments:
            only &= atoms[atom.key] != UNKNOWN
    return only


def _choose_groups(rs: RuleSet, groups: list[np.ndarray], n: int
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Group and subgroup of each row (as `_choose_group`)."""
    index = {g.id: i for i, g in enumerate(rs.groups)}
    top = [i for i, g in enumerate(rs.groups) if g.parent is None]
    _no_overlap(rs, "groups", [groups[i] for i in top], [rs.groups[i].id for i in top], n)
    group = np.full(n, NONE, dtype=np.int64)
    for i in top:
        group = np.where(groups[i] == TRUE, i, group)
    children = [i for i, g in enumerate(rs.groups) if g.parent is not None]
    under: dict[int, np.ndarray] = {}
    for i in children:
        parent = index.get(rs.groups[i].parent or "")
        if parent is None:
            under[i] = np.zeros(n, dtype=bool)
            continue
        under[i] = (group == parent) | ((group == NONE) & (groups[parent] == UNKNOWN))
    held = [(groups[i] == TRUE) & under[i] for i in children]
    _no_overlap(rs, "subgroups", [np.where(h, TRUE, FALSE) for h in held],
                [rs.groups[i].id for i in children], n)
    subgroup = np.full(n, NONE, dtype=np.int64)
    for i, h in zip(children, held, strict=True):
        subgroup = np.where(h & (group != NONE), i, subgroup)
    return group, subgroup


def _no_overlap(rs: RuleSet, what: str, verdicts: list[np.ndarray], ids: list[str],
                n: int) -> None:
    if len(verdicts) < 2:
        return
    count = np.zeros(n, dtype=np.int64)
    for v in verdicts:
        count += v == TRUE
    if (count > 1).any():
        row = int(np.flatnonzero(count > 1)[0])
        held = [i for i, v in zip(ids, verdicts, strict=True) if v[row] == TRUE]
        raise EngineError(f"{rs.id}: {what} {held} overlap for one patient")


def _estimates(rs: RuleSet, applies: np.ndarray, score: np.ndarray, low: np.ndarray,
               group: np.ndarray, subgroup: np.ndarray, factors: list[np.ndarray], n: int
               ) -> np.ndarray:
    """Which estimates hold, per row (as `_select_estimates`; held only if the study applies)."""
    group_index = {g.id: i for i, g in enumerate(rs.groups)}
    factor_index = {f.id: i for i, f in enumerate(rs.factors)}
    held = np.zeros((n, len(rs.estimates)), dtype=bool)
    for j, e in enumerate(rs.estimates):
        kind, value = e.selector.kind, e.selector.value
        if e.scope == "cohort":  # a reference for the whole cohort, never the patient's
            continue
        if kind == "score":
            holds = score & (low == value)
        elif kind == "group":
            g = group_index.get(value, -2)
            holds = (group == g) | (subgroup == g)
        elif kind == "factor":
            f = factor_index.get(value)
            holds = factors[f] == TRUE if f is not None else np.zeros(n, dtype=bool)
        else:  # population
            holds = np.ones(n, dtype=bool)
        held[:, j] = holds & (applies == TRUE)
    return held
