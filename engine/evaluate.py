"""Evaluate rule sets for a patient: durable_rules decides, this module assembles.

`Comparator` compiles each rule set once (through the durable_rules adapter)
and evaluates patients one at a time. `assemble()` is a pure function from
atom verdicts to a `Result`, with no per-study logic: the population, score,
groups, estimates and caveats all follow from what the rule set declares.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .durable_adapter import CompiledRuleset, DurableAdapter
from .errors import EngineError
from .logic import truth
from .model import Atom, Condition, Estimate, RuleSet, Truth, atoms_of
from .patient import Patient
from .results import CaveatResult, ConditionTrace, FactorResult, Result, VerdictResult


class Comparator:
    """Evaluates a fixed list of rule sets; one instance can serve many patients."""

    def __init__(self, rule_sets: Sequence[RuleSet]) -> None:
        self.rule_sets = tuple(rule_sets)
        self._adapter = DurableAdapter()
        self._compiled: dict[str, CompiledRuleset] = {
            rs.id: self._adapter.compile(rs.id, rs.atoms()) for rs in self.rule_sets}
        self._atoms = {rs.id: rs.atoms() for rs in self.rule_sets}

    def atoms(self, rule_set: RuleSet) -> tuple[Atom, ...]:
        return self._atoms[rule_set.id]

    def verdicts(self, rule_set: RuleSet, values: Mapping[str, Any]) -> dict[str, Truth]:
        """The verdict of every atom: decided by durable_rules, None when the field is unknown."""
        fired = self._adapter.fired(self._compiled[rule_set.id], values)
        return {a.key: (a.key in fired if a.field in values else None)
                for a in self._atoms[rule_set.id]}

    def evaluate(self, patient: Patient) -> list[Result]:
        return [assemble(rs, patient.values, self.verdicts(rs, patient.values))
                for rs in self.rule_sets]

    def evaluate_one(self, rule_set_id: str, patient: Patient) -> Result:
        """One rule set's result alone (the others are not evaluated)."""
        [rs] = [r for r in self.rule_sets if r.id == rule_set_id]
        return assemble(rs, patient.values, self.verdicts(rs, patient.values))


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _traces(condition: Condition, values: Mapping[str, Any],
            verdicts: Mapping[str, Truth]) -> tuple[ConditionTrace, ...]:
    return tuple(_atom_trace(a, values, verdicts) for a in atoms_of(condition))


def _atom_trace(atom: Atom, values: Mapping[str, Any],
                verdicts: Mapping[str, Truth]) -> ConditionTrace:
    stated = atom.stated_value
    stated_text = ("[" + ", ".join(map(str, stated)) + "]" if isinstance(stated, list)
                   else _shown(stated))
    if atom.stated_unit:
        stated_text += f" {atom.stated_unit}"
    return ConditionTrace(atom.key, atom.field, atom.op, atom.value, atom.unit,
                          f"{atom.field} {atom.op} {stated_text}",
                          values.get(atom.field), verdicts[atom.key])


def _unknown_fields(condition: Condition, values: Mapping[str, Any]) -> list[str]:
    names: list[str] = []
    for atom in atoms_of(condition):
        if atom.field not in values and atom.field not in names:
            names.append(atom.field)
    return names


def _patient_side(condition: Condition, values: Mapping[str, Any]) -> str:
    parts = []
    for name in dict.fromkeys(a.field for a in atoms_of(condition)):
        parts.append(f"{name} is {_shown(values[name])}" if name in values
                     else f"{name} unknown")
    return "; ".join(parts)


