"""The panels under the comparison: derived inputs, where the studies disagree, values near
a cut-off. Lines of plain text, shared by the rich table, Markdown and the reports."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rich.console import RenderableType
from rich.text import Text

from prognosis.engine import text as words
from prognosis.engine.disagreements import Disagreement
from prognosis.engine.near_cutoffs import NearCutoff
from prognosis.engine.patient import Patient

from . import formatting as fmt

KIND_TITLE = {"threshold": "cut-offs", "statement": "statement",
              "different_quantity": "different quantities",
              "different_endpoint": "not comparable", "different_population": "populations"}
DISAGREE_TITLE = "Where the studies disagree, and why"
NEAR_TITLE = "Near a cut-off (margins are tool conventions, not evidence)"


def value_with_unit(value: Any, unit: str | None) -> str:
    """A value with its unit, as a trace shows it (up to four decimals)."""
    shown = words.exact(value) if isinstance(value, float) else words.plain(value)
    return f"{shown} {unit}" if unit else shown


def derived_lines(patient: Patient, units: Mapping[str, str]) -> list[str]:
    return [f"{name} {value_with_unit(patient.values[name], units.get(name))} (derived: {how})"
            for name, how in patient.derived.items() if name in patient.values]


def disagreement_lines(disagreements: Sequence[Disagreement],
                       agreements: bool = False) -> list[str]:
    """Real disagreements ('!'); the studies' agreements too ('= agreement') with `agreements`."""
    return [f"! {KIND_TITLE[d.kind]}: {d.message}" if d.flagged else
            f"= agreement, {KIND_TITLE[d.kind]}: {d.message}"
            for d in disagreements if d.flagged or agreements]


def _other_side_phrase(n: NearCutoff) -> str:
    """"under 15 mm", "at or over 730 days": where the value would be across the cut-off."""
    cut = words.stated_value(n.stated_value) + (f" {n.stated_unit}" if n.stated_unit else "")
    upper = n.op in (">=", "<")  # the cut-off itself is on the upper side
    goes_up = n.value < n.threshold or (n.value == n.threshold and not upper)
    if upper:
        return f"at or over {cut}" if goes_up else f"under {cut}"
    return f"over {cut}" if goes_up else f"at or under {cut}"


def _estimates_text(estimates: Sequence[Mapping[str, Any]]) -> str:
    if not estimates:
        return "none"
    parts = []
    for e in estimates:
        endpoint = fmt.ENDPOINTS.get(e["endpoint"], e["endpoint"].replace("_", " "))
        if e["statistic"] == "median_months":
            parts.append(f"median {endpoint} {words.value_with_unit(e['value'], 'mo')}")
        else:
            parts.append(f"{fmt.horizon_text(e['horizon_months'])} {endpoint} "
                         f"{words.percent(e['value'])}")
    return "; ".join(parts)


def change_phrases(n: NearCutoff) -> list[str]:
    """What would change on the other side, in the rule set's own labels of its factors,
    groups, caveats (by id where it gives none) and treatment choices."""
    this, other = n.this_side, n.other_side

    def factor(item: str) -> str:
        return words.factor_name(item, n.labels.get(f"factor:{item}", ""))

    def caveat(item: str) -> str:
        return words.caveat_name(item, n.labels.get(f"caveat:{item}", ""))

    def choice(name: str, chosen: bool) -> str:
        said = "yes" if chosen else "no"
        return n.labels.get(f"treatment:{name}:{said}", f"{name} {said}")

    def group(value: Any) -> str:
        return n.labels.get(f"group:{value}", fmt_value(value))

    phrases = []
    if n.factor is not None:
        phrases.append(f"{factor(n.factor)} {words.PRESENCE[this['present']]} -> "
                       f"{words.PRESENCE[other['present']]}")
    for key in ("status", "score"):
        if key in other:
            phrases.append(f"{key} {fmt_value(this[key])} -> {fmt_value(other[key])}")
    for key in ("group", "subgroup"):
        if key in other:
            phrases.append(f"{key} {group(this[key])} -> {group(other[key])}")
    if "score_range" in other and "score" not in other:
        phrases.append(f"score range {fmt_value(this['score_range'])} -> "
                       f"{fmt_value(other['score_range'])}")
    if "options" in other:
        phrases.append(f"options {_options_text(this['options'], group, choice)} -> "
                       f"{_options_text(other['options'], group, choice)}")
    for key in ("estimates", "candidate_estimates"):
        if key in other:
            label = "estimates" if key == "estimates" else "possible estimates"
            phrases.append(f"{label} {_estimates_text(this[key])} -> "
                           f"{_estimates_text(other[key])}")
    for item, present in other.get("factors", {}).items():
        phrases.append(f"{factor(item)} {words.PRESENCE[this['factors'][item]]} -> "
                       f"{words.PRESENCE[present]}")
    for item, present in other.get("caveats", {}).items():
        phrases.append(f"{caveat(item)} {words.PRESENCE[this['caveats'][item]]} -> "
                       f"{words.PRESENCE[present]}")
    return phrases


