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
from .results import (
    CaveatResult,
    ConditionTrace,
    FactorResult,
    RangeFlag,
    Reason,
    Result,
    VerdictResult,
)


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

    def forget(self) -> None:
        """Forget what durable_rules answered before: every fact is asserted anew."""
        self._adapter.forget()

    def verdicts(self, rule_set: RuleSet, values: Mapping[str, Any],
                 calendar: Mapping[str, float] | None = None,
                 bounds: Mapping[str, float] | None = None) -> dict[str, Truth]:
        """The verdict of every atom: decided by durable_rules, None when the field is unknown.

        `calendar`: fields given in months or years, in months; each is compared with the
        thresholds' months (23.99 months is under 2 years). `bounds`: lower bounds of
        unknown fields (a measured nodule means at least one): an atom that every value
        from the bound up satisfies (or fails) is decided, the others stay unknown.
        """
        atoms = self._atoms[rule_set.id]
        compiled = self._compiled[rule_set.id]
        fact = calendar_fact(atoms, values, calendar) if calendar else values
        fired = self._adapter.fired(compiled, fact)
        out: dict[str, Truth] = {a.key: (a.key in fired if a.field in values else None)
                                 for a in atoms}
        bounded = {f: b for f, b in (bounds or {}).items()
                   if f not in values and any(a.field == f for a in atoms)}
        if bounded:
            at_bound = self._adapter.fired(compiled, bounded)
            for a in atoms:
                if a.field in bounded:
                    out[a.key] = _bound_verdict(a, a.key in at_bound)
        return out

    def result(self, rule_set: RuleSet, values: Mapping[str, Any],
               calendar: Mapping[str, float] | None = None,
               bounds: Mapping[str, float] | None = None, traces: bool = True) -> Result:
        """One rule set's result for these values, with options for undecided treatments."""
        from .options import with_options

        def verdicts_of(v: Mapping[str, Any]) -> Mapping[str, Truth]:
            return self.verdicts(rule_set, v, calendar, bounds)

        base = assemble(rule_set, values, verdicts_of(values), traces, calendar, bounds)
        return with_options(rule_set, values, verdicts_of, base, calendar, bounds)

    def evaluate(self, patient: Patient) -> list[Result]:
        return [self.result(rs, patient.values, patient.calendar, patient.bounds)
                for rs in self.rule_sets]

    def evaluate_one(self, rule_set_id: str, patient: Patient) -> Result:
        """One rule set's result alone (the others are not evaluated)."""
        [rs] = [r for r in self.rule_sets if r.id == rule_set_id]
        return self.result(rs, patient.values, patient.calendar, patient.bounds)


def _bound_verdict(atom: Atom, holds_at_bound: bool) -> Truth:
    """The verdict of `field op t` for every value from a lower bound up, if one verdict."""
    if atom.op in (">", ">=") and holds_at_bound:
        return True
    if atom.op in ("<", "<=") and not holds_at_bound:
        return False
    return None


def calendar_fact(atoms: Sequence[Atom], values: Mapping[str, Any],
                  calendar: Mapping[str, float]) -> dict[str, Any]:
    """The values, with each field given in months or years replaced by a canonical value on
    the same side of every threshold (in days) as its months are of the thresholds' months.

    SLMS states "DFI < 2 years" and equates 2 years with 730 days: 23.99 months (730.2
    days at 30.4375 days a month) is under 2 years, so the engine is handed a number of days
    under 730. A value already in the right cell keeps its canonical value.
    """
    fact = dict(values)
    for name, months in calendar.items():
        pairs = sorted({(a.months, float(a.value)) for a in atoms
                        if a.field == name and a.months is not None
                        and isinstance(a.value, float | int)})
        if not pairs or name not in values:
            continue
        equal = [days for m, days in pairs if m == months]
        if equal:
            fact[name] = equal[0]
            continue
        below = [days for m, days in pairs if m < months]
        above = [days for m, days in pairs if m > months]
        low, high = (max(below) if below else None), (min(above) if above else None)
        value = float(values[name])
        if (low is None or value > low) and (high is None or value < high):
            continue
        if low is not None and high is not None:
            fact[name] = round((low + high) / 2, 6) if low < high else value
        elif low is not None:
            fact[name] = low + 1.0
        elif high is not None:
            fact[name] = round(high / 2, 6) if high > 0 else high - 1.0
    return fact


