"""The full trace of a comparison, as plain data (`prognosis explain`).

For each input: as given, as normalised, and the conversion. For each rule
set: every population condition and factor as `field op threshold` with the
patient's value and the verdict, the points and the score arithmetic (or the
groups' conditions), the mapping from score or group to each estimate, and
the provenance of every number. The effect sizes of the factors (and the
treatment group) that hold for the patient are collected for a forest plot.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import text as words
from .document import DISCLAIMER
from .fields import FieldDictionary
from .model import Estimate, RuleSet
from .patient import Patient
from .results import ConditionTrace, Result, effect_dict, estimate_dict


def _shown(value: Any, unit: str | None) -> str:
    text = words.exact(value) if isinstance(value, float) else words.plain(value)
    return f"{text} {unit}" if unit else text


def _inputs(patient: Patient, fields: FieldDictionary) -> list[dict[str, Any]]:
    rows = []
    for name, raw in patient.given.items():
        if name == "id":
            continue
        unit = fields[name].canonical_unit
        value = patient.values.get(name)
        normalised = _shown(value, unit)
        given = str(raw).strip() if not isinstance(raw, bool) else _shown(raw, None)
        rows.append({"field": name, "given": raw, "value": value, "unit": unit,
                     "conversion": f"{given} -> {normalised}" if given != normalised else None,
                     "derived": None})
    for name, how in patient.derived.items():
        if name in patient.values:
            unit = fields[name].canonical_unit
            rows.append({"field": name, "given": None, "value": patient.values[name],
                         "unit": unit, "conversion": None, "derived": how})
    return rows


def _conditions(traces: Sequence[ConditionTrace]) -> list[dict[str, Any]]:
    out = []
    for t in traces:
        threshold = t.threshold
        if isinstance(threshold, tuple):
            shown = "[" + ", ".join(threshold) + "]"
        else:
            shown = _shown(threshold, t.unit)
        if t.months is not None:  # given in months or years: compared in months
            patient = words.value_with_unit(t.months[0], "months")
            shown = words.value_with_unit(t.months[1], "months")
        elif t.value is None and t.bound is not None:
            patient = f"at least {_shown(t.bound, t.unit)}"
        else:
            patient = "unknown" if t.value is None else _shown(t.value, t.unit)
        out.append({**t.to_dict(), "text": f"{t.field} {t.op} {shown}", "patient": patient})
    return out


def _score(result: Result) -> dict[str, Any] | None:
    if result.model != "score" or result.score_range is None:
        return None
    terms = [{"factor": f.id, "points": f.points or 0, "verdict": f.present}
             for f in result.factors if f.points]
    parts = [f"{t['points'] if t['verdict'] else 0 if t['verdict'] is False else '?'} "
             f"({t['factor']})" for t in terms]
    low, high = result.score_range
    total = str(low) if low == high else f"{low} to {high} (? = 0 or its points: unknown)"
    return {"terms": terms, "arithmetic": " + ".join(parts) + f" = {total} of "
            f"{result.max_score}", "score": result.score, "range": [low, high],
            "max": result.max_score}


def _selector_text(e: Estimate) -> str:
    kind, value = e.selector.kind, e.selector.value
    return {"score": f"score {value}", "group": f"group {value}", "factor": f"factor {value}",
            "cohort": f"whole cohort ({value})"}.get(kind, "the study population")


def _estimates(estimates: Sequence[Estimate], result: Result) -> list[dict[str, Any]]:
    """Every estimate of the rule set, marked: the patient's (applies true), possible
    (null), under an option ("option": the choice it assumes), or not the patient's."""
    held, possible = result.estimates, result.candidate_estimates
    under: dict[int, list[str]] = {}
    for o in result.options:
        for e in (*o.estimates, *o.candidate_estimates):
            under.setdefault(id(e), []).append(words.conditional_phrase(o.assumes))
    return [{**estimate_dict(e), "mapping": _selector_text(e),
             "scope_text": words.scope_phrase(e, result),
             "option": " or ".join(under[id(e)]) if id(e) in under else None,
             "applies": True if e in held else None if e in possible else False}
            for e in estimates]


