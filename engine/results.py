"""Results of evaluating one rule set for one patient, as plain frozen data.

`Result.to_dict()` is the JSON contract of `prognosis compare --format json`.
Every verdict is three-valued: True, False or None (unknown). Results are
compared through `to_dict()`; the classes skip generated equality, which
halves their creation cost at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from .model import Effect, Estimate, Threshold, Truth


def effect_dict(effect: Effect) -> dict[str, Any]:
    return {"measure": effect.measure, "value": effect.value,
            "ci": list(effect.ci) if effect.ci else None, "p": effect.p,
            "outcome": effect.outcome, "analysis": effect.analysis,
            "reference": effect.reference, "label": effect.label,
            "provenance": effect.provenance}


def estimate_dict(estimate: Estimate) -> dict[str, Any]:
    from .text import stated_estimate

    return {"endpoint": estimate.endpoint, "origin": estimate.origin,
            "horizon_months": estimate.horizon_months, "statistic": estimate.statistic,
            "value": estimate.value, "label": estimate.label,
            "for": estimate.selector.as_dict(), "series": estimate.series,
            "stated": stated_estimate(estimate.stated_value, estimate.stated_unit),
            "scope": estimate.scope,
            "method": estimate.method, "note": estimate.note,
            "provenance": estimate.provenance}


@dataclass(frozen=True, eq=False)
class ConditionTrace:
    """One comparison as evaluated: `field op threshold`, the patient's value, the verdict."""

    key: str
    field: str
    op: str
    threshold: Threshold
    unit: str | None
    stated: str
    value: Any
    verdict: Truth
    # (patient's value, threshold) in months when a value given in months or years was
    # compared with a cut-off stated in months or years; None otherwise.
    months: tuple[float, float] | None = None
    bound: float | None = None  # the value is unknown but known to be at least this

    def to_dict(self) -> dict[str, Any]:
        threshold = list(self.threshold) if isinstance(self.threshold, tuple) else self.threshold
        out = {"field": self.field, "op": self.op, "threshold": threshold, "unit": self.unit,
               "stated": self.stated, "value": self.value, "verdict": self.verdict}
        if self.months is not None:
            out["compared_in_months"] = {"value": self.months[0], "threshold": self.months[1]}
        if self.bound is not None:
            out["at_least"] = self.bound
        return out


@dataclass(frozen=True, eq=False)
class FactorResult:
    id: str
    label: str
    present: Truth
    points: int | None
    role: str
    variable: str | None
    direction: str
    stated_as: str | None
    effects: tuple[Effect, ...]
    conditions: tuple[ConditionTrace, ...]
    provenance: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "present": self.present,
                "points": self.points, "role": self.role, "variable": self.variable,
                "direction": self.direction, "stated_as": self.stated_as,
                "effect": effect_dict(self.effects[0]) if self.effects else None,
                "effects": [effect_dict(e) for e in self.effects],
                "conditions": [c.to_dict() for c in self.conditions],
                "provenance": self.provenance}


@dataclass(frozen=True, eq=False)
class CaveatResult:
    id: str
    present: Truth
    message: str
    provenance: str
    label: str = ""  # the rule set's short name for it ("" when it declares none)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "present": self.present,
                "message": self.message, "provenance": self.provenance}


@dataclass(frozen=True, eq=False)
class VerdictResult:
    """A population condition or a treatment group, with its verdict and trace."""

    id: str
    label: str
    holds: Truth
    parent: str | None
    effects: tuple[Effect, ...]
    conditions: tuple[ConditionTrace, ...]
    detail: str = ""  # the patient's side, e.g. "histology is leiomyosarcoma"
    undecided: bool = False  # open only because a treatment is undecided (not a missing fact)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "holds": self.holds, "detail": self.detail,
                "undecided": self.undecided,
                "parent": self.parent, "effects": [effect_dict(e) for e in self.effects],
                "conditions": [c.to_dict() for c in self.conditions]}


ReasonKind: TypeAlias = Literal["outside_population", "applicability_unknown", "factor_unknown",
                                "group_undetermined", "no_group"]


@dataclass(frozen=True, eq=False)
class Reason:
    """Why a result is not complete, as structure: the kind, the item of the rule set it is
    about, the rule set's own words for it, the patient fields involved, and (outside a
    population) the patient's side. prognosis.engine.text words it."""

    kind: ReasonKind
    item: str  # population condition, factor or group id ('' when none)
    label: str  # the rule set's words: a population condition's reason, a factor's label
    fields: tuple[str, ...]
    detail: str = ""  # the patient's side ("histology is leiomyosarcoma")

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "item": self.item, "label": self.label,
                "fields": list(self.fields), "detail": self.detail}


def reason_texts(why: tuple[Reason, ...]) -> tuple[str, ...]:
    from .text import reason_text

    return tuple(reason_text(r) for r in why)


@dataclass(frozen=True, eq=False)
class Assumption:
    """A treatment choice a figure assumes: `field` is `value` ("if pulmonary metastasectomy")."""

    field: str
    value: bool
    label: str  # how a clinician names the choice (fields.yaml `options`)
    reason: str | None = None  # why the study needs it (its population condition), if it does

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "value": self.value, "label": self.label,
                "reason": self.reason}