def _shown(value: Any) -> str:
    from .text import plain

    return plain(value)


def _traces(condition: Condition, values: Mapping[str, Any], verdicts: Mapping[str, Truth],
            calendar: Mapping[str, float] | None = None,
            bounds: Mapping[str, float] | None = None) -> tuple[ConditionTrace, ...]:
    return tuple(_atom_trace(a, values, verdicts, calendar, bounds) for a in atoms_of(condition))


def _atom_trace(atom: Atom, values: Mapping[str, Any], verdicts: Mapping[str, Truth],
                calendar: Mapping[str, float] | None = None,
                bounds: Mapping[str, float] | None = None) -> ConditionTrace:
    stated = atom.stated_value
    stated_text = ("[" + ", ".join(map(str, stated)) + "]" if isinstance(stated, list)
                   else _shown(stated))
    if atom.stated_unit:
        stated_text += f" {atom.stated_unit}"
    months = None
    if calendar and atom.field in calendar and atom.months is not None:
        months = (calendar[atom.field], atom.months)
    bound = (bounds or {}).get(atom.field) if atom.field not in values else None
    return ConditionTrace(atom.key, atom.field, atom.op, atom.value, atom.unit,
                          f"{atom.field} {atom.op} {stated_text}",
                          values.get(atom.field), verdicts[atom.key], months, bound)


def _fields(condition: Condition) -> list[str]:
    return list(dict.fromkeys(a.field for a in atoms_of(condition)))


def _unknown_fields(condition: Condition, values: Mapping[str, Any]) -> list[str]:
    names: list[str] = []
    for atom in atoms_of(condition):
        if atom.field not in values and atom.field not in names:
            names.append(atom.field)
    return names


def _patient_side(condition: Condition, values: Mapping[str, Any],
                  bounds: Mapping[str, float] | None = None) -> str:
    parts = []
    for name in dict.fromkeys(a.field for a in atoms_of(condition)):
        if name in values:
            parts.append(f"{name} is {_shown(values[name])}")
        elif bounds and name in bounds:
            parts.append(f"{name} at least {_shown(bounds[name])}")
        else:
            parts.append(f"{name} unknown")
    return "; ".join(parts)


