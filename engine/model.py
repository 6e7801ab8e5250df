"""Loaded rule sets as typed, frozen data.

Conditions keep both the threshold in the field's canonical unit (what the
engine compares) and the threshold as the paper states it (what a reader is
shown), so cohorts can read every cut-off and explanations can cite it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

Scalar: TypeAlias = float | int | bool | str
Threshold: TypeAlias = Scalar | tuple[str, ...]
Truth: TypeAlias = bool | None
# The closed sets of the rule format, declared here once: engine/ruleformat.py takes the
# allowed values of its enums from these (typing.get_args), so the validator, the JSON
# Schema and the dataclasses cannot disagree.
Operator: TypeAlias = Literal["<", "<=", ">", ">=", "==", "!=", "in", "not_in"]
Direction: TypeAlias = Literal["adverse", "favourable", "not_significant", "reference"]
Role: TypeAlias = Literal["score", "signal", "covariate"]
Model: TypeAlias = Literal["score", "group", "signals"]
RuleStatus: TypeAlias = Literal["draft", "research", "validated", "retired"]
Statistic: TypeAlias = Literal["survival_percent", "median_months"]
EstimateUnit: TypeAlias = Literal["percent", "months", "years"]
Measure: TypeAlias = Literal["HR", "OR", "RR"]
PerformanceStatistic: TypeAlias = Literal["auc", "harrell_c", "logrank_p"]
SelectorKind: TypeAlias = Literal["score", "group", "factor", "population", "cohort"]
Scope: TypeAlias = Literal["score", "group", "subgroup", "histology", "cohort"]
PATIENT_SCOPES: tuple[Scope, ...] = ("score", "group", "subgroup")  # the patient's own figures
ExpectedStatus: TypeAlias = Literal["complete", "incomplete", "not_applicable"]


@dataclass(frozen=True, kw_only=True)
class Atom:
    """One comparison `field op value`, decided by durable_rules."""

    key: str  # unique within the rule set; shared by identical comparisons
    field: str
    op: Operator
    value: Threshold  # in the field's canonical unit
    unit: str | None  # the field's canonical unit, if any
    stated_value: Any  # as written in the rule file
    stated_unit: str | None = None
    # The threshold in months, for a duration given in months or years (None: the field
    # has no calendar units); `same_as` is the paper's equivalence as written, if any.
    months: float | None = None
    same_as: tuple[float, str] | None = None

    def describe(self) -> str:
        value = self.value
        if isinstance(value, tuple):
            shown = "[" + ", ".join(value) + "]"
        elif isinstance(value, bool):
            shown = "true" if value else "false"
        elif isinstance(value, float) and value.is_integer():
            shown = str(int(value))
        else:
            shown = str(value)
        unit = f" {self.unit}" if self.unit else ""
        return f"{self.field} {self.op} {shown}{unit}"


@dataclass(frozen=True)
class AllOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    item: Condition


Condition: TypeAlias = Atom | AllOf | AnyOf | Not


def atoms_of(condition: Condition) -> tuple[Atom, ...]:
    """Every comparison inside a condition, in order."""
    if isinstance(condition, Atom):
        return (condition,)
    if isinstance(condition, Not):
        return atoms_of(condition.item)
    return tuple(a for item in condition.items for a in atoms_of(item))


@dataclass(frozen=True, kw_only=True)
class Effect:
    measure: Measure
    value: float
    ci: tuple[float, float] | None = None
    p: float | str | None = None
    outcome: str | None = None
    analysis: str | None = None
    reference: str | None = None
    provenance: str = ""
    label: str | None = None


@dataclass(frozen=True, kw_only=True)
class Factor:
    id: str
    label: str
    when: Condition
    direction: Direction
    role: Role
    points: int | None = None
    variable: str | None = None
    stated_as: str | None = None
    effects: tuple[Effect, ...] = ()
    provenance: str = ""


@dataclass(frozen=True, kw_only=True)
class Group:
    id: str
    label: str
    when: Condition
    parent: str | None = None
    effects: tuple[Effect, ...] = ()
    reference: bool = False
    provenance: str = ""


@dataclass(frozen=True)
class Selector:
    kind: SelectorKind
    value: Any

    def as_dict(self) -> dict[str, Any]:
        return {self.kind: self.value}


@dataclass(frozen=True, kw_only=True)
class Estimate:
    selector: Selector
    endpoint: str
    origin: str
    horizon_months: int | None
    statistic: Statistic
    value: float  # percent, or months for medians
    stated_value: float
    stated_unit: EstimateUnit
    label: str
    scope: Scope
    series: str = "main"
    method: str | None = None
    note: str | None = None
    provenance: str = ""


@dataclass(frozen=True, kw_only=True)
class ObservedRange:
    """The range of a measure in a study's cohort (canonical unit), as the paper reports it."""

    field: str
    min: float
    max: float
    stated_min: float
    stated_max: float
    provenance: str
    stated_unit: str | None = None


