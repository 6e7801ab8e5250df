"""Inputs that sit within a margin of a rule's cut-off, and what changes across it.

For each numeric comparison `field op threshold` of each rule set, a known
value within the field's margin (rules/fields.yaml `margin`, a tool
convention, or `--margin FIELD=VALUE`) is moved just across the threshold and
the patient is evaluated again through the same engine (durable_rules
decides, `assemble` builds the result). What differs on the other side — the
factor, the score, the group, the status, the estimates, the caveats — is
reported. Comparisons of a study that does not apply on either side are left
out.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import InputError, Problem
from .evaluate import Comparator
from .fields import FieldDictionary
from .model import Atom, RuleSet, atoms_of
from .patient import Patient
from .results import Result

STEP = 1e-6  # "just across" a cut-off of a non-integer field, in its canonical unit
_INEQUALITIES = ("<", "<=", ">", ">=")


@dataclass(frozen=True)
class NearCutoff:
    field: str
    value: float
    threshold: float
    unit: str | None
    op: str
    stated_value: Any  # the cut-off as the paper states it (words: text.stated)
    stated_unit: str | None
    rule_set: str
    short_name: str
    factor: str | None  # the first factor that uses the comparison
    uses: tuple[str, ...]  # "factor:id", "caveat:id", "population:id", "group:id"
    distance: float
    margin: float
    holds: bool  # does the comparison hold for the patient's value?
    moved_to: float  # the value just across the threshold that was evaluated
    this_side: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    other_side: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    # value, threshold, distance and margin in the unit the value was given in (months
    # when it was compared in months), for a reader; None: the canonical unit
    shown: tuple[str, float, float, float, float] | None = None
    # the rule set's own labels (rule_set_labels), so a reader sees "largest nodule >= 15
    # mm", not the factor's id (not in to_dict: the JSON names ids, and the rule set's
    # static part carries the labels)
    labels: Mapping[str, str] = dataclasses.field(default_factory=dict)

    @property
    def stated(self) -> str:
        from .text import stated

        return stated(self.op, self.stated_value, self.stated_unit)

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "value": self.value, "threshold": self.threshold,
                "unit": self.unit, "op": self.op, "stated": self.stated,
                "rule_set": self.rule_set, "short_name": self.short_name,
                "factor": self.factor, "uses": list(self.uses), "distance": self.distance,
                "margin": self.margin, "holds": self.holds, "moved_to": self.moved_to,
                "this_side": dict(self.this_side), "other_side": dict(self.other_side)}


def margins_for(fields: FieldDictionary, overrides: Sequence[str] = ()) -> dict[str, float]:
    """Each field's margin from fields.yaml, overridden by `FIELD=VALUE` texts (units allowed)."""
    margins = {f.name: f.margin for f in fields.fields.values() if f.margin is not None}
    problems: list[Problem] = []
    for text in overrides:
        name, sep, raw = text.partition("=")
        name = name.strip()
        if not sep or not name:
            problems.append(Problem("--margin", f"{text!r}: expected FIELD=VALUE, e.g. "
                                    "lung_metastasis_max_diameter=2mm"))
            continue
        if name not in fields:
            hint = fields.suggest(name)
            extra = f"did you mean '{hint}'? " if hint else ""
            problems.append(Problem("--margin", f"unknown field; {extra}fields with a margin: "
                                    + ", ".join(margins), field=name))
            continue
        try:
            margins[name] = fields[name].amount(raw.strip())
        except ValueError as exc:
            problems.append(Problem("--margin", f"{exc}", field=name))
    if problems:
        raise InputError(problems)
    return margins


def _holds(value: float, op: str, threshold: float) -> bool:
    return {"<": value < threshold, "<=": value <= threshold, ">": value > threshold,
            ">=": value >= threshold}[op]


def across(value: float, op: str, threshold: float, integer: bool) -> float:
    """The nearest value on the other side of `op threshold` from `value`."""
    if op in (">=", "<"):  # the threshold itself belongs to the upper side
        if value >= threshold:
            return float(math.ceil(threshold) - 1) if integer else round(threshold - STEP, 9)
        return float(math.ceil(threshold)) if integer else float(threshold)
    if value > threshold:  # > or <=: the threshold belongs to the lower side
        return float(math.floor(threshold)) if integer else float(threshold)
    return float(math.floor(threshold) + 1) if integer else round(threshold + STEP, 9)


def _uses(rs: RuleSet) -> dict[str, list[tuple[str, str]]]:
    uses: dict[str, list[tuple[str, str]]] = {}
    items = [("population", c.id, c.when) for c in rs.population]
    items += [("factor", f.id, f.when) for f in rs.factors]
    items += [("group", g.id, g.when) for g in rs.groups]
    items += [("caveat", c.id, c.when) for c in rs.caveats if c.when is not None]
    for kind, item_id, when in items:
        for atom in atoms_of(when):
            entry = (kind, item_id)
            if entry not in uses.setdefault(atom.key, []):
                uses[atom.key].append(entry)
    return uses


def summary(result: Result) -> dict[str, Any]:
    """What a reader sees change (Result.comparable)."""
    return result.comparable()


