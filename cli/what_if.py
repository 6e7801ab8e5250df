"""`prognosis compare --what-if`: the original and the changed patient side by side."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from difflib import SequenceMatcher
from typing import Any

import click
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from prognosis.engine import text as words
from prognosis.engine.comparison import Comparison, compare_patient
from prognosis.engine.errors import InputError, Problem
from prognosis.engine.evaluate import Comparator
from prognosis.engine.patient import normalise
from prognosis.engine.results import Result
from prognosis.engine.what_if import (
    apply_changes,
    input_changes,
    parse_changes,
    result_changes,
)

from . import formatting as fmt
from .app import App
from .render_panels import hanging
from .study_rows import study_rows

MARK = "* "  # a changed line (also visible without colour)


def aligned(before: Result, after: Result, units: dict[str, str]
            ) -> list[tuple[str, str | None, str | None]]:
    """The two sides of a study row by row, line by line: (label, original, what if); a
    line that exists on one side only faces an empty cell, so the sides never drift."""
    old = {row.label: list(row.lines) for row in study_rows(before, units)}
    new = {row.label: list(row.lines) for row in study_rows(after, units)}
    if old.get("Warnings") == new.get("Warnings") and "Warnings" in old:
        # Said once, under both sides (shared_warnings), not twice side by side.
        old["Warnings"] = new["Warnings"] = ["(the same on both sides: listed below)"]
    labels = list(dict.fromkeys([*old, *new]))
    out: list[tuple[str, str | None, str | None]] = []
    for label in labels:
        a, b = old.get(label, []), new.get(label, [])
        first = True
        for _tag, i1, i2, j1, j2 in SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
            left, right = a[i1:i2], b[j1:j2]
            for k in range(max(len(left), len(right))):
                out.append((label if first else "", left[k] if k < len(left) else None,
                            right[k] if k < len(right) else None))
                first = False
    return out


def shared_warnings(before: Result, after: Result, units: dict[str, str]) -> list[str]:
    """The study's warnings when the what-if leaves them as they were (else [])."""
    old = [r.lines for r in study_rows(before, units) if r.label == "Warnings"]
    new = [r.lines for r in study_rows(after, units) if r.label == "Warnings"]
    return list(old[0]) if old and old == new else []


def _cells(label: str, left: str | None, right: str | None) -> tuple[Text, Text, Text]:
    changed = left != right
    new = Text()
    if right is not None:
        new = Text(MARK + right, style="bold yellow") if changed else Text(right)
    elif changed:
        new = Text(MARK + "(no longer shown)", style="bold yellow")
    return Text(label, style="dim"), Text(left or ""), new


def _shown(value: Any, unit: str | None, given: Any = None) -> str:
    return "unknown" if value is None else words.as_given(given, value, unit)


def render_what_if(console: Console, original: Comparison, changed: Comparison,
                   inputs: Sequence[dict[str, Any]], dropped: Sequence[str]) -> None:
    who = f"Patient {original.patient.id}" if original.patient.id else "Patient"
    console.print(Text(f"{who}: what if", style="bold"))
    units = {**original.units(), **changed.units()}
    table = Table("Field", "Original", "What if", box=box.SIMPLE_HEAD, pad_edge=False)
    for row in inputs:
        unit = units.get(row["field"])
        table.add_row(Text(row["field"]), Text(_shown(row["from"], unit, row["from_given"])),
                      Text(MARK + _shown(row["to"], unit, row["to_given"]),
                           style="bold yellow"))
    console.print(table)
    if dropped:
        console.print(Text("Left out of the changed patient, to be derived again or replaced: "
                           + ", ".join(dropped), style="dim"), soft_wrap=False)
    for a, b in zip(original.results, changed.results, strict=True):
        side = Table(box=box.SIMPLE_HEAD, expand=True, pad_edge=False,
                     title=f"{a.short_name} {a.year}", title_justify="left",
                     title_style="bold")
        side.add_column("", width=9, no_wrap=True)
        side.add_column("Original", ratio=1, overflow="fold")
        side.add_column("What if", ratio=1, overflow="fold")
        for label, left, right in aligned(a, b, units):
            side.add_row(*_cells(label, left, right))
        console.print(side)
        warnings = shared_warnings(a, b, units)
        if warnings:
            console.print(Text(f"{a.short_name}'s own warnings (both sides):", style="dim"))
            for line in warnings:
                console.print(hanging(f"- {line}"))
    console.print(Text(f"{MARK.strip()} changed by the what-if", style="dim"))
    changes = result_changes(original.results, changed.results)
    console.print(Text("Changes", style="bold"))
    if not changes:
        console.print(Text("  none: every study says the same for the changed patient"))
    for c in changes:
        console.print(hanging(f"- {change_text(c, original.results, changed.results)}"))
    console.print(Text(original.document()["disclaimer"], style="italic"))


