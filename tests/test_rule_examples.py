"""Every example of every bundled rule set, checked key by key against the evaluated Result.

The comparison is written out here rather than taken from engine/examples.py, so
that a fault in the engine's own example runner cannot hide a wrong result.
"""

from __future__ import annotations

from typing import Any

from prognosis.engine.evaluate import Comparator
from prognosis.engine.examples import run_examples
from prognosis.engine.loader import RuleLibrary
from prognosis.engine.model import Example
from prognosis.engine.patient import normalise
from prognosis.engine.results import Result

SCALARS = ("status", "score", "group", "subgroup")
KNOWN_KEYS = {*SCALARS, "score_range", "factors", "caveats", "conditional_on", "options",
              "estimates", "reference_estimates", "effects"}


def _estimate(e: Any) -> str:
    horizon = "median" if e.horizon_months is None else f"{e.horizon_months} months"
    shown = f"{e.value:g}%" if e.statistic == "survival_percent" else f"{e.value:g} months"
    return f"{e.endpoint} {horizon}: {shown}"


def _effects(result: Result) -> list[str]:
    out = []
    for f in result.factors:
        if f.present is True:
            out.append(" ".join([f"{f.id}: {f.direction}"]
                                + [f"{e.measure} {e.value:g}" for e in f.effects]))
    for g in result.groups:
        if g.holds is True and g.effects:
            out.append(" ".join([f"{g.id}:"] + [f"{e.measure} {e.value:g}" for e in g.effects]))
    return out


def evaluate_example(library: RuleLibrary, comparator: Comparator, rule_set: str,
                     example: Example) -> Result:
    patient = normalise(example.patient, library.fields, f"example '{example.name}'")
    [result] = [r for r in comparator.evaluate(patient) if r.rule_set == rule_set]
    return result


def mismatches(result: Result, expect: dict[str, Any]) -> list[str]:
    wrong = [f"unknown expect key {key!r}" for key in expect if key not in KNOWN_KEYS]
    for key in SCALARS:
        if key in expect and getattr(result, key) != expect[key]:
            wrong.append(f"{key}: expected {expect[key]!r}, got {getattr(result, key)!r}")
    if "score_range" in expect:
        want = expect["score_range"]
        got = result.score_range
        if (tuple(want) if want is not None else None) != got:
            wrong.append(f"score_range: expected {want!r}, got {got!r}")
    for key, got_list in (("estimates", [_estimate(e) for e in result.estimates]),
                          ("reference_estimates",
                           [_estimate(e) for e in result.reference_estimates]),
                          ("effects", _effects(result))):
        if key in expect and list(expect[key]) != got_list:
            wrong.append(f"{key}: expected {expect[key]!r}, got {got_list!r}")
    for kind, lookup in (("factors", result.factor), ("caveats", result.caveat)):
        for item, want in (expect.get(kind) or {}).items():
            try:
                got = lookup(item).present
            except StopIteration:
                wrong.append(f"{kind}.{item}: no such id in {result.rule_set}")
                continue
            if got is not want:
                wrong.append(f"{kind}.{item}: expected {want!r}, got {got!r}")
    if "conditional_on" in expect:
        got_if = {a.field: a.value for a in result.conditional_on}
        if got_if != dict(expect["conditional_on"]):
            wrong.append(f"conditional_on: expected {expect['conditional_on']!r}, got {got_if!r}")
    if "options" in expect:
        options = list(expect["options"])
        if len(options) != len(result.options):
            wrong.append(f"options: expected {len(options)}, got {len(result.options)}")
        for i, (want, option) in enumerate(zip(options, result.options, strict=False)):
            for key, value in want.items():
                got = ({a.field: a.value for a in option.assumes} if key == "assumes"
                       else getattr(option, key))
                if got != (dict(value) if key == "assumes" else value):
                    wrong.append(f"options[{i}].{key}: expected {value!r}, got {got!r}")
    return wrong


def test_rule_example(library: RuleLibrary, comparator: Comparator,
                      rule_example: tuple[str, Example]) -> None:
    rule_set, example = rule_example
    result = evaluate_example(library, comparator, rule_set, example)
    assert result.status in ("complete", "incomplete", "not_applicable")
    assert mismatches(result, dict(example.expect)) == []
    # The engine's own runner agrees with this independent check.
    [rs] = library.select([rule_set])
    [outcome] = run_examples(rs, library.fields, [example])
    assert outcome.passed, outcome.summary()


def test_examples_cover_every_status_in_every_rule_set(library: RuleLibrary) -> None:
    for rs in library.rule_sets:
        statuses = {ex.expect["status"] for ex in rs.examples}
        assert statuses == {"complete", "incomplete", "not_applicable"}, rs.id


def test_a_wrong_expectation_is_detected(library: RuleLibrary, comparator: Comparator) -> None:
    """The checker above is not vacuous: a falsified example is caught on every key."""
    [slms] = library.select(["slms"])
    example = slms.examples[0]  # score 3, every factor present
    result = evaluate_example(library, comparator, "slms", example)
    wrong = mismatches(result, {"status": "incomplete", "score": 2, "score_range": [0, 1],
                                "factors": {"dfi_under_2_years": False, "nope": True},
                                "caveats": {"none": None}, "colour": "red"})
    assert wrong == [
        "unknown expect key 'colour'",
        "status: expected 'incomplete', got 'complete'",
        "score: expected 2, got 3",
        "score_range: expected [0, 1], got (3, 3)",
        "factors.dfi_under_2_years: expected False, got True",
        "factors.nope: no such id in slms",
        "caveats.none: no such id in slms",
    ]