def _sides(before: dict[str, Any], after: dict[str, Any],
           factor: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    this: dict[str, Any] = {}
    other: dict[str, Any] = {}
    if factor is not None:
        this["present"], other["present"] = before["factors"][factor], after["factors"][factor]
    for key in ("status", "score", "score_range", "group", "subgroup", "conditional_on",
                "options", "estimates", "candidate_estimates"):
        if before[key] != after[key]:
            this[key], other[key] = before[key], after[key]
    for key in ("factors", "caveats"):
        changed = [k for k in before[key] if before[key][k] != after[key][k] and k != factor]
        if changed:
            this[key] = {k: before[key][k] for k in changed}
            other[key] = {k: after[key][k] for k in changed}
    return this, other


def is_presence_test(atom: Atom, fdef: Any) -> bool:
    """True for a comparison that only tells none from some ("has lung metastases": count
    >= 1, or > 0, on a field whose least value is 0): no cut-off a value sits near."""
    if fdef.min != 0 or not isinstance(atom.value, int | float):
        return False
    return (atom.op == ">" and atom.value == 0) or (
        atom.op == ">=" and fdef.type == "int" and atom.value == 1)


def rule_set_labels(rs: RuleSet) -> dict[str, str]:
    """The rule set's own words for what a change list names: "factor:ID", "group:ID",
    "caveat:ID" (those it labels) and "treatment:FIELD:yes|no" (how a clinician names
    each choice, fields.yaml)."""
    return {**{f"factor:{f.id}": f.label for f in rs.factors},
            **{f"group:{g.id}": g.label for g in rs.groups},
            **{f"caveat:{c.id}": c.label for c in rs.caveats if c.label},
            **{f"treatment:{t.field}:{choice}": label for t in rs.treatments
               for choice, label in zip(("yes", "no"), t.labels, strict=True)}}


def find_near_cutoffs(comparator: Comparator, rule_sets: Sequence[RuleSet],
                      results: Sequence[Result], patient: Patient,
                      fields: FieldDictionary, margins: Mapping[str, float]
                      ) -> list[NearCutoff]:
    """Every known numeric input within its margin of a cut-off, with the other side.

    A duration given in months or years is measured against the cut-off's months (as it
    was compared): 23 months is 1 month from "< 2 years"."""
    values = patient.values
    found: list[tuple[int, int, NearCutoff]] = []
    order = {name: i for i, name in enumerate(fields.fields)}
    for index, (rs, result) in enumerate(zip(rule_sets, results, strict=True)):
        uses = _uses(rs)
        labels = rule_set_labels(rs)
        before = summary(result)
        for atom in rs.atoms():
            name = atom.field
            if atom.op not in _INEQUALITIES or name not in values or name not in margins \
                    or is_presence_test(atom, fields[name]):
                continue
            fdef = fields[name]
            in_months = name in patient.calendar and atom.months is not None
            month = fdef.dimension.convert(1, "month") if in_months and fdef.dimension \
                else 1.0
            if in_months:
                value, threshold = patient.calendar[name], float(atom.months or 0)
                margin = round(margins[name] / month, 9)
            else:
                value, threshold = float(values[name]), float(atom.value)  # type: ignore[arg-type]
                margin = margins[name]
            distance = round(abs(value - threshold), 9)
            if distance > margin:
                continue
            moved = across(value, atom.op, threshold, fdef.type == "int")
            canonical_moved = round(moved * month, 9) if in_months else moved
            if (fdef.min is not None and canonical_moved < fdef.min) or \
                    (fdef.max is not None and canonical_moved > fdef.max):
                continue  # the other side lies outside what the field allows
            changed = {**values, name: canonical_moved}
            calendar = {**patient.calendar, name: moved} if in_months else \
                {k: v for k, v in patient.calendar.items() if k != name}
            other = comparator.result(rs, changed, calendar, patient.bounds)
            if result.status == other.status == "not_applicable":
                continue
            factor = next((i for kind, i in uses.get(atom.key, []) if kind == "factor"), None)
            this_side, other_side = _sides(before, summary(other), factor)
            unit = "months" if in_months else patient.given_units.get(name)
            shown = None
            if in_months:
                shown = ("months", value, threshold, distance, margin)
            elif unit is not None and unit != atom.unit:
                shown = (unit, fdef.from_canonical(value, unit),
                         fdef.from_canonical(threshold, unit),
                         fdef.from_canonical(distance, unit), fdef.from_canonical(margin, unit))
            found.append((order.get(name, len(order)), index, NearCutoff(
                field=name, value=float(values[name]), threshold=float(atom.value),  # type: ignore[arg-type]
                unit=atom.unit, op=atom.op, stated_value=atom.stated_value,
                stated_unit=atom.stated_unit, rule_set=rs.id, short_name=rs.short_name,
                factor=factor, uses=tuple(f"{k}:{i}" for k, i in uses.get(atom.key, [])),
                distance=round(distance * month, 9) if in_months else distance,
                margin=margins[name], holds=_holds(value, atom.op, threshold),
                moved_to=canonical_moved, this_side=this_side, other_side=other_side,
                shown=shown, labels=labels)))
    return [entry for _, _, entry in sorted(found, key=lambda t: (t[0], t[1]))]
