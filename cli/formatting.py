"""Short human-readable phrases for results, shared by the table and Markdown output."""

from __future__ import annotations

from prognosis.engine.model import Effect, Estimate
from prognosis.engine.results import FactorResult, Result

ENDPOINTS = {
    "overall_survival": "OS",
    "post_relapse_survival": "post-relapse survival",
    "disease_free_survival": "DFS",
}
MARK = {True: "+", False: "-", None: "?"}
NUMBERS = dict(enumerate(("one", "two", "three", "four", "five", "six", "seven", "eight",
                          "nine", "ten"), start=1))


def heading(patient_id: str | None, count: int) -> str:
    who = f"Patient {patient_id}" if patient_id else "Patient"
    studies = "study" if count == 1 else "studies"
    return f"{who}: what {NUMBERS.get(count, str(count))} published {studies} observed"


def number(value: float) -> str:
    return f"{value:g}"


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
    if effect.outcome and effect.outcome != "overall survival":
        text += f", {effect.outcome}"
    return text


def horizon_text(months: int | None) -> str:
    if months is None:
        return ""
    return f"{months // 12}-y" if months % 12 == 0 else f"{months}-mo"


def estimate_text(e: Estimate) -> str:
    endpoint = ENDPOINTS.get(e.endpoint, e.endpoint.replace("_", " "))
    if e.statistic == "median_months":
        value = f"{number(e.value)} mo"
        if e.stated_unit == "years":
            value = f"{number(e.stated_value)} y ({number(e.value)} mo)"
        return f"median {endpoint} from {e.origin}: {value}"
    return f"{horizon_text(e.horizon_months)} {endpoint} from {e.origin}: {e.value:.1f}%"


def selector_text(e: Estimate) -> str:
    kind, value = e.selector.kind, e.selector.value
    return {"score": f"if score {value}", "group": f"if {value}",
            "factor": f"if {value}"}.get(kind, "if applicable")


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
    """"yes", "no: <why>" or "unknown: <what is missing>"; brief gives the patient's side only."""
    if result.status == "not_applicable":
        if brief:
            return "no: " + "; ".join(p.detail for p in result.population if p.holds is False)
        return "no: " + "; ".join(result.reasons)
    if any(p.holds is None for p in result.population):
        if brief:
            return "unknown: " + "; ".join(p.detail for p in result.population
                                           if p.holds is None)
        return "unknown: " + "; ".join(r for r in result.reasons
                                       if r.startswith("applicability unknown"))
    return "yes"


def outcome_text(result: Result, brief: bool = False) -> list[str]:
    """The score or treatment group, and what is missing to decide it (brief: only that
    something is missing; the table lists the reasons as notes)."""
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
        if result.group:
            lines.append(f"group: {result.group_label}")
            group = next(g for g in result.groups if g.id == result.group)
            lines += [effect_text(e) + (f" vs {e.reference}" if e.reference else "")
                      for e in group.effects[:1]]
            if result.subgroup:
                sub = next(g for g in result.groups if g.id == result.subgroup)
                lines.append(f"subgroup: {sub.label}")
        else:
            labels = [g.label for g in result.groups if g.id in result.possible_groups
                      and g.parent is None]
            lines.append("group undetermined; one of: " + "; ".join(labels))
    else:
        lines.append("risk signals (no score)")
    missing = [r for r in result.reasons if not r.startswith("applicability unknown")]
    if brief and result.status == "incomplete":
        return [*lines, "(incomplete)"] if "incomplete" not in " ".join(lines) else lines
    return lines + missing


def estimate_lines(result: Result) -> list[str]:
    if result.status == "not_applicable":
        return ["-"]
    lines = [estimate_text(e) for e in result.estimates]
    heading = None
    for e in result.candidate_estimates:
        if selector_text(e) != heading:
            heading = selector_text(e)
            lines.append(f"{heading}:")
        lines.append(f"  {estimate_text(e)}")
    if not lines:
        lines = [f"whole cohort: {estimate_text(e)}" for e in result.reference_estimates]
        lines = lines or ["no survival figure published for this patient"]
    return lines


def caveat_lines(result: Result) -> list[str]:
    if result.status == "not_applicable":
        return []
    return [("" if c.present else "? ") + c.message
            for c in result.caveats if c.present is not False]
