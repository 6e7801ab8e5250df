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
    stated: str  # the comparison as the paper states it
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


def _stated(atom: Atom) -> str:
    stated = atom.stated_value
    shown = f"{stated:g}" if isinstance(stated, float) else str(stated)
    return f"{atom.op} {shown}" + (f" {atom.stated_unit}" if atom.stated_unit else "")


def is_presence_test(atom: Atom, fdef: Any) -> bool:
    """True for a comparison that only tells none from some ("has lung metastases": count
    >= 1, or > 0, on a field whose least value is 0): no cut-off a value sits near."""
    if fdef.min != 0 or not isinstance(atom.value, int | float):
        return False
    return (atom.op == ">" and atom.value == 0) or (
        atom.op == ">=" and fdef.type == "int" and atom.value == 1)


def find_near_cutoffs(comparator: Comparator, rule_sets: Sequence[RuleSet],
                      results: Sequence[Result], values: Mapping[str, Any],
                      fields: FieldDictionary, margins: Mapping[str, float]
                      ) -> list[NearCutoff]:
    """Every known numeric input within its margin of a cut-off, with the other side."""
    found: list[tuple[int, int, NearCutoff]] = []
    order = {name: i for i, name in enumerate(fields.fields)}
    for index, (rs, result) in enumerate(zip(rule_sets, results, strict=True)):
        uses = _uses(rs)
        before = summary(result)
        for atom in rs.atoms():
            name = atom.field
            if atom.op not in _INEQUALITIES or name not in values or name not in margins \
                    or is_presence_test(atom, fields[name]):
                continue
            value, threshold = float(values[name]), float(atom.value)  # type: ignore[arg-type]
            distance = round(abs(value - threshold), 9)
            if distance > margins[name]:
                continue
            fdef = fields[name]
            moved = across(value, atom.op, threshold, fdef.type == "int")
            if (fdef.min is not None and moved < fdef.min) or \
                    (fdef.max is not None and moved > fdef.max):
                continue  # the other side lies outside what the field allows
            changed = {**values, name: moved}
            other = comparator.result(rs, changed)
            if result.status == other.status == "not_applicable":
                continue
            factor = next((i for kind, i in uses.get(atom.key, []) if kind == "factor"), None)
            this_side, other_side = _sides(before, summary(other), factor)
            found.append((order.get(name, len(order)), index, NearCutoff(
                field=name, value=value, threshold=threshold, unit=atom.unit, op=atom.op,
                stated=_stated(atom), rule_set=rs.id, short_name=rs.short_name,
                factor=factor, uses=tuple(f"{k}:{i}" for k, i in uses.get(atom.key, [])),
                distance=distance, margin=margins[name],
                holds=_holds(value, atom.op, threshold), moved_to=moved,
                this_side=this_side, other_side=other_side)))
    return [entry for _, _, entry in sorted(found, key=lambda t: (t[0], t[1]))]
