"""Run a rule set's example patients against their expected results.

Used by the `examples` check, by `prognosis rules test` and by the test
suite, so all three agree on what "the examples pass" means.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .errors import EngineError, InputError
from .fields import FieldDictionary
from .model import Example, RuleSet
from .results import Result

KEYS = ("status", "score", "score_range", "group", "subgroup")


def estimate_text(e: Any) -> str:
    """How an example asserts an estimate: `overall_survival 36 months: 10.5%` or
    `overall_survival median: 26 months` (the value in the tool's unit, after any
    conversion of the stated one), so a changed value, horizon, selector or unit shows."""
    when = "median" if e.horizon_months is None else f"{e.horizon_months} months"
    value = f"{e.value:g}%" if e.statistic == "survival_percent" else f"{e.value:g} months"
    return f"{e.endpoint} {when}: {value}"


def effect_texts(result: Result) -> list[str]:
    """How an example asserts effects: each present factor as `id: direction` followed by
    its effects (`HR 5.6`), and each group that holds as `id:` with its effects."""
    texts = [" ".join([f"{f.id}: {f.direction}", *(f"{e.measure} {e.value:g}"
                                                   for e in f.effects)])
             for f in result.factors if f.present is True]
    texts += [" ".join([f"{g.id}:", *(f"{e.measure} {e.value:g}" for e in g.effects)])
              for g in result.groups if g.holds is True and g.effects]
    return texts


@dataclass(frozen=True)
class ExampleOutcome:
    rule_set: str
    example: Example
    differences: tuple[tuple[str, Any, Any], ...]  # (what, expected, actual)
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and not self.differences

    def summary(self) -> str:
        if self.error and self.error.startswith("engine: "):
            return self.error
        if self.error:
            return f"invalid example patient: {self.error}"
        return "; ".join(f"{key}: expected {_show(want)}, got {_show(got)}"
                         for key, want, got in self.differences)


def _show(value: Any) -> str:
    if value is None:
        return "null (unknown)"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def compare_expectation(result: Result, expect: dict[str, Any]
                        ) -> tuple[tuple[str, Any, Any], ...]:
    differences: list[tuple[str, Any, Any]] = []
    view = result.comparable()  # what a reader sees change, one list for every comparison
    for key in KEYS:
        if key in expect and view[key] != expect[key]:
            differences.append((key, expect[key], view[key]))
    for key, actual in (("estimates", [estimate_text(e) for e in result.estimates]),
                        ("reference_estimates",
                         [estimate_text(e) for e in result.reference_estimates]),
                        ("effects", effect_texts(result))):
        if key in expect and list(expect[key] or []) != actual:
            differences.append((key, expect[key], actual))
    for kind in ("factors", "caveats"):
        known = view[kind]
        for item, want in (expect.get(kind) or {}).items():
            if item not in known:
                differences.append((f"{kind}.{item}", want, "no such id"))
            elif known[item] != want:
                differences.append((f"{kind}.{item}", want, known[item]))
    if "conditional_on" in expect:
        actual_if = {k: v == "true" for k, v in
                     (a.split("=", 1) for a in view["conditional_on"])}
        if actual_if != dict(expect["conditional_on"] or {}):
            differences.append(("conditional_on", dict(expect["conditional_on"] or {}),
                                actual_if))
    if "options" in expect:
        differences += _option_differences(result, list(expect["options"] or []))
    return tuple(differences)


def _option_differences(result: Result, wanted: list[Any]) -> list[tuple[str, Any, Any]]:
    """Options in order; each expected option names only what it checks."""
    actual = [{key: o[key] for key in ("assumes", "status", "score", "group", "subgroup")}
              for o in result.comparable()["options"]]
    if len(actual) != len(wanted):
        return [("options", f"{len(wanted)} option(s)", f"{len(actual)}: " + "; ".join(
            _option_text(o) for o in actual))]
    out = []
    for i, (want, got) in enumerate(zip(wanted, actual, strict=True)):
        for key, value in want.items():
            value = dict(value) if key == "assumes" else value
            if got.get(key) != value:
                out.append((f"options[{i}].{key}", value, got.get(key)))
    return out


def _option_text(option: dict[str, Any]) -> str:
    assumes = ", ".join(f"{k}: {str(v).lower()}" for k, v in option["assumes"].items())
    return f"if {assumes or '-'}: {option['group'] or option['score']}"


def run_examples(rule_set: RuleSet, fields: FieldDictionary,
                 examples: Sequence[Example] | None = None) -> list[ExampleOutcome]:
    from .evaluate import Comparator
    from .patient import normalise

    comparator = Comparator([rule_set])
    outcomes = []
    for example in rule_set.examples if examples is None else examples:
        try:
            patient = normalise(example.patient, fields, f"example '{example.name}'")
        except InputError as exc:
            outcomes.append(ExampleOutcome(rule_set.id, example, (),
                                           "; ".join(p.message if not p.field else
                                                     f"{p.field}: {p.message}"
                                                     for p in exc.problems)))
            continue
        try:
            [result] = comparator.evaluate(patient)
        except EngineError as exc:  # e.g. overlapping groups: reported, not raised
            outcomes.append(ExampleOutcome(rule_set.id, example, (), f"engine: {exc}"))
            continue
        outcomes.append(ExampleOutcome(rule_set.id, example,
                                       compare_expectation(result, dict(example.expect))))
    return outcomes
