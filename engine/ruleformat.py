"""The format of a rule-set file, declared once.

`RULE_SET` validates a loaded rule file structurally, is the source of the
JSON Schema under rules/schema/, and binds each object to the dataclass of
engine/model.py it builds (`builds`, `attrs`, `computed`: see engine/binding.py),
so the loader fills every attribute from its declared key. The closed sets of
values are the `Literal`s of engine/model.py. Meaning (does a field exist, does
a unit fit its dimension) is checked afterwards by the loader against fields.yaml.
"""

from __future__ import annotations

from typing import get_args

from . import model as m
from .schema import (
    Any_,
    Bool,
    Date,
    Enum,
    ListOf,
    MapOf,
    Nullable,
    Num,
    Obj,
    OneOf,
    Ref,
    Spec,
    Str,
)

OPERATORS: tuple[str, ...] = get_args(m.Operator)
DIRECTIONS: tuple[str, ...] = get_args(m.Direction)
ROLES: tuple[str, ...] = get_args(m.Role)
MODELS: tuple[str, ...] = get_args(m.Model)
STATUSES: tuple[str, ...] = get_args(m.RuleStatus)
STATISTICS: tuple[str, ...] = get_args(m.Statistic)
SCOPES: tuple[str, ...] = get_args(m.Scope)
MEASURES: tuple[str, ...] = get_args(m.Measure)

PROVENANCE = Str(description="Where in the paper this comes from (section, table or figure).")
ID = Str(description="Identifier: lower case letters, digits, '_' and '-'.",
         pattern=r"^[a-z0-9][a-z0-9_-]*$")


def _condition() -> Spec:
    return CONDITION


_REF = Ref("condition", _condition)

ATOM = Obj(
    required={
        "field": Str(description="A field of rules/fields.yaml."),
        "op": Enum(OPERATORS),
        "value": Any_(description="Threshold, enum value, true/false, or a list for in/not_in."),
    },
    optional={
        "unit": Str(description="Unit of the threshold (converted to the field's unit)."),
        "same_as": Obj(required={"value": Num(), "unit": Str()}, description=(
            "The paper's own equivalence of the threshold in another unit (SLMS: 2 years "
            "is 730 days): a value given in days is compared with it, one given in months "
            "or years with `value unit`.")),
    },
    description="One comparison: field op value [unit].",
    builds="Atom", attrs={"value": "stated_value", "unit": "stated_unit", "same_as": None},
    computed=("key", "value", "unit", "months", "same_as"),
)
CONDITION: Spec = OneOf(
    (
        ("field", ATOM),
        ("all", Obj(required={"all": ListOf(_REF, min_items=1)},
                    description="True when every item is true (three-valued).",
                    builds="AllOf", attrs={"all": "items"})),
        ("any", Obj(required={"any": ListOf(_REF, min_items=1)},
                    description="True when any item is true (three-valued).",
                    builds="AnyOf", attrs={"any": "items"})),
        ("not", Obj(required={"not": _REF}, description="Negation (unknown stays unknown).",
                    builds="Not", attrs={"not": "item"})),
    ),
    description="A condition on patient fields.",
)

P_VALUE = Any_(description="A number, or text such as '< 0.001'.")
EFFECT = Obj(
    required={"measure": Enum(MEASURES), "value": Num()},
    optional={
        "provenance": PROVENANCE,
        "ci": Nullable(ListOf(Num(), min_items=2, max_items=2), description="95% CI [low, high]."),
        "p": Nullable(P_VALUE),
        "outcome": Str(),
        "analysis": Str(),
        "reference": Str(description="The reference category."),
    },
    builds="Effect", computed=("label",),  # an effect of a factor or group: no label
)
REPORTED_EFFECT = Obj(
    required={"label": Str(), "measure": Enum(MEASURES), "value": Num()},
    optional={"provenance": PROVENANCE, "ci": EFFECT.optional["ci"], "p": Nullable(P_VALUE),
              "outcome": Str(),
              "analysis": Str()},
    description="An effect the paper reports on a variable that is not a patient field.",
    builds="Effect", computed=("reference",),  # no reference category: no key for it
)
TEXT_ITEM = Obj(required={"text": Str()}, optional={"provenance": PROVENANCE},
                builds="TextItem")
