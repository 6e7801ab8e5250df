"""`validate --export FILE.html|FILE.md|FILE.pdf`: the whole report, plots embedded.

HTML embeds the plots as SVG; Markdown writes them as PNG files beside the report
(FILE.km.png, ...) and links them; PDF is the HTML laid out by WeasyPrint. Every
file is written atomically: a failed export leaves nothing half-written.
"""

from __future__ import annotations

import html
import os
import shutil
import tempfile
from collections.abc import Callable
from typing import Any

from .render_validation import _version, render_markdown
from .validation_sections import TRIPOD, sections

STYLE = """body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.2em;font-size:.85em}
th,td{border:1px solid #bbb;padding:.25em .5em;text-align:right}
th:first-child,td:first-child{text-align:left}caption{text-align:left;font-weight:bold}
.item{color:#666;font-style:italic}figure{margin:1em 0;page-break-inside:avoid}
svg{max-width:100%;max-height:15cm;width:auto;height:auto}
@page{size:A4 landscape;margin:1.2cm}"""


def _plots(report: dict[str, Any], fitters: Any, image_format: str,
           directory: str) -> dict[str, str]:
    """The plots drawn into `directory`, by name (only those that have something to show)."""
    from prognosis.engine.cohort.km_plot import plot_calibration, plot_decision, plot_validation

    drawers: dict[str, Callable[[str], object]] = {
        "km": lambda p: plot_validation(report, fitters, p, image_format),
        "calibration": lambda p: plot_calibration(report, p, image_format),
        "decision": lambda p: plot_decision(report, p, image_format)}
    found = {}
    for name, draw in drawers.items():
        path = os.path.join(directory, f"{name}.{image_format}")
        if draw(path) is not False and os.path.exists(path):
            found[name] = path
    return found


def render_html(report: dict[str, Any], svgs: dict[str, str]) -> str:
    esc = html.escape
    out = ["<!DOCTYPE html>", "<html lang='en'><head><meta charset='utf-8'>",
           f"<title>{esc(report['short_name'])}: validation</title>",
           f"<style>{STYLE}</style></head><body>",
           f"<h1>{esc(report['short_name'])} ({esc(report['rule_set'])}): validation on your "
           "cohort</h1>"]
    for section in sections(report, _version()):
        out.append(f"<h2>{esc(section.title)}</h2>")
        out.append(f"<p class='item'>{esc(TRIPOD)} item {esc(section.item)}</p>")
        out += [f"<p>{esc(line)}</p>" for line in section.lines]
        for table in section.tables:
            out.append(f"<table><caption>{esc(table.title)}</caption><tr>"
                       + "".join(f"<th>{esc(c)}</th>" for c in table.columns) + "</tr>")
            out += ["<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>"
                    for row in table.rows]
            out.append("</table>")
        for name in section.images:
            if name in svgs:
                out.append(f"<figure>{svgs[name]}</figure>")
    out.append("</body></html>")
    return "\n".join(out)


def _svg(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    return text[text.index("<svg"):]  # drop the XML prolog: the SVG sits inside HTML


def write_report(report: dict[str, Any], fitters: Any, path: str) -> None:
    from prognosis.engine.cohort.writer import atomic_path

    kind = path.lower().rsplit(".", 1)[-1]
    with tempfile.TemporaryDirectory() as scratch:
        if kind == "md":
            plots = _plots(report, fitters, "png", scratch)
            stem = os.path.splitext(path)[0]
            links = {n: f"{os.path.basename(stem)}.{n}.png" for n in plots}
            for name, drawn in plots.items():
                with atomic_path(f"{stem}.{name}.png") as temporary:
                    shutil.copyfile(drawn, temporary)  # scratch may be another file system
            with atomic_path(path) as temporary, open(temporary, "w", encoding="utf-8") as out:
                out.write(render_markdown(report, links))
            return
        svgs = {n: _svg(p) for n, p in _plots(report, fitters, "svg", scratch).items()}
        page = render_html(report, svgs)
        with atomic_path(path) as temporary:
            if kind == "pdf":
                from weasyprint import HTML

                HTML(string=page).write_pdf(temporary)
            else:
                with open(temporary, "w", encoding="utf-8") as out:
                    out.write(page)
