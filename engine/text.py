"""Words for results: one place that turns the engine's structure into phrases.

No rich here and no format of its own: the table, Markdown, the reports,
`explain` and the FHIR notes all take their phrases from this module, so a
figure is described the same way everywhere. Each phrase says WHOM a number
describes (the patient's score or group, a histology group, the whole
cohort), which treatment choice it assumes, and the study's own warnings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from .model import Estimate
from .results import Assumption, Option, RangeFlag, Reason, Result

ENDPOINTS = {"overall_survival": "OS", "post_relapse_survival": "post-relapse survival",
             "disease_free_survival": "DFS"}
WarningKind = Literal["status", "condition_of_use", "figure_note", "caveat", "range",
                      "limitation", "synonym"]
UNOFFICIAL = ("draft", "retired")


def number(value: float) -> str:
    """A number as a reader wants it: no trailing zeros, at most two decimals."""
    rounded = round(float(value), 2)
    return f"{rounded:g}" if abs(rounded) < 1e15 else f"{value:g}"


def exact(value: float) -> str:
    """A number for a trace: up to four decimals, no trailing zeros (700.0625, 17, 0.185)."""
    if abs(value) >= 1e6 or (value and abs(value) < 1e-4):
        return f"{value:g}"
    return f"{value:.4f}".rstrip("0").rstrip(".")


def general(value: float) -> str:
    """A number as written in a paper or a rule file: 5.6, 0.00082, 2998 (Python's %g)."""
    return f"{value:g}"


def percent(value: float) -> str:
    """A survival percentage as the papers give it: one decimal (10.5%, 82.0%)."""
    return f"{value:.1f}%"


def plain(value: Any) -> str:
    """Any patient or rule value: true/false, numbers without trailing zeros, text as is."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return general(value)
    return str(value)


def stated_estimate(value: float, unit: str) -> str:
    """An estimate as the paper states it: "39%", "1.9 years"."""
    return f"{general(value)} {unit}".replace(" percent", "%")


PLURALS = {"days": "day", "weeks": "week", "months": "month", "years": "year"}


def value_with_unit(value: Any, unit: str | None) -> str:
    """"17 mm", "1 month", "23 months", "true"; the one way a value is shown with its unit."""
    if isinstance(value, bool):
        shown = "true" if value else "false"
    elif isinstance(value, int | float):
        shown = number(value)
    else:
        shown = str(value)
    if unit and shown == "1":
        unit = PLURALS.get(unit, unit)
    return f"{shown} {unit}" if unit else shown


PRESENCE = {True: "present", False: "absent", None: "unknown"}  # a factor's or caveat's verdict


def factor_name(factor_id: str, label: str) -> str:
    """A factor in a list of what changes: by the rule set's label for it, quoted."""
    return f'"{label}"' if label else factor_id


def caveat_name(caveat_id: str, label: str) -> str:
    """A caveat in a list of what changes: by the rule set's label for it, or its id."""
    return f'caveat "{label}"' if label else f"caveat {caveat_id}"


def stated_value(value: Any) -> str:
    """A threshold's value as the rule file states it (a list for in / not_in)."""
    if isinstance(value, list | tuple):
        return "[" + ", ".join(map(str, value)) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number(value)
    return str(value)


def stated(op: str, value: Any, unit: str | None) -> str:
    """A cut-off as the paper states it: "< 2 years", ">= 15 mm", "in [a, b]"."""
    return f"{op} {stated_value(value)}" + (f" {unit}" if unit else "")


_UNIT_AFTER_NUMBER = re.compile(
    r"(\d) (mm|cm|days?|weeks?|months?|years?|mo|y|U/L)(?=[\s,;:.)\]\"']|$)")


def glue_units(line: str) -> str:
    """A number and its unit joined by a no-break space, so a terminal never wraps between
    them ("0.3 / cm"). For text shown on a terminal only: piped and saved text keeps plain
    spaces, so it can be searched as written."""
    return _UNIT_AFTER_NUMBER.sub("\\1\u00a0\\2", line)


def as_given(raw: Any, value: Any, unit: str | None) -> str:
    """A value as the person gave it, with the canonical value beside it only when it
    differs: "1.7 cm (17 mm)", "23 months (700.06 days)", "6", "leiomyosarcoma"."""
    canonical = value_with_unit(value, unit)
    if isinstance(raw, str) and unit and "".join(raw.split()) != "".join(canonical.split()):
        return f"{raw.strip()} ({canonical})"
    return canonical


def horizon(months: int | None) -> str:
    if months is None:
        return ""
    return f"{months // 12}-y" if months % 12 == 0 else f"{months}-mo"


def estimate_phrase(e: Estimate) -> str:
    """"3-y OS from first pulmonary metastasectomy: 39%"; medians as published."""
    endpoint = ENDPOINTS.get(e.endpoint, e.endpoint.replace("_", " "))
    if e.statistic == "median_months":
        value = f"{number(e.value)} mo"
        if e.stated_unit == "years":
            value = f"{number(e.stated_value)} y ({number(e.value)} mo)"
        return f"median {endpoint} from {e.origin}: {value}"
    return f"{horizon(e.horizon_months)} {endpoint} from {e.origin}: {percent(e.value)}"


def scope_phrase(e: Estimate, result: Result | None = None) -> str:
    """Whom a figure describes, in words: the patient's own group, or whom instead."""
    kind, value = e.selector.kind, e.selector.value
    labels = {g.id: g.label for g in result.groups} if result else {}
    if e.scope == "score":
        return f"patients with score {value}"
    if e.scope == "group":
        return f"the {labels.get(value, value)} group"
    if e.scope == "subgroup":
        return f"the {labels.get(value, value)} subgroup (small numbers)"
    if e.scope == "histology":
        factor = next((f.label for f in result.factors if f.id == value), value) \
            if result else value
        return f"all treatment groups of {factor} histology (not this patient's treatment)"
    whom = value if kind == "cohort" else "everyone in the study"
    return f"whole cohort: {whom} (not this patient's own figure)"


def scoped_estimate(e: Estimate, result: Result | None = None) -> str:
    """An estimate with whom it describes: "...: 10.5% [patients with score 3]"."""
    return f"{estimate_phrase(e)} [{scope_phrase(e, result)}]"


def assumption(a: Assumption) -> str:
    return a.label


def conditional_phrase(assumptions: Sequence[Assumption]) -> str:
    """"if pulmonary metastasectomy, chemotherapy" ('' when nothing is assumed)."""
    return "if " + ", ".join(assumption(a) for a in assumptions) if assumptions else ""


def option_heading(option: Option) -> str:
    """"if no chemotherapy: SP alone" — the choice and what it leads to (the finest group
    the study names for it)."""
    what = option.subgroup_label or option.group_label
    if what is None and option.score is not None:
        what = f"score {option.score}"
    elif what is None and option.score_range is not None:
        what = f"score {option.score_range[0]}-{option.score_range[1]}"
    choice = conditional_phrase(option.assumes) or "otherwise"
    return f"{choice}: {what or 'no group of the study'}"


def applies_phrase(result: Result) -> str:
    """yes / yes, if ... / no: <the patient's side> / needs: <fields>."""
    if result.status == "not_applicable":
        return "no: " + "; ".join(p.detail for p in result.population if p.holds is False)
    if any(r.kind == "applicability_unknown" for r in result.why):
        return needs_phrase(result)
    conditional = conditional_phrase(result.conditional_on)
    return f"yes, {conditional}" if conditional else "yes"


def reason_text(r: Reason) -> str:
    """Why a result is not complete, in words."""
    fields = ", ".join(r.fields)
    if r.kind == "outside_population":
        return f"{r.label} ({r.detail})"
    if r.kind == "applicability_unknown":
        return f"applicability unknown: {fields} not given ({r.label})"
    if r.kind == "factor_unknown":
        return f"{r.label}: {fields} unknown"
    if r.kind == "group_undetermined":
        return f"treatment group undetermined: {fields} unknown"
    return "the treatment matches none of the study's groups"


def needs_phrase(result: Result) -> str:
    """"needs primary_site (the NCDB cohort had ...); metastasis_timing (...)"."""
    return "needs " + "; ".join(f"{', '.join(r.fields)} ({r.label})" for r in result.why
                                if r.kind == "applicability_unknown")


def range_flag(flag: RangeFlag, unit: str | None) -> str:
    low, high = number(flag.stated_min), number(flag.stated_max)
    stated_unit = f" {flag.unit}" if flag.unit else ""
    return (f"{flag.field} {value_with_unit(flag.value, unit)} is outside the range observed "
            f"in the study ({low}-{high}{stated_unit}; {flag.provenance})")


@dataclass(frozen=True)
class StudyWarning:
    kind: WarningKind
    text: str


WARNING_LABEL: Mapping[WarningKind, str] = {
    "status": "rule set", "condition_of_use": "use", "figure_note": "figure",
    "caveat": "caveat", "range": "outside the study", "limitation": "limitation",
    "synonym": "input"}


def warnings(result: Result, units: Mapping[str, str] | None = None,
             notes: Mapping[str, str] | None = None) -> list[StudyWarning]:
    """The study's own warnings for this patient, worded as the rule set words them: its
    rule set's lifecycle, conditions of use, notes on the figures shown, caveats that hold
    (or may), values outside the cohort's range, and its limitations. None for a study
    that does not apply (its reason says enough)."""
    if result.status == "not_applicable":
        return []
    out: list[StudyWarning] = []
    if result.rule_set_status in UNOFFICIAL:
        out.append(StudyWarning("status", f"this rule set is a {result.rule_set_status}, not "
                                "a reviewed encoding of the study"))
    out += [StudyWarning("range", range_flag(f, (units or {}).get(f.field)))
            for f in result.outside_range]
    out += [StudyWarning("caveat", ("" if c.present else "(if it applies) ") + c.message)
            for c in result.caveats if c.present is not False]
    shown = [*result.estimates, *result.candidate_estimates,
             *(e for o in result.options for e in (*o.estimates, *o.candidate_estimates)),
             *result.reference_estimates]
    out += [StudyWarning("figure_note", note) for note in dict.fromkeys(
        e.note for e in shown if e.note)]
    out += [StudyWarning("condition_of_use", t) for t in result.conditions_of_use]
    out += [StudyWarning("limitation", t) for t in result.limitations]
    out += [StudyWarning("synonym", f"{name}: {note}") for name, note in (notes or {}).items()]
    return out


def heading(patient_id: str | None, results: Iterable[Result]) -> str:
    """"Patient X: what five published studies observed" ("studies" when one is a draft)."""
    listed = list(results)
    count = len(listed)
    names = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven"}
    who = f"Patient {patient_id}" if patient_id else "Patient"
    noun = "study" if count == 1 else "studies"
    published = "" if any(r.rule_set_status in UNOFFICIAL for r in listed) else "published "
    return f"{who}: what {names.get(count, str(count))} {published}{noun} observed"


def input_rows(patient: Any, fields: Any) -> list[tuple[str | None, str]]:
    """The inputs as given and as understood, as (field, what it says) pairs: value,
    canonical unit, derived fields, lower bounds, and (field None) the treatments left
    undecided. For formats that show the field apart (the HTML report's table)."""
    rows: list[tuple[str | None, str]] = []
    for name, raw in patient.given.items():
        if name == "id":
            continue
        unit = fields[name].canonical_unit
        value = patient.values.get(name)
        given = str(raw).lower() if isinstance(raw, bool) else str(raw).strip()
        understood = value_with_unit(value, unit)
        note = f" = {understood}" if understood != given and value is not None else ""
        if name in patient.calendar:
            note += " (compared in months with cut-offs stated in months or years)"
        rows.append((name, f"{given}{note}"))
    for name, how in patient.derived.items():
        if name in patient.values:
            shown = value_with_unit(patient.values[name], fields[name].canonical_unit)
            rows.append((name, f"{shown} (derived: {how})"))
    for name, least in patient.bounds.items():
        sources = [f.name for f in fields.fields.values()
                   if name in (f.implies_at_least or {}) and f.name in patient.values]
        rows.append((name, f"at least {number(least)} (implied by {', '.join(sources)})"))
    undecided = [f.option_text(True) for f in fields.fields.values()
                 if f.treatment and f.name not in patient.values]
    if undecided:
        rows.append((None, "undecided treatments (shown as options): " + ", ".join(undecided)))
    return rows


def inputs_lines(patient: Any, fields: Any) -> list[str]:
    """The inputs as given and as understood, a line each ("field: what it says")."""
    return [f"{name}: {text}" if name else text for name, text in input_rows(patient, fields)]