def _forest(rs: RuleSet, result: Result) -> list[dict[str, Any]]:
    rows = []
    for f in result.factors:
        if f.present is True:
            rows += [{**effect_dict(e), "rule_set": rs.id, "short_name": rs.short_name,
                      "item": f.id, "label": f.label} for e in f.effects]
    for g in result.groups:
        if g.id in (result.group, result.subgroup) and g.holds is True:
            rows += [{**effect_dict(e), "rule_set": rs.id, "short_name": rs.short_name,
                      "item": g.id, "label": f"group: {g.label}"} for e in g.effects]
    return rows


def _rule_set(rs: RuleSet, result: Result, units: dict[str, str],
              notes: dict[str, str]) -> dict[str, Any]:
    population = {c.id: c for c in rs.population}
    groups = {g.id: g for g in rs.groups}
    return {
        "rule_set": rs.id, "short_name": rs.short_name, "version": rs.version,
        "status_of_rule_set": rs.status, "sha256": rs.sha256, "year": rs.citation.year,
        "citation": rs.citation.format(), "doi": rs.citation.doi,
        "cohort": {"n": rs.cohort_n, "source": rs.cohort_source,
                   "provenance": rs.cohort_provenance},
        "status": result.status, "reasons": list(result.reasons),
        "population": [{"id": p.id, "reason": p.label, "verdict": p.holds,
                        "conditions": _conditions(p.conditions),
                        "provenance": population[p.id].provenance} for p in result.population],
        "factors": [{"id": f.id, "label": f.label, "verdict": f.present, "points": f.points,
                     "role": f.role, "direction": f.direction,
                     "conditions": _conditions(f.conditions),
                     "effects": [effect_dict(e) for e in f.effects],
                     "provenance": f.provenance} for f in result.factors],
        "score": _score(result),
        "groups": [{"id": g.id, "label": g.label, "verdict": g.holds, "parent": g.parent,
                    "conditions": _conditions(g.conditions),
                    "effects": [effect_dict(e) for e in g.effects],
                    "provenance": groups[g.id].provenance} for g in result.groups],
        "group": result.group, "subgroup": result.subgroup,
        "estimates": _estimates(rs.estimates, result)
        if result.status != "not_applicable" else [],
        "conditional_on": [a.to_dict() for a in result.conditional_on],
        "options": [{**o.to_dict(), "heading": words.option_heading(o)}
                    for o in result.options],
        "warnings": [{"kind": w.kind, "label": words.WARNING_LABEL[w.kind], "text": w.text}
                     for w in words.warnings(result, units, notes)],
        "reference_estimates": [{**estimate_dict(e), "mapping": _selector_text(e)}
                                for e in rs.reference_estimates],
        "caveats": [{"id": c.id, "label": c.label, "verdict": c.present,
                     "message": c.message, "provenance": c.provenance}
                    for c in result.caveats],
        "conflicts": [{"text": t.text, "provenance": t.provenance} for t in rs.conflicts],
        "forest": _forest(rs, result) if result.status != "not_applicable" else [],
    }


def explain(patient: Patient, rule_sets: Sequence[RuleSet], results: Sequence[Result],
            fields: FieldDictionary) -> dict[str, Any]:
    """The trace of every rule set for one patient (JSON-ready)."""
    units = {name: unit for name in patient.values if (unit := fields[name].canonical_unit)}
    traces = [_rule_set(rs, r, units, dict(patient.notes))
              for rs, r in zip(rule_sets, results, strict=True)]
    return {
        "patient_id": patient.id, "source": patient.source,
        "inputs": _inputs(patient, fields),
        "rule_sets": traces,
        "forest": [row for t in traces for row in t["forest"]],
        "disclaimer": DISCLAIMER,
    }