OBSERVED_RANGE = Obj(
    required={"field": Str(), "min": Num(), "max": Num(), "provenance": PROVENANCE},
    optional={"unit": Str()},
    description=("The range of a measure in the study's cohort, as the paper reports it; a "
                 "patient value outside it is flagged as outside what the study observed. "
                 "Declare none for a study that reports none."),
    builds="ObservedRange", attrs={"min": "stated_min", "max": "stated_max",
                                   "unit": "stated_unit"},
    computed=("min", "max"),  # in the field's canonical unit
)

SELECTOR = Obj(
    optional={
        "score": Num(integer=True),
        "group": Str(),
        "factor": Str(),
        "population": Bool(),
        "cohort": Str(description="Which cohort (reference estimates only)."),
    },
    description="Which patients an estimate is for: exactly one key.",
)
ESTIMATE = Obj(
    required={
        "for": SELECTOR,
        "endpoint": ID,
        "origin": Str(description="Time origin, e.g. 'first pulmonary metastasectomy'."),
        "horizon_months": Nullable(Num(integer=True)),
        "statistic": Enum(STATISTICS),
        "value": Num(),
        "label": Str(),
        "scope": Enum(SCOPES, description=(
            "Whom the figure describes: the patients with the patient's score, treatment "
            "group or a finer subgroup of it (the patient's own figures), everyone of a "
            "histology group whatever their treatment (histology), or the whole study "
            "cohort (cohort: a reference, never shown as the patient's).")),
    },
    optional={
        "provenance": PROVENANCE,
        "non_monotonic_reason": Str(description=(
            "Why this estimate may rise with the score (read by the rules check only).")),
        "unit": Enum(get_args(m.EstimateUnit)),
        "series": ID,
        "method": Str(),
        "note": Str(),
    },
    builds="Estimate",
    attrs={"for": None, "value": "stated_value", "unit": None, "non_monotonic_reason": None},
    computed=("selector", "value", "stated_unit"),  # unit: percent or months by statistic
)
FACTOR = Obj(
    required={"id": ID, "label": Str(), "when": CONDITION, "direction": Enum(DIRECTIONS)},
    optional={
        "provenance": PROVENANCE,
        "points": Num(integer=True),
        "role": Enum(ROLES),
        "variable": ID,
        "stated_as": Str(),
        "effects": ListOf(EFFECT),
    },
    builds="Factor", attrs={"role": None},
    computed=("role",),  # a signal unless it has points
)
GROUP = Obj(
    required={"id": ID, "label": Str(), "when": CONDITION},
    optional={"provenance": PROVENANCE, "parent": ID, "effects": ListOf(EFFECT),
              "reference": Bool()},
    builds="Group",
)
CAVEAT = Obj(
    required={"id": ID, "message": Str()},
    optional={"provenance": PROVENANCE, "when": CONDITION,
              "label": Str(description="A short name for lists of what changes, e.g. "
                           "'ALP > 2x ULN'; the id is shown without it.")},
    builds="Caveat",
)
ADMITTED = Obj(
    required={"about": ID, "admitted": Nullable(Bool()), "text": Str()},
    optional={"provenance": PROVENANCE},
    description=("Whether the cohort included patients with this feature (admitted: true), "
                 "excluded them (false) or the paper does not say (null); `about` is a "
                 "patient field or another aspect id shared across rule sets, e.g. "
                 "incomplete_resection. Compared across studies in the disagreement panel."),
    builds="Admitted",
)
POPULATION_CONDITION = Obj(
    required={"id": ID, "when": CONDITION, "reason": Str()},
    optional={"provenance": PROVENANCE},
    builds="PopulationCondition",
)
STATEMENT = Obj(
    required={"about_field": Str(), "quote": Str()},
    optional={"provenance": PROVENANCE, "note": Str()},
    builds="Statement",
)
PERFORMANCE = Obj(
    required={"measure": Str(), "value": Num()},
    optional={"provenance": PROVENANCE,
              "statistic": Enum(get_args(m.PerformanceStatistic), description=(
                  "What `prognosis validate` may compare the value with: auc = area under "
                  "the ROC curve of the score for death within `horizon_months`; harrell_c "
                  "= Harrell's concordance; logrank_p = log-rank p across the groups.")),
              "horizon_months": Num(as_written=True,
                                    description="The horizon of an auc, in months.")},
    builds="Performance",
)
EXAMPLE = Obj(
    required={"name": Str(), "patient": Any_(description="Patient fields, as in a patient file."),
              "expect": Obj(
                  required={"status": Enum(get_args(m.ExpectedStatus))},
                  optional={
                      "score": Nullable(Num(integer=True)),
                      "score_range": Nullable(ListOf(Num(integer=True), min_items=2,
                                                     max_items=2)),
                      "group": Nullable(Str()),
                      "subgroup": Nullable(Str()),
                      "factors": Any_(description="factor id: true / false / null"),
                      "caveats": Any_(description="caveat id: true / false / null"),
                      "estimates": ListOf(Str(), description=(
                          "Every estimate the patient gets, in order, as "
                          "'overall_survival 36 months: 10.5%' or "
                          "'overall_survival median: 26 months'.")),
                      "reference_estimates": ListOf(Str(), description=(
                          "The whole-cohort estimates shown, as for 'estimates'.")),
                      "effects": ListOf(Str(), description=(
                          "Each present factor as 'id: direction' then its effects "
                          "('HR 5.6'), each holding group with effects as 'id: HR 0.5'.")),
                      "conditional_on": MapOf(Bool(), description=(
                          "The treatment choices the whole result assumes (undecided "
                          "treatments under which the study would not apply otherwise).")),
                      "options": ListOf(Obj(optional={
                          "assumes": MapOf(Bool()),
                          "status": Enum(("complete", "incomplete")),
                          "score": Nullable(Num(integer=True)),
                          "group": Nullable(Str()),
                          "subgroup": Nullable(Str()),
                      }), description="The options of undecided treatments, in order."),
                  })},
    builds="Example", computed=("line",),  # patient and expectations kept as written
)
CASE_MIX = Obj(
    required={"id": ID, "label": Str(), "count": Num(integer=True),
              "of": Num(integer=True, description="The patients the count is out of (those "
                        "with the characteristic known).")},
    optional={"provenance": PROVENANCE, "note": Str(),
              "factor": ID, "group": ID, "when": CONDITION},
    description=("A published distribution: `count` of `of` patients of the study had the "
                 "factor, the group or the condition (exactly one of factor, group, when). "
                 "`prognosis validate` shows the local share beside it."),
    builds="CaseMix", attrs={"factor": None, "group": None, "when": None},
    computed=("when",),  # the named factor's or group's condition, or its own
)

