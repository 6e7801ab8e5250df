"""`compare --export FILE`: a report a tumour board can file (HTML, PDF, SVG, Markdown, text).

HTML is a designed document built from the comparison's structure
(cli/report_html.py) and PDF is that page laid out on A4 (cli/report_pdf.py);
Markdown is headings and lists; SVG and text are the terminal report drawn on a
recording rich console (the SVG without rich's fake window). Every format
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
from .files import replaced_whole
from .render_markdown import render_markdown
from .render_panels import markdown_panels, rich_panels
from .render_table import LEGEND, comparison_blocks
from .report_html import render_html, title_of
from .report_pdf import render_pdf

WIDTH = 100
KINDS = (".html", ".pdf", ".svg", ".md", ".txt")


def _svg_format(background: str) -> str:
    """rich's SVG template without its web fonts (a filed report fetches nothing) and
    without the fake terminal window (rounded frame, title bar, three buttons): the page is
    a plain sheet in the theme's background colour, the text starting near its top."""
    from rich._export_format import CONSOLE_SVG_FORMAT

    svg = re.sub(r"@font-face \{\{.*?\}\}\n", "", CONSOLE_SVG_FORMAT, flags=re.S)
    sheet = f'<rect x="0" y="0" width="{{width}}" height="{{height}}" fill="{background}"/>'
    svg = svg.replace("{chrome}", sheet)
    return svg.replace("translate({terminal_x}, {terminal_y})", "translate({terminal_x}, 9)")


def _inputs_block(comparison: Comparison) -> list[Text]:
    return [Text("Inputs, as given (= as understood)", style="bold"),
            *(Text(f"  {line}") for line in comparison.inputs())]


def _rule_set_lines(meta: Mapping[str, Any]) -> list[Text]:
    lines = [Text("Rule sets used (sha256 of each file)", style="bold")]
    for rs in meta["rule_sets"]:
        lines.append(Text(f"  {rs['id']} {rs['version']}, {rs['status']}, reviewed "
                          f"{rs['reviewed']}"))
        lines.append(Text(f"    sha256 {rs['sha256']}", style="dim"))
    return lines


def report_renderables(comparison: Comparison, meta: Mapping[str, Any],
                       agreements: bool = False) -> list[RenderableType]:
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
                     comparison.near_cutoffs, agreements),
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


def markdown_report(comparison: Comparison, meta: Mapping[str, Any],
                    agreements: bool = False) -> str:
    patient = comparison.patient
    units = comparison.units()
    out = [f"# Prognosis comparison report: {patient.id or 'one patient'}", "",
           f"Created {meta['created']} by {meta['tool']} {meta['version']} from "
           f"`{meta['patient_source']}`.", ""]
    out += ["", render_markdown(patient, comparison.results, markdown_panels(
        patient, units, comparison.disagreements, comparison.near_cutoffs, agreements),
        comparison.inputs(), units).rstrip(), ""]
    out += ["## Rule sets used", ""]
    out += [f"- {r['id']} {r['version']}, {r['status']}, reviewed {r['reviewed']}, "
            f"sha256 `{r['sha256']}`" for r in meta["rule_sets"]]
    out += ["", "## DOIs", ""]
    out += [f"- {r['id']}: https://doi.org/{r['doi']}" for r in meta["rule_sets"] if r["doi"]]
    out.append("")
    return "\n".join(out)


def render_report(comparison: Comparison, kind: str, created: str, path: str = "",
                  agreements: bool = False) -> bytes:
    """The report in the format `kind` names (its file extension), as the bytes to write;
    `agreements` also lists where the studies agree (compare --all)."""
    meta = report_metadata(comparison, created)
    if kind in (".html", ".pdf"):
        page = render_html(comparison, meta, agreements)
        return render_pdf(page, path) if kind == ".pdf" else page.encode("utf-8")
    if kind == ".md":
        return markdown_report(comparison, meta, agreements).encode("utf-8")
    console = Console(record=True, width=WIDTH, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", highlight=False, emoji=False)
    for part in report_renderables(comparison, meta, agreements):
        console.print(part)
    if kind == ".txt":
        return console.export_text().encode("utf-8")
    background = DEFAULT_TERMINAL_THEME.background_color.hex
    return console.export_svg(title=title_of(comparison), theme=DEFAULT_TERMINAL_THEME,
                              code_format=_svg_format(background)).encode("utf-8")


def write_report(app: App, comparison: Comparison, path: str, agreements: bool = False) -> None:
    """Render the whole report first, then write it: a failure leaves no file half-written."""
    kind = os.path.splitext(path)[1].lower()
    if kind not in KINDS:
        raise InputError([Problem("--export", f"{path}: the file name must end in "
                                  + ", ".join(KINDS) + " (the format follows the extension)")])
    data = render_report(comparison, kind, created_at(), path, agreements)
    with replaced_whole(path, "the report") as temporary, open(temporary, "wb") as handle:
        handle.write(data)
    app.err.print(Text(f"report written to {path}"), highlight=False, soft_wrap=True)