def _options_text(options: Sequence[Mapping[str, Any]], group: Callable[[Any], str],
                  choice: Callable[[str, bool], str]) -> str:
    if not options:
        return "none"
    return "; ".join("if " + ", ".join(choice(k, v) for k, v in o["assumes"].items())
                     + f": {group(o['group']) if o['group'] else o['score']}"
                     for o in options)


def fmt_value(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, list):
        return "-".join(map(str, value))
    return str(value)


def near_cutoff_lines(near: Sequence[NearCutoff]) -> list[str]:
    """Each value near a cut-off, in the unit it was given in, and what the other side
    would change."""
    lines = []
    for n in near:
        unit, value, _, distance, margin = n.shown or (n.unit, n.value, n.threshold,
                                                       n.distance, n.margin)
        where = "exactly at" if n.distance == 0 else f"{words.value_with_unit(distance, unit)} from"
        lines.append(f"! {n.field} {words.value_with_unit(value, unit)} is {where} "
                     f"{n.short_name}'s {n.stated} (margin {words.value_with_unit(margin, unit)})"
                     f"; if it were {_other_side_phrase(n)}: " + "; ".join(change_phrases(n)))
    return lines


def _section(title: str, lines: Sequence[str]) -> list[RenderableType]:
    """A titled panel; each entry's wrapped lines stay indented under its text."""
    return [Text(""), Text(title, style="bold"), *(hanging(line) for line in lines)] \
        if lines else []


def hanging(line: str) -> RenderableType:
    """An entry "! text..." whose wrapped lines continue under the text, not the mark
    (words whole, numbers with their units)."""
    from .wrap import Wrapped

    mark, _, rest = line.partition(" ")
    if not rest:
        return Text(line)
    return Wrapped(line, hanging=len(mark) + 1)


def rich_panels(patient: Patient, units: Mapping[str, str],
                disagreements: Sequence[Disagreement],
                near: Sequence[NearCutoff], agreements: bool = False) -> list[RenderableType]:
    """Disagreements and near cut-offs, for the rich table and reports (the inputs, derived
    ones included, head the comparison)."""
    parts: list[RenderableType] = []
    parts += _section(DISAGREE_TITLE, disagreement_lines(disagreements, agreements))
    parts += _section(NEAR_TITLE, near_cutoff_lines(near))
    return parts


def markdown_panels(patient: Patient, units: Mapping[str, str],
                    disagreements: Sequence[Disagreement],
                    near: Sequence[NearCutoff], agreements: bool = False) -> list[str]:
    blocks = []
    shown = [d for d in disagreements if d.flagged or agreements]
    if shown:
        blocks.append(f"**{DISAGREE_TITLE}**\n\n" + "\n".join(
            f"- {'**!** ' if d.flagged else '(agreement) '}*{KIND_TITLE[d.kind]}*: {d.message}"
            for d in shown))
    if near:
        blocks.append(f"**{NEAR_TITLE}**\n\n" + "\n".join(
            f"- {line[2:]}" for line in near_cutoff_lines(near)))
    return blocks
