"""Short human-readable phrases for results, shared by the table and Markdown output."""

from __future__ import annotations

from collections.abc import Sequence

from prognosis.engine import text as words
from prognosis.engine.model import Effect, Estimate
from prognosis.engine.results import FactorResult, Result

ENDPOINTS = words.ENDPOINTS
MARK = {True: "+", False: "-", None: "?"}
NUMBERS = dict(enumerate(("one", "two", "three", "four", "five", "six", "seven", "eight",
                          "nine", "ten"), start=1))


def heading(patient_id: str | None, results: Sequence[Result]) -> str:
    return words.heading(patient_id, results)


def number(value: float) -> str:
    return words.general(value)


def effect_text(effect: Effect, brief: bool = False) -> str:
    """"HR 5.4 (1.8-16), p=0.002"; brief: size and CI only."""
    text = f"{effect.measure} {number(effect.value)}"
    if effect.ci:
        text += f" ({number(effect.ci[0])}-{number(effect.ci[1])})"
    if brief:
        return text
    if effect.p is not None:
        p = str(effect.p).replace(" ", "")
        text += f", p{p}" if p.startswith(("<", ">")) else f", p={p}"
    if effect.outcome:
        text += f", {effect.outcome}"
    return text


def horizon_text(months: int | None) -> str:
    return words.horizon(months)


def estimate_text(e: Estimate) -> str:
    return words.estimate_phrase(e)


def factor_lines(result: Result, brief: bool = False) -> list[str]:
    """Scored and signal factors one per line; covariate variables by their level."""
    lines: list[str] = []
    seen_variables: set[str] = set()
    for f in result.factors:
        if f.variable is None:
            lines.append(_factor_line(f, brief))
            continue
        if f.variable in seen_variables:
            continue
        levels = [x for x in result.factors if x.variable == f.variable]
        held = [x for x in levels if x.present is True]
        if held:
            seen_variables.add(f.variable)
            lines.append(_factor_line(held[0], brief))
        elif any(x.present is None for x in levels):
            seen_variables.add(f.variable)
            lines.append(f"? {f.variable.replace('_', ' ')} unknown")
    return lines


def _factor_line(f: FactorResult, brief: bool) -> str:
    text = f"{MARK[f.present]} {f.label}"
    if f.points:
        text += f" [{f.points} pt]"
    if f.direction == "reference":
        text += " (reference)"
    elif f.effects:
        text += f" ({effect_text(f.effects[0], brief)})"
    return text


def applies_text(result: Result, brief: bool = False) -> str:
    """"yes", "yes, if ..." (a treatment the study's cohort all had), "no: <why>" or
    "needs: <what is missing>"; brief gives the patient's side only."""
    if result.status == "not_applicable" and not brief:
        return "no: " + "; ".join(result.reasons)
    return words.applies_phrase(result)


def outcome_text(result: Result, brief: bool = False) -> list[str]:
    """The score or treatment group (one line per option when a treatment is undecided),
    and what is missing to decide it (brief: only that something is missing; the table
    lists the reasons as notes)."""
    if result.status == "not_applicable":
        return ["-"]
    lines: list[str] = []
    if result.model == "score" and result.score_range is not None:
        low, high = result.score_range
        if result.score is not None:
            lines.append(f"score {result.score} of {result.max_score}")
        elif low == high:
            lines.append(f"score {low} of {result.max_score} (if applicable)")
        else:
            lines.append(f"score {low}-{high} of {result.max_score} (incomplete)")
    elif result.model == "group":
        if result.group and not result.options:
            lines.append(f"{result.group_label}")
            group = next(g for g in result.groups if g.id == result.group)
            lines += [effect_text(e) + (f" vs {e.reference}" if e.reference else "")
                      for e in group.effects[:1]]
            if result.subgroup:
                sub = next(g for g in result.groups if g.id == result.subgroup)
                lines.append(f"subgroup: {sub.label}")
        elif not result.options:
            labels = [g.label for g in result.groups if g.id in result.possible_groups
                      and g.parent is None]
            lines.append("group undetermined; one of: " + "; ".join(labels))
    else:
        lines.append("risk signals (no score)")
    if result.options:
        lines.append("options (treatment undecided):")
        lines += [f"  {words.option_heading(o)}" for o in result.options]
    missing = [words.reason_text(r) for r in result.why if r.kind != "applicability_unknown"]
    if brief and result.status == "incomplete":
        return [*lines, "(incomplete)"] if "incomplete" not in " ".join(lines) else lines
    return lines + [f"incomplete: {m}" for m in missing]


def estimate_lines(result: Result) -> list[str]:
    """The patient's figures, each option's, the possible ones, then the whole cohort's,
    each saying whom it describes."""
    if result.status == "not_applicable":
        return ["-"]
    lines = [words.scoped_estimate(e, result) for e in result.estimates]
    for option in result.options:
        shown = [*option.estimates, *option.candidate_estimates]
        lines.append(f"{words.conditional_phrase(option.assumes) or 'otherwise'}:")
        lines += [f"  {words.scoped_estimate(e, result)}" for e in shown] or [
            "  no figure published for this option"]
    heading = None
    for e in result.candidate_estimates:
        if selector_text(e) != heading:
            heading = selector_text(e)
            lines.append(f"{heading}:")
        lines.append(f"  {words.scoped_estimate(e, result)}")
    if not lines:
        lines = ["no survival figure published for patients like this one"]
    if result.reference_estimates:
        lines.append("not this patient's figures (whole cohort, for reference):")
        lines += [f"  {words.estimate_phrase(e)} [{e.selector.value}]"
                  for e in result.reference_estimates]
    return lines


def selector_text(e: Estimate) -> str:
    kind, value = e.selector.kind, e.selector.value
    return {"score": f"if score {value}", "group": f"if {value}",
            "factor": f"if {value}"}.get(kind, "if applicable")


def warning_lines(result: Result, units: dict[str, str] | None = None,
                  notes: dict[str, str] | None = None) -> list[str]:
    """The study's own warnings, each with what kind of warning it is."""
    return [f"{words.WARNING_LABEL[w.kind]}: {w.text}"
            for w in words.warnings(result, units, notes)]