def assemble(rs: RuleSet, values: Mapping[str, Any], verdicts: Mapping[str, Truth],
             traces: bool = True, calendar: Mapping[str, float] | None = None,
             bounds: Mapping[str, float] | None = None) -> Result:
    """Build the result of one rule set from atom verdicts (pure, no engine calls).

    A population condition or a treatment group that is open only because a TREATMENT
    (fields.yaml `treatment: true`) is undecided is not a missing fact: it neither makes
    the study's applicability unknown nor the result incomplete; `options.with_options`
    shows each choice. `traces=False` leaves out the per-condition traces (the cohort's
    flat columns do not show them); everything else is identical.
    """
    reasons: list[Reason] = []
    treatments = {t.field for t in rs.treatments}

    def _trace(condition: Condition) -> tuple[ConditionTrace, ...]:
        return _traces(condition, values, verdicts, calendar, bounds) if traces else ()

    def undecided_only(condition: Condition) -> bool:
        return bool(treatments) and all(a.field in treatments and a.field not in values
                                        for a in atoms_of(condition)
                                        if verdicts[a.key] is None)

    population = tuple(
        VerdictResult(c.id, c.reason, holds, None, (), _trace(c.when),
                      _patient_side(c.when, values, bounds),
                      holds is None and undecided_only(c.when))
        for c in rs.population for holds in (truth(c.when, verdicts),))
    applies = truth_all(True if p.undecided else p.holds for p in population)
    if applies is False:
        reasons = [Reason("outside_population", c.id, p.label,
                          tuple(_fields(c.when)), p.detail)
                   for c, p in zip(rs.population, population, strict=True)
                   if p.holds is False]
    elif applies is None:
        reasons = [Reason("applicability_unknown", c.id, c.reason,
                          tuple(_unknown_fields(c.when, values)))
                   for c, p in zip(rs.population, population, strict=True)
                   if p.holds is None and not p.undecided]

    factors = tuple(
        FactorResult(f.id, f.label, truth(f.when, verdicts), f.points, f.role, f.variable,
                     f.direction, f.stated_as, f.effects, _trace(f.when),
                     f.provenance) for f in rs.factors)
    if applies is not False:
        for f, r in zip(rs.factors, factors, strict=True):
            if r.present is None and r.role in ("score", "signal"):
                reasons.append(Reason("factor_unknown", f.id, f.label,
                                      tuple(_unknown_fields(f.when, values))))

    score: int | None = None
    score_range: tuple[int, int] | None = None
    if rs.model == "score" and applies is not False:
        low = sum(r.points or 0 for r in factors if r.present is True)
        unknown = sum(r.points or 0 for r in factors if r.present is None)
        score_range = (low, low + unknown)

    groups = tuple(VerdictResult(g.id, g.label, truth(g.when, verdicts), g.parent, g.effects,
                                 _trace(g.when)) for g in rs.groups)
    group, subgroup, possible = _choose_group(rs, groups)
    if rs.model == "group" and applies is not False and group is None:
        open_fields = sorted({n for g in rs.groups if g.parent is None
                              for n in _unknown_fields(g.when, values)})
        if not open_fields:
            reasons.append(Reason("no_group", "", "", ()))
        elif not all(n in treatments for n in open_fields):
            reasons.append(Reason("group_undetermined", "", "", tuple(open_fields)))

    if applies is False:
        status = "not_applicable"
    else:
        status = "complete" if not reasons else "incomplete"
        if status == "complete" and score_range is not None:
            score = score_range[0]

    present = {r.id: r.present for r in factors}
    own = tuple(e for e in rs.estimates if e.scope != "cohort")
    estimates, candidates = _select_estimates(own, applies, score, score_range,
                                              group, subgroup, possible, present)
    caveats = tuple(CaveatResult(c.id, True if c.when is None else truth(c.when, verdicts),
                                 c.message, c.provenance, c.label) for c in rs.caveats)
    label = next((g.label for g in rs.groups if g.id == group), None)
    na = applies is False
    return Result(
        rule_set=rs.id, version=rs.version, short_name=rs.short_name, title=rs.title,
        year=rs.citation.year, n=rs.cohort_n, population_summary=rs.population_summary,
        citation=rs.citation.format(), doi=rs.citation.doi, model=rs.model, status=status,
        why=tuple(reasons), score=score,
        score_range=None if na else score_range,
        max_score=rs.max_score() if rs.model == "score" else None,
        group=None if na else group, group_label=None if na else label,
        subgroup=None if na else subgroup,
        possible_groups=() if na else possible,
        estimates=estimates, candidate_estimates=candidates,
        reference_estimates=(*rs.reference_estimates,
                             *(e for e in rs.estimates if e.scope == "cohort")),
        factors=factors, caveats=caveats, population=population, groups=groups,
        conditions_of_use=tuple(t.text for t in rs.conditions_of_use),
        limitations=tuple(t.text for t in rs.limitations),
        rule_set_status=rs.status,
        outside_range=() if na else _outside_range(rs, values))


def _outside_range(rs: RuleSet, values: Mapping[str, Any]) -> tuple[RangeFlag, ...]:
    """The patient's values outside the ranges the paper reports for its cohort."""
    flags = []
    for r in rs.observed_ranges:
        value = values.get(r.field)
        if isinstance(value, int | float) and not isinstance(value, bool) \
                and not r.min <= value <= r.max:
            flags.append(RangeFlag(r.field, float(value), r.min, r.max, r.stated_min,
                                   r.stated_max, r.stated_unit, r.provenance))
    return tuple(flags)


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