def change_text(change: Mapping[str, Any], before: Sequence[Result],
                after: Sequence[Result]) -> str:
    """One entry of result_changes for a reader: the study's short name, a factor, group
    or caveat by the rule set's label (a caveat it gives none, by its id), options and
    conditions in the clinician's words for each choice (as the study blocks say them)."""
    a = next(r for r in before if r.rule_set == change["rule_set"])
    b = next(r for r in after if r.rule_set == change["rule_set"])
    kind, _, item = change["key"].partition(".")
    old, new = change["from"], change["to"]
    if kind == "factors":
        what = words.factor_name(item, next((f.label for f in a.factors if f.id == item), ""))
    elif kind == "caveats":
        what = words.caveat_name(item, next((c.label for c in a.caveats if c.id == item), ""))
    elif kind == "options":
        what = "options"
        old, new = ([words.option_heading(o) for o in r.options] for r in (a, b))
    elif kind == "conditional_on":
        what = "conditional on"
        old, new = ([words.assumption(x) for x in r.conditional_on] for r in (a, b))
    else:
        what = kind.replace("_", " ")
        if kind in ("group", "subgroup"):
            labels = {g.id: g.label for r in (a, b) for g in r.groups}
            old, new = labels.get(old, old), labels.get(new, new)
    return f"{a.short_name}: {what}: {_value(old)} -> {_value(new)}"


def _value(value: Any) -> str:
    if isinstance(value, list):
        return "[" + "; ".join(map(str, value)) + "]" if value else "none"
    return words.PRESENCE[value] if isinstance(value, bool | None) else str(value)


def render_what_if_markdown(original: Comparison, changed: Comparison,
                            inputs: Sequence[dict[str, Any]]) -> str:
    units = {**original.units(), **changed.units()}
    out = [f"## {fmt.heading(original.patient.id, original.results)}: what if", "",
           "| Field | Original | What if |", "|---|---|---|"]
    out += [f"| {r['field']} | {_shown(r['from'], units.get(r['field']), r['from_given'])} | "
            f"**{_shown(r['to'], units.get(r['field']), r['to_given'])}** |" for r in inputs]
    for a, b in zip(original.results, changed.results, strict=True):
        out += ["", f"### {a.short_name} {a.year}", "", "| | Original | What if |",
                "|---|---|---|"]
        for label, left, right in aligned(a, b, units):
            shown = right or ""
            if left != right:
                shown = f"**{right}**" if right is not None else "**(no longer shown)**"
            out.append(f"| {label} | {(left or '').replace('|', '/')} | "
                       f"{shown.replace('|', '/')} |")
        warnings = shared_warnings(a, b, units)
        if warnings:
            out += ["", f"{a.short_name}'s own warnings (both sides):", ""]
            out += [f"- {line}" for line in warnings]
    out += ["", "**Changes**", ""]
    out += [f"- {change_text(c, original.results, changed.results)}"
            for c in result_changes(original.results, changed.results)] or ["- none"]
    out += ["", f"*{original.document()['disclaimer']}*", ""]
    return "\n".join(out)


def show_what_if(app: App, original: Comparison, comparator: Comparator, raw: Any,
                 source: str, texts: Sequence[str], output_format: str,
                 export_path: str | None) -> None:
    if export_path or output_format == "fhir":
        what = "--export" if export_path else "--format fhir"
        raise InputError([Problem("--what-if", f"cannot be combined with {what}: a report or a "
                                  "FHIR bundle records one patient as given")])
    fields = original.fields
    changes = parse_changes(texts, fields)
    data, dropped = apply_changes(raw, changes, fields)
    patient = normalise(data, fields, f"{source} (what-if)")
    changed = compare_patient(comparator, patient, fields, original.margins)
    inputs = input_changes(original.patient, patient)
    if output_format == "json":
        document = {"original": original.document(), "what_if": changed.document(),
                    "changes": result_changes(original.results, changed.results),
                    "inputs": inputs, "dropped": dropped}
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
    elif output_format == "markdown":
        click.echo(render_what_if_markdown(original, changed, inputs), nl=False)
    else:
        render_what_if(app.out, original, changed, inputs, dropped)
