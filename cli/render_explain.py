"""`prognosis explain` as text: the trace, rule set by rule set, and the forest plot."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.text import Text

from prognosis.engine import text as words

from . import formatting as fmt
from .forest import forest_lines

VERDICT = {True: "true", False: "false", None: "unknown"}


def _effect(e: Mapping[str, Any]) -> str:
    text = f"{e['measure']} {fmt.number(e['value'])}"
    if e["ci"]:
        text += f" ({fmt.number(e['ci'][0])}-{fmt.number(e['ci'][1])})"
    else:
        text += " (no CI published)"
    if e["p"] is not None:
        p = str(e["p"]).replace(" ", "")
        text += f", p{p}" if p.startswith(("<", ">")) else f", p={p}"
    if e.get("outcome"):
        text += f", {e['outcome']}"
    if e.get("analysis"):
        text += f", {e['analysis']}"
    return text + f"  [{e['provenance']}]"


def _conditions(lines: list[str], conditions: list[Mapping[str, Any]], indent: str) -> None:
    for c in conditions:
        as_stated = c["stated"].split(" ", 1)[-1]
        stated = f" (stated: {as_stated})" if as_stated != c["text"].split(" ", 1)[-1] else ""
        lines.append(f"{indent}{c['text']}{stated}: patient {c['patient']} -> "
                     f"{VERDICT[c['verdict']]}")


def _estimate(e: Mapping[str, Any]) -> str:
    mark = {True: "=> ", None: "?  ", False: "   "}[e.get("applies", False)]
    if e.get("option"):
        mark = "=> "
    if e["statistic"] == "median_months":
        value = f"median {fmt.number(e['value'])} months"
        if e["stated"].endswith("years"):
            value += f" (stated {e['stated']})"
    else:
        value = f"{words.percent(e['value'])} at {e['horizon_months']} months"
    option = f" ({e['option']})" if e.get("option") else ""
    return (f"{mark}{e['mapping']}{option} -> {e['endpoint'].replace('_', ' ')} from "
            f"{e['origin']}: {value}  [{e['provenance']}]")


def explain_lines(trace: Mapping[str, Any]) -> list[str]:
    who = f"Patient {trace['patient_id']}" if trace["patient_id"] else "Patient"
    lines = [f"{who} ({trace['source']}): how each study reaches its result", "", "Inputs"]
    for row in trace["inputs"]:
        if row["derived"]:
            shown = fmt.number(row["value"]) if isinstance(row["value"], float) else \
                str(row["value"]).lower()
            unit = f" {row['unit']}" if row["unit"] else ""
            lines.append(f"  {row['field']}: {shown}{unit} (derived: {row['derived']})")
        else:
            given = row["conversion"] or str(row["given"]).lower() \
                if isinstance(row["given"], bool) else row["conversion"] or str(row["given"])
            lines.append(f"  {row['field']}: {given}")
    for rs in trace["rule_sets"]:
        lines += ["", f"{rs['short_name']} {rs['year']} (rule set {rs['rule_set']} "
                  f"{rs['version']}, {rs['status_of_rule_set']}): {rs['status']}"]
        lines += [f"  reason: {r}" for r in rs["reasons"]]
        lines.append(f"  cohort: n={rs['cohort']['n']}  [{rs['cohort']['provenance']}]")
        lines.append("  Population")
        for p in rs["population"]:
            lines.append(f"    {p['id']} -> {VERDICT[p['verdict']]}  [{p['provenance']}]")
            _conditions(lines, p["conditions"], "      ")
        if rs["factors"]:
            lines.append("  Factors")
        for f in rs["factors"]:
            points = f", {f['points']} point(s)" if f["points"] else ""
            lines.append(f"    {f['id']} ({f['label']}; {f['direction']}{points}) -> "
                         f"{VERDICT[f['verdict']]}  [{f['provenance']}]")
            _conditions(lines, f["conditions"], "      ")
            lines += [f"      {_effect(e)}" for e in f["effects"]]
        if rs["score"]:
            lines.append(f"  Score: {rs['score']['arithmetic']}")
        if rs["groups"]:
            lines.append(f"  Groups (patient: {rs['group'] or 'undetermined'}"
                         + (f", subgroup {rs['subgroup']}" if rs["subgroup"] else "") + ")")
        for g in rs["groups"]:
            parent = f", within {g['parent']}" if g["parent"] else ""
            lines.append(f"    {g['id']} ({g['label']}{parent}) -> {VERDICT[g['verdict']]}  "
                         f"[{g['provenance']}]")
            _conditions(lines, g["conditions"], "      ")
            lines += [f"      {_effect(e)}" for e in g["effects"]]
        if rs["conditional_on"]:
            lines.append("  Applies only " + " and ".join(
                f"if {a['label']} ({a['reason'] or 'assumed'})" for a in rs["conditional_on"]))
        if rs["options"]:
            lines.append("  Options (a treatment is undecided; each as if decided)")
            lines += [f"    {o['heading']}" for o in rs["options"]]
        if rs["estimates"]:
            lines.append("  Estimates (=> holds for the patient or under the option named, "
                         "? possible)")
            lines += [f"    {_estimate(e)}" for e in rs["estimates"]]
        if rs["reference_estimates"]:
            lines.append("  Whole-cohort figures (context, not for this patient)")
            lines += [f"    {_estimate(e)}" for e in rs["reference_estimates"]]
        held = [c for c in rs["caveats"] if c["verdict"] is not False]
        if held and rs["status"] != "not_applicable":
            lines.append("  Caveats")
            lines += [f"    {c['id']}{_labelled(c['label'])} -> {VERDICT[c['verdict']]}: "
                      f"{c['message']}  [{c['provenance']}]" for c in held]
        if rs["warnings"]:
            lines.append("  The study's own warnings")
            lines += [f"    {w['label']}: {w['text']}" for w in rs["warnings"]]
        lines += [f"  conflict in the paper: {c['text']}  [{c['provenance']}]"
                  for c in rs["conflicts"]]
    lines += ["", "Effect sizes of what holds for the patient (log scale; | = 1, no effect)"]
    rows = trace["forest"]
    if not rows:
        lines.append("  (no factor with an effect size holds)")
    plot = forest_lines(rows, width=31)

    def label_of(r: Mapping[str, Any]) -> str:
        label = f"{r['short_name']}: {r['label']}"
        return label if len(label) <= 36 else label[:35] + "…"

    width = max((len(label_of(r)) for r in rows), default=0)
    for r, line in zip(rows, plot, strict=False):
        ci = f" ({fmt.number(r['ci'][0])}-{fmt.number(r['ci'][1])})" if r["ci"] else " (no CI)"
        analysis = f", {r['analysis']}" if r.get("analysis") else ""
        lines.append(f"  {label_of(r).ljust(width)} {line} {r['measure']} "
                     f"{fmt.number(r['value'])}{ci}{analysis}")
    lines += [f"  {' ' * width} {line}" for line in plot[len(rows):]]
    lines += ["", trace["disclaimer"]]
    return lines


HANG = 4  # a continuation line is indented this much more than its line
# No line ends on a comparison or a number: "< 2 years", "23 months", "HR 5.4 (1.8-16)"
# stay on one line. The space after one becomes a mark textwrap does not break at.
_GLUE = re.compile(r"(?<!\S)(<=|>=|==|!=|<|>|=>|HR|OR|RR|\d[\d.,]*) (?=\S)")
_MARK = "\x00"


def wrap_line(line: str, width: int) -> list[str]:
    """`line` cut at spaces into lines of at most `width` characters, continuations indented
    by HANG more than the line itself; never inside a word (a word longer than the width
    stays whole on its own line), nor between a number and its unit. A line that fits is
    kept exactly, alignment included."""
    if len(line) <= width:
        return [line]
    indent = line[:len(line) - len(line.lstrip(" "))]
    hang = indent + " " * HANG
    if len(hang) >= width // 2:  # a deep indent must not squeeze the text to nothing
        hang = indent
    glued = _GLUE.sub(lambda m: m.group(1) + _MARK, line.lstrip(" "))
    parts = textwrap.wrap(glued, width=width, initial_indent=indent, subsequent_indent=hang,
                          break_long_words=False, break_on_hyphens=False)
    return [part.replace(_MARK, " ") for part in parts] or [line]


def render_explain(console: Console, trace: Mapping[str, Any]) -> None:
    """The trace wrapped at the console's width (a pipe gets 100 columns, or COLUMNS)."""
    for line in explain_lines(trace):
        for part in wrap_line(line, console.width):
            console.print(Text(part), soft_wrap=True)


def _labelled(label: str) -> str:
    """A caveat's label beside its id, as a factor's is ('' when it has none)."""
    return f" ({label})" if label else ""
