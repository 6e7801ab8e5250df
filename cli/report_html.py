"""`compare --export FILE.html`: the comparison as a designed, self-contained HTML document.

Built from structure, not from a terminal export: the inputs as a table, a
summary table, one section per study with its rows in reading order
(cli/study_rows), the panels, the sources with their DOIs, the rule sets with
their versions and hashes, the tool, the creation time and the disclaimer. Every
piece of data is escaped; the page has no script, no external style sheet, font
or image, reads at 1280 px and prints on A4 (the PDF export lays out this page).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

from prognosis.engine import text as words
from prognosis.engine.comparison import Comparison
from prognosis.engine.document import DISCLAIMER
from prognosis.engine.results import Result

from . import formatting as fmt
from .render_panels import DISAGREE_TITLE, KIND_TITLE, near_cutoff_lines
from .study_rows import Row, study_rows, study_subtitle, study_title

STYLE = """
:root { --ink: #1b1f24; --muted: #57606a; --rule: #d0d7de; --soft: #f6f8fa;
        --warn: #9a6700; --warn-bg: #fff8e5; --flag: #a40e26; }
* { box-sizing: border-box; }
html { color: var(--ink); background: #fff; }
body { margin: 0 auto; max-width: 72rem; padding: 2rem 2.5rem 3rem;
       font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
             "DejaVu Sans", sans-serif; overflow-wrap: break-word; }
h1 { font-size: 1.7rem; line-height: 1.25; margin: 0 0 .25rem; }
h2 { font-size: 1.3rem; margin: 2.2rem 0 .6rem; padding-bottom: .25rem;
     border-bottom: 2px solid var(--ink); }
h3 { font-size: 1.1rem; margin: 0; }
p { margin: .4rem 0; }
a { color: #0550ae; }
code, .id { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .88em; }
.meta { color: var(--muted); margin: 0 0 1rem; }
.disclaimer { border: 1px solid var(--rule); border-left: 4px solid var(--warn);
              background: var(--warn-bg); padding: .6rem .9rem; margin: 1rem 0; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 .8rem; }
caption { caption-side: top; text-align: left; color: var(--muted); padding: 0 0 .3rem; }
th, td { text-align: left; vertical-align: top; padding: .35rem .6rem;
         border-bottom: 1px solid var(--rule); }
thead th { background: var(--soft); border-bottom: 2px solid var(--rule); }
tbody th { font-weight: 600; white-space: nowrap; }
.rule-sets tbody th { width: 40%; }
.rule-sets tr:first-child > * { border-bottom: none; padding-bottom: 0; }
.rule-sets .hash-row td { padding: 0 .6rem .35rem 1.6rem; color: var(--muted); }
.hash { font-size: .85em; white-space: nowrap; }
tr { break-inside: avoid; }
tbody { break-inside: avoid; }
.summary { table-layout: fixed; }
.summary thead th:nth-child(1) { width: 18%; } .summary thead th:nth-child(2) { width: 22%; }
.summary thead th:nth-child(3) { width: 28%; } .summary thead th:nth-child(4) { width: 32%; }
.summary tbody th { white-space: normal; }
.inputs tbody th { width: 1%; padding-right: 1.5rem; }
.study { margin: 1.4rem 0 1.8rem; break-inside: auto; }
.study header { border-left: 4px solid var(--ink); padding: .1rem 0 .1rem .7rem;
                margin-bottom: .4rem; break-after: avoid; }
.study.not-applicable header { border-left-color: var(--rule); }
.study.not-applicable h3 { color: var(--muted); }
.population { color: var(--muted); margin: .1rem 0 0; }
.rows th { width: 7.5rem; }
.rows tr { break-inside: avoid; }
.rows tr.warnings { break-inside: auto; }
ul.lines li { break-inside: avoid; }
.rows tr.warnings th, .rows tr.warnings td { background: var(--warn-bg); }
.rows tr.warnings th { color: var(--warn); }
ul.lines { margin: 0; padding: 0; list-style: none; }
ul.lines ul.lines { padding-left: 1.2rem; }
ul.lines li { margin: .1rem 0; }
.kind { font-weight: 600; }
.panel ul { list-style: none; padding: 0; margin: 0; }
.panel li { margin: .45rem 0; padding-left: .7rem; border-left: 3px solid var(--rule); }
.panel li.flagged { border-left-color: var(--flag); }
.legend { color: var(--muted); font-size: .9em; }
footer { margin-top: 2.5rem; padding-top: .6rem; border-top: 1px solid var(--rule);
         color: var(--muted); font-size: .9em; }
@page { size: A4; margin: 15mm 14mm 17mm;
        @bottom-left { content: "Prognosis comparison report"; font: 8pt "DejaVu Sans",
                       sans-serif; color: #57606a; }
        @bottom-right { content: "page " counter(page) " of " counter(pages);
                        font: 8pt "DejaVu Sans", sans-serif; color: #57606a; } }
@media print {
  body { max-width: none; padding: 0; font-size: 9.5pt; line-height: 1.4; }
  h1 { font-size: 16pt; } h2 { font-size: 12.5pt; margin-top: 1.4rem; } h3 { font-size: 11pt; }
  h2, h3 { break-after: avoid; }
  a { color: inherit; text-decoration: none; }
  .disclaimer, .rows tr.warnings th, .rows tr.warnings td, thead th {
    -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .rows th { width: 5.8rem; }
  th, td { padding: .2rem .4rem; }
}
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _nested(lines: Sequence[str]) -> list[tuple[str, list[Any]]]:
    """Lines indented by two spaces per level (as study_rows gives them) as a tree."""
    root: list[tuple[str, list[Any]]] = []
    stack: list[tuple[int, list[tuple[str, list[Any]]]]] = [(-1, root)]
    for line in lines:
        depth = (len(line) - len(line.lstrip(" "))) // 2
        while stack[-1][0] >= depth:
            stack.pop()
        node: tuple[str, list[Any]] = (line.strip(), [])
        stack[-1][1].append(node)
        stack.append((depth, node[1]))
    return root


def _list(tree: Sequence[tuple[str, list[Any]]]) -> str:
    items = "".join(f"<li>{_e(text)}{_list(children) if children else ''}</li>"
                    for text, children in tree)
    return f'<ul class="lines">{items}</ul>'


def _warnings(result: Result, units: Mapping[str, str], notes: Mapping[str, str]) -> str:
    items = "".join(f'<li><span class="kind">{_e(words.WARNING_LABEL[w.kind])}:</span> '
                    f"{_e(w.text)}</li>" for w in words.warnings(result, units, notes))
    return f'<ul class="lines">{items}</ul>'


def _row(row: Row, result: Result, units: Mapping[str, str], notes: Mapping[str, str]) -> str:
    cell = _warnings(result, units, notes) if row.label == "Warnings" else \
        _list(_nested(row.lines))
    kind = f' class="{row.label.lower()}"'
    return f'<tr{kind}><th scope="row">{_e(row.label)}</th><td>{cell}</td></tr>'


def _anchor(result: Result) -> str:
    return "study-" + "".join(c if c.isalnum() else "-" for c in result.rule_set.lower())


def _study(result: Result, units: Mapping[str, str], notes: Mapping[str, str]) -> str:
    state = {"not_applicable": "not-applicable"}.get(result.status, "applies")
    rows = "".join(_row(row, result, units, notes) for row in study_rows(result, units, notes))
    return (f'<section class="study {state}" id="{_anchor(result)}"'
            f' aria-labelledby="{_anchor(result)}-h">'
            f'<header><h3 id="{_anchor(result)}-h">{_e(study_title(result))}</h3>'
            f'<p class="population">{_e(study_subtitle(result))}</p></header>'
            f'<table class="rows"><tbody>{rows}</tbody></table></section>')


def _summary(results: Sequence[Result], units: Mapping[str, str],
             notes: Mapping[str, str]) -> str:
    """One row per study: does it apply, the patient's score, group or options, and the
    figures for the patient (each option's and the whole cohort's stay in the study's
    section)."""
    body = []
    for r in results:
        rows = {row.label: row.lines for row in study_rows(r, units, notes)}
        outcome = [*rows.get("Score", ()), *rows.get("Group", ()), *rows.get("Model", ()),
                   *rows.get("Options", ())]
        figures = fmt.estimate_lines(dataclasses.replace(r, reference_estimates=(), options=())) \
            if "Figures" in rows else []
        if figures and r.options:
            figures = [*figures, f"{len(r.options)} options, each with its figures: see below"]
        body.append(f'<tr><th scope="row"><a href="#{_anchor(r)}">{_e(study_title(r))}</a>'
                    f'</th><td>{_e(fmt.applies_text(r, brief=True))}</td>'
                    f"<td>{_list(_nested(outcome)) if outcome else ''}</td>"
                    f"<td>{_list(_nested(figures)) if figures else ''}</td></tr>")
    return ('<table class="summary"><caption>At a glance (details per study below)</caption>'
            '<thead><tr><th scope="col">Study</th><th scope="col">Applies</th>'
            '<th scope="col">Score, group or options</th>'
            '<th scope="col">Figures for this patient</th></tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>")


def _inputs(comparison: Comparison) -> str:
    """The inputs as given and as understood: a row per field, and a row for what no single
    field says (the treatments left undecided)."""
    body = [f'<tr><th scope="row" class="id">{_e(name)}</th><td>{_e(text)}</td></tr>' if name
            else f'<tr><td colspan="2">{_e(text)}</td></tr>'
            for name, text in words.input_rows(comparison.patient, comparison.fields)]
    return ('<table class="inputs"><caption>As given (= as understood where it differs)'
            '</caption><thead><tr><th scope="col">Field</th><th scope="col">Value</th></tr>'
            f"</thead><tbody>{''.join(body)}</tbody></table>")


def _panel(title: str, note: str, items: Iterable[str], anchor: str) -> str:
    listed = "".join(items)
    if not listed:
        return ""
    intro = f'<p class="legend">{_e(note)}</p>' if note else ""
    return (f'<section class="panel" id="{anchor}"><h2>{_e(title)}</h2>{intro}'
            f"<ul>{listed}</ul></section>")


def _panels(comparison: Comparison, agreements: bool) -> str:
    """Real disagreements (agreements too, marked, with `agreements`) and near cut-offs."""
    disagreements = (f'<li class="flagged"><span class="kind">{_e(KIND_TITLE[d.kind])}:</span> '
                     f"{_e(d.message)}</li>" if d.flagged else
                     f'<li class="agreement"><span class="kind">agreement, '
                     f"{_e(KIND_TITLE[d.kind])}:</span> {_e(d.message)}</li>"
                     for d in comparison.disagreements if d.flagged or agreements)
    near = (f'<li class="flagged">{_e(line[2:])}</li>'
            for line in near_cutoff_lines(comparison.near_cutoffs))
    return (_panel(DISAGREE_TITLE, "", disagreements, "disagreements")
            + _panel("Near a cut-off", "The margins are the tool's conventions, not evidence: "
                     "a value this close to a study's cut-off could fall on its other side "
                     "with a different measurement.", near, "near-cutoffs"))


def _sources(comparison: Comparison) -> str:
    """Each study's citation, its DOI as a link (or the rule set's note on why there is
    none)."""
    items = []
    for rs, r in zip(comparison.rule_sets, comparison.results, strict=True):
        cited = rs.citation
        doi = cited.doi
        tail = (f' <a href="https://doi.org/{_e(doi)}">https://doi.org/{_e(doi)}</a>' if doi
                else f" ({_e(cited.note)})" if cited.note else "")
        items.append(f"<li><strong>{_e(r.short_name)}</strong>: "
                     f"{_e(dataclasses.replace(cited, doi=None).format())}{tail}</li>")
    return f'<section id="sources"><h2>Sources</h2><ol>{"".join(items)}</ol></section>'


def _rule_sets(meta: Mapping[str, Any]) -> str:
    """A row group per rule set: id, version, status, review date, then its file's sha256 on
    a line of its own (64 characters fit an A4 line whole)."""
    groups = "".join(
        f'<tbody><tr><th scope="rowgroup" class="id">{_e(rs["id"])}</th>'
        f'<td>{_e(rs["version"])}</td><td>{_e(rs["status"])}</td>'
        f'<td>{_e(rs["reviewed"])}</td></tr>'
        f'<tr class="hash-row"><td colspan="4">sha256 '
        f'<code class="hash">{_e(rs["sha256"])}</code></td></tr></tbody>'
        for rs in meta["rule_sets"])
    return ('<section id="rule-sets"><h2>Rule sets used</h2><table class="rule-sets">'
            "<caption>With each rule file's sha256: the same hash means the same rules"
            '</caption><thead><tr><th scope="col">Rule set</th><th scope="col">Version</th>'
            '<th scope="col">Status</th><th scope="col">Reviewed</th></tr></thead>'
            f"{groups}</table></section>")


def title_of(comparison: Comparison) -> str:
    return f"Prognosis comparison report: {comparison.patient.id or 'one patient'}"


def render_html(comparison: Comparison, meta: Mapping[str, Any], agreements: bool = False
                ) -> str:
    patient, results = comparison.patient, comparison.results
    units, notes = comparison.units(), patient.notes
    made = (f"Created {meta['created']} by {meta['tool']} {meta['version']} from "
            f"{meta['patient_source']}")
    studies = "".join(_study(r, units, notes) for r in results)
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="UTF-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="{_e(meta["tool"])} {_e(meta["version"])}">',
        f'<meta name="dcterms.created" content="{_e(meta["created"])}">',
        f"<title>{_e(title_of(comparison))}</title>", f"<style>{STYLE}</style>", "</head>",
        "<body>", "<header>", f"<h1>{_e(title_of(comparison))}</h1>",
        f'<p class="meta">{_e(made)}</p>',
        f'<p class="disclaimer" role="note"><strong>{_e(DISCLAIMER)}</strong></p>', "</header>",
        "<main>",
        f'<section id="inputs"><h2>Patient inputs</h2>{_inputs(comparison)}</section>',
        f'<section id="studies"><h2>{_e(fmt.heading(patient.id, results))}</h2>',
        _summary(results, units, notes),
        '<p class="legend">Factors: + present, - absent, ? unknown (not given). Each figure '
        "says whom it describes when that is not the patient's own score or group.</p>",
        studies, "</section>", _panels(comparison, agreements), _sources(comparison),
        _rule_sets(meta),
        "</main>", f"<footer><p>{_e(made)}.</p><p>{_e(DISCLAIMER)}</p></footer>",
        "</body>", "</html>", ""])