@dataclass(frozen=True)
class Treatment:
    """A treatment decision a rule set depends on, with what its choices imply for other
    treatment fields of the same rule set (from fields.yaml)."""

    field: str
    labels: tuple[str, str]  # (if true, if false)
    implies: tuple[tuple[bool, str, bool], ...] = ()  # (when value, then field, is value)


@dataclass(frozen=True, kw_only=True)
class Caveat:
    id: str
    message: str
    when: Condition | None = None
    provenance: str = ""
    label: str = ""  # a short name for change lists (what-if, near a cut-off)


@dataclass(frozen=True, kw_only=True)
class PopulationCondition:
    id: str
    when: Condition
    reason: str
    provenance: str = ""


@dataclass(frozen=True, kw_only=True)
class TextItem:
    text: str
    provenance: str = ""


@dataclass(frozen=True, kw_only=True)
class Admitted:
    """Whether a study's cohort included patients with some feature (a population aspect
    such as extrapulmonary disease or incomplete resection), as the paper reports it."""

    about: str  # the aspect: a patient field name, or another id (incomplete_resection)
    admitted: bool | None  # None: the paper does not say
    text: str
    provenance: str = ""


@dataclass(frozen=True, kw_only=True)
class Statement:
    about_field: str
    quote: str
    note: str | None = None
    provenance: str = ""


@dataclass(frozen=True, kw_only=True)
class Performance:
    measure: str
    value: float
    provenance: str = ""
    statistic: PerformanceStatistic | None = None  # what validate compares the value with
    horizon_months: float | None = None


@dataclass(frozen=True, kw_only=True)
class CaseMix:
    """A published distribution: `count` of `of` patients of the study had `when` (a factor,
    a group or a condition on patient fields). `prognosis validate` sets the local share
    beside it."""

    id: str
    label: str
    when: Condition
    count: int
    of: int
    provenance: str = ""
    note: str | None = None


@dataclass(frozen=True, kw_only=True)
class Citation:
    authors: str
    title: str
    journal: str
    year: int
    doi: str | None = None
    volume: str | None = None
    note: str | None = None

    def short_authors(self) -> str:
        names = [n.strip() for n in self.authors.split(",") if n.strip()]
        if any(n.startswith("et al") for n in names) or len(names) <= 3:
            return ", ".join(names)
        return ", ".join(names[:3]) + ", et al."

    def format(self) -> str:
        text = f"{self.short_authors().rstrip('.')}. {self.title}. {self.journal} {self.year}"
        if self.volume:
            text += f";{self.volume}"
        text += "."
        if self.doi:
            text += f" doi:{self.doi}"
        return text


@dataclass(frozen=True, kw_only=True)
class Example:
    name: str
    patient: Mapping[str, Any]
    expect: Mapping[str, Any]
    line: int | None


@dataclass(frozen=True, kw_only=True)
class RuleSet:
    """A loaded rule set; its attributes are bound to the file's keys in
    engine/ruleformat.py (RULE_SET), where `cohort` and `population` are flattened."""

    id: str
    version: str
    status: RuleStatus
    reviewed: dt.date
    short_name: str
    title: str
    citation: Citation
    cohort_n: int
    cohort_source: str
    population_summary: str
    population: tuple[PopulationCondition, ...]
    model: Model
    factors: tuple[Factor, ...]
    estimates: tuple[Estimate, ...]
    caveats: tuple[Caveat, ...]
    examples: tuple[Example, ...]
    source: str
    sha256: str
    cohort_provenance: str = ""
    conditions_of_use: tuple[TextItem, ...] = ()
    groups: tuple[Group, ...] = ()
    reference_estimates: tuple[Estimate, ...] = ()
    limitations: tuple[TextItem, ...] = ()
    conflicts: tuple[TextItem, ...] = ()
    performance: tuple[Performance, ...] = ()
    reported_effects: tuple[Effect, ...] = ()
    statements: tuple[Statement, ...] = ()
    admitted: tuple[Admitted, ...] = ()  # population.admitted
    observed_ranges: tuple[ObservedRange, ...] = ()
    treatments: tuple[Treatment, ...] = ()  # treatment fields its conditions read
    case_mix: tuple[CaseMix, ...] = ()  # the published distribution of characteristics
    display_order: int | None = None

    def roster_key(self) -> tuple[int, int, int, str]:
        """Display order: `display_order` first, then the others by year, then id."""
        given = self.display_order is not None
        return (0 if given else 1, self.display_order or 0, self.citation.year, self.id)

    def atoms(self) -> tuple[Atom, ...]:
        """Every distinct comparison the rule set makes (what durable_rules decides)."""
        seen: dict[str, Atom] = {}
        conditions: list[Condition] = [c.when for c in self.population]
        conditions += [f.when for f in self.factors] + [g.when for g in self.groups]
        conditions += [c.when for c in self.caveats if c.when is not None]
        for condition in conditions:
            for atom in atoms_of(condition):
                seen.setdefault(atom.key, atom)
        return tuple(seen.values())

    def max_score(self) -> int:
        return sum(f.points or 0 for f in self.factors)
