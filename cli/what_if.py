"""`prognosis compare --what-if`: the original and the changed patient side by side."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import click
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

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
from .render_panels import value_with_unit

MARK = "* "  # a changed line (also visible without colour)


def _lines(r: Result) -> list[str]:
    lines = [f"applies: {fmt.applies_text(r, brief=True)}"]
    lines += [line for line in fmt.outcome_text(r, brief=True) if line != "-"]
    if r.status != "not_applicable":
        lines += fmt.factor_lines(r, brief=True)
    lines += [line for line in fmt.estimate_lines(r) if line != "-"]
    return lines


def _cells(before: Result, after: Result) -> tuple[Text, Text]:
    old, new = _lines(before), _lines(after)
    left = Text("\n".join(old))
    right = Text()
    for i, line in enumerate(new):
        if i:
            right.append("\n")
        if line in old:
            right.append(line)
        else:
            right.append(MARK + line, style="bold yellow")
    return left, right


def _shown(value: Any, unit: str | None) -> str:
    return "unknown" if value is None else value_with_unit(value, unit)


def render_what_if(console: Console, original: Comparison, changed: Comparison,
                   inputs: Sequence[dict[str, Any]], dropped: Sequence[str]) -> None:
    who = f"Patient {original.patient.id}" if original.patient.id else "Patient"
    console.print(Text(f"{who}: what if", style="bold"))
    units = {**original.units(), **changed.units()}
    table = Table("Field", "Original", "What if", box=box.SIMPLE_HEAD, pad_edge=False)
    for row in inputs:
        unit = units.get(row["field"])
        table.add_row(Text(row["field"]), Text(_shown(row["from"], unit)),
                      Text(MARK + _shown(row["to"], unit), style="bold yellow"))
    console.print(table)
    if dropped:
        console.print(Text("Left out of the changed patient, to be derived again or replaced: "
                           + ", ".join(dropped), style="dim"), soft_wrap=False)
    side = Table(box=box.SIMPLE_HEAD, show_lines=True, expand=True, pad_edge=False)
    for name, ratio in (("Study", 2), ("Original", 5), ("What if", 5)):
        side.add_column(name, ratio=ratio, overflow="fold")
    for a, b in zip(original.results, changed.results, strict=True):
        side.add_row(Text(f"{a.short_name} {a.year}", style="bold"), *_cells(a, b))
    console.print(side)
    console.print(Text(f"{MARK.strip()} changed by the what-if", style="dim"))
    changes = result_changes(original.results, changed.results)
    console.print(Text("Changes", style="bold"))
    if not changes:
        console.print(Text("  none: every study says the same for the changed patient"))
    for c in changes:
        console.print(Text(f"  {c['rule_set']}: {c['key']}: {_value(c['from'])} -> "
                           f"{_value(c['to'])}"))
    console.print(Text(original.document()["disclaimer"], style="italic"))


def _value(value: Any) -> str:
    if isinstance(value, list):
        return "[" + "; ".join(map(str, value)) + "]" if value else "none"
    return {True: "present", False: "absent", None: "unknown"}.get(value, str(value)) \
        if isinstance(value, bool | None) else str(value)


def render_what_if_markdown(original: Comparison, changed: Comparison,
                            inputs: Sequence[dict[str, Any]]) -> str:
    units = {**original.units(), **changed.units()}
    out = [f"## {fmt.heading(original.patient.id, original.results)}: what if", "",
           "| Field | Original | What if |", "|---|---|---|"]
    out += [f"| {r['field']} | {_shown(r['from'], units.get(r['field']))} | "
            f"**{_shown(r['to'], units.get(r['field']))}** |" for r in inputs]
    out += ["", "| Study | Original | What if |", "|---|---|---|"]
    for a, b in zip(original.results, changed.results, strict=True):
        old, new = _lines(a), _lines(b)
        right = [line if line in old else f"**{line}**" for line in new]
        out.append(f"| {a.short_name} {a.year} | {'<br>'.join(old)} | {'<br>'.join(right)} |")
    out += ["", "**Changes**", ""]
    out += [f"- {c['rule_set']}: {c['key']}: {_value(c['from'])} -> {_value(c['to'])}"
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