def assemble(rs: RuleSet, values: Mapping[str, Any], verdicts: Mapping[str, Truth],
             traces: bool = True) -> Result:
    """Build the result of one rule set from atom verdicts (pure, no engine calls).

    `traces=False` leaves out the per-condition traces (the cohort's flat
    columns do not show them); everything else is identical.
    """
    reasons: list[str] = []

    def _trace(condition: Condition, values: Mapping[str, Any],
               verdicts: Mapping[str, Truth]) -> tuple[ConditionTrace, ...]:
        return _traces(condition, values, verdicts) if traces else ()

    population = tuple(
        VerdictResult(c.id, c.reason, truth(c.when, verdicts), None, (),
                      _trace(c.when, values, verdicts), _patient_side(c.when, values))
        for c in rs.population)
    applies = truth_all(p.holds for p in population)
    if applies is False:
        reasons = [f"{p.label} ({p.detail})" for p in population if p.holds is False]
    elif applies is None:
        reasons = [f"applicability unknown: {', '.join(_unknown_fields(c.when, values))} not "
                   f"given ({c.reason})"
                   for c, p in zip(rs.population, population, strict=True) if p.holds is None]

    factors = tuple(
        FactorResult(f.id, f.label, truth(f.when, verdicts), f.points, f.role, f.variable,
                     f.direction, f.stated_as, f.effects, _trace(f.when, values, verdicts),
                     f.provenance) for f in rs.factors)
    if applies is not False:
        for f, r in zip(rs.factors, factors, strict=True):
            if r.present is None and r.role in ("score", "signal"):
                reasons.append(f"{f.label}: {', '.join(_unknown_fields(f.when, values))} "
                               "unknown")

    score: int | None = None
    score_range: tuple[int, int] | None = None
    if rs.model == "score" and applies is not False:
        low = sum(r.points or 0 for r in factors if r.present is True)
        unknown = sum(r.points or 0 for r in factors if r.present is None)
        score_range = (low, low + unknown)

    groups = tuple(VerdictResult(g.id, g.label, truth(g.when, verdicts), g.parent, g.effects,
                                 _trace(g.when, values, verdicts)) for g in rs.groups)
    group, subgroup, possible = _choose_group(rs, groups)
    if rs.model == "group" and applies is not False and group is None:
        open_fields = sorted({n for g in rs.groups if g.parent is None
                              for n in _unknown_fields(g.when, values)})
        reasons.append(f"treatment group undetermined: {', '.join(open_fields)} unknown"
                       if open_fields else "the treatment matches none of the study's groups")

    if applies is False:
        status = "not_applicable"
    else:
        status = "complete" if not reasons else "incomplete"
        if status == "complete" and score_range is not None:
            score = score_range[0]

    present = {r.id: r.present for r in factors}
    estimates, candidates = _select_estimates(rs.estimates, applies, score, score_range,
                                              group, subgroup, possible, present)
    caveats = tuple(CaveatResult(c.id, True if c.when is None else truth(c.when, verdicts),
                                 c.message, c.provenance) for c in rs.caveats)
    label = next((g.label for g in rs.groups if g.id == group), None)
    return Result(
        rule_set=rs.id, version=rs.version, short_name=rs.short_name, title=rs.title,
        year=rs.citation.year, n=rs.cohort_n, population_summary=rs.population_summary,
        citation=rs.citation.format(), doi=rs.citation.doi, model=rs.model, status=status,
        reasons=tuple(reasons), score=score,
        score_range=score_range if applies is not False else None,
        max_score=rs.max_score() if rs.model == "score" else None,
        group=group if applies is not False else None, group_label=label,
        subgroup=subgroup if applies is not False else None,
        possible_groups=possible if applies is not False else (),
        estimates=estimates, candidate_estimates=candidates,
        reference_estimates=rs.reference_estimates, factors=factors, caveats=caveats,
        population=population, groups=groups,
        conditions_of_use=tuple(t.text for t in rs.conditions_of_use),
        limitations=tuple(t.text for t in rs.limitations))


def truth_all(items: Iterable[Truth]) -> Truth:
    results = list(items)
    if any(r is False for r in results):
        return False
    return True if all(r is True for r in results) else None


def _choose_group(rs: RuleSet, groups: tuple[VerdictResult, ...]
                  ) -> tuple[str | None, str | None, tuple[str, ...]]:
    top = [g for g in groups if g.parent is None]
    held = [g.id for g in top if g.holds is True]
    if len(held) > 1:
        raise EngineError(f"{rs.id}: groups {held} overlap for one patient")
    group = held[0] if held else None
    parents = {group} if group else {g.id for g in top if g.holds is None}
    children = [g for g in groups if g.parent in parents]
    sub_held = [g.id for g in children if g.holds is True]
    if len(sub_held) > 1:
        raise EngineError(f"{rs.id}: subgroups {sub_held} overlap for one patient")
    subgroup = sub_held[0] if sub_held and group else None
    possible: list[str] = []
    if group is None:
        possible += [g.id for g in top if g.holds is None]
    if subgroup is None:
        possible += [g.id for g in children if g.holds is not False]
    return group, subgroup, tuple(possible)


def _select_estimates(estimates: Iterable[Estimate], applies: Truth, score: int | None,
                      score_range: tuple[int, int] | None, group: str | None,
                      subgroup: str | None, possible: tuple[str, ...],
                      present: Mapping[str, Truth]) -> tuple[tuple[Estimate, ...],
                                                             tuple[Estimate, ...]]:
    """The estimates that hold for the patient, and those that might (candidates)."""
    if applies is False:
        return (), ()
    held: list[Estimate] = []
    maybe: list[Estimate] = []
    for e in estimates:
        kind, value = e.selector.kind, e.selector.value
        if kind == "score":
            holds = score == value
            could = score_range is not None and score_range[0] <= value <= score_range[1]
        elif kind == "group":
            holds = value in (group, subgroup)
            could = value in possible
        elif kind == "factor":
            holds = present.get(value) is True
            could = present.get(value) is None
        else:  # population
            holds, could = True, False
        if holds and applies is True:
            held.append(e)
        elif holds or could:
            maybe.append(e)
    return tuple(held), tuple(maybe)