@dataclass(frozen=True, eq=False)
class Option:
    """What one study says under one choice of the treatments the board has not decided."""

    assumes: tuple[Assumption, ...]
    status: str  # complete | incomplete (a missing FACT, not the treatment)
    why: tuple[Reason, ...]
    score: int | None
    score_range: tuple[int, int] | None
    group: str | None
    group_label: str | None
    subgroup: str | None
    subgroup_label: str | None
    estimates: tuple[Estimate, ...]  # the patient's figures under this option only
    candidate_estimates: tuple[Estimate, ...]

    @property
    def reasons(self) -> tuple[str, ...]:
        return reason_texts(self.why)

    def to_dict(self) -> dict[str, Any]:
        return {"assumes": [a.to_dict() for a in self.assumes], "status": self.status,
                "reasons": list(self.reasons), "score": self.score,
                "score_range": list(self.score_range) if self.score_range else None,
                "group": self.group, "group_label": self.group_label,
                "subgroup": self.subgroup, "subgroup_label": self.subgroup_label,
                "estimates": [estimate_dict(e) for e in self.estimates],
                "candidate_estimates": [estimate_dict(e) for e in self.candidate_estimates]}


@dataclass(frozen=True, eq=False)
class RangeFlag:
    """A patient value outside the range a study observed in its cohort."""

    field: str
    value: float  # canonical unit
    min: float
    max: float
    stated_min: float
    stated_max: float
    unit: str | None  # the unit the paper states the range in
    provenance: str

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "value": self.value, "min": self.min, "max": self.max,
                "stated": {"min": self.stated_min, "max": self.stated_max, "unit": self.unit},
                "provenance": self.provenance}


@dataclass(frozen=True, eq=False)
class Result:
    rule_set: str
    version: str
    short_name: str
    title: str
    year: int
    n: int
    population_summary: str
    citation: str
    doi: str | None
    model: str
    status: str  # complete | incomplete | not_applicable
    why: tuple[Reason, ...]
    score: int | None
    score_range: tuple[int, int] | None
    max_score: int | None
    group: str | None
    group_label: str | None
    subgroup: str | None
    possible_groups: tuple[str, ...]
    estimates: tuple[Estimate, ...]
    candidate_estimates: tuple[Estimate, ...]
    reference_estimates: tuple[Estimate, ...]
    factors: tuple[FactorResult, ...]
    caveats: tuple[CaveatResult, ...]
    population: tuple[VerdictResult, ...]
    groups: tuple[VerdictResult, ...]
    conditions_of_use: tuple[str, ...]
    limitations: tuple[str, ...]
    rule_set_status: str = "research"  # the rule set's lifecycle: draft | research | ...
    conditional_on: tuple[Assumption, ...] = ()  # treatment choices the figures assume
    options: tuple[Option, ...] = ()  # undecided treatments: one entry per distinct outcome
    outside_range: tuple[RangeFlag, ...] = ()

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why the result is not complete, in words (the JSON contract's `reasons`)."""
        return reason_texts(self.why)

    def comparable(self) -> dict[str, Any]:
        """The parts of a result a reader sees change, as plain data: what what-if, the
        near-cut-off panel and example checks compare (one list, kept here)."""
        return {
            "status": self.status, "score": self.score,
            "score_range": list(self.score_range) if self.score_range else None,
            "group": self.group, "subgroup": self.subgroup,
            "possible_groups": list(self.possible_groups),
            "population": {p.id: p.holds for p in self.population},
            "conditional_on": [f"{a.field}={str(a.value).lower()}" for a in self.conditional_on],
            "options": [{"assumes": {a.field: a.value for a in o.assumes}, "status": o.status,
                         "score": o.score, "group": o.group, "subgroup": o.subgroup,
                         "estimates": [estimate_dict(e) for e in o.estimates]}
                        for o in self.options],
            "estimates": [estimate_dict(e) for e in self.estimates],
            "candidate_estimates": [estimate_dict(e) for e in self.candidate_estimates],
            "factors": {f.id: f.present for f in self.factors},
            "caveats": {c.id: c.present for c in self.caveats},
        }

    def factor(self, factor_id: str) -> FactorResult:
        return next(f for f in self.factors if f.id == factor_id)

    def caveat(self, caveat_id: str) -> CaveatResult:
        return next(c for c in self.caveats if c.id == caveat_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_set": self.rule_set, "version": self.version, "short_name": self.short_name,
            "title": self.title, "year": self.year, "n": self.n,
            "population": self.population_summary, "citation": self.citation,
            "doi": self.doi, "model": self.model, "status": self.status,
            "reasons": list(self.reasons), "why": [r.to_dict() for r in self.why],
            "score": self.score,
            "score_range": list(self.score_range) if self.score_range else None,
            "max_score": self.max_score, "group": self.group, "group_label": self.group_label,
            "subgroup": self.subgroup, "possible_groups": list(self.possible_groups),
            "estimates": [estimate_dict(e) for e in self.estimates],
            "candidate_estimates": [estimate_dict(e) for e in self.candidate_estimates],
            "reference_estimates": [estimate_dict(e) for e in self.reference_estimates],
            "factors": [f.to_dict() for f in self.factors],
            "caveats": [c.to_dict() for c in self.caveats],
            "population_conditions": [p.to_dict() for p in self.population],
            "groups": [g.to_dict() for g in self.groups],
            "conditions_of_use": list(self.conditions_of_use),
            "limitations": list(self.limitations),
            "rule_set_status": self.rule_set_status,
            "conditional_on": [a.to_dict() for a in self.conditional_on],
            "options": [o.to_dict() for o in self.options],
            "outside_range": [f.to_dict() for f in self.outside_range],
        }