RULE_SET = Obj(
    required={
        "id": ID,
        "version": Str(pattern=r"^\d+\.\d+\.\d+$", description="Semantic version."),
        "status": Enum(STATUSES),
        "reviewed": Date(),
        "short_name": Str(),
        "title": Str(),
        "citation": Obj(
            required={"authors": Str(), "title": Str(), "journal": Str(),
                      "year": Num(integer=True)},
            optional={"doi": Nullable(Str()), "volume": Str(), "note": Str()},
            builds="Citation",
        ),
        "cohort": Obj(required={"n": Num(integer=True), "source": Str()},
                      optional={"provenance": PROVENANCE,
                                "observed_ranges": ListOf(OBSERVED_RANGE)},
                      flatten=True, attrs={"n": "cohort_n", "source": "cohort_source",
                                           "provenance": "cohort_provenance"}),
        "population": Obj(
            required={"summary": Str(), "conditions": ListOf(POPULATION_CONDITION)},
            optional={"conditions_of_use": ListOf(TEXT_ITEM), "admitted": ListOf(ADMITTED)},
            flatten=True, attrs={"summary": "population_summary", "conditions": "population"},
        ),
        "model": Enum(MODELS),
        "factors": ListOf(FACTOR),
        "estimates": ListOf(ESTIMATE),
        "caveats": ListOf(CAVEAT),
        "examples": ListOf(EXAMPLE),
    },
    optional={
        "groups": ListOf(GROUP),
        "reference_estimates": ListOf(ESTIMATE),
        "limitations": ListOf(TEXT_ITEM),
        "conflicts": ListOf(TEXT_ITEM),
        "performance": ListOf(PERFORMANCE),
        "reported_effects": ListOf(REPORTED_EFFECT),
        "statements": ListOf(STATEMENT),
        "display_order": Num(integer=True, description=(
            "Where the study stands among the others in every table and report (lower "
            "first). Studies without one follow, by citation year, then id.")),
        "case_mix": ListOf(CASE_MIX),
        "field_meanings": MapOf(Str(), description="How this study reads a patient field, "
                                "where it differs from rules/fields.yaml's description "
                                "(read by the rules check only)."),
    },
    description="A rule set: one published study's criteria for the comparator.",
    builds="RuleSet", attrs={"case_mix": None, "field_meanings": None},
    computed=("source", "sha256", "treatments", "case_mix"),
)
