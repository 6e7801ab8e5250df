"""`compare --export FILE`: a report a tumour board can file (HTML, SVG, Markdown, text).

The report is drawn once on a recording rich console and exported with rich's
own HTML, SVG and text export; Markdown is written from the same data. It
holds the inputs as given and normalised, the comparison, the disagreements,
the near-cut-off flags, the citations with DOIs, each rule set's id, version,
status and sha256, the tool version, the creation time and the disclaimer.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Mapping
from typing import Any

from rich.console import Console, RenderableType
from rich.terminal_theme import DEFAULT_TERMINAL_THEME
from rich.text import Text

from prognosis.engine.comparison import Comparison
from prognosis.engine.errors import InputError, Problem
from prognosis.engine.report import created_at, report_metadata

from . import formatting as fmt
from .app import App
from .render_markdown import render_markdown
from .render_panels import markdown_panels, rich_panels
from .render_table import LEGEND, comparison_blocks

WIDTH = 100
KINDS = (".html", ".svg", ".md", ".txt")

# One self-contained page: no script, no external style sheet or font; prints on A4.
HTML = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="{generator}">
<title>{title}</title>
<style>
{{stylesheet}}
@page {{{{ size: A4; margin: 12mm; }}}}
html, body {{{{ margin: 0; padding: 0; }}}}
body {{{{ color: {{foreground}}; background-color: {{background}}; }}}}
main {{{{ padding: 16px; }}}}
pre {{{{ font-family: 'DejaVu Sans Mono', Menlo, Consolas, 'Courier New', monospace;
        font-size: 13px; line-height: 1.3; margin: 0; white-space: pre; }}}}
@media print {{{{ main {{{{ padding: 0; }}}} pre {{{{ font-size: 7.4pt; }}}} }}}}
</style>
</head>
<body>
<main>
<pre><code style="font-family:inherit">{{code}}</code></pre>
</main>
</body>
</html>
"""


def _svg_format() -> str:
    """rich's SVG template without its web fonts (a filed report fetches nothing)."""
    from rich._export_format import CONSOLE_SVG_FORMAT

    return re.sub(r"@font-face \{\{.*?\}\}\n", "", CONSOLE_SVG_FORMAT, flags=re.S)


def _inputs_block(comparison: Comparison) -> list[Text]:
    return [Text("Inputs, as given (= as understood)", style="bold"),
            *(Text(f"  {line}") for line in comparison.inputs())]


def fmt_raw(raw: Any) -> str:
    return ("true" if raw else "false") if isinstance(raw, bool) else str(raw)


def _rule_set_lines(meta: Mapping[str, Any]) -> list[Text]:
    lines = [Text("Rule sets used (sha256 of each file)", style="bold")]
    for rs in meta["rule_sets"]:
        lines.append(Text(f"  {rs['id']} {rs['version']}, {rs['status']}, reviewed "
                          f"{rs['reviewed']}"))
        lines.append(Text(f"    sha256 {rs['sha256']}", style="dim"))
    return lines


def report_renderables(comparison: Comparison, meta: Mapping[str, Any]) -> list[RenderableType]:
    patient, results = comparison.patient, comparison.results
    who = f"patient {patient.id}" if patient.id else "one patient"
    blocks = comparison_blocks(results, comparison.units(), patient.notes)
    parts: list[RenderableType] = [
        Text(f"Prognosis comparison report: {who}", style="bold"),
        Text(f"Created {meta['created']} by {meta['tool']} {meta['version']} from "
             f"{meta['patient_source']}", style="dim"),
        Text(""), *_inputs_block(comparison), Text(""),
        Text(fmt.heading(patient.id, results), style="bold"), *blocks,
        Text(LEGEND, style="dim"),
        *rich_panels(patient, comparison.units(), comparison.disagreements,
                     comparison.near_cutoffs),
        Text(""), Text("Sources", style="bold"),
    ]
    for rs, r in zip(comparison.rule_sets, results, strict=True):
        line = Text(f"  {r.short_name}: {r.citation}")
        if rs.citation.doi:
            line.append(f"  https://doi.org/{rs.citation.doi}",
                        style=f"link https://doi.org/{rs.citation.doi}")
        parts.append(line)
    parts += [Text(""), *_rule_set_lines(meta), Text(""),
              Text(comparison.document()["disclaimer"], style="bold")]
    return parts


def markdown_report(comparison: Comparison, meta: Mapping[str, Any]) -> str:
    patient = comparison.patient
    units = comparison.units()
    out = [f"# Prognosis comparison report: {patient.id or 'one patient'}", "",
           f"Created {meta['created']} by {meta['tool']} {meta['version']} from "
           f"`{meta['patient_source']}`.", ""]
    out += ["", render_markdown(patient, comparison.results, markdown_panels(
        patient, units, comparison.disagreements, comparison.near_cutoffs),
        comparison.inputs(), units).rstrip(), ""]
    out += ["## Rule sets used", "", "| Rule set | Version | Status | Reviewed | sha256 |",
            "|---|---|---|---|---|"]
    out += [f"| {r['id']} | {r['version']} | {r['status']} | {r['reviewed']} | `{r['sha256']}` |"
            for r in meta["rule_sets"]]
    out += ["", "DOIs: " + ", ".join(f"{r['id']} https://doi.org/{r['doi']}"
                                     for r in meta["rule_sets"] if r["doi"]), ""]
    return "\n".join(out)


def render_report(comparison: Comparison, kind: str, created: str) -> str:
    meta = report_metadata(comparison, created)
    if kind == ".md":
        return markdown_report(comparison, meta)
    console = Console(record=True, width=WIDTH, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", highlight=False, emoji=False)
    for part in report_renderables(comparison, meta):
        console.print(part)
    title = f"Prognosis comparison report: {comparison.patient.id or 'one patient'}"
    if kind == ".txt":
        return console.export_text()
    if kind == ".svg":
        return console.export_svg(title=title, theme=DEFAULT_TERMINAL_THEME,
                                  code_format=_svg_format())
    from html import escape

    def safe(text: str) -> str:  # rich formats the template again: keep braces literal
        return escape(text).replace("{", "{{").replace("}", "}}")

    template = HTML.format(title=safe(title), generator=safe(f"{meta['tool']} {meta['version']}"))
    return console.export_html(theme=DEFAULT_TERMINAL_THEME, inline_styles=True,
                               code_format=template)


def write_report(app: App, comparison: Comparison, path: str) -> None:
    kind = os.path.splitext(path)[1].lower()
    if kind not in KINDS:
        raise InputError([Problem("--export", f"{path}: the file name must end in "
                                  + ", ".join(KINDS) + " (the format follows the extension)")])
    text = render_report(comparison, kind, created_at())
    try:
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except OSError as exc:
        raise InputError([Problem(path, f"cannot write the report: {exc.strerror}")]) from None
    app.err.print(Text(f"report written to {path}"), highlight=False, soft_wrap=True)
